// Tests of the EORS predictor (model/eors.hpp): a hand-worked case at the margin's boundaries,
// agreement with a formulation written here (direct index arithmetic, fields decoded here, not
// through fp_model or the model's loop walk), the limits of the margin, the speculative
// forward pass and the confusion matrix.

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/eors.hpp"
#include "model/layer_model.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::fp::Format;
using ganpu::fp::kBf16;
using ganpu::fp::kFp16;
using ganpu::model::EorsConfig;
using ganpu::model::LayerSpec;
using ganpu::model::LayerType;
using ganpu::model::Tensor;
namespace gm = ganpu::model;

__extension__ using i128 = __int128;

// FP16 bit patterns.
constexpr uint32_t kH1 = 0x3C00, kH2 = 0x4000, kHHalf = 0x3800, kH4 = 0x4400;
constexpr uint32_t kHm1 = 0xBC00, kHmHalf = 0xB800;

LayerSpec linear_spec(int in, int out) {
  LayerSpec s;
  s.type = LayerType::kLinear;
  s.in_channels = in;
  s.out_channels = out;
  s.bias = true;
  s.activation = Act::kRelu;
  return s;
}

// The rule of eors.hpp, written directly: sign and exponent fields decoded from the bits.
struct Rule {
  Format f;
  EorsConfig cfg;
  i128 p = 0, q = 0;
  void term(uint32_t a, uint32_t w) {
    const uint32_t mag = (1u << (f.exp_w + f.man_w)) - 1u;
    if ((a & mag) == 0 || (w & mag) == 0) return;
    const int ea = static_cast<int>((a >> f.man_w) & ((1u << f.exp_w) - 1u));
    const int ew = static_cast<int>((w >> f.man_w) & ((1u << f.exp_w) - 1u));
    int k = ea + ew - 2 * f.bias() - cfg.lsb;
    if (k < 0) return;
    if (k > 30) k = 30;
    const bool neg = ((a ^ w) >> (f.exp_w + f.man_w)) & 1u;
    p += neg ? -(i128{1} << k) : (i128{1} << k);
    q += i128{1} << k;
  }
  // bias: 16-bit bits of format f; its FP32 value is sig * 2^(e - bias - man_w).
  bool zero(uint32_t bias) const {
    const uint32_t mag = (1u << (f.exp_w + f.man_w)) - 1u;
    i128 b = 0;
    const int e = static_cast<int>((bias >> f.man_w) & ((1u << f.exp_w) - 1u));
    if ((bias & mag) != 0) {
      REQUIRE(e != 0);  // the tests use normal biases only
      const i128 sig = (i128{1} << f.man_w) | (bias & ((1u << f.man_w) - 1u));
      const int shift = e - f.bias() - f.man_w - cfg.lsb;
      b = shift >= 0 ? (sig << shift) : (sig >> -shift);
      if (b > (i128{1} << 40)) b = i128{1} << 40;
      if ((bias >> (f.exp_w + f.man_w)) & 1u) b = -b;
    }
    return 64 * (i128{cfg.comp_q2} * p + 4 * b) + i128{cfg.margin} * cfg.comp_q2 * q <= 0;
  }
};

// Predictions of Rule for every output, with the convolutions' index arithmetic spelled out.
std::vector<uint8_t> rule_predict(const LayerSpec &s, const Tensor &x, const Tensor &w,
                                  const Tensor &b, const EorsConfig &cfg) {
  std::vector<uint8_t> out;
  const int oh = s.out_h(), ow = s.out_w();
  for (int n = 0; n < s.batch; ++n) {
    for (int o = 0; o < s.out_channels; ++o) {
      for (int oy = 0; oy < oh; ++oy) {
        for (int ox = 0; ox < ow; ++ox) {
          Rule r{s.format, cfg};
          for (int i = 0; i < s.in_channels; ++i) {
            if (s.type == LayerType::kLinear) {
              r.term(x.data[n * s.in_channels + i], w.data[o * s.in_channels + i]);
              continue;
            }
            for (int ky = 0; ky < s.kernel_h; ++ky) {
              for (int kx = 0; kx < s.kernel_w; ++kx) {
                int iy, ix;
                size_t wi;
                if (s.type == LayerType::kConv2d) {
                  iy = oy * s.stride_h - s.padding_h + ky;
                  ix = ox * s.stride_w - s.padding_w + kx;
                  wi = ((static_cast<size_t>(o) * s.in_channels + i) * s.kernel_h + ky) *
                           s.kernel_w +
                       kx;
                } else {
                  const int ty = oy + s.padding_h - ky, tx = ox + s.padding_w - kx;
                  if (ty < 0 || tx < 0 || ty % s.stride_h || tx % s.stride_w) continue;
                  iy = ty / s.stride_h;
                  ix = tx / s.stride_w;
                  wi = ((static_cast<size_t>(i) * s.out_channels + o) * s.kernel_h + ky) *
                           s.kernel_w +
                       kx;
                }
                if (iy < 0 || ix < 0 || iy >= s.in_h || ix >= s.in_w) continue;
                r.term(
                    x.data[((static_cast<size_t>(n) * s.in_channels + i) * s.in_h + iy) * s.in_w +
                           ix],
                    w.data[wi]);
              }
            }
          }
          out.push_back(r.zero(b.data[o]) ? 1 : 0);
        }
      }
    }
  }
  return out;
}

