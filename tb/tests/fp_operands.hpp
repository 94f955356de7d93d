// Operand generators for the FP tests: the special values of a format and random operands
// biased towards the cases that break adders and rounders (near magnitudes, cancellation, ties).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "model/fp_model.hpp"

namespace ganpu::test {

// +-0, smallest/largest subnormal, smallest/largest normal, 1 and its neighbours, values
// whose products or conversions tie, +-Inf, quiet and signalling NaNs of both signs.
std::vector<uint32_t> special_values(fp::Format f);

class OperandGen {
 public:
  explicit OperandGen(uint64_t seed) : rng_(seed) {}

  uint32_t bits(int n);  // n uniform random bits
  uint32_t any(fp::Format f) { return bits(f.width()); }
  // A finite value whose unbiased exponent is within `spread` of exp (clamped to the format).
  uint32_t near_exp(fp::Format f, int exp, int spread);
  // A finite value with random sign near the magnitude of x (a few ulps or exponents away).
  uint32_t near(fp::Format f, uint32_t x);
  // A value of format `to` that sits exactly half-way between two neighbours of format `from`'s
  // precision, so converting it to `from` is a rounding tie (used for FP32 -> 16-bit ties).
  uint32_t tie(fp::Format wide, fp::Format narrow);
  bool coin() { return bits(1) != 0; }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }

 private:
  std::mt19937_64 rng_;
};

// Unbiased exponent of a finite non-zero value's leading one (subnormals included).
int exponent_of(fp::Format f, uint32_t x);

}  // namespace ganpu::test
