// One EORS lane: the running sums of one output, a term a cycle. P adds each term's signed
// power of two, Q its magnitude (ganpu_eors_term); first_i starts a new output with this
// cycle's term. Exact integers: SumW bits hold 2^MaxTermsLog2 terms of the largest power.
module ganpu_eors_lane #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW,
  localparam int unsigned W = ExpW + ManW + 1
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  input  logic                        valid_i,
  input  logic                        first_i,  // with valid_i: the output's first term
  input  logic [W-1:0]                a_i,
  input  logic [W-1:0]                w_i,
  input  ganpu_eors_pkg::lsb_t        lsb_i,
  output ganpu_eors_pkg::sum_t        p_o,
  output ganpu_eors_pkg::sum_t        q_o
);

  localparam int unsigned MaxShift = ganpu_eors_pkg::MaxShift;
  localparam int unsigned SumW = ganpu_eors_pkg::SumW;

  logic                t_valid, t_neg;
  logic [MaxShift:0]   t_onehot;

  ganpu_eors_term #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_term (
    .a_i     (a_i),
    .w_i     (w_i),
    .lsb_i   (lsb_i),
    .valid_o (t_valid),
    .neg_o   (t_neg),
    .onehot_o(t_onehot)
  );

  ganpu_eors_pkg::sum_t mag, p_base, q_base, p_d, q_d, p_q, q_q;
  assign mag    = SumW'(t_onehot);
  assign p_base = first_i ? '0 : p_q;
  assign q_base = first_i ? '0 : q_q;
  assign p_d    = t_neg ? p_base - mag : p_base + mag;
  assign q_d    = q_base + mag;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p_q <= '0;
      q_q <= '0;
    end else if (valid_i) begin
      p_q <= p_d;
      q_q <= q_d;
    end
  end

  assign p_o = p_q;
  assign q_o = q_q;

  logic unused_valid;
  assign unused_valid = t_valid;  // an invalid term's one-hot is 0

endmodule
