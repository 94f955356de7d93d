// Pipelined adder of two values of one format (FP32 by default), latency 2:
// stage 1 unpacks and aligns, stage 2 adds, normalizes and rounds (RNE).
module fp_add #(
  parameter int unsigned ExpW = fp_pkg::Fp32ExpW,
  parameter int unsigned ManW = fp_pkg::Fp32ManW,
  localparam int unsigned XW  = fp_pkg::ExpIntW,
  localparam int unsigned SigW = ManW + 1
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               valid_i,
  input  logic [ExpW+ManW:0] a_i,
  input  logic [ExpW+ManW:0] b_i,
  output logic               valid_o,
  output logic [ExpW+ManW:0] sum_o
);

  localparam int unsigned AlignW = 7 + XW + 2 * (SigW + 3);

  logic                 a_sign, a_zero, a_inf, a_nan;
  logic                 b_sign, b_zero, b_inf, b_nan;
  logic signed [XW-1:0] a_exp, b_exp;
  logic [SigW-1:0]      a_sig, b_sig;

  logic                 nan_d, inf_d, inf_sign_d, both_zero_d, zero_sign_d, sign_d, eff_sub_d;
  logic signed [XW-1:0] exp_d;
  logic [SigW+2:0]      big_d, small_d;
  logic                 nan_q, inf_q, inf_sign_q, both_zero_q, zero_sign_q, sign_q, eff_sub_q;
  logic signed [XW-1:0] exp_q;
  logic [SigW+2:0]      big_q, small_q;
  logic                 valid_q;
  logic [ExpW+ManW:0]   sum_d;

  fp_unpack #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_unpack_a (
    .x_i   (a_i),
    .sign_o(a_sign),
    .zero_o(a_zero),
    .inf_o (a_inf),
    .nan_o (a_nan),
    .exp_o (a_exp),
    .sig_o (a_sig)
  );

  fp_unpack #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_unpack_b (
    .x_i   (b_i),
    .sign_o(b_sign),
    .zero_o(b_zero),
    .inf_o (b_inf),
    .nan_o (b_nan),
    .exp_o (b_exp),
    .sig_o (b_sig)
  );

  fp_add_align #(
    .SigW(SigW)
  ) u_align (
    .a_sign_i   (a_sign),
    .a_zero_i   (a_zero),
    .a_inf_i    (a_inf),
    .a_nan_i    (a_nan),
    .a_exp_i    (a_exp),
    .a_sig_i    (a_sig),
    .b_sign_i   (b_sign),
    .b_zero_i   (b_zero),
    .b_inf_i    (b_inf),
    .b_nan_i    (b_nan),
    .b_exp_i    (b_exp),
    .b_sig_i    (b_sig),
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
  ) u_align_reg (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(valid_i),
    .data_i ({nan_d, inf_d, inf_sign_d, both_zero_d, zero_sign_d, sign_d, eff_sub_d, exp_d,
              big_d, small_d}),
    .valid_o(valid_q),
    .data_o ({nan_q, inf_q, inf_sign_q, both_zero_q, zero_sign_q, sign_q, eff_sub_q, exp_q,
              big_q, small_q})
  );

  fp_add_round #(
    .SigW(SigW),
    .ExpW(ExpW),
    .ManW(ManW)
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
    .x_o        (sum_d)
  );

  fp_pipe_reg #(
    .Width(ExpW + ManW + 1)
  ) u_out_reg (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(valid_q),
    .data_i (sum_d),
    .valid_o(valid_o),
    .data_o (sum_o)
  );

endmodule
