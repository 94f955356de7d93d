// The gradient at an activation's input (combinational), from the gradient dy at its output
// and the forward pass's mask bit (1 = the FP32 sum was > 0):
//   keep_i = 1: dy;  else ReLU: +0, LeakyReLU: dy * slope (rounded once, RNE), none: dy.
// dy passes through bit for bit (NaN payloads included) wherever it is kept.
module fp_masked_grad #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW
) (
  input  fp_pkg::act_mode_e  mode_i,
  input  logic               keep_i,
  input  logic [ExpW+ManW:0] dy_i,
  input  logic [ExpW+ManW:0] slope_i,
  output logic [ExpW+ManW:0] dz_o
);

  logic [ExpW+ManW:0] scaled;

  fp_mul_round #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_scale (
    .a_i(dy_i),
    .b_i(slope_i),
    .p_o(scaled)
  );

  always_comb begin
    unique case (mode_i)
      fp_pkg::ActRelu:      dz_o = keep_i ? dy_i : '0;
      fp_pkg::ActLeakyRelu: dz_o = keep_i ? dy_i : scaled;
      default:              dz_o = dy_i;
    endcase
  end

endmodule
