// One EORS term (combinational): from the signs and exponent fields of a and w alone, the
// product's power of two in units of 2^lsb_i, as a one-hot magnitude and a sign. No term if
// either operand is +-0 (skipped) or the power is below 2^lsb_i (dropped); powers above
// 2^MaxShift count as 2^MaxShift.
module ganpu_eors_term #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW,
  localparam int unsigned W = ExpW + ManW + 1,
  localparam int unsigned MaxShift = ganpu_eors_pkg::MaxShift
) (
  input  logic [W-1:0]                a_i,
  input  logic [W-1:0]                w_i,
  input  ganpu_eors_pkg::lsb_t        lsb_i,
  output logic                        valid_o,  // the term counts
  output logic                        neg_o,
  output logic [MaxShift:0]           onehot_o  // 2^k, 0 if !valid_o
);

  localparam int unsigned KW = ganpu_eors_pkg::LsbW + 2;  // holds E(a) + E(w) - lsb
  localparam int Bias = (1 << (ExpW - 1)) - 1;

  logic            a_sign, w_sign, a_zero, w_zero;
  logic [ExpW-1:0] a_exp, w_exp;

  fp_exp_sign #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_a (
    .x_i   (a_i),
    .sign_o(a_sign),
    .exp_o (a_exp),
    .zero_o(a_zero)
  );

  fp_exp_sign #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_w (
    .x_i   (w_i),
    .sign_o(w_sign),
    .exp_o (w_exp),
    .zero_o(w_zero)
  );

  localparam int unsigned ShW = $clog2(MaxShift + 1);
  logic signed [KW-1:0] k;
  logic [ShW-1:0]       shift;
  assign k = KW'($signed({1'b0, a_exp})) + KW'($signed({1'b0, w_exp})) - KW'(2 * Bias) -
             KW'(lsb_i);
  assign valid_o  = !a_zero && !w_zero && (k >= 0);
  assign shift    = (k > $signed(KW'(MaxShift))) ? ShW'(MaxShift) : k[ShW-1:0];
  assign neg_o    = a_sign ^ w_sign;
  assign onehot_o = valid_o ? ((MaxShift+1)'(1) << shift) : '0;

endmodule
