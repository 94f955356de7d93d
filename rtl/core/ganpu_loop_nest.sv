// Three nested loop counters (i0 outer, i2 inner). clear_i restarts at (0, 0, 0); step_i
// advances the innermost counter with carry and wraps to (0, 0, 0) after the last position.
// carry_o tells ganpu_affine_sum instances how the next step moves (see there).
module ganpu_loop_nest #(
  parameter int unsigned CntW = 16
) (
  input  logic            clk_i,
  input  logic            rst_ni,
  input  logic [CntW-1:0] n0_i,   // loop sizes, >= 1
  input  logic [CntW-1:0] n1_i,
  input  logic [CntW-1:0] n2_i,
  input  logic            clear_i,
  input  logic            step_i,
  output logic [1:0]      carry_o,  // 0: i2 steps, 1: i1 steps, 2: i0 steps, 3: wraps to 0
  output logic [CntW-1:0] i0_o,
  output logic            last12_o, // i1 and i2 are at their last values (end of a plane)
  output logic            last_o    // the last position of the nest
);

  logic [CntW-1:0] i0_q, i1_q, i2_q;
  logic            last2;

  assign last2    = (i2_q == n2_i - CntW'(1));
  assign last12_o = last2 && (i1_q == n1_i - CntW'(1));
  assign last_o   = last12_o && (i0_q == n0_i - CntW'(1));
  assign carry_o  = last_o ? 2'd3 : last12_o ? 2'd2 : last2 ? 2'd1 : 2'd0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      i0_q <= '0;
      i1_q <= '0;
      i2_q <= '0;
    end else if (clear_i || (step_i && last_o)) begin
      i0_q <= '0;
      i1_q <= '0;
      i2_q <= '0;
    end else if (step_i) begin
      unique case (carry_o)
        2'd0: i2_q <= i2_q + CntW'(1);
        2'd1: begin
          i2_q <= '0;
          i1_q <= i1_q + CntW'(1);
        end
        default: begin
          i2_q <= '0;
          i1_q <= '0;
          i0_q <= i0_q + CntW'(1);
        end
      endcase
    end
  end

  assign i0_o = i0_q;

endmodule
