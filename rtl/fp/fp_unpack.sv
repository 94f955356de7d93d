// Decodes a packed IEEE-style value into class flags, sign, the unbiased exponent of its
// leading one and a normalized significand (hidden bit at the top). Subnormals are normalized
// here so every later stage sees a leading one. Zero, Inf and NaN give exp_o = 0, sig_o = 0.
module fp_unpack #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW,
  localparam int unsigned XW  = fp_pkg::ExpIntW
) (
  input  logic [ExpW+ManW:0] x_i,
  output logic               sign_o,
  output logic               zero_o,
  output logic               inf_o,
  output logic               nan_o,
  output logic signed [XW-1:0] exp_o,
  output logic [ManW:0]      sig_o
);

  localparam int Bias = (1 <<< (ExpW - 1)) - 1;
  localparam int EMin = 1 - Bias;
  localparam int unsigned CntW = $clog2(ManW + 2);

  logic [ExpW-1:0] exp_field;
  logic [ManW-1:0] man_field;
  logic            exp_zero, exp_ones;
  logic [CntW-1:0] sub_lz;

  assign exp_field = x_i[ExpW+ManW-1:ManW];
  assign man_field = x_i[ManW-1:0];
  assign exp_zero  = (exp_field == '0);
  assign exp_ones  = (exp_field == '1);
  assign sign_o    = x_i[ExpW+ManW];

  // Leading zeros of {0, mantissa}: at least 1 for a subnormal.
  fp_lzc #(
    .Width(ManW + 1)
  ) u_sub_lzc (
    .in_i ({1'b0, man_field}),
    .cnt_o(sub_lz)
  );

  always_comb begin
    zero_o = exp_zero && (man_field == '0);
    inf_o  = exp_ones && (man_field == '0);
    nan_o  = exp_ones && (man_field != '0);
    exp_o  = '0;
    sig_o  = '0;
    if (!exp_zero && !exp_ones) begin
      exp_o = XW'($signed({1'b0, exp_field})) - XW'(Bias);
      sig_o = {1'b1, man_field};
    end else if (exp_zero && !zero_o) begin
      exp_o = XW'(EMin) - XW'($signed({1'b0, sub_lz}));
      sig_o = {1'b0, man_field} << sub_lz;
    end
  end

endmodule
