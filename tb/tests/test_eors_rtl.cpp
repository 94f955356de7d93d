// The EORS units (rtl/eors/) against the golden model's rule (model/eors.hpp), in FP16 and
// BF16: a lane's running sums after every term (values of every class: zeros, subnormals,
// infinities, both signs, the whole exponent range, units that drop and clamp terms), the
// bias units of every exponent, and the decision on the lane's sums, at random margins and at
// the margins on either side of each output's boundary. The package's limits must equal the
// model's.
#include <verilated.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <random>

#include "Veors_units_bf16.h"
#include "Veors_units_fp16.h"
#include "model/eors.hpp"
#include "runtime/verilated_unit.hpp"

namespace {

namespace gm = ganpu::model;
using ganpu::fp::Format;

// Sign-extends the low `bits` bits of v.
int64_t sext(uint64_t v, int bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  v &= (m << 1) - 1;
  return static_cast<int64_t>((v ^ m) - m);
}

constexpr int kSumW = 48, kBiasW = 42, kLsbW = 12, kMarginW = 13;

template <class Model>
class Units {
 public:
  Units() : ctx_(std::make_unique<VerilatedContext>()), m_(std::make_unique<Model>(ctx_.get())) {
    m_->valid_i = 0;
    m_->first_i = 0;
    ganpu::rt::async_reset(*m_);
    tick();
  }
  ~Units() { m_->final(); }
  Units(const Units &) = delete;
  Units &operator=(const Units &) = delete;
  Model &io() { return *m_; }
  void tick() {
    m_->clk_i = 1;
    m_->eval();
    m_->clk_i = 0;
    m_->eval();
  }
  int64_t p() const { return sext(m_->p_o, kSumW); }
  int64_t q() const { return sext(m_->q_o, kSumW); }
  int64_t bias_units() const { return sext(m_->bias_units_o, kBiasW); }
  void set_lsb(int32_t lsb) { m_->lsb_i = static_cast<uint16_t>(lsb) & ((1u << kLsbW) - 1u); }
  void set_margin(int32_t m) { m_->margin_i = static_cast<uint16_t>(m) & ((1u << kMarginW) - 1u); }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> m_;
};

// A value of format f of any class: zeros, subnormals, normals over the whole exponent range,
// infinities and NaNs, either sign.
uint32_t any_value(Format f, std::mt19937_64 &rng) {
  const uint32_t emax = (1u << f.exp_w) - 1u;
  std::uniform_int_distribution<uint32_t> man(0, (1u << f.man_w) - 1u);
  std::uniform_int_distribution<uint32_t> exp(0, emax);
  std::uniform_int_distribution<int> cls(0, 9);
  uint32_t e = exp(rng), m = man(rng);
  switch (cls(rng)) {
    case 0:
      e = 0;
      m = 0;
      break;  // +-0
    case 1:
      e = 0;
      break;  // subnormal (or 0)
    case 2:
      e = emax;
      break;  // inf or NaN
    default:
      break;
  }
  const uint32_t sign = static_cast<uint32_t>(rng() & 1u) << (f.exp_w + f.man_w);
  return sign | (e << f.man_w) | m;
}

template <class Model>
void check_limits() {
  Units<Model> u;
  CHECK(u.io().max_shift_o == gm::kEorsMaxShift);
  CHECK(uint64_t{1} << u.io().bias_clamp_log2_o == static_cast<uint64_t>(gm::kEorsMaxBias));
  CHECK(uint64_t{1} << u.io().max_terms_log2_o == gm::kEorsMaxTerms);
}

// Random outputs through a lane; after every term the sums equal the model's, and at the end
// of each output the decision equals the model's at random margins and at the boundary.
template <class Model>
void check_lane_and_decision(Format f, int lsb_lo, int lsb_hi, uint64_t seed) {
  Units<Model> u;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> lsb_d(lsb_lo, lsb_hi), terms_d(1, 200), idle(0, 3);
  std::uniform_int_distribution<int> margin_d(-(1 << (kMarginW - 1)), (1 << (kMarginW - 1)) - 1);
  std::uniform_int_distribution<uint32_t> comp_d(1, 16), b_exp(90, 170), man(0, (1u << 23) - 1u);
  uint64_t decisions = 0, zeros = 0;
  for (int out = 0; out < 400; ++out) {
    const int32_t lsb = lsb_d(rng);
    u.set_lsb(lsb);
    int64_t p = 0, q = 0;
    const int n = terms_d(rng);
    for (int t = 0; t < n; ++t) {
      const uint32_t a = any_value(f, rng), w = any_value(f, rng);
      u.io().a_i = a;
      u.io().w_i = w;
      u.io().first_i = t == 0;
      u.io().valid_i = 1;
      u.tick();
      const int64_t term = gm::eors_term(f, a, w, lsb);
      p = (t == 0 ? 0 : p) + term;
      q = (t == 0 ? 0 : q) + (term < 0 ? -term : term);
      INFO("output " << out << " term " << t << " a " << a << " w " << w << " lsb " << lsb);
      REQUIRE(u.p() == p);
      REQUIRE(u.q() == q);
      u.io().valid_i = 0;
      for (int k = idle(rng); k > 0; --k) u.tick();  // idle cycles hold the sums
    }
    REQUIRE(u.p() == p);
    // A bias near the terms' scale, either sign.
    const uint32_t b32 = (static_cast<uint32_t>(rng() & 1u) << 31) | (b_exp(rng) << 23) | man(rng);
    u.io().bias_i = b32;
    const gm::EorsSums sums{p, q, gm::eors_bias_units(b32, lsb)};
    const uint32_t comp = comp_d(rng);
    u.io().comp_i = static_cast<uint8_t>(comp);
    u.io().eval();
    REQUIRE(u.bias_units() == sums.bias);
    std::vector<int32_t> margins = {margin_d(rng), margin_d(rng), 0};
    if (q > 0) {
      // The margins around the boundary: score(m) = 64 (comp P + 4 B) + m comp Q.
      const double m0 = -64.0 *
                        (static_cast<double>(comp) * static_cast<double>(p) +
                         4.0 * static_cast<double>(sums.bias)) /
                        (static_cast<double>(comp) * static_cast<double>(q));
      for (int d = -1; d <= 1; ++d) {
        const double m = std::floor(m0) + d;
        if (m >= -(1 << (kMarginW - 1)) && m < (1 << (kMarginW - 1))) {
          margins.push_back(static_cast<int32_t>(m));
        }
      }
    }
    for (int32_t m : margins) {
      u.set_margin(m);
      u.io().eval();
      const bool want = gm::eors_zero(sums, m, comp);
      INFO("output " << out << " P " << p << " Q " << q << " B " << sums.bias << " margin " << m
                     << " comp " << comp);
      REQUIRE(static_cast<bool>(u.io().zero_o) == want);
      ++decisions;
      zeros += want;
    }
  }
  // Both outcomes must occur, or the decisions prove little.
  CHECK(zeros > decisions / 10);
  CHECK(zeros < decisions - decisions / 10);
}

// Every bias exponent, at units that shift it left, right, clamp it and drop it.
template <class Model>
void check_bias(uint64_t seed) {
  Units<Model> u;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> man(0, (1u << 23) - 1u);
  std::uniform_int_distribution<int> lsb_d(-(1 << (kLsbW - 1)), (1 << (kLsbW - 1)) - 1);
  for (uint32_t e = 0; e < 256; ++e) {
    for (int k = 0; k < 40; ++k) {
      const uint32_t b32 =
          (static_cast<uint32_t>(rng() & 1u) << 31) | (e << 23) | (k == 0 ? 0u : man(rng));
      // Units around the interesting shifts (e - 150 - lsb near 0, 17, -24), and anywhere.
      const int32_t lsb = k < 30 ? static_cast<int32_t>(e) - 150 - (k - 26) : lsb_d(rng);
      if (lsb < -(1 << (kLsbW - 1)) || lsb >= (1 << (kLsbW - 1))) continue;
      u.set_lsb(lsb);
      u.io().bias_i = b32;
      u.io().eval();
      INFO("b32 " << b32 << " lsb " << lsb);
      REQUIRE(u.bias_units() == gm::eors_bias_units(b32, lsb));
    }
  }
}

}  // namespace

TEST_CASE("EORS RTL: the package's limits are the model's") {
  check_limits<Veors_units_fp16>();
  check_limits<Veors_units_bf16>();
}

TEST_CASE("EORS RTL: FP16 lane sums and decisions equal the model's") {
  check_lane_and_decision<Veors_units_fp16>(ganpu::fp::kFp16, -60, 40, 1);
}

TEST_CASE("EORS RTL: BF16 lane sums and decisions equal the model's") {
  check_lane_and_decision<Veors_units_bf16>(ganpu::fp::kBf16, -300, 300, 2);
}

TEST_CASE("EORS RTL: bias units of every exponent equal the model's") {
  check_bias<Veors_units_fp16>(3);
}
