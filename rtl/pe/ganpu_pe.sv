// Processing element: one fused FP MAC (fp_mac, latency 3) and Slots FP32 accumulators.
// Slots independent outputs are interleaved, one issue per cycle, so each accumulator's
// recurrence (issue -> result 3 cycles later -> next issue of that slot Slots cycles later)
// never waits on the MAC. An issue with mac_en_i low passes the accumulator through
// unchanged: it stands for a tap that has no real product (padding, out of range), which
// must not add a zero (that could flip the sign of a zero sum).
module ganpu_pe #(
  parameter int unsigned ExpW  = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW  = fp_pkg::Fp16ManW,
  parameter int unsigned Slots = 4,
  localparam int unsigned SlotW = (Slots > 1) ? $clog2(Slots) : 1
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               issue_i,    // an operation for slot_i enters this cycle
  input  logic [SlotW-1:0]   slot_i,
  input  logic               first_i,    // first term of the sum: start from init_i
  input  logic [31:0]        init_i,     // FP32 initial value (bias or +0)
  input  logic               mac_en_i,   // 1: acc += a_i * b_i; 0: acc unchanged
  input  logic [ExpW+ManW:0] a_i,
  input  logic [ExpW+ManW:0] b_i,
  input  logic [SlotW-1:0]   rd_slot_i,  // drain: which accumulator acc_o shows
  output logic [31:0]        acc_o,
  input  logic               ld_i,       // load ld_data_i into accumulator ld_slot_i
  input  logic [SlotW-1:0]   ld_slot_i,  // (partial sums of a split reduction; never while
  input  logic [31:0]        ld_data_i   //  operations are in flight)
);

  // The MAC's latency; the delay line beside it carries what the write-back needs.
  localparam int unsigned MacLatency = 3;
  localparam int unsigned TagW = 1 + SlotW + 32;

  logic [31:0]      acc_q [Slots];
  logic [31:0]      acc_in, mac_out;
  logic             mac_valid;
  logic [TagW-1:0]  tag_q [MacLatency];
  logic             wb_pass;
  logic [SlotW-1:0] wb_slot;
  logic [31:0]      wb_acc;
  logic             unused_mac_valid;

  assign acc_in = first_i ? init_i : acc_q[slot_i];

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

  // {pass, slot, acc} travels beside the MAC; the issue valid bit travels with reset.
  logic [MacLatency-1:0] live_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      live_q <= '0;
    end else begin
      live_q <= {live_q[MacLatency-2:0], issue_i};
    end
  end

  always_ff @(posedge clk_i) begin
    tag_q[0] <= {!mac_en_i, slot_i, acc_in};
    for (int unsigned i = 1; i < MacLatency; i++) begin
      tag_q[i] <= tag_q[i-1];
    end
  end

  assign {wb_pass, wb_slot, wb_acc} = tag_q[MacLatency-1];

  always_ff @(posedge clk_i) begin
    if (live_q[MacLatency-1]) begin
      acc_q[wb_slot] <= wb_pass ? wb_acc : mac_out;
    end else if (ld_i) begin
      acc_q[ld_slot_i] <= ld_data_i;
    end
  end

  assign acc_o = acc_q[rd_slot_i];

endmodule
