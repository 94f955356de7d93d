// Cross-checks of the floating-point golden model (model/fp_model.hpp) against oracles nobody
// here wrote: the host's IEEE arithmetic where it is exact or correctly rounded (float add,
// glibc fmaf, _Float16 multiply and conversions, double products), and for BF16, which the
// host lacks, a brute-force nearest-value search over all BF16 values.
//
// Build with -ffp-contract=off: a fused multiply-add would change the host reference values.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iomanip>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "model/fp_model.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::fp::ExactProduct;
using ganpu::fp::ExpSign;
using ganpu::fp::Format;
using ganpu::fp::kBf16;
using ganpu::fp::kFp16;
using ganpu::fp::kFp32;

using Rng = std::mt19937_64;
constexpr uint64_t kSeed = 0x6A09E667F3BCC908ull;
constexpr int kRandomPairs = 1'000'000;
constexpr uint32_t kNan32 = 0x7FC00000u;

// ---- Bit casts and host views of the formats ---------------------------------------------

float f32(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

uint32_t bits32(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

_Float16 h16(uint32_t b) {
  const uint16_t v = static_cast<uint16_t>(b);
  _Float16 h;
  std::memcpy(&h, &v, sizeof h);
  return h;
}

uint32_t bits16(_Float16 h) {
  uint16_t v;
  std::memcpy(&v, &h, sizeof v);
  return v;
}

// BF16 is the top half of FP32 by definition.
float bf16_to_float(uint32_t b) { return f32(b << 16); }

bool is_fp16(Format f) { return f.exp_w == kFp16.exp_w && f.man_w == kFp16.man_w; }

// Exact host value of a 16-bit operand of format f (FP16 or BF16).
float widen_host(Format f, uint32_t x) {
  return is_fp16(f) ? static_cast<float>(h16(x)) : bf16_to_float(x);
}

std::string hex(uint64_t v, int digits) {
  std::ostringstream os;
  os << "0x" << std::hex << std::uppercase << std::setw(digits) << std::setfill('0') << v;
  return os.str();
}

std::string hexf(Format f, uint32_t v) { return hex(v, f.width() / 4); }

const char *name(Format f) {
  if (is_fp16(f)) return "fp16";
  return f.man_w == kBf16.man_w ? "bf16" : "fp32";
}

// ---- BF16 oracle ------------------------------------------------------------------------

// Nearest BF16 to x (ties to even, overflow to infinity), found by binary search over the
// ordered positive BF16 bit patterns and an exact comparison of the two neighbours' distances.
// All distances are exact in double: x has at most 24 significant bits here.
uint32_t bf16_nearest(double x) {
  if (std::isnan(x)) return kBf16.canonical_nan();
  const uint32_t sign = std::signbit(x) ? 0x8000u : 0u;
  const double ax = std::fabs(x);
  const uint32_t max_finite = 0x7F7Fu;
  const double overflow =
      (static_cast<double>(bf16_to_float(max_finite)) + std::ldexp(1.0, 128)) / 2;
  if (ax >= overflow) return sign | 0x7F80u;  // the tie goes to even 2^128, i.e. infinity
  uint32_t lo = 0;                            // invariant: value(lo) <= ax
  uint32_t hi = max_finite + 1;               // invariant: hi > max_finite or value(hi) > ax
  while (hi - lo > 1) {
    const uint32_t mid = (lo + hi) / 2;
    if (static_cast<double>(bf16_to_float(mid)) <= ax) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const double vlo = bf16_to_float(lo);
  if (vlo == ax || lo == max_finite) return sign | lo;
  const double dlo = ax - vlo;
  const double dhi = static_cast<double>(bf16_to_float(lo + 1)) - ax;
  if (dlo < dhi) return sign | lo;
  if (dhi < dlo) return sign | (lo + 1);
  return sign | ((lo & 1u) == 0 ? lo : lo + 1);
}

// ---- Operand generators -----------------------------------------------------------------

uint32_t field_max(Format f) { return (1u << f.exp_w) - 1u; }
uint32_t man_mask(Format f) { return (1u << f.man_w) - 1u; }

uint32_t make(Format f, bool sign, uint32_t exp_field, uint32_t man) {
  return (sign ? 1u << (f.width() - 1) : 0u) | (exp_field << f.man_w) | (man & man_mask(f));
}

uint32_t exp_field_of(Format f, uint32_t x) { return (x >> f.man_w) & field_max(f); }

// Special values of format f, both signs: zeros, subnormal and normal extremes, values around
// 1 and around rounding ties, infinities, quiet and signalling NaNs.
std::vector<uint32_t> specials(Format f) {
  const uint32_t one = static_cast<uint32_t>(f.bias());  // biased exponent of 1.0
  const uint32_t top = 1u << (f.man_w - 1);
  const uint32_t mm = man_mask(f);
  const uint32_t emax_field = field_max(f) - 1;
  const int pw = f.man_w;
  const std::vector<uint32_t> pos = {
      make(f, false, 0, 0),  // +0
      make(f, false, 0, 1),  // smallest subnormal
      make(f, false, 0, 2),
      make(f, false, 0, 3),
      make(f, false, 0, top),  // half the smallest normal
      make(f, false, 0, mm),   // largest subnormal
      make(f, false, 1, 0),    // smallest normal
      make(f, false, 1, 1),
      make(f, false, one - 1, mm),  // just below 1
      make(f, false, one, 0),       // 1
      make(f, false, one, 1),       // just above 1
      make(f, false, one, 2),
      make(f, false, one, 3),
      make(f, false, one, top),  // 1.5
      make(f, false, one, top | 1),
      make(f, false, one, mm),            // just below 2
      make(f, false, one + 1, 0),         // 2
      make(f, false, one + 1, top),       // 3
      make(f, false, one - pw - 1, 0),    // half an ulp of 1: 1 + this is a tie
      make(f, false, one - pw - 1, 1),    // just above that half ulp
      make(f, false, one - pw - 2, mm),   // just below that half ulp
      make(f, false, one - pw - 2, top),  // 3/4 of the half ulp
      make(f, false, one - pw, 0),        // an ulp of 1
      make(f, false, emax_field, mm),     // largest normal
      make(f, false, emax_field, mm - 1),
      make(f, false, emax_field, 0),           // largest power of two
      make(f, false, emax_field - pw, 0),      // an ulp of the largest normal
      make(f, false, emax_field - pw - 1, 0),  // half an ulp of the largest normal
      make(f, false, field_max(f), 0),         // infinity
      make(f, false, field_max(f), top),       // canonical quiet NaN
      make(f, false, field_max(f), top | 1),   // quiet NaN with payload
      make(f, false, field_max(f), 1),         // signalling NaN
      make(f, false, field_max(f), top - 1),   // signalling NaN, full payload
  };
  std::vector<uint32_t> all;
  for (uint32_t v : pos) {
    all.push_back(v);
    all.push_back(v | (1u << (f.width() - 1)));
  }
  return all;
}

// FP32 specials plus values far from 1, so that mac hits large exponent gaps in both directions.
std::vector<uint32_t> acc_specials() {
  std::vector<uint32_t> v = specials(kFp32);
  for (uint32_t e : {10u, 27u, 60u, 95u, 160u, 200u, 240u}) {
    v.push_back(make(kFp32, false, e, 0));
    v.push_back(make(kFp32, true, e, 0x2AAAAAu));
  }
  return v;
}

uint32_t random_bits(Format f, Rng &rng) {
  return static_cast<uint32_t>(rng() >> (64 - f.width()));
}

// Mantissa with only its top 0..3 bits random: sums and products of such values land exactly
// on ties much more often than random ones.
uint32_t short_man(Format f, Rng &rng) {
  const int n = static_cast<int>(rng() % 4);
  if (n == 0) return 0;
  return static_cast<uint32_t>(rng() % (1u << n)) << (f.man_w - n);
}

// A random finite value with a short mantissa.
uint32_t random_short(Format f, Rng &rng) {
  return make(f, rng() & 1u, static_cast<uint32_t>(rng() % field_max(f)), short_man(f, rng));
}

// A finite value within a few binades of x (random if x is not finite), with a mantissa that is
// random, equal to x's, x's plus a small delta, or short: cancellation and ties get hit.
uint32_t near(Format f, uint32_t x, Rng &rng) {
  uint32_t e = exp_field_of(f, x);
  if (e == field_max(f)) e = static_cast<uint32_t>(rng() % field_max(f));
  const int span = (rng() % 4 == 0) ? 1 : f.precision() + 3;
  const int d = static_cast<int>(rng() % static_cast<uint64_t>(2 * span + 1)) - span;
  int ne = static_cast<int>(e) + d;
  if (ne < 0) ne = 0;
  if (ne > static_cast<int>(field_max(f)) - 1) ne = static_cast<int>(field_max(f)) - 1;
  uint32_t man;
  switch (rng() % 4) {
    case 0:
      man = random_bits(f, rng);
      break;
    case 1:
      man = x;
      break;
    case 2:
      man = x + static_cast<uint32_t>(rng() % 7) - 3u;
      break;
    default:
      man = short_man(f, rng);
      break;
  }
  return make(f, rng() & 1u, static_cast<uint32_t>(ne), man);
}

// A random FP32 value with unbiased exponent around e (clamped to FP32's finite range).
uint32_t fp32_around(int e, Rng &rng) {
  int field = e + kFp32.bias() + static_cast<int>(rng() % 81) - 40;
  if (field < 0) field = 0;
  if (field > 254) field = 254;
  const uint32_t man = (rng() & 1u) ? random_bits(kFp32, rng) : short_man(kFp32, rng);
  return make(kFp32, rng() & 1u, static_cast<uint32_t>(field), man);
}

// ---- Mismatch accounting ----------------------------------------------------------------

// Counts checks, reports the first few mismatches with their operands, fails on any.
class Tally {
 public:
  explicit Tally(std::string name) : name_(std::move(name)) {}

  template <class Describe>
  void check(bool ok, Describe describe) {
    ++checks_;
    if (ok) return;
    if (++mismatches_ <= kShown) FAIL_CHECK(name_ << ": " << describe());
  }

  void finish(uint64_t min_checks) const {
    INFO(name_ << ": " << checks_ << " checks, " << mismatches_ << " mismatches");
    CHECK(checks_ >= min_checks);
    REQUIRE(mismatches_ == 0);
  }

 private:
  static constexpr uint64_t kShown = 5;
  std::string name_;
  uint64_t checks_ = 0;
  uint64_t mismatches_ = 0;
};

// ---- Per-operation checks ----------------------------------------------------------------

void check_add32(Tally &t, uint32_t a, uint32_t b) {
  const float r = f32(a) + f32(b);
  const uint32_t want = std::isnan(r) ? kNan32 : bits32(r);
  const uint32_t got = ganpu::fp::add32(a, b);
  t.check(got == want, [&] {
    return "a=" + hex(a, 8) + " b=" + hex(b, 8) + " model=" + hex(got, 8) + " host=" + hex(want, 8);
  });
}

void check_mac(Tally &t, Format f, uint32_t acc, uint32_t a, uint32_t b) {
  const float r = std::fmaf(widen_host(f, a), widen_host(f, b), f32(acc));
  const uint32_t want = std::isnan(r) ? kNan32 : bits32(r);
  const uint32_t got = ganpu::fp::mac(f, acc, a, b);
  t.check(got == want, [&] {
    return "acc=" + hex(acc, 8) + " a=" + hexf(f, a) + " b=" + hexf(f, b) +
           " model=" + hex(got, 8) + " fmaf=" + hex(want, 8);
  });
}

std::string describe(const ExactProduct &p) {
  std::ostringstream os;
  os << "{nan=" << p.nan << " inf=" << p.inf << " zero=" << p.zero << " sign=" << p.sign
     << " exp=" << p.exp << " sig=" << hex(p.sig, 12) << "}";
  return os.str();
}

void check_mul_exact(Tally &t, Format f, uint32_t a, uint32_t b) {
  const int top = 2 * f.precision() - 1;
  const double wa = widen_host(f, a);
  const double wb = widen_host(f, b);
  const double p = wa * wb;  // exact: at most 22 significant bits, exponent within double's range
  ExactProduct want;
  if (std::isnan(p)) {
    want.nan = true;
  } else {
    want.sign = std::signbit(p);
    if (std::isinf(p)) {
      want.inf = true;
    } else if (p == 0) {
      want.zero = true;
    } else {
      int ex = 0;
      const double fr = std::frexp(std::fabs(p), &ex);  // |p| = fr * 2^ex, fr in [0.5, 1)
      want.sig = static_cast<uint64_t>(std::ldexp(fr, top + 1));
      want.exp = ex - 1;
    }
  }
  const ExactProduct got = ganpu::fp::mul_exact(f, a, b);
  // Also rebuild the value from the fields the way the RTL contract defines them.
  bool value_ok = true;
  if (!got.nan && !got.inf && !got.zero) {
    const double v = std::ldexp(static_cast<double>(got.sig), got.exp - top);
    value_ok = ((got.sig >> top) == 1u) && (got.sign ? -v : v) == p;
  }
  t.check(got == want && value_ok, [&] {
    return "a=" + hexf(f, a) + " b=" + hexf(f, b) + " model=" + describe(got) +
           " host=" + describe(want);
  });
}

uint32_t host_mul(Format f, uint32_t a, uint32_t b) {
  if (is_fp16(f)) {
    const _Float16 r = h16(a) * h16(b);
    return std::isnan(static_cast<float>(r)) ? kFp16.canonical_nan() : bits16(r);
  }
  if (f.man_w == kBf16.man_w) {
    // Exact in double (16 significant bits, exponents within [-266, 256]).
    return bf16_nearest(static_cast<double>(bf16_to_float(a)) * bf16_to_float(b));
  }
  const float r = f32(a) * f32(b);
  return std::isnan(r) ? kNan32 : bits32(r);
}

void check_mul_round(Tally &t, Format f, uint32_t a, uint32_t b) {
  const uint32_t want = host_mul(f, a, b);
  const uint32_t got = ganpu::fp::mul_round(f, a, b);
  t.check(got == want, [&] {
    return "a=" + hexf(f, a) + " b=" + hexf(f, b) + " model=" + hexf(f, got) +
           " host=" + hexf(f, want);
  });
}

uint32_t host_narrow(Format f, uint32_t x32) {
  const float x = f32(x32);
  if (is_fp16(f)) {
    const _Float16 h = static_cast<_Float16>(x);
    return std::isnan(x) ? kFp16.canonical_nan() : bits16(h);
  }
  return bf16_nearest(x);
}

void check_narrow(Tally &t, Format f, uint32_t x32) {
  const uint32_t want = host_narrow(f, x32);
  const uint32_t got = ganpu::fp::narrow(f, x32);
  t.check(got == want,
          [&] { return "x=" + hex(x32, 8) + " model=" + hexf(f, got) + " host=" + hexf(f, want); });
}

}  // namespace

// ---- Test cases -------------------------------------------------------------------------

TEST_CASE("add32 matches host float addition", "[fp][add32]") {
  Tally t("add32");
  const std::vector<uint32_t> sp = acc_specials();
  for (uint32_t a : sp) {
    for (uint32_t b : sp) check_add32(t, a, b);
  }
  Rng rng(kSeed);
  for (int i = 0; i < kRandomPairs; ++i) {
    uint32_t a;
    uint32_t b;
    switch (i % 3) {
      case 0:
        a = random_bits(kFp32, rng);
        b = random_bits(kFp32, rng);
        break;
      case 1:
        a = random_bits(kFp32, rng);
        b = near(kFp32, a, rng);
        break;
      default:
        a = random_short(kFp32, rng);
        b = near(kFp32, a, rng);
        break;
    }
    check_add32(t, a, b);
  }
  t.finish(sp.size() * sp.size() + kRandomPairs);
}

TEST_CASE("mac matches glibc fmaf on exactly widened operands", "[fp][mac]") {
  for (Format f : {kFp16, kBf16}) {
    SECTION(name(f)) {
      Tally t(std::string("mac ") + name(f));
      const std::vector<uint32_t> sp = specials(f);
      const std::vector<uint32_t> accs = acc_specials();
      for (uint32_t acc : accs) {
        for (uint32_t a : sp) {
          for (uint32_t b : sp) check_mac(t, f, acc, a, b);
        }
      }
      Rng rng(kSeed + 1);
      for (int i = 0; i < kRandomPairs; ++i) {
        uint32_t a;
        uint32_t b;
        switch (i % 4) {
          case 0:
          case 1:
            a = random_bits(f, rng);
            b = random_bits(f, rng);
            break;
          case 2:
            a = random_short(f, rng);
            b = random_short(f, rng);
            break;
          default:
            a = random_bits(f, rng);
            b = near(f, a, rng);
            break;
        }
        const double p = static_cast<double>(widen_host(f, a)) * widen_host(f, b);
        const bool finite_nonzero = std::isfinite(p) && p != 0;
        uint32_t acc;
        const uint64_t mode = rng() % 4;
        if (mode == 0 || !finite_nonzero) {
          acc = random_bits(kFp32, rng);
        } else if (mode == 3) {
          // Near -p: heavy cancellation, exact residues, ties at tiny magnitudes.
          const uint32_t np = bits32(static_cast<float>(-p));
          acc = (np & 0x7F800000u) == 0x7F800000u ? random_bits(kFp32, rng)
                                                  : np + static_cast<uint32_t>(rng() % 9) - 4u;
        } else {
          acc = fp32_around(std::ilogb(p), rng);
        }
        check_mac(t, f, acc, a, b);
      }
      t.finish(accs.size() * sp.size() * sp.size() + kRandomPairs);
    }
  }
}

TEST_CASE("mul_exact matches the exact double product", "[fp][mul_exact]") {
  for (Format f : {kFp16, kBf16}) {
    SECTION(name(f)) {
      Tally t(std::string("mul_exact ") + name(f));
      const std::vector<uint32_t> sp = specials(f);
      for (uint32_t a : sp) {
        for (uint32_t b : sp) check_mul_exact(t, f, a, b);
      }
      Rng rng(kSeed + 2);
      for (int i = 0; i < kRandomPairs; ++i) {
        const uint32_t a = random_bits(f, rng);
        const uint32_t b = (i % 2 == 0) ? random_bits(f, rng) : near(f, a, rng);
        check_mul_exact(t, f, a, b);
      }
      // The contract's own example: FP16 1.0 * 1.0.
      const ExactProduct one = ganpu::fp::mul_exact(kFp16, 0x3C00u, 0x3C00u);
      CHECK(one.sig == (uint64_t{1} << 21));
      CHECK(one.exp == 0);
      t.finish(sp.size() * sp.size() + kRandomPairs);
    }
  }
}

TEST_CASE("mul_round matches a correctly rounded product", "[fp][mul_round]") {
  for (Format f : {kFp16, kBf16, kFp32}) {
    SECTION(name(f)) {
      Tally t(std::string("mul_round ") + name(f));
      const std::vector<uint32_t> sp = specials(f);
      for (uint32_t a : sp) {
        for (uint32_t b : sp) check_mul_round(t, f, a, b);
      }
      Rng rng(kSeed + 3);
      for (int i = 0; i < kRandomPairs; ++i) {
        const uint32_t a = random_bits(f, rng);
        uint32_t b;
        switch (i % 3) {
          case 0:
            b = random_bits(f, rng);
            break;
          case 1:
            b = near(f, a, rng);
            break;
          default: {
            // Exponent sum near the overflow or the underflow boundary.
            const int target = (rng() & 1u) ? f.emax() : f.emin() - f.man_w;
            int eb = target + 2 * f.bias() - static_cast<int>(exp_field_of(f, a)) +
                     static_cast<int>(rng() % 9) - 4;
            if (eb < 0) eb = 0;
            if (eb > static_cast<int>(field_max(f)) - 1) eb = static_cast<int>(field_max(f)) - 1;
            b = make(f, rng() & 1u, static_cast<uint32_t>(eb), random_bits(f, rng));
            break;
          }
        }
        check_mul_round(t, f, a, b);
      }
      t.finish(sp.size() * sp.size() + kRandomPairs);
    }
  }
}

TEST_CASE("widen is exact", "[fp][widen]") {
  for (Format f : {kFp16, kBf16}) {
    SECTION(name(f)) {
      Tally t(std::string("widen ") + name(f));
      for (uint32_t x = 0; x < 0x10000u; ++x) {
        const float w = widen_host(f, x);
        const uint32_t want = std::isnan(w) ? kNan32 : bits32(w);
        const uint32_t got = ganpu::fp::widen(f, x);
        t.check(got == want, [&] {
          return "x=" + hexf(f, x) + " model=" + hex(got, 8) + " host=" + hex(want, 8);
        });
      }
      t.finish(0x10000u);
    }
  }
}

TEST_CASE("narrow rounds to nearest even", "[fp][narrow]") {
  for (Format f : {kFp16, kBf16}) {
    SECTION(name(f)) {
      Tally t(std::string("narrow ") + name(f));
      for (uint32_t x : acc_specials()) check_narrow(t, f, x);
      uint64_t n_ties = 0;
      // Every midpoint between adjacent positive finite values of f (and the one between the
      // largest finite value and 2^(emax+1)), one FP32 ulp either side, both signs.
      const uint32_t last = make(f, false, field_max(f), 0);  // +inf
      for (uint32_t h = 0; h < last; ++h) {
        const double lo = widen_host(f, h);
        const double hi = (h + 1 == last) ? std::ldexp(1.0, f.emax() + 1) : widen_host(f, h + 1);
        const uint32_t mid = bits32(static_cast<float>((lo + hi) / 2));  // exact in FP32
        for (uint32_t x : {mid - 1, mid, mid + 1}) {
          check_narrow(t, f, x);
          check_narrow(t, f, x | 0x80000000u);
          n_ties += 2;
        }
      }
      Rng rng(kSeed + 4);
      for (int i = 0; i < kRandomPairs; ++i) {
        uint32_t x = random_bits(kFp32, rng);
        if (i % 2 == 1) {
          // Exponent within (and just beyond) f's range, including its subnormals.
          const int lo_e = f.emin() - f.man_w - 3;
          const int span = f.emax() + 3 - lo_e;
          const int e = lo_e + static_cast<int>(rng() % static_cast<uint64_t>(span));
          x = make(kFp32, rng() & 1u, static_cast<uint32_t>(e + kFp32.bias()), x);
        }
        check_narrow(t, f, x);
      }
      t.finish(acc_specials().size() + n_ties + kRandomPairs);
    }
  }
}

TEST_CASE("activate follows the documented rules", "[fp][activate]") {
  for (Format f : {kFp16, kBf16}) {
    SECTION(name(f)) {
      Tally t(std::string("activate ") + name(f));
      const uint32_t sign = 1u << (f.width() - 1);
      const uint32_t nan = f.canonical_nan();
      const uint32_t unused_slope = make(f, true, 1, 5);  // must not matter
      for (uint32_t x = 0; x < 0x10000u; ++x) {
        const bool is_nan = std::isnan(widen_host(f, x));
        const uint32_t want_none = is_nan ? nan : x;
        const uint32_t want_relu = is_nan ? nan : ((x & sign) != 0 ? 0u : x);
        const uint32_t got_none = ganpu::fp::activate(f, Act::kNone, x, unused_slope);
        const uint32_t got_relu = ganpu::fp::activate(f, Act::kRelu, x, unused_slope);
        t.check(got_none == want_none, [&] {
          return "kNone x=" + hexf(f, x) + " model=" + hexf(f, got_none) +
                 " want=" + hexf(f, want_none);
        });
        t.check(got_relu == want_relu, [&] {
          return "kRelu x=" + hexf(f, x) + " model=" + hexf(f, got_relu) +
                 " want=" + hexf(f, want_relu);
        });
      }
      for (float s : {0.0f, 0.01f, 0.2f}) {
        const uint32_t slope = is_fp16(f) ? bits16(static_cast<_Float16>(s)) : bf16_nearest(s);
        for (uint32_t x = 0; x < 0x10000u; ++x) {
          uint32_t want;
          if (std::isnan(widen_host(f, x))) {
            want = nan;
          } else {
            want = (x & sign) != 0 ? host_mul(f, x, slope) : x;
          }
          const uint32_t got = ganpu::fp::activate(f, Act::kLeakyRelu, x, slope);
          t.check(got == want, [&] {
            return "kLeakyRelu x=" + hexf(f, x) + " slope=" + hexf(f, slope) +
                   " model=" + hexf(f, got) + " want=" + hexf(f, want);
          });
        }
      }
      t.finish(5 * 0x10000u);
    }
  }
}

TEST_CASE("exp_sign matches the host's classification", "[fp][exp_sign]") {
  for (Format f : {kFp16, kBf16}) {
    SECTION(name(f)) {
      Tally t(std::string("exp_sign ") + name(f));
      const double min_normal = std::ldexp(1.0, f.emin());
      for (uint32_t x = 0; x < 0x10000u; ++x) {
        const float v = widen_host(f, x);
        ExpSign want;
        want.sign = std::signbit(v);
        want.zero = v == 0;
        if (!std::isfinite(v)) {
          want.exp = field_max(f);
        } else if (std::fabs(v) < min_normal) {
          want.exp = 0;
        } else {
          want.exp = static_cast<uint32_t>(std::ilogb(v) + f.bias());
        }
        const ExpSign got = ganpu::fp::exp_sign(f, x);
        t.check(got == want, [&] {
          std::ostringstream os;
          os << "x=" << hexf(f, x) << " model={" << got.sign << "," << got.exp << "," << got.zero
             << "} host={" << want.sign << "," << want.exp << "," << want.zero << "}";
          return os.str();
        });
      }
      t.finish(0x10000u);
    }
  }
}
