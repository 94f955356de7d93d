#include "fp_operands.hpp"

#include <algorithm>

namespace ganpu::test {

namespace {

uint32_t pack(fp::Format f, uint32_t sign, uint32_t exp_field, uint32_t man) {
  return (sign << (f.width() - 1)) | (exp_field << f.man_w) | man;
}

}  // namespace

std::vector<uint32_t> special_values(fp::Format f) {
  const uint32_t man_max = (1u << f.man_w) - 1u;
  const uint32_t exp_max = (1u << f.exp_w) - 1u;
  const uint32_t one = static_cast<uint32_t>(f.bias());
  std::vector<uint32_t> mags = {
      pack(f, 0, 0, 0),                    // 0
      pack(f, 0, 0, 1),                    // smallest subnormal
      pack(f, 0, 0, 2),                    // twice it
      pack(f, 0, 0, man_max),              // largest subnormal
      pack(f, 0, 0, 1u << (f.man_w - 1)),  // half the smallest normal
      pack(f, 0, 1, 0),                    // smallest normal
      pack(f, 0, 1, 1),
      pack(f, 0, exp_max - 1, man_max),  // largest normal
      pack(f, 0, exp_max - 1, 0),
      pack(f, 0, one, 0),                        // 1
      pack(f, 0, one, 1),                        // 1 + ulp
      pack(f, 0, one - 1, man_max),              // 1 - ulp/2
      pack(f, 0, one, 1u << (f.man_w - 1)),      // 1.5
      pack(f, 0, one + 1, 0),                    // 2
      pack(f, 0, one, man_max),                  // just below 2: squares round up
      pack(f, 0, one - f.man_w, 1),              // products near the tie point of 1
      pack(f, 0, exp_max, 0),                    // Inf
      pack(f, 0, exp_max, 1u << (f.man_w - 1)),  // quiet NaN
      pack(f, 0, exp_max, 1),                    // signalling NaN
  };
  std::vector<uint32_t> out;
  for (uint32_t m : mags) {
    out.push_back(m);
    out.push_back(m | (1u << (f.width() - 1)));
  }
  return out;
}

int exponent_of(fp::Format f, uint32_t x) {
  const uint32_t exp_field = (x >> f.man_w) & ((1u << f.exp_w) - 1u);
  if (exp_field != 0) return static_cast<int>(exp_field) - f.bias();
  uint32_t man = x & ((1u << f.man_w) - 1u);
  int e = f.emin();
  while (man != 0 && (man & (1u << f.man_w)) == 0) {
    man <<= 1;
    --e;
  }
  return e;
}

uint32_t OperandGen::bits(int n) {
  return static_cast<uint32_t>(rng_() & ((n >= 32) ? 0xFFFFFFFFull : ((1ull << n) - 1)));
}

uint32_t OperandGen::near_exp(fp::Format f, int exp, int spread) {
  const int center = std::clamp(exp, f.emin() - 1, f.emax());
  const int lo = std::max(center - spread, f.emin() - 1);
  const int hi = std::min(center + spread, f.emax());
  const int e = lo + static_cast<int>(below(static_cast<uint32_t>(hi - lo + 1)));
  const uint32_t man = bits(f.man_w);
  // e == emin - 1 stands for the subnormal range.
  const uint32_t field = (e < f.emin()) ? 0u : static_cast<uint32_t>(e + f.bias());
  return pack(f, bits(1), field, man);
}

uint32_t OperandGen::near(fp::Format f, uint32_t x) {
  const uint32_t mag = x & ((1u << (f.width() - 1)) - 1u);
  const uint32_t inf = ((1u << f.exp_w) - 1u) << f.man_w;
  if (coin()) {
    // A few ulps away: exact cancellation and one-bit normalizations.
    const int64_t delta = static_cast<int64_t>(below(9)) - 4;
    const int64_t m = std::clamp<int64_t>(static_cast<int64_t>(mag) + delta, 0, inf - 1);
    return static_cast<uint32_t>(m) | (bits(1) << (f.width() - 1));
  }
  const uint32_t exp_field = mag >> f.man_w;
  const int e = (exp_field == 0) ? f.emin() : static_cast<int>(exp_field) - f.bias();
  return near_exp(f, e, static_cast<int>(f.man_w) + 4);
}

uint32_t OperandGen::tie(fp::Format wide, fp::Format narrow) {
  // Random sign and exponent in the narrow format's range (and a little beyond, for the
  // subnormal and overflow boundaries), random kept mantissa bits, then exactly 1 0 0 ... below.
  const int e = narrow.emin() - narrow.man_w - 2 +
                static_cast<int>(
                    below(static_cast<uint32_t>(narrow.emax() - narrow.emin() + narrow.man_w + 4)));
  const int drop = wide.man_w - narrow.man_w;
  uint32_t man = bits(narrow.man_w) << drop;
  man |= 1u << (drop - 1);
  const uint32_t field =
      static_cast<uint32_t>(std::clamp(e + wide.bias(), 1, (1 << wide.exp_w) - 2));
  return pack(wide, bits(1), field, man);
}

}  // namespace ganpu::test
