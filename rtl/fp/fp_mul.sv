// Pipelined exact multiplier (latency 1): the product of fp_mul_core, registered.
module fp_mul #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW,
  localparam int unsigned XW  = fp_pkg::ExpIntW,
  localparam int unsigned ProdW = 2 * (ManW + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 valid_i,
  input  logic [ExpW+ManW:0]   a_i,
  input  logic [ExpW+ManW:0]   b_i,
  output logic                 valid_o,
  output logic                 sign_o,
  output logic                 zero_o,
  output logic                 inf_o,
  output logic                 nan_o,
  output logic signed [XW-1:0] exp_o,
  output logic [ProdW-1:0]     sig_o
);

  localparam int unsigned PayloadW = 4 + XW + ProdW;

  logic                 sign_d, zero_d, inf_d, nan_d;
  logic signed [XW-1:0] exp_d;
  logic [ProdW-1:0]     sig_d;

  fp_mul_core #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_core (
    .a_i   (a_i),
    .b_i   (b_i),
    .sign_o(sign_d),
    .zero_o(zero_d),
    .inf_o (inf_d),
    .nan_o (nan_d),
    .exp_o (exp_d),
    .sig_o (sig_d)
  );

  fp_pipe_reg #(
    .Width(PayloadW)
  ) u_out_reg (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(valid_i),
    .data_i ({sign_d, zero_d, inf_d, nan_d, exp_d, sig_d}),
    .valid_o(valid_o),
    .data_o ({sign_o, zero_o, inf_o, nan_o, exp_o, sig_o})
  );

endmodule
