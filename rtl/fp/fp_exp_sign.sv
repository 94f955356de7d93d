// Sign, raw biased exponent and zero flag of a packed value (combinational). The zero
// predictor works on these fields alone; the zero flag also drives zero-operand skipping.
module fp_exp_sign #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW
) (
  input  logic [ExpW+ManW:0] x_i,
  output logic               sign_o,
  output logic [ExpW-1:0]    exp_o,
  output logic               zero_o
);

  assign sign_o = x_i[ExpW+ManW];
  assign exp_o  = x_i[ExpW+ManW-1:ManW];
  assign zero_o = (x_i[ExpW+ManW-1:0] == '0);

endmodule