// Random normal-ish values of format f: random sign (or non-negative), exponent field in
// [lo, hi], random mantissa; +0 with probability zero_frac.
Tensor random_values(const std::vector<int64_t> &shape, Format f, std::mt19937_64 &rng, int lo,
                     int hi, bool nonneg, double zero_frac) {
  Tensor t{shape, {}};
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  std::uniform_int_distribution<int> e(lo, hi);
  std::uniform_int_distribution<uint32_t> m(0, (1u << f.man_w) - 1u);
  std::bernoulli_distribution z(zero_frac), neg(0.5);
  for (size_t i = 0; i < n; ++i) {
    uint32_t v = 0;
    if (!z(rng)) {
      v = (static_cast<uint32_t>(e(rng)) << f.man_w) | m(rng);
      if (!nonneg && neg(rng)) v |= 1u << (f.exp_w + f.man_w);
    }
    t.data.push_back(v);
  }
  return t;
}

}  // namespace

TEST_CASE("EORS: a hand-worked linear layer at the margin's boundaries") {
  // x = (1, 2, 0.5); w0 = (1, -1, 4), w1 = (-1, -1, -1); b = (-0.5, 4). At lsb = -1 the terms
  // of output 0 are 2^1, -2^2, 2^2 (P = 2, Q = 10), bias -1 unit; output 1: -2^1, -2^2, -2^0
  // (P = -7, Q = 7), bias 8 units. Scores: 64 * (9P + 4B) + 9 * margin * Q:
  // output 0: 896 + 90 m (zero iff m <= -10); output 1: -1984 + 63 m (zero iff m <= 31).
  const LayerSpec s = linear_spec(3, 2);
  const Tensor x{{1, 3}, {kH1, kH2, kHHalf}};
  const Tensor w{{2, 3}, {kH1, kHm1, kH4, kHm1, kHm1, kHm1}};
  const Tensor b{{2}, {kHmHalf, kH4}};
  auto at = [&](int32_t margin) {
    return gm::eors_predict(s, x, w, &b, EorsConfig{-1, margin, 9});
  };
  CHECK(at(0) == std::vector<uint8_t>{0, 1});
  CHECK(at(-9) == std::vector<uint8_t>{0, 1});
  CHECK(at(-10) == std::vector<uint8_t>{1, 1});
  CHECK(at(31) == std::vector<uint8_t>{0, 1});
  CHECK(at(32) == std::vector<uint8_t>{0, 0});
  // Terms below 2^lsb are dropped and the bias truncates toward zero. At lsb = 0: output 0
  // keeps 1, -2, 2 (P = 1, Q = 5), bias 0 units: 576 + 45 m (zero iff m <= -13); output 1
  // keeps -1, -2 (P = -3, Q = 3), bias 4 units: -704 + 27 m (zero iff m <= 26).
  auto at0 = [&](int32_t margin) {
    return gm::eors_predict(s, x, w, &b, EorsConfig{0, margin, 9});
  };
  CHECK(at0(-13) == std::vector<uint8_t>{1, 1});
  CHECK(at0(-12) == std::vector<uint8_t>{0, 1});
  CHECK(at0(26) == std::vector<uint8_t>{0, 1});
  CHECK(at0(27) == std::vector<uint8_t>{0, 0});
  // At lsb = 2 every term is dropped: the truncated biases (0 and 1 units) decide alone.
  CHECK(gm::eors_predict(s, x, w, &b, EorsConfig{2, 1000, 9}) == std::vector<uint8_t>{1, 0});
  CHECK(gm::eors_predict(s, x, w, &b, EorsConfig{2, -1000, 9}) == std::vector<uint8_t>{1, 0});
  // The mean significand product only scales the terms: with comp_q2 = 4 (1.0) output 1's
  // score at lsb = -1, margin 0 is 64 * (4 * -7 + 32) > 0.
  CHECK(gm::eors_predict(s, x, w, &b, EorsConfig{-1, 0, 4}) == std::vector<uint8_t>{0, 0});
  // The compiler's unit: largest exponents 2^1 (x) and 2^2 (w), minus the window.
  CHECK(gm::eors_lsb(s, x, w) == 3 - gm::kEorsWindow);
}

