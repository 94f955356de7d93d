// Product of two values of one format rounded once (RNE) to that format (combinational):
// the exact product of fp_mul_core, then fp_round; NaN operands and 0 * Inf give the
// canonical quiet NaN, Inf operands an infinity, zeros a signed zero.
module fp_mul_round #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW
) (
  input  logic [ExpW+ManW:0] a_i,
  input  logic [ExpW+ManW:0] b_i,
  output logic [ExpW+ManW:0] p_o
);

  localparam int unsigned XW    = fp_pkg::ExpIntW;
  localparam int unsigned ProdW = 2 * (ManW + 1);

  logic                 p_sign, p_zero, p_inf, p_nan;
  logic signed [XW-1:0] p_exp;
  logic [ProdW-1:0]     p_sig;
  logic [ExpW+ManW:0]   p_rounded;

  fp_mul_core #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_mul (
    .a_i   (a_i),
    .b_i   (b_i),
    .sign_o(p_sign),
    .zero_o(p_zero),
    .inf_o (p_inf),
    .nan_o (p_nan),
    .exp_o (p_exp),
    .sig_o (p_sig)
  );

  fp_round #(
    .SigW(ProdW),
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_round (
    .sign_i  (p_sign),
    .exp_i   (p_exp),
    .sig_i   (p_sig),
    .sticky_i(1'b0),
    .x_o     (p_rounded)
  );

  always_comb begin
    // A zero product has sig = 0 and leaves fp_round as a signed zero.
    if (p_nan) begin
      p_o = {1'b0, {ExpW{1'b1}}, 1'b1, {(ManW - 1){1'b0}}};
    end else if (p_inf) begin
      p_o = {p_sign, {ExpW{1'b1}}, {ManW{1'b0}}};
    end else begin
      p_o = p_rounded;
    end
  end

  logic unused_zero;
  assign unused_zero = p_zero;

endmodule
