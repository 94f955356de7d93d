// Fused multiply-accumulate, latency 3: acc_o = acc_i + a_i * b_i with one rounding (RNE).
// a_i and b_i are (ExpW, ManW) values, the accumulator is (AccExpW, AccManW), FP32 by default.
// Stage 1 forms the exact product and unpacks the accumulator, stage 2 aligns, stage 3 adds,
// normalizes and rounds. The product is never rounded on its own.
module fp_mac #(
  parameter int unsigned ExpW    = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW    = fp_pkg::Fp16ManW,
  parameter int unsigned AccExpW = fp_pkg::Fp32ExpW,
  parameter int unsigned AccManW = fp_pkg::Fp32ManW,
  localparam int unsigned XW     = fp_pkg::ExpIntW,
  localparam int unsigned ProdW  = 2 * (ManW + 1),
  localparam int unsigned AccSigW = AccManW + 1,
  // Common significand width: the wider of the product and the accumulator.
  localparam int unsigned SigW   = (ProdW > AccSigW) ? ProdW : AccSigW
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     valid_i,
  input  logic [AccExpW+AccManW:0] acc_i,
  input  logic [ExpW+ManW:0]       a_i,
  input  logic [ExpW+ManW:0]       b_i,
  output logic                     valid_o,
  output logic [AccExpW+AccManW:0] acc_o
);

  localparam int unsigned OperandW = 4 + XW + SigW;
  localparam int unsigned AlignW   = 7 + XW + 2 * (SigW + 3);

  // Stage 1: exact product and unpacked accumulator.
  logic                 p_sign, p_zero, p_inf, p_nan;
  logic signed [XW-1:0] p_exp;
  logic [ProdW-1:0]     p_sig;
  logic                 c_sign, c_zero, c_inf, c_nan;
  logic signed [XW-1:0] c_exp;
  logic [AccSigW-1:0]   c_sig;
  logic [SigW-1:0]      p_sig_d, c_sig_d;

  logic                 s1_valid;
  logic                 p_sign_q, p_zero_q, p_inf_q, p_nan_q;
  logic                 c_sign_q, c_zero_q, c_inf_q, c_nan_q;
  logic signed [XW-1:0] p_exp_q, c_exp_q;
  logic [SigW-1:0]      p_sig_q, c_sig_q;

  // Stage 2: alignment.
  logic                 nan_d, inf_d, inf_sign_d, both_zero_d, zero_sign_d, sign_d, eff_sub_d;
  logic signed [XW-1:0] exp_d;
  logic [SigW+2:0]      big_d, small_d;

  logic                 s2_valid;
  logic                 nan_q, inf_q, inf_sign_q, both_zero_q, zero_sign_q, sign_q, eff_sub_q;
  logic signed [XW-1:0] exp_q;
  logic [SigW+2:0]      big_q, small_q;

  // Stage 3: sum and rounding.
  logic [AccExpW+AccManW:0] acc_d;

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

  fp_unpack #(
    .ExpW(AccExpW),
    .ManW(AccManW)
  ) u_unpack_acc (
    .x_i   (acc_i),
    .sign_o(c_sign),
    .zero_o(c_zero),
    .inf_o (c_inf),
    .nan_o (c_nan),
    .exp_o (c_exp),
    .sig_o (c_sig)
  );

  // Left-align both significands in the common width; the exponents name the MSB already.
  assign p_sig_d = SigW'(p_sig) << (SigW - ProdW);
  assign c_sig_d = SigW'(c_sig) << (SigW - AccSigW);

  fp_pipe_reg #(
    .Width(2 * OperandW)
  ) u_s1_reg (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(valid_i),
    .data_i ({p_sign, p_zero, p_inf, p_nan, p_exp, p_sig_d,
              c_sign, c_zero, c_inf, c_nan, c_exp, c_sig_d}),
    .valid_o(s1_valid),
    .data_o ({p_sign_q, p_zero_q, p_inf_q, p_nan_q, p_exp_q, p_sig_q,
              c_sign_q, c_zero_q, c_inf_q, c_nan_q, c_exp_q, c_sig_q})
  );

  fp_add_align #(
    .SigW(SigW)
  ) u_align (
    .a_sign_i   (c_sign_q),
    .a_zero_i   (c_zero_q),
    .a_inf_i    (c_inf_q),
    .a_nan_i    (c_nan_q),
    .a_exp_i    (c_exp_q),
    .a_sig_i    (c_sig_q),
    .b_sign_i   (p_sign_q),
    .b_zero_i   (p_zero_q),
    .b_inf_i    (p_inf_q),
    .b_nan_i    (p_nan_q),
    .b_exp_i    (p_exp_q),
    .b_sig_i    (p_sig_q),
    .nan_o      (nan_d),
    .inf_o      (inf_d),
    .inf_sign_o (inf_sign_d),
    .both_zero_o(both_zero_d),
    .zero_sign_o(zero_sign_d),
    .sign_o     (sign_d),
    .eff_sub_o  (eff_sub_d),
    .exp_o      (exp_d),
    .big_o      (big_d),
    .small_o    (small_d)
  );

  fp_pipe_reg #(
    .Width(AlignW)
  ) u_s2_reg (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(s1_valid),
    .data_i ({nan_d, inf_d, inf_sign_d, both_zero_d, zero_sign_d, sign_d, eff_sub_d, exp_d,
              big_d, small_d}),
    .valid_o(s2_valid),
    .data_o ({nan_q, inf_q, inf_sign_q, both_zero_q, zero_sign_q, sign_q, eff_sub_q, exp_q,
              big_q, small_q})
  );

  fp_add_round #(
    .SigW(SigW),
    .ExpW(AccExpW),
    .ManW(AccManW)
  ) u_round (
    .nan_i      (nan_q),
    .inf_i      (inf_q),
    .inf_sign_i (inf_sign_q),
    .both_zero_i(both_zero_q),
    .zero_sign_i(zero_sign_q),
    .sign_i     (sign_q),
    .eff_sub_i  (eff_sub_q),
    .exp_i      (exp_q),
    .big_i      (big_q),
    .small_i    (small_q),
    .x_o        (acc_d)
  );

  fp_pipe_reg #(
    .Width(AccExpW + AccManW + 1)
  ) u_s3_reg (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(s2_valid),
    .data_i (acc_d),
    .valid_o(valid_o),
    .data_o (acc_o)
  );

endmodule
