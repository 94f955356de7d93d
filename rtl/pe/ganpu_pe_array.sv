// PeRows x PeCols processing elements. Column c shares one A operand stream (its output
// positions' inputs) and one first-term bit; every PE has its own B operand (row j's output
// channel: the same for a whole row in the dense issue, the column's own term in the walked
// one) and its own accumulate/pass bit. All PEs issue on the same bank and slot.
//
// Every issue and partial-sum load enters through one register stage at the array's edge
// (ganpu_core_pkg::ArrayInLatency cycles), and the array runs on a gated clock that ticks only
// while an issue or a load is entering or in flight: the operand broadcast starts at a register,
// and an idle array does no work (in silicon: no dynamic power; in the Verilated model: none of
// its logic is evaluated). The drain reads the accumulators combinationally, on any cycle.
module ganpu_pe_array #(
  parameter int unsigned PeRows = 4,
  parameter int unsigned PeCols = 4,
  parameter int unsigned ExpW   = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW   = fp_pkg::Fp16ManW,
  localparam int unsigned W     = ExpW + ManW + 1,
  localparam int unsigned Slots = ganpu_core_pkg::Slots,
  localparam int unsigned SlotW = ganpu_core_pkg::SlotW,
  localparam int unsigned NumBanks = ganpu_core_pkg::NumBanks,
  localparam int unsigned RowW  = (PeRows > 1) ? $clog2(PeRows) : 1,
  localparam int unsigned ColW  = (PeCols > 1) ? $clog2(PeCols) : 1
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     issue_i,
  input  logic                     bank_i,
  input  logic [SlotW-1:0]         slot_i,
  input  logic [PeCols-1:0]        first_i,     // per column: the sum starts from init
  input  logic [PeRows*32-1:0]     init_i,      // per row
  input  logic [PeRows*PeCols-1:0] mac_i,       // PE (j, c) at j * PeCols + c: accumulate
                                                // (1) or pass (0)
  input  logic [PeCols*W-1:0]      a_i,         // per column
  input  logic [PeRows*PeCols*W-1:0] b_i,       // per PE, like mac_i
  // Drain: the Slots accumulators of PE (rd_row_i, rd_col_i) in bank rd_bank_i.
  input  logic                     rd_bank_i,
  input  logic [RowW-1:0]          rd_row_i,
  input  logic [ColW-1:0]          rd_col_i,
  output logic [Slots*32-1:0]      acc_o,
  // Load one accumulator: PE (ld_row_i, ld_col_i), bank ld_bank_i, slot ld_slot_i.
  input  logic                     ld_i,
  input  logic                     ld_bank_i,
  input  logic [RowW-1:0]          ld_row_i,
  input  logic [ColW-1:0]          ld_col_i,
  input  logic [SlotW-1:0]         ld_slot_i,
  input  logic [31:0]              ld_data_i
);

  localparam int unsigned MacLatency = fp_pkg::MacLatency;
  // Gated-clock edges an issue needs after it enters the input stage: the MAC, the write-back.
  localparam int unsigned BusyW = MacLatency + 1;

  if (ganpu_core_pkg::ArrayInLatency != 1) begin : g_bad_latency
    $error("ganpu_pe_array: the input stage is one register; ArrayInLatency must be 1");
  end

  // --- Clock gate --------------------------------------------------------------------------------
  // busy_q[i]: an issue or a load entered i + 1 cycles ago and may still be in the PEs.
  logic [BusyW-1:0] busy_q;
  logic             array_en, array_clk;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= '0;
    end else begin
      busy_q <= BusyW'({busy_q, issue_i | ld_i});
    end
  end
  assign array_en = issue_i | ld_i | (|busy_q);

  ganpu_clock_gate u_clock_gate (
    .clk_i(clk_i),
    .en_i (array_en),
    .clk_o(array_clk)
  );

  // --- Input stage -------------------------------------------------------------------------------
  logic                 issue_q, ld_q;
  logic                 bank_q, ld_bank_q;
  logic [PeCols-1:0]    first_q;
  logic [SlotW-1:0]     slot_q, ld_slot_q;
  logic [PeRows*32-1:0] init_q;
  logic [PeRows*PeCols-1:0]   mac_q;
  logic [PeCols*W-1:0]        a_q;
  logic [PeRows*PeCols*W-1:0] b_q;
  logic [RowW-1:0]      ld_row_q;
  logic [ColW-1:0]      ld_col_q;
  logic [31:0]          ld_data_q;

  always_ff @(posedge array_clk or negedge rst_ni) begin
    if (!rst_ni) begin
      issue_q <= 1'b0;
      ld_q    <= 1'b0;
    end else begin
      issue_q <= issue_i;
      ld_q    <= ld_i;
    end
  end

  always_ff @(posedge array_clk) begin
    bank_q    <= bank_i;
    slot_q    <= slot_i;
    first_q   <= first_i;
    init_q    <= init_i;
    mac_q     <= mac_i;
    a_q       <= a_i;
    b_q       <= b_i;
    ld_bank_q <= ld_bank_i;
    ld_row_q  <= ld_row_i;
    ld_col_q  <= ld_col_i;
    ld_slot_q <= ld_slot_i;
    ld_data_q <= ld_data_i;
  end

  // --- PEs ---------------------------------------------------------------------------------------
  logic [NumBanks*Slots*32-1:0] pe_acc [PeRows][PeCols];
  assign acc_o = pe_acc[rd_row_i][rd_col_i][32'(rd_bank_i)*Slots*32 +: Slots*32];

  for (genvar j = 0; j < PeRows; j++) begin : g_row
    for (genvar c = 0; c < PeCols; c++) begin : g_col
      ganpu_pe #(
        .ExpW (ExpW),
        .ManW (ManW)
      ) u_pe (
        .clk_i    (array_clk),
        .rst_ni   (rst_ni),
        .issue_i  (issue_q),
        .bank_i   (bank_q),
        .slot_i   (slot_q),
        .first_i  (first_q[c]),
        .init_i   (init_q[j*32 +: 32]),
        .mac_en_i (mac_q[j*PeCols + c]),
        .a_i      (a_q[c*W +: W]),
        .b_i      (b_q[(j*PeCols + c)*W +: W]),
        .acc_o    (pe_acc[j][c]),
        .ld_i     (ld_q && (ld_row_q == RowW'(j)) && (ld_col_q == ColW'(c))),
        .ld_bank_i(ld_bank_q),
        .ld_slot_i(ld_slot_q),
        .ld_data_i(ld_data_q)
      );
    end
  end

endmodule
