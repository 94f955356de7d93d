// Pipelined activation (latency 1) on a value of (ExpW, ManW): none, ReLU or LeakyReLU with
// a slope of the same format. ReLU maps every value with the sign bit set (-0, -Inf included)
// to +0; LeakyReLU multiplies them by slope_i and rounds once (RNE). NaN gives the canonical
// quiet NaN in every mode.
module fp_act #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                valid_i,
  input  fp_pkg::act_mode_e   mode_i,
  input  logic [ExpW+ManW:0]  x_i,
  input  logic [ExpW+ManW:0]  slope_i,
  output logic                valid_o,
  output logic [ExpW+ManW:0]  y_o
);

  localparam logic [ExpW+ManW:0] CanonicalNan = {1'b0, {ExpW{1'b1}}, 1'b1, {(ManW - 1){1'b0}}};

  logic [ExpW+ManW:0] scaled, y_d;
  logic               x_sign, x_nan;

  assign x_sign = x_i[ExpW+ManW];
  assign x_nan  = (x_i[ExpW+ManW-1:ManW] == '1) && (x_i[ManW-1:0] != '0);

  fp_mul_round #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_scale (
    .a_i(x_i),
    .b_i(slope_i),
    .p_o(scaled)
  );

  always_comb begin
    if (x_nan) begin
      y_d = CanonicalNan;
    end else begin
      unique case (mode_i)
        fp_pkg::ActRelu:      y_d = x_sign ? '0 : x_i;
        fp_pkg::ActLeakyRelu: y_d = x_sign ? scaled : x_i;
        default:              y_d = x_i;
      endcase
    end
  end

  fp_pipe_reg #(
    .Width(ExpW + ManW + 1)
  ) u_out_reg (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(valid_i),
    .data_i (y_d),
    .valid_o(valid_o),
    .data_o (y_o)
  );

endmodule
