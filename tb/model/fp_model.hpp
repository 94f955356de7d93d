// Bit-exact golden model of the OpenGANPU floating-point units (rtl/fp/).
//
// Written on integer bit patterns only (no host floating point), independently of the RTL:
// the RTL aligns with guard/round/sticky bits, this model sums exactly in 128-bit integers
// and rounds once. Semantics are those of docs/numerics.md.
#pragma once

#include <cstdint>

namespace ganpu::fp {

// An IEEE-style binary format: 1 sign bit, exp_w exponent bits, man_w stored mantissa bits.
struct Format {
  int exp_w;
  int man_w;
  constexpr int width() const { return 1 + exp_w + man_w; }
  constexpr int precision() const { return man_w + 1; }  // significand bits with hidden bit
  constexpr int bias() const { return (1 << (exp_w - 1)) - 1; }
  constexpr int emin() const { return 1 - bias(); }
  constexpr int emax() const { return bias(); }
  constexpr uint32_t canonical_nan() const {
    return (((1u << exp_w) - 1u) << man_w) | (1u << (man_w - 1));
  }
};

inline constexpr Format kFp16{5, 10};
inline constexpr Format kBf16{8, 7};
inline constexpr Format kFp32{8, 23};

// x (in the low f.width() bits) is +0 or -0.
constexpr bool is_zero(Format f, uint32_t x) { return (x & ((1u << (f.width() - 1)) - 1u)) == 0; }

// The exact product of two values of one format, as the RTL multiplier emits it.
// For finite non-zero products: sig holds 2*P bits with its MSB (bit 2P-1) set and
// value = (-1)^sign * sig * 2^(exp - (2P-1)), i.e. exp is the unbiased exponent of the MSB.
// For zero and infinity: exp = 0, sig = 0, sign = sign(a) ^ sign(b).
// For NaN (a NaN operand, or 0 * inf): nan = 1 and all other fields 0.
struct ExactProduct {
  bool nan = false;
  bool inf = false;
  bool zero = false;
  bool sign = false;
  int32_t exp = 0;
  uint64_t sig = 0;
  bool operator==(const ExactProduct &o) const {
    return nan == o.nan && inf == o.inf && zero == o.zero && sign == o.sign && exp == o.exp &&
           sig == o.sig;
  }
};

// Activation functions, numbered as the RTL's act_mode input.
enum class Act : uint32_t { kNone = 0, kRelu = 1, kLeakyRelu = 2 };

// Sign / biased-exponent / zero view of a value, as the zero predictor consumes it
// (rtl/fp/fp_exp_sign.sv).
struct ExpSign {
  bool sign = false;  // sign of the value, also of zeros, infinities and NaNs
  // Finite normal values: unbiased exponent + bias. Zeros and subnormals: 0 (the RTL does not
  // normalize subnormals). Infinities and NaNs: all ones.
  uint32_t exp = 0;
  bool zero = false;  // +0 or -0
  bool operator==(const ExpSign &o) const {
    return sign == o.sign && exp == o.exp && zero == o.zero;
  }
};

// Exact product of two values of format f (operands in the low f.width() bits).
ExactProduct mul_exact(Format f, uint32_t a, uint32_t b);

// Product of two values of format f rounded once (RNE) to format f.
uint32_t mul_round(Format f, uint32_t a, uint32_t b);

// FP32 acc + a * b (a, b of format f) with one rounding to FP32 (RNE).
uint32_t mac(Format f, uint32_t acc, uint32_t a, uint32_t b);

// FP32 + FP32, rounded to FP32 (RNE).
uint32_t add32(uint32_t a, uint32_t b);

// Value of format f converted to FP32 (always exact).
uint32_t widen(Format f, uint32_t x);

// FP32 value converted to format f, RNE, overflow to infinity.
uint32_t narrow(Format f, uint32_t x32);

// Activation on a value of format f; slope (format f) is used by kLeakyRelu only.
uint32_t activate(Format f, Act mode, uint32_t x, uint32_t slope);

// Sign, biased exponent (see ExpSign) and zero flag of a value of format f, derived from its
// decoded value.
ExpSign exp_sign(Format f, uint32_t x);

}  // namespace ganpu::fp
