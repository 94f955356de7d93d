// Rounds sig_i * 2^(exp_i - (SigW-1)) (plus a sticky residue below sig_i) to the packed
// format (ExpW, ManW): round to nearest, ties to even; overflow to infinity; results below the
// normal range are denormalized before rounding, so subnormals and underflow are exact IEEE.
// sig_i must be normalized (MSB set) or zero; a zero sig_i gives a zero of sign sign_i.
module fp_round #(
  parameter int unsigned SigW = 24,
  parameter int unsigned ExpW = fp_pkg::Fp16ExpW,
  parameter int unsigned ManW = fp_pkg::Fp16ManW,
  localparam int unsigned XW  = fp_pkg::ExpIntW
) (
  input  logic                 sign_i,
  input  logic signed [XW-1:0] exp_i,
  input  logic [SigW-1:0]      sig_i,
  input  logic                 sticky_i,
  output logic [ExpW+ManW:0]   x_o
);

  localparam int Bias = (1 <<< (ExpW - 1)) - 1;
  localparam int EMin = 1 - Bias;
  localparam int EMax = Bias;
  // A shift of SigW + 1 already moves every bit into the sticky.
  localparam int unsigned MaxShift = SigW + 1;
  localparam int unsigned ShW = $clog2(MaxShift + 1);

  // The guard bit and at least one bit below it must exist.
  if (SigW < ManW + 3) begin : g_bad_width
    $error("fp_round: SigW must be at least ManW + 3");
  end

  logic                    is_tiny;
  logic signed [XW-1:0]    tiny_dist;
  logic [ShW-1:0]          shift;
  logic [SigW-1:0]         sig_den, lost_mask;
  logic [ExpW-1:0]         biased_exp;
  logic [ExpW+ManW-1:0]    kept, rounded;
  logic                    guard, sticky, round_up;

  always_comb begin
    // Denormalize: below EMin the significand moves right and the exponent field becomes 0.
    is_tiny   = exp_i < XW'(EMin);
    tiny_dist = XW'(EMin) - exp_i;
    if (!is_tiny) begin
      shift = '0;
    end else if (tiny_dist > XW'(MaxShift)) begin
      shift = ShW'(MaxShift);
    end else begin
      shift = tiny_dist[ShW-1:0];
    end
    sig_den    = sig_i >> shift;
    lost_mask  = ~({SigW{1'b1}} << shift);
    biased_exp = is_tiny ? '0 : ExpW'(exp_i + XW'(Bias));

    // {exponent field, mantissa} as one integer: a rounding carry out of the mantissa then
    // steps the exponent, turns the largest subnormal into the smallest normal, and the
    // largest finite value into infinity.
    kept     = {biased_exp, sig_den[SigW-2 -: ManW]};
    guard    = sig_den[SigW-2-ManW];
    sticky   = (|sig_den[SigW-3-ManW:0]) | (|(sig_i & lost_mask)) | sticky_i;
    round_up = guard & (sticky | kept[0]);
    rounded  = kept + (ExpW+ManW)'(round_up);

    if (sig_i == '0) begin
      x_o = {sign_i, {(ExpW + ManW){1'b0}}};
    end else if (exp_i > XW'(EMax)) begin
      x_o = {sign_i, {ExpW{1'b1}}, {ManW{1'b0}}};
    end else begin
      x_o = {sign_i, rounded};
    end
  end

endmodule
