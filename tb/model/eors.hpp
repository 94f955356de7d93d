// Exponent-only ReLU speculation (EORS), bit-exact: which outputs of a forward pass with ReLU
// the accelerator predicts to be <= 0 before computing them, from the signs and exponents of
// the inputs and weights alone. The RTL predictor must make exactly these decisions; docs/
// sparsity.md explains the rule and why.
//
// The rule, per output element of output channel o (its terms a_r * w_r in any order):
//   - A term whose a or w is +-0 is skipped. Otherwise it counts as s_r * 2^k_r with
//     s_r = sign(a_r) xor sign(w_r) and k_r = E(a_r) + E(w_r) - 2 * bias - lsb, E the biased
//     exponent field (subnormals read as field 0, as fp::exp_sign gives it). A term with
//     k_r < 0 is dropped; k_r > kMaxShift counts as kMaxShift.
//   - P = sum of s_r * 2^k_r (signed), Q = sum of 2^k_r (the same terms' magnitudes), exactly.
//   - B = the bias (FP32, widened) in units of 2^lsb, truncated toward zero, with its
//     magnitude clamped to kMaxBias (+0 without a bias).
//   - Products of two significands in [1, 2) lie in [1, 4) and average about comp_q2 / 4
//     (2.25 by default), so the predicted sum is comp_q2 / 4 * P + B, and the output is
//     predicted zero iff
//         64 * (comp_q2 * P + 4 * B) + margin * comp_q2 * Q <= 0.
//     margin is in 1/64 of the sum of the terms' magnitudes: positive margins predict fewer
//     zeros (safer), negative more.
// All sums are exact integers (no saturation), so the decision does not depend on the order
// in which lanes add terms.
#pragma once

#include <cstdint>
#include <vector>

#include "model/layer_model.hpp"

namespace ganpu::model {

struct EorsConfig {
  // Exponent of the predictor's unit: terms below 2^lsb are dropped (eors_lsb() chooses it).
  int32_t lsb = 0;
  // In 1/64 of the terms' magnitude sum Q. 8: at most 2% false zeros on every sparsity pair
  // of `make eors-census` (docs/sparsity.md).
  int32_t margin = 8;
  uint32_t comp_q2 = 9;  // mean significand product, in quarters (9: 2.25)
};

// Limits of the fixed-point predictor; the RTL's widths follow from them (rtl/eors/
// ganpu_eors_pkg.sv holds the same values, and test_eors_rtl checks that they agree). With at
// most kEorsMaxTerms terms of at most 2^kEorsMaxShift, |P| and Q stay below 2^47.
inline constexpr int kEorsMaxShift = 30;
inline constexpr int64_t kEorsMaxBias = int64_t{1} << 40;
inline constexpr uint64_t kEorsMaxTerms = uint64_t{1} << 16;

// The lsb a compiler programs: the largest term's exponent minus kEorsWindow, so each term
// keeps kEorsWindow bits below the largest possible product. From the largest exponents of x
// and w (by magnitude: the product of the two largest is the largest term).
inline constexpr int kEorsWindow = 24;
int32_t eors_lsb(const LayerSpec &s, const Tensor &x, const Tensor &w);

// One term's contribution to P (signed; its magnitude is Q's): 0 if it is skipped or dropped.
// a, w: values of format f.
int64_t eors_term(fp::Format f, uint32_t a, uint32_t w, int32_t lsb);
// B of the rule: the FP32 bias b32 in units of 2^lsb.
int64_t eors_bias_units(uint32_t b32, int32_t lsb);

// The predictor's sums for one output element: P, Q and B of the rule above, exact.
struct EorsSums {
  int64_t p = 0;
  int64_t q = 0;
  int64_t bias = 0;
};
// Sums of every output element (y_shape() order) at unit 2^lsb. Throws like forward().
std::vector<EorsSums> eors_sums(const LayerSpec &s, const Tensor &x, const Tensor &w,
                                const Tensor *b, int32_t lsb);
// The decision on one output's sums: true if it is predicted <= 0.
bool eors_zero(const EorsSums &sums, int32_t margin, uint32_t comp_q2);

// 1 where the output element (y_shape() order) is predicted <= 0. Throws like forward().
std::vector<uint8_t> eors_predict(const LayerSpec &s, const Tensor &x, const Tensor &w,
                                  const Tensor *b, const EorsConfig &cfg);

// The forward pass of an accelerator that skips predicted zeros: where predicted[j] is 1 the
// output is +0 and its mask bit 0, elsewhere exactly forward()'s result. Only with ReLU.
ForwardOut forward_speculative(const LayerSpec &s, const Tensor &x, const Tensor &w,
                               const Tensor *b, const std::vector<uint8_t> &predicted);

// The predictor scored against the exact ReLU (forward()'s mask and output).
struct EorsScore {
  uint64_t outputs = 0;
  uint64_t true_zeros = 0;            // exact mask 0
  uint64_t caught = 0;                // predicted zero, truly zero
  uint64_t false_zeros = 0;           // predicted zero, truly positive: a numerical error
  uint64_t missed = 0;                // predicted non-zero, truly zero: only lost speed
  double mean_abs_output = 0;         // mean |y| of the exact forward pass
  double false_zero_mean_error = 0;   // mean |y| lost on the false zeros, / mean_abs_output
  double false_zero_worst_error = 0;  // largest |y| lost, / mean_abs_output
  double caught_pct() const;          // caught / true_zeros
  double false_zero_pct() const;      // false_zeros / truly positive outputs
};
EorsScore eors_score(const LayerSpec &s, const ForwardOut &exact,
                     const std::vector<uint8_t> &predicted);

}  // namespace ganpu::model
