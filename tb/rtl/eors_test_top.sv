// Test-only top: the EORS units on their own (rtl/eors/), for test_eors_rtl. A lane takes the
// test's terms; the decision reads the lane's sums and the bias unit's units, so the test can
// check each unit and the chain against the golden model. The package's limits come out as
// ports, so the test can check that the model holds the same ones.
module eors_test_top #(
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW,
  localparam int unsigned W = ExpW + ManW + 1
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  input  logic                    valid_i,
  input  logic                    first_i,
  input  logic [W-1:0]            a_i,
  input  logic [W-1:0]            w_i,
  input  ganpu_eors_pkg::lsb_t    lsb_i,
  input  logic [31:0]             bias_i,
  input  ganpu_eors_pkg::margin_t margin_i,
  input  ganpu_eors_pkg::comp_t   comp_i,
  output ganpu_eors_pkg::sum_t    p_o,
  output ganpu_eors_pkg::sum_t    q_o,
  output ganpu_eors_pkg::bias_t   bias_units_o,
  output logic                    zero_o,
  output logic [7:0]              max_shift_o,
  output logic [7:0]              bias_clamp_log2_o,
  output logic [7:0]              max_terms_log2_o
);

  ganpu_eors_lane #(
    .ExpW(ExpW),
    .ManW(ManW)
  ) u_lane (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .valid_i(valid_i),
    .first_i(first_i),
    .a_i    (a_i),
    .w_i    (w_i),
    .lsb_i  (lsb_i),
    .p_o    (p_o),
    .q_o    (q_o)
  );

  ganpu_eors_bias u_bias (
    .b_i    (bias_i),
    .lsb_i  (lsb_i),
    .units_o(bias_units_o)
  );

  ganpu_eors_decide u_decide (
    .p_i     (p_o),
    .q_i     (q_o),
    .bias_i  (bias_units_o),
    .margin_i(margin_i),
    .comp_i  (comp_i),
    .zero_o  (zero_o)
  );

  assign max_shift_o       = 8'(ganpu_eors_pkg::MaxShift);
  assign bias_clamp_log2_o = 8'(ganpu_eors_pkg::BiasClampLog2);
  assign max_terms_log2_o  = 8'(ganpu_eors_pkg::MaxTermsLog2);

endmodule