TEST_CASE("EORS: predictions equal the rule written with direct indices") {
  std::mt19937_64 rng(7);
  struct Case {
    LayerType type;
    int c, o, h, k, stride, pad;
    Format f;
  };
  const Case cases[] = {
      {LayerType::kConv2d, 3, 4, 8, 4, 2, 1, kFp16},
      {LayerType::kConv2d, 2, 3, 5, 3, 1, 1, kBf16},
      {LayerType::kConvTranspose2d, 4, 2, 4, 4, 2, 1, kFp16},
      {LayerType::kConvTranspose2d, 3, 3, 3, 3, 2, 0, kBf16},
      {LayerType::kLinear, 40, 6, 1, 1, 1, 0, kFp16},
  };
  for (const Case &c : cases) {
    LayerSpec s;
    s.type = c.type;
    s.batch = 2;
    s.in_channels = c.c;
    s.out_channels = c.o;
    if (c.type != LayerType::kLinear) {
      s.in_h = s.in_w = c.h;
      s.kernel_h = s.kernel_w = c.k;
      s.stride_h = s.stride_w = c.stride;
      s.padding_h = s.padding_w = c.pad;
    }
    s.bias = true;
    s.activation = Act::kRelu;
    s.format = c.f;
    const int mid = c.f.bias();
    const Tensor x = random_values(s.x_shape(), c.f, rng, mid - 6, mid + 2, true, 0.4);
    const Tensor w = random_values(s.w_shape(), c.f, rng, mid - 8, mid, false, 0.1);
    const Tensor b = random_values(s.b_shape(), c.f, rng, mid - 4, mid, false, 0.0);
    const int32_t unit = gm::eors_lsb(s, x, w);
    // The compiler's unit, units that drop many terms, that clamp them, that drop all.
    for (int32_t lsb : {unit, unit + 16, unit + 20, unit - 7, -60, 10}) {
      for (int32_t margin : {-20, 0, 5, 40}) {
        const EorsConfig cfg{lsb, margin, 9};
        INFO("type " << gm::to_string(c.type) << " lsb " << lsb << " margin " << margin);
        const std::vector<uint8_t> got = gm::eors_predict(s, x, w, &b, cfg);
        CHECK(got == rule_predict(s, x, w, b, cfg));
      }
    }
  }
}

TEST_CASE("EORS: the margin's limits") {
  std::mt19937_64 rng(11);
  LayerSpec s;
  s.batch = 4;
  s.in_channels = 8;
  s.out_channels = 8;
  s.in_h = s.in_w = 6;
  s.kernel_h = s.kernel_w = 3;
  s.padding_h = s.padding_w = 1;
  s.bias = true;
  s.activation = Act::kRelu;
  const Tensor x = random_values(s.x_shape(), kFp16, rng, 10, 16, true, 0.5);
  const Tensor w = random_values(s.w_shape(), kFp16, rng, 8, 14, false, 0.0);
  const Tensor b = random_values(s.b_shape(), kFp16, rng, 10, 15, false, 0.0);
  const gm::ForwardOut exact = gm::forward(s, x, w, &b);
  const int32_t lsb = gm::eors_lsb(s, x, w);
  // A margin far above any score's spread predicts no zero where a position has a term: the
  // predictions are then true zeros only where the window holds nothing.
  const std::vector<uint8_t> safe = gm::eors_predict(s, x, w, &b, EorsConfig{lsb, 1 << 20, 9});
  const gm::EorsScore sc = gm::eors_score(s, exact, safe);
  CHECK(sc.false_zeros == 0);
  // A margin far below predicts every output zero.
  const std::vector<uint8_t> all = gm::eors_predict(s, x, w, &b, EorsConfig{lsb, -(1 << 20), 9});
  CHECK(std::count(all.begin(), all.end(), 1) == static_cast<long>(all.size()));
  // With every input zero the prediction is the bias's sign, which is the exact answer.
  Tensor x0 = x;
  std::fill(x0.data.begin(), x0.data.end(), 0u);
  const gm::ForwardOut exact0 = gm::forward(s, x0, w, &b);
  const std::vector<uint8_t> p0 = gm::eors_predict(s, x0, w, &b, EorsConfig{lsb, 0, 9});
  for (size_t j = 0; j < p0.size(); ++j) CHECK(p0[j] == 1 - exact0.mask[j]);
}

