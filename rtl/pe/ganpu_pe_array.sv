// PeRows x PeCols processing elements. Row j shares one B operand (its output channel's
// weight or gradient), column c shares one A operand stream (its output positions' inputs)
// and one pass/accumulate bit; all PEs issue in lock step on the same bank and slot.
module ganpu_pe_array #(
  parameter int unsigned PeRows = 4,
  parameter int unsigned PeCols = 4,
  parameter int unsigned ExpW   = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW   = fp_pkg::Fp16ManW,
  localparam int unsigned W     = ExpW + ManW + 1,
  localparam int unsigned Slots = ganpu_core_pkg::Slots,
  localparam int unsigned SlotW = ganpu_core_pkg::SlotW
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     issue_i,
  input  logic                     bank_i,
  input  logic [SlotW-1:0]         slot_i,
  input  logic                     first_i,
  input  logic [PeRows*32-1:0]     init_i,      // per row
  input  logic [PeRows-1:0]        row_en_i,    // rows holding a real output channel
  input  logic [PeCols-1:0]        col_mac_i,   // per column: accumulate (1) or pass (0)
  input  logic [PeCols*W-1:0]      a_i,         // per column
  input  logic [PeRows*W-1:0]      b_i,         // per row
  // Drain: the Slots accumulators of PE (rd_row_i, rd_col_i) in bank rd_bank_i.
  input  logic                     rd_bank_i,
  input  logic [$clog2(PeRows)-1:0] rd_row_i,
  input  logic [$clog2(PeCols)-1:0] rd_col_i,
  output logic [Slots*32-1:0]      acc_o,
  // Load one accumulator: PE (ld_row_i, ld_col_i), bank ld_bank_i, slot ld_slot_i.
  input  logic                     ld_i,
  input  logic                     ld_bank_i,
  input  logic [$clog2(PeRows)-1:0] ld_row_i,
  input  logic [$clog2(PeCols)-1:0] ld_col_i,
  input  logic [SlotW-1:0]         ld_slot_i,
  input  logic [31:0]              ld_data_i
);

  logic [Slots*32-1:0] pe_acc [PeRows][PeCols];
  assign acc_o = pe_acc[rd_row_i][rd_col_i];

  for (genvar j = 0; j < PeRows; j++) begin : g_row
    for (genvar c = 0; c < PeCols; c++) begin : g_col
      ganpu_pe #(
        .ExpW (ExpW),
        .ManW (ManW)
      ) u_pe (
        .clk_i    (clk_i),
        .rst_ni   (rst_ni),
        .issue_i  (issue_i),
        .bank_i   (bank_i),
        .slot_i   (slot_i),
        .first_i  (first_i),
        .init_i   (init_i[j*32 +: 32]),
        .mac_en_i (col_mac_i[c] & row_en_i[j]),
        .a_i      (a_i[c*W +: W]),
        .b_i      (b_i[j*W +: W]),
        .rd_bank_i(rd_bank_i),
        .acc_o    (pe_acc[j][c]),
        .ld_i     (ld_i && (ld_row_i == ($clog2(PeRows))'(j)) &&
                   (ld_col_i == ($clog2(PeCols))'(c))),
        .ld_bank_i(ld_bank_i),
        .ld_slot_i(ld_slot_i),
        .ld_data_i(ld_data_i)
      );
    end
  end

endmodule
