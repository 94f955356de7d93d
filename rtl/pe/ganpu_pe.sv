// Processing element: one fused FP MAC (fp_mac) and two banks of Slots FP32 accumulators.
// Slots independent outputs are interleaved, one issue per cycle, so each accumulator's
// recurrence (issue -> result MacLatency cycles later -> next issue of that slot Slots cycles
// later) never waits on the MAC. Tile t accumulates in bank t mod 2 while the store unit reads
// tile t - 1 from the other bank. An issue with mac_en_i low passes the accumulator through
// unchanged: it stands for a tap that has no real product (padding, out of range), which must
// not add a zero (that could flip the sign of a zero sum). acc_o shows both banks; the array
// selects the one being drained.
module ganpu_pe #(
  parameter int unsigned ExpW  = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW  = fp_pkg::Fp16ManW,
  localparam int unsigned Slots = ganpu_core_pkg::Slots,
  localparam int unsigned SlotW = ganpu_core_pkg::SlotW,
  localparam int unsigned NumBanks = ganpu_core_pkg::NumBanks
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               issue_i,    // an operation for (bank_i, slot_i) enters this cycle
  input  logic               bank_i,
  input  logic [SlotW-1:0]   slot_i,
  input  logic               first_i,    // first term of the sum: start from init_i
  input  logic [31:0]        init_i,     // FP32 initial value (bias or +0)
  input  logic               mac_en_i,   // 1: acc += a_i * b_i; 0: acc unchanged
  input  logic [ExpW+ManW:0] a_i,
  input  logic [ExpW+ManW:0] b_i,
  // Every accumulator: bank b, slot s at [(b*Slots + s)*32 +: 32].
  output logic [NumBanks*Slots*32-1:0] acc_o,
  input  logic               ld_i,       // load ld_data_i into accumulator (ld_bank_i,
  input  logic               ld_bank_i,  // ld_slot_i): partial sums of a split reduction,
  input  logic [SlotW-1:0]   ld_slot_i,  // never into the bank being issued
  input  logic [31:0]        ld_data_i
);

  localparam int unsigned MacLatency = fp_pkg::MacLatency;
  localparam int unsigned TagW = 2 + SlotW + 32;

  logic [31:0]      acc_q [NumBanks][Slots];
  logic [31:0]      acc_in, mac_out;
  logic             mac_valid;
  logic [TagW-1:0]  tag_q [MacLatency];
  logic             wb_pass, wb_bank;
  logic [SlotW-1:0] wb_slot;
  logic [31:0]      wb_acc;
  logic             unused_mac_valid;

  assign acc_in = first_i ? init_i : acc_q[bank_i][slot_i];

  fp_mac #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_mac (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(issue_i & mac_en_i),
    .acc_i  (acc_in),
    .a_i    (a_i),
    .b_i    (b_i),
    .valid_o(mac_valid),
    .acc_o  (mac_out)
  );
  assign unused_mac_valid = mac_valid;

  // {pass, bank, slot, acc} travels beside the MAC; the issue valid bit travels with reset.
  logic [MacLatency-1:0] live_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      live_q <= '0;
    end else begin
      live_q <= MacLatency'({live_q, issue_i});
    end
  end

  always_ff @(posedge clk_i) begin
    tag_q[0] <= {!mac_en_i, bank_i, slot_i, acc_in};
    for (int unsigned i = 1; i < MacLatency; i++) begin
      tag_q[i] <= tag_q[i-1];
    end
  end

  assign {wb_pass, wb_bank, wb_slot, wb_acc} = tag_q[MacLatency-1];

  // The write-back and a partial-sum load never meet in one bank (the load goes to the bank
  // of a tile that has not started); each bank has its own write port.
  for (genvar b = 0; b < NumBanks; b++) begin : g_bank
    logic wb_here, ld_here;
    assign wb_here = live_q[MacLatency-1] && (wb_bank == 1'(b));
    assign ld_here = ld_i && (ld_bank_i == 1'(b));
    always_ff @(posedge clk_i) begin
      if (wb_here) begin
        acc_q[b][wb_slot] <= wb_pass ? wb_acc : mac_out;
      end else if (ld_here) begin
        acc_q[b][ld_slot_i] <= ld_data_i;
      end
    end
`ifndef SYNTHESIS
    always_ff @(posedge clk_i) begin
      if (rst_ni) assert (!(wb_here && ld_here))
        else $error("ganpu_pe: partial-sum load into bank %0d while it is written back", b);
    end
`endif
  end

  for (genvar b = 0; b < NumBanks; b++) begin : g_rd_bank
    for (genvar s = 0; s < Slots; s++) begin : g_rd_slot
      assign acc_o[(b*Slots + s)*32 +: 32] = acc_q[b][s];
    end
  end

endmodule
