// Pipelined format conversion (latency 1) from (InExpW, InManW) to (OutExpW, OutManW), RNE,
// overflow to infinity, NaN to the canonical quiet NaN. Widening (FP16/BF16 -> FP32) is exact;
// narrowing (FP32 -> FP16/BF16) rounds once.
module fp_convert #(
  parameter int unsigned InExpW  = fp_pkg::Fp32ExpW,
  parameter int unsigned InManW  = fp_pkg::Fp32ManW,
  parameter int unsigned OutExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned OutManW = fp_pkg::Fp16ManW,
  localparam int unsigned XW     = fp_pkg::ExpIntW,
  // fp_round needs a guard bit and one more below the output mantissa.
  localparam int unsigned SigW   = (InManW + 1 > OutManW + 3) ? InManW + 1 : OutManW + 3
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     valid_i,
  input  logic [InExpW+InManW:0]   x_i,
  output logic                     valid_o,
  output logic [OutExpW+OutManW:0] x_o
);

  logic                     sign, zero, inf, nan;
  logic signed [XW-1:0]     exp;
  logic [InManW:0]          sig;
  logic [OutExpW+OutManW:0] rounded, x_d;

  fp_unpack #(
    .ExpW(InExpW),
    .ManW(InManW)
  ) u_unpack (
    .x_i   (x_i),
    .sign_o(sign),
    .zero_o(zero),
    .inf_o (inf),
    .nan_o (nan),
    .exp_o (exp),
    .sig_o (sig)
  );

  fp_round #(
    .SigW(SigW),
    .ExpW(OutExpW),
    .ManW(OutManW)
  ) u_round (
    .sign_i  (sign),
    .exp_i   (exp),
    .sig_i   (SigW'(sig) << (SigW - InManW - 1)),
    .sticky_i(1'b0),
    .x_o     (rounded)
  );

  always_comb begin
    if (nan) begin
      x_d = {1'b0, {OutExpW{1'b1}}, 1'b1, {(OutManW - 1){1'b0}}};
    end else if (inf) begin
      x_d = {sign, {OutExpW{1'b1}}, {OutManW{1'b0}}};
    end else begin
      // A zero reaches fp_round with sig = 0 and comes out as a signed zero.
      x_d = rounded;
    end
  end

  // The zero flag is implied by sig == 0 above.
  logic unused_zero;
  assign unused_zero = zero;

  fp_pipe_reg #(
    .Width(OutExpW + OutManW + 1)
  ) u_out_reg (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(valid_i),
    .data_i (x_d),
    .valid_o(valid_o),
    .data_o (x_o)
  );

endmodule
