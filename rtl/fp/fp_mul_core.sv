// Exact product of two values of one format (combinational). The 2P-bit significand product
// of two normalized P-bit significands holds every bit of the result, so nothing is rounded:
// the product is returned in an extended format (wider exponent, 2P-bit significand with its
// MSB set), value = (-1)^sign * sig_o * 2^(exp_o - (2P-1)).
module fp_mul_core #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW,
  localparam int unsigned XW  = fp_pkg::ExpIntW,
  localparam int unsigned ProdW = 2 * (ManW + 1)
) (
  input  logic [ExpW+ManW:0]   a_i,
  input  logic [ExpW+ManW:0]   b_i,
  output logic                 sign_o,
  output logic                 zero_o,
  output logic                 inf_o,
  output logic                 nan_o,
  output logic signed [XW-1:0] exp_o,
  output logic [ProdW-1:0]     sig_o
);

  logic                 a_sign, a_zero, a_inf, a_nan;
  logic                 b_sign, b_zero, b_inf, b_nan;
  logic signed [XW-1:0] a_exp, b_exp;
  logic [ManW:0]        a_sig, b_sig;
  logic [ProdW-1:0]     prod;

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

  assign prod = ProdW'(a_sig) * ProdW'(b_sig);

  always_comb begin
    nan_o  = a_nan | b_nan | (a_inf & b_zero) | (a_zero & b_inf);
    inf_o  = !nan_o & (a_inf | b_inf);
    zero_o = !nan_o & !inf_o & (a_zero | b_zero);
    sign_o = !nan_o & (a_sign ^ b_sign);
    exp_o  = '0;
    sig_o  = '0;
    if (!nan_o && !inf_o && !zero_o) begin
      // Two significands in [1,2) multiply to [1,4): at most one left shift normalizes.
      if (prod[ProdW-1]) begin
        exp_o = a_exp + b_exp + XW'(1);
        sig_o = prod;
      end else begin
        exp_o = a_exp + b_exp;
        sig_o = prod << 1;
      end
    end
  end

endmodule
