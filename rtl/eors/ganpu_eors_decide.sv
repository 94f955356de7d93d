// An EORS decision (combinational): the output is predicted <= 0, and so not computed, iff
//   64 * (comp * P + 4 * B) + margin * comp * Q <= 0
// (docs/sparsity.md): comp / 4 the mean significand product, margin in 1/64 of Q.
module ganpu_eors_decide (
  input  ganpu_eors_pkg::sum_t    p_i,
  input  ganpu_eors_pkg::sum_t    q_i,
  input  ganpu_eors_pkg::bias_t   bias_i,
  input  ganpu_eors_pkg::margin_t margin_i,
  input  ganpu_eors_pkg::comp_t   comp_i,
  output logic                    zero_o
);

  localparam int unsigned SumW = ganpu_eors_pkg::SumW;
  localparam int unsigned MarginW = ganpu_eors_pkg::MarginW;
  localparam int unsigned CompW = ganpu_eors_pkg::CompW;
  // |comp * P| < 2^(SumW + CompW - 1), |4 B| < 2^(BiasW + 1) < that; |margin * comp * Q| <
  // 2^(MarginW + CompW + SumW - 2): the score fits ScoreW bits with the factor 64.
  localparam int unsigned ScoreW = MarginW + CompW + SumW + 6;

  logic signed [ScoreW-1:0] comp_s, est, band, score;
  assign comp_s = ScoreW'($signed({1'b0, comp_i}));
  assign est    = comp_s * ScoreW'(p_i) + (ScoreW'(bias_i) <<< 2);
  assign band   = ScoreW'(margin_i) * comp_s * ScoreW'(q_i);
  assign score  = (est <<< 6) + band;
  assign zero_o = score <= 0;

endmodule
