// First half of an exact-operand adder (combinational): orders the operands by magnitude and
// shifts the smaller one right to the larger one's exponent, keeping guard and round bits and
// a sticky bit, so fp_add_round can round the sum exactly once. Also resolves NaN, Inf and
// zero+zero, whose results do not depend on the datapath.
module fp_add_align #(
  parameter int unsigned SigW = 24,
  localparam int unsigned XW  = fp_pkg::ExpIntW
) (
  input  logic                 a_sign_i,
  input  logic                 a_zero_i,
  input  logic                 a_inf_i,
  input  logic                 a_nan_i,
  input  logic signed [XW-1:0] a_exp_i,
  input  logic [SigW-1:0]      a_sig_i,
  input  logic                 b_sign_i,
  input  logic                 b_zero_i,
  input  logic                 b_inf_i,
  input  logic                 b_nan_i,
  input  logic signed [XW-1:0] b_exp_i,
  input  logic [SigW-1:0]      b_sig_i,
  output logic                 nan_o,        // result is NaN
  output logic                 inf_o,        // result is an infinity of sign inf_sign_o
  output logic                 inf_sign_o,
  output logic                 both_zero_o,  // result is a zero of sign zero_sign_o
  output logic                 zero_sign_o,
  output logic                 sign_o,       // sign of the larger operand
  output logic                 eff_sub_o,    // operand signs differ
  output logic signed [XW-1:0] exp_o,        // exponent of the larger operand
  output logic [SigW+2:0]      big_o,        // larger significand, 3 zero bits appended
  output logic [SigW+2:0]      small_o       // smaller significand aligned, with sticky LSB
);

  // Past SigW + 2 positions every bit of the smaller significand is in the sticky.
  localparam int unsigned MaxShift = SigW + 2;
  localparam int unsigned ShW = $clog2(MaxShift + 1);

  logic                 a_is_big;
  logic signed [XW-1:0] exp_y, exp_diff;
  logic [SigW-1:0]      sig_y;
  logic [ShW-1:0]       shift;
  logic [SigW+1:0]      y_ext, y_shifted, y_lost_mask;

  always_comb begin
    // A zero operand always counts as the smaller one; ties in exponent go by significand so
    // that the subtraction in fp_add_round never goes negative.
    a_is_big = b_zero_i | (!a_zero_i & ((a_exp_i > b_exp_i) |
                                        ((a_exp_i == b_exp_i) & (a_sig_i >= b_sig_i))));
    sign_o   = a_is_big ? a_sign_i : b_sign_i;
    exp_o    = a_is_big ? a_exp_i : b_exp_i;
    big_o    = {(a_is_big ? a_sig_i : b_sig_i), 3'b000};
    exp_y    = a_is_big ? b_exp_i : a_exp_i;
    sig_y    = a_is_big ? b_sig_i : a_sig_i;

    exp_diff = exp_o - exp_y;
    if (exp_diff > XW'(MaxShift)) begin
      shift = ShW'(MaxShift);
    end else begin
      shift = exp_diff[ShW-1:0];
    end
    y_ext       = {sig_y, 2'b00};
    y_shifted   = y_ext >> shift;
    y_lost_mask = ~({(SigW + 2){1'b1}} << shift);
    small_o     = {y_shifted, |(y_ext & y_lost_mask)};

    eff_sub_o   = a_sign_i ^ b_sign_i;
    nan_o       = a_nan_i | b_nan_i | (a_inf_i & b_inf_i & eff_sub_o);
    inf_o       = !nan_o & (a_inf_i | b_inf_i);
    inf_sign_o  = a_inf_i ? a_sign_i : b_sign_i;
    both_zero_o = a_zero_i & b_zero_i;
    zero_sign_o = a_sign_i & b_sign_i;
  end

endmodule
