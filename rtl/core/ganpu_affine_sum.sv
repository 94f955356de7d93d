// Running value of off_i + i0 * s0_i + i1 * s1_i + i2 * s2_i for the counters of a
// ganpu_loop_nest, kept with additions only: it follows the nest's clear_i/step_i and the
// carry level the nest reports for each step. Several of them give several affine functions
// (addresses, coordinates) of one loop nest.
module ganpu_affine_sum #(
  parameter int unsigned SumW = 32
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic signed [SumW-1:0] off_i,
  input  logic signed [SumW-1:0] s0_i,
  input  logic signed [SumW-1:0] s1_i,
  input  logic signed [SumW-1:0] s2_i,
  input  logic                   clear_i,
  input  logic                   step_i,
  input  logic [1:0]             carry_i,  // from ganpu_loop_nest
  output logic signed [SumW-1:0] sum_o
);

  // base0: value at the start of the current i0 iteration; base1: of the current i1 one.
  logic signed [SumW-1:0] base0_q, base1_q, sum_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      base0_q <= '0;
      base1_q <= '0;
      sum_q   <= '0;
    end else if (clear_i || (step_i && carry_i == 2'd3)) begin
      base0_q <= off_i;
      base1_q <= off_i;
      sum_q   <= off_i;
    end else if (step_i) begin
      unique case (carry_i)
        2'd0: sum_q <= sum_q + s2_i;
        2'd1: begin
          base1_q <= base1_q + s1_i;
          sum_q   <= base1_q + s1_i;
        end
        default: begin
          base0_q <= base0_q + s0_i;
          base1_q <= base0_q + s0_i;
          sum_q   <= base0_q + s0_i;
        end
      endcase
    end
  end

  assign sum_o = sum_q;

endmodule
