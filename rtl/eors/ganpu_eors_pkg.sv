// Exponent-only ReLU speculation (EORS): the limits of the fixed-point predictor. The rule and
// its reasons are in docs/sparsity.md; the golden model (tb/model/eors.hpp) holds the same
// limits, and test_eors_rtl checks that they agree.
package ganpu_eors_pkg;

  // A term counts as +-2^k, k = E(a) + E(w) - 2 * bias - lsb, clamped to MaxShift.
  localparam int unsigned MaxShift = 30;
  // The bias in units of 2^lsb is clamped to 2^BiasClampLog2.
  localparam int unsigned BiasClampLog2 = 40;
  // At most 2^MaxTermsLog2 counted terms per output (the compiler's limit), so the sums stay
  // below 2^(MaxShift + MaxTermsLog2 + 1) in magnitude.
  localparam int unsigned MaxTermsLog2 = 16;
  localparam int unsigned SumW = MaxShift + MaxTermsLog2 + 2;  // P signed, Q unsigned below it
  localparam int unsigned BiasW = BiasClampLog2 + 2;           // signed bias units
  localparam int unsigned LsbW = 12;                           // signed lsb register
  localparam int unsigned MarginW = 13;                        // signed margin register
  localparam int unsigned CompW = 5;                           // comp_q2 register, 1..16

  typedef logic signed [SumW-1:0]    sum_t;
  typedef logic signed [BiasW-1:0]   bias_t;
  typedef logic signed [LsbW-1:0]    lsb_t;
  typedef logic signed [MarginW-1:0] margin_t;
  typedef logic [CompW-1:0]          comp_t;

endpackage
