// Bit-exact golden model of the OpenGANPU floating-point units; see fp_model.hpp.
//
// Integer arithmetic on bit patterns only: no host floating point anywhere in this file, so
// the model cannot inherit the host's rounding mode, flush-to-zero or excess precision.
// Every finite value is handled as sign * m * 2^q (m an integer significand, q the exponent
// of its LSB); sums are formed exactly in 128 bits and rounded exactly once by round_pack().

#include "model/fp_model.hpp"

#include <cassert>

namespace ganpu::fp {
namespace {

__extension__ typedef unsigned __int128 u128;

// A decoded operand. For finite non-zero values: value = (-1)^sign * m * 2^q.
struct Decoded {
  bool sign = false;
  bool nan = false;
  bool inf = false;
  bool zero = false;
  uint64_t m = 0;
  int q = 0;
};

uint32_t exp_mask(Format f) { return (1u << f.exp_w) - 1u; }
uint32_t man_mask(Format f) { return (1u << f.man_w) - 1u; }

// Operands arrive in the low f.width() bits; anything above is a caller bug, not data.
void check_operand(Format f, uint32_t x) {
  assert((static_cast<uint64_t>(x) >> f.width()) == 0);
  (void)f;
  (void)x;
}

Decoded decode(Format f, uint32_t x) {
  check_operand(f, x);
  Decoded d;
  d.sign = ((x >> (f.width() - 1)) & 1u) != 0;
  const uint32_t e = (x >> f.man_w) & exp_mask(f);
  const uint32_t man = x & man_mask(f);
  if (e == exp_mask(f)) {
    d.nan = man != 0;
    d.inf = man == 0;
  } else if (e == 0) {
    // Subnormal: no hidden bit, same LSB exponent as the smallest normal binade.
    d.zero = man == 0;
    d.m = man;
    d.q = f.emin() - f.man_w;
  } else {
    d.m = man | (1u << f.man_w);
    d.q = static_cast<int>(e) - f.bias() - f.man_w;
  }
  return d;
}

uint32_t sign_bit(Format f, bool sign) { return sign ? 1u << (f.width() - 1) : 0u; }
uint32_t pack_zero(Format f, bool sign) { return sign_bit(f, sign); }
uint32_t pack_inf(Format f, bool sign) { return sign_bit(f, sign) | (exp_mask(f) << f.man_w); }

// Index of the most significant set bit; mag must be non-zero.
int msb128(u128 mag) {
  const uint64_t hi = static_cast<uint64_t>(mag >> 64);
  if (hi != 0) return 127 - __builtin_clzll(hi);
  return 63 - __builtin_clzll(static_cast<uint64_t>(mag));
}

// Rounds (-1)^sign * mag * 2^q to format f, round to nearest even, overflow to infinity,
// gradual underflow. This is the only place where any result is rounded.
uint32_t round_pack(Format f, bool sign, u128 mag, int q) {
  if (mag == 0) return pack_zero(f, sign);
  const int e = msb128(mag) + q;  // unbiased exponent of the exact value's MSB
  // The result's LSB exponent: man_w below the MSB, but never below the subnormal LSB.
  const int rpos = (e > f.emin() ? e : f.emin()) - f.man_w;
  uint64_t k;  // significand in units of 2^rpos, at most precision() bits before rounding
  int r = rpos;
  if (rpos <= q) {
    // Exact: at most man_w + 1 bits in units of 2^rpos, so no overflow of k.
    k = static_cast<uint64_t>(mag << (q - rpos));
  } else {
    const int drop = rpos - q;
    bool guard;
    bool sticky;
    if (drop > 128) {
      k = 0;
      guard = false;
      sticky = true;  // mag != 0
    } else if (drop == 128) {
      k = 0;
      guard = ((mag >> 127) & 1u) != 0;
      sticky = (mag << 1) != 0;
    } else {
      k = static_cast<uint64_t>(mag >> drop);
      guard = ((mag >> (drop - 1)) & 1u) != 0;
      const u128 below = (static_cast<u128>(1) << (drop - 1)) - 1u;
      sticky = (mag & below) != 0;
    }
    if (guard && (sticky || (k & 1u) != 0)) ++k;
    // Rounding up 1.11..1 carries into a new binade; the dropped bit is a zero.
    if (k == (static_cast<uint64_t>(1) << f.precision())) {
      k >>= 1;
      ++r;
    }
  }
  if (k < (static_cast<uint64_t>(1) << f.man_w)) {
    // Subnormal or zero (r is emin - man_w here), exponent field 0.
    return sign_bit(f, sign) | static_cast<uint32_t>(k);
  }
  const int exp_unbiased = r + f.man_w;
  if (exp_unbiased > f.emax()) return pack_inf(f, sign);
  const uint32_t biased = static_cast<uint32_t>(exp_unbiased + f.bias());
  return sign_bit(f, sign) | (biased << f.man_w) | (static_cast<uint32_t>(k) & man_mask(f));
}

// A finite non-zero term of a sum: (-1)^sign * m * 2^q.
struct Term {
  bool sign;
  uint64_t m;
  int q;
};

// Exact sum of two finite non-zero terms, rounded once to FP32.
uint32_t add_terms(Term a, Term b) {
  if (a.q < b.q) {
    const Term t = a;
    a = b;
    b = t;
  }
  // From here a has the larger (or equal) LSB exponent.
  const int diff = a.q - b.q;
  u128 big;
  u128 small;
  int q;
  if (diff <= 64) {
    // Both terms have at most 24 significant bits, so the shifted sum fits in 128 bits.
    big = static_cast<u128>(a.m) << diff;
    small = b.m;
    q = b.q;
  } else {
    // |b| < 2^(b.q + 24) <= 2^(a.q - 41), so only its sign matters: the sum's MSB is at least
    // 2^(a.q - 1) even when a.m is 1 (subnormal products), hence its rounding and tie points are
    // multiples of 2^(a.q - 25) or coarser. A sticky unit of 2^(a.q - kSticky) below them keeps
    // the sum strictly between the same rounding boundaries. (kSticky = 16 is too coarse when a.m
    // is a short product of subnormals: FP16 0x0001 * 0x0001 + FP32 0x00000001 went wrong.)
    constexpr int kSticky = 32;
    big = static_cast<u128>(a.m) << kSticky;
    small = 1;
    q = a.q - kSticky;
  }
  if (a.sign == b.sign) return round_pack(kFp32, a.sign, big + small, q);
  if (big == small) return 0u;  // x + (-x) is +0 in round to nearest even
  if (big > small) return round_pack(kFp32, a.sign, big - small, q);
  return round_pack(kFp32, b.sign, small - big, q);
}

}  // namespace

ExactProduct mul_exact(Format f, uint32_t a, uint32_t b) {
  const Decoded da = decode(f, a);
  const Decoded db = decode(f, b);
  ExactProduct p;
  if (da.nan || db.nan || (da.inf && db.zero) || (da.zero && db.inf)) {
    p.nan = true;
    return p;
  }
  p.sign = da.sign != db.sign;
  if (da.inf || db.inf) {
    p.inf = true;
    return p;
  }
  if (da.zero || db.zero) {
    p.zero = true;
    return p;
  }
  // Normalize both significands so their hidden-bit position (man_w) is set.
  uint64_t ma = da.m;
  uint64_t mb = db.m;
  int qa = da.q;
  int qb = db.q;
  const uint64_t hidden = static_cast<uint64_t>(1) << f.man_w;
  while (ma < hidden) {
    ma <<= 1;
    --qa;
  }
  while (mb < hidden) {
    mb <<= 1;
    --qb;
  }
  // ma * mb lies in [2^(2P-2), 2^(2P)); put its MSB at bit 2P-1.
  uint64_t sig = ma * mb;
  int q = qa + qb;
  const int top = 2 * f.precision() - 1;
  if (((sig >> top) & 1u) == 0) {
    sig <<= 1;
    --q;
  }
  p.sig = sig;
  p.exp = q + top;
  return p;
}

uint32_t mul_round(Format f, uint32_t a, uint32_t b) {
  const Decoded da = decode(f, a);
  const Decoded db = decode(f, b);
  if (da.nan || db.nan || (da.inf && db.zero) || (da.zero && db.inf)) return f.canonical_nan();
  const bool sign = da.sign != db.sign;
  if (da.inf || db.inf) return pack_inf(f, sign);
  if (da.zero || db.zero) return pack_zero(f, sign);
  // The product of two significands of at most 24 bits is exact in 64 bits.
  return round_pack(f, sign, static_cast<u128>(da.m * db.m), da.q + db.q);
}

uint32_t mac(Format f, uint32_t acc, uint32_t a, uint32_t b) {
  const Decoded dc = decode(kFp32, acc);
  const Decoded da = decode(f, a);
  const Decoded db = decode(f, b);
  if (dc.nan || da.nan || db.nan || (da.inf && db.zero) || (da.zero && db.inf)) {
    return kFp32.canonical_nan();
  }
  const bool psign = da.sign != db.sign;
  if (da.inf || db.inf) {
    if (dc.inf && dc.sign != psign) return kFp32.canonical_nan();  // inf - inf
    return pack_inf(kFp32, psign);
  }
  if (dc.inf) return acc;
  if (da.zero || db.zero) {
    if (!dc.zero) return acc;
    return pack_zero(kFp32, dc.sign && psign);
  }
  // add_terms() relies on terms of at most 24 bits: FP16/BF16 products have 22/16.
  assert(2 * f.precision() <= kFp32.precision());
  // The product is exact and may lie outside FP32's range (BF16 operands); it is only ever
  // rounded together with acc.
  const Term p{psign, da.m * db.m, da.q + db.q};
  if (dc.zero) return round_pack(kFp32, p.sign, p.m, p.q);
  return add_terms(Term{dc.sign, dc.m, dc.q}, p);
}

uint32_t add32(uint32_t a, uint32_t b) {
  const Decoded da = decode(kFp32, a);
  const Decoded db = decode(kFp32, b);
  if (da.nan || db.nan || (da.inf && db.inf && da.sign != db.sign)) {
    return kFp32.canonical_nan();
  }
  if (da.inf) return a;
  if (db.inf) return b;
  if (da.zero && db.zero) return pack_zero(kFp32, da.sign && db.sign);
  if (da.zero) return b;
  if (db.zero) return a;
  return add_terms(Term{da.sign, da.m, da.q}, Term{db.sign, db.m, db.q});
}

uint32_t widen(Format f, uint32_t x) {
  const Decoded d = decode(f, x);
  if (d.nan) return kFp32.canonical_nan();
  if (d.inf) return pack_inf(kFp32, d.sign);
  if (d.zero) return pack_zero(kFp32, d.sign);
  return round_pack(kFp32, d.sign, d.m, d.q);  // exact: f is no wider than FP32
}

uint32_t narrow(Format f, uint32_t x32) {
  const Decoded d = decode(kFp32, x32);
  if (d.nan) return f.canonical_nan();
  if (d.inf) return pack_inf(f, d.sign);
  if (d.zero) return pack_zero(f, d.sign);
  return round_pack(f, d.sign, d.m, d.q);
}

uint32_t activate(Format f, Act mode, uint32_t x, uint32_t slope) {
  const Decoded d = decode(f, x);
  if (d.nan) return f.canonical_nan();
  switch (mode) {
    case Act::kNone:
      return x;
    case Act::kRelu:
      // Decided on the sign bit alone: -0 and -inf become +0, +inf stays.
      return d.sign ? 0u : x;
    case Act::kLeakyRelu:
      return d.sign ? mul_round(f, x, slope) : x;
  }
  return x;  // act_mode values the RTL does not define pass x through, like kNone
}

ExpSign exp_sign(Format f, uint32_t x) {
  // From the decoded value, not from the bit fields: what the zero predictor needs to know
  // about the number, in the encoding fp_exp_sign emits it.
  const Decoded d = decode(f, x);
  ExpSign r;
  r.sign = d.sign;
  r.zero = d.zero;
  if (d.nan || d.inf) {
    r.exp = exp_mask(f);  // not finite: the all-ones code
  } else if (!d.zero) {
    const int e = msb128(d.m) + d.q;  // unbiased exponent of the value
    // Normal: e + bias. Subnormal (e < emin): code 0, the same as zero.
    r.exp = e >= f.emin() ? static_cast<uint32_t>(e + f.bias()) : 0u;
  }
  return r;
}

}  // namespace ganpu::fp
