// Second half of the exact-operand adder (combinational): adds or subtracts the aligned
// significands, normalizes and rounds once to (ExpW, ManW). With two guard bits and a sticky
// bit the sum is exact wherever a rounding decision depends on it.
module fp_add_round #(
  parameter int unsigned SigW = 24,
  parameter int unsigned ExpW = fp_pkg::Fp32ExpW,
  parameter int unsigned ManW = fp_pkg::Fp32ManW,
  localparam int unsigned XW  = fp_pkg::ExpIntW
) (
  input  logic                 nan_i,
  input  logic                 inf_i,
  input  logic                 inf_sign_i,
  input  logic                 both_zero_i,
  input  logic                 zero_sign_i,
  input  logic                 sign_i,
  input  logic                 eff_sub_i,
  input  logic signed [XW-1:0] exp_i,
  input  logic [SigW+2:0]      big_i,
  input  logic [SigW+2:0]      small_i,
  output logic [ExpW+ManW:0]   x_o
);

  localparam int unsigned SumW = SigW + 4;
  localparam int unsigned CntW = $clog2(SumW + 1);

  logic [SumW-1:0]      sum, sum_norm;
  logic [CntW-1:0]      lz;
  logic signed [XW-1:0] exp_norm;
  logic                 sum_sign;
  logic [ExpW+ManW:0]   rounded;

  assign sum = eff_sub_i ? ({1'b0, big_i} - {1'b0, small_i}) : ({1'b0, big_i} + {1'b0, small_i});

  fp_lzc #(
    .Width(SumW)
  ) u_lzc (
    .in_i (sum),
    .cnt_o(lz)
  );

  assign sum_norm = sum << lz;
  // The sum's MSB sits one place above the larger operand's leading one.
  assign exp_norm = exp_i + XW'(1) - XW'($signed({1'b0, lz}));
  // An exact cancellation x + (-x) is +0 under round-to-nearest.
  assign sum_sign = (sum == '0) ? 1'b0 : sign_i;

  fp_round #(
    .SigW(SumW),
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_round (
    .sign_i  (sum_sign),
    .exp_i   (exp_norm),
    .sig_i   (sum_norm),
    .sticky_i(1'b0),
    .x_o     (rounded)
  );

  always_comb begin
    if (nan_i) begin
      x_o = {1'b0, {ExpW{1'b1}}, 1'b1, {(ManW - 1){1'b0}}};
    end else if (inf_i) begin
      x_o = {inf_sign_i, {ExpW{1'b1}}, {ManW{1'b0}}};
    end else if (both_zero_i) begin
      x_o = {zero_sign_i, {(ExpW + ManW){1'b0}}};
    end else begin
      x_o = rounded;
    end
  end

endmodule