TEST_CASE("EORS: the speculative forward pass and its score") {
  std::mt19937_64 rng(5);
  const LayerSpec s = [] {
    LayerSpec l = linear_spec(64, 32);
    l.batch = 8;
    return l;
  }();
  const Tensor x = random_values(s.x_shape(), kFp16, rng, 10, 16, true, 0.3);
  const Tensor w = random_values(s.w_shape(), kFp16, rng, 8, 14, false, 0.0);
  const Tensor b = random_values(s.b_shape(), kFp16, rng, 8, 14, false, 0.0);
  const gm::ForwardOut exact = gm::forward(s, x, w, &b);
  const std::vector<uint8_t> pred =
      gm::eors_predict(s, x, w, &b, EorsConfig{gm::eors_lsb(s, x, w), -8, 9});
  const gm::ForwardOut spec = gm::forward_speculative(s, x, w, &b, pred);
  uint64_t zeros = 0, caught = 0, false_zeros = 0, predicted = 0;
  for (size_t j = 0; j < pred.size(); ++j) {
    if (pred[j]) {
      ++predicted;
      CHECK(spec.y.data[j] == 0u);
      CHECK(spec.mask[j] == 0);
    } else {
      CHECK(spec.y.data[j] == exact.y.data[j]);
      CHECK(spec.mask[j] == exact.mask[j]);
    }
    zeros += exact.mask[j] == 0;
    caught += exact.mask[j] == 0 && pred[j];
    false_zeros += exact.mask[j] == 1 && pred[j];
  }
  const gm::EorsScore sc = gm::eors_score(s, exact, pred);
  CHECK(sc.outputs == pred.size());
  CHECK(sc.true_zeros == zeros);
  CHECK(sc.caught == caught);
  CHECK(sc.false_zeros == false_zeros);
  CHECK(sc.missed == zeros - caught);
  CHECK(sc.caught + sc.false_zeros == predicted);
  // The data must exercise every cell of the matrix, or the checks above prove little.
  CHECK(sc.caught > 0);
  CHECK(sc.false_zeros > 0);
  CHECK(sc.missed > 0);
  CHECK(sc.false_zero_worst_error >= sc.false_zero_mean_error);
  CHECK(sc.false_zero_mean_error > 0);
}

TEST_CASE("EORS: bad input names what is wrong") {
  LayerSpec s = linear_spec(3, 2);
  const Tensor x{{1, 3}, {kH1, kH2, kHHalf}};
  const Tensor w{{2, 3}, {kH1, kHm1, kH4, kHm1, kHm1, kHm1}};
  const Tensor b{{2}, {kHmHalf, kH4}};
  CHECK_THROWS_WITH(gm::eors_predict(s, x, w, nullptr, {}), Catch::Contains("b:"));
  CHECK_THROWS_WITH(gm::eors_predict(s, w, w, &b, {}), Catch::Contains("x:"));
  s.activation = Act::kNone;
  CHECK_THROWS_WITH(gm::eors_predict(s, x, w, &b, {}), Catch::Contains("activation"));
  CHECK_THROWS_WITH(gm::forward_speculative(s, x, w, &b, {0, 0}), Catch::Contains("activation"));
  s.activation = Act::kRelu;
  CHECK_THROWS_WITH(gm::forward_speculative(s, x, w, &b, {0}), Catch::Contains("predicted"));
}
