// Tests of the golden layer model (model/layer_model.hpp): hand-computed cases with literal bit
// patterns, exactness on integer data, the rigorous bound against the double reference and
// against formulations written here (scatter), adjoint identities that prove EP and WG are the
// gradients of FP, MAC counts, validation and shape errors.
//
// Build with -ffp-contract=off. Values are decoded here with the host's _Float16 and float, not
// with fp_model or layer_reference, so the expectations do not share code with the model.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "model/layer_model.hpp"
#include "model/layer_reference.hpp"
#include "spec/layer_spec.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::fp::Format;
using ganpu::fp::kBf16;
using ganpu::fp::kFp16;
using ganpu::fp::kFp32;
using ganpu::model::CheckResult;
using ganpu::model::ForwardOut;
using ganpu::model::LayerSpec;
using ganpu::model::LayerType;
using ganpu::model::Phase;
using ganpu::model::RefTensor;
using ganpu::model::Tensor;
using ganpu::model::WeightGradOut;
namespace gm = ganpu::model;

using Rng = std::mt19937_64;
using Shape = std::vector<int64_t>;
using Mask = std::vector<uint8_t>;

constexpr uint32_t kHalfOne = 0x3C00;      // FP16 1.0
constexpr uint32_t kQuarter16 = 0x3400;    // FP16 0.25
constexpr uint32_t kQuarterBf16 = 0x3E80;  // BF16 0.25

// ---- Host encodings of the formats ------------------------------------------------------------

bool is_fp16(Format f) { return f.exp_w == 5 && f.man_w == 10; }
bool is_fp32(Format f) { return f.exp_w == 8 && f.man_w == 23; }

double dec(Format f, uint32_t b) {
  if (is_fp16(f)) {
    const uint16_t v = static_cast<uint16_t>(b);
    _Float16 h;
    std::memcpy(&h, &v, sizeof h);
    return static_cast<double>(h);
  }
  const uint32_t w = is_fp32(f) ? b : b << 16;  // BF16 is the top half of FP32
  float x;
  std::memcpy(&x, &w, sizeof x);
  return static_cast<double>(x);
}

// Nearest value of format f (FP16: RNE by the host; BF16: RNE from float; finite inputs).
uint32_t enc(Format f, double v) {
  if (is_fp16(f)) {
    const _Float16 h = static_cast<_Float16>(v);
    uint16_t b;
    std::memcpy(&b, &h, sizeof b);
    return b;
  }
  const float x = static_cast<float>(v);
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  if (is_fp32(f)) return b;
  return (b + 0x7FFFu + ((b >> 16) & 1u)) >> 16;
}

size_t numel(const Shape &s) {
  size_t n = 1;
  for (int64_t d : s) n *= static_cast<size_t>(d);
  return n;
}

// A tensor of exactly representable values.
Tensor tensor(Format f, const Shape &shape, const std::vector<double> &v) {
  REQUIRE(v.size() == numel(shape));
  Tensor t{shape, {}};
  for (double x : v) {
    t.data.push_back(enc(f, x));
    REQUIRE(dec(f, t.data.back()) == x);
  }
  return t;
}

Tensor bits(const Shape &shape, const std::vector<uint32_t> &b) {
  REQUIRE(b.size() == numel(shape));
  return Tensor{shape, b};
}

std::vector<double> decode_all(Format f, const Tensor &t) {
  std::vector<double> v;
  for (uint32_t b : t.data) v.push_back(dec(f, b));
  return v;
}

Tensor random_ints(Format f, const Shape &shape, Rng &rng, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<double> v(numel(shape));
  for (double &x : v) x = d(rng);
  return tensor(f, shape, v);
}

Tensor random_normal(Format f, const Shape &shape, Rng &rng, double scale) {
  std::normal_distribution<double> d(0.0, 1.0);
  Tensor t{shape, std::vector<uint32_t>(numel(shape))};
  for (uint32_t &b : t.data) b = enc(f, d(rng) * scale);
  return t;
}

double dot(const std::vector<double> &a, const std::vector<double> &b) {
  REQUIRE(a.size() == b.size());
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

uint32_t quarter(Format f) { return is_fp16(f) ? kQuarter16 : kQuarterBf16; }

const char *act_name(Act a) {
  switch (a) {
    case Act::kNone:
      return "none";
    case Act::kRelu:
      return "relu";
    case Act::kLeakyRelu:
      return "leaky0.25";
  }
  return "?";
}

LayerSpec conv(LayerType t, int n, int c, int o, int h, int w, int k, int s, int p, int op = 0) {
  LayerSpec sp;
  sp.type = t;
  sp.batch = n;
  sp.in_channels = c;
  sp.out_channels = o;
  sp.in_h = h;
  sp.in_w = w;
  sp.kernel_h = sp.kernel_w = k;
  sp.stride_h = sp.stride_w = s;
  sp.padding_h = sp.padding_w = p;
  sp.output_padding_h = sp.output_padding_w = op;
  return sp;
}

LayerSpec linear(int n, int c, int o) {
  LayerSpec sp;
  sp.type = LayerType::kLinear;
  sp.batch = n;
  sp.in_channels = c;
  sp.out_channels = o;
  return sp;
}

std::string describe(const LayerSpec &s) {
  std::string r = std::string(gm::to_string(s.type)) + " N" + std::to_string(s.batch) + " C" +
                  std::to_string(s.in_channels) + " O" + std::to_string(s.out_channels);
  if (s.type != LayerType::kLinear) {
    r += " in" + std::to_string(s.in_h) + "x" + std::to_string(s.in_w) + " k" +
         std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + " s" +
         std::to_string(s.stride_h) + "x" + std::to_string(s.stride_w) + " p" +
         std::to_string(s.padding_h) + "x" + std::to_string(s.padding_w) + " op" +
         std::to_string(s.output_padding_h) + "x" + std::to_string(s.output_padding_w);
  }
  return r + (s.bias ? " bias" : "") + " act " + act_name(s.activation) +
         (is_fp16(s.format) ? " fp16" : " bf16");
}

// The layer shapes the sweeps run: strides 1 and 2, padding 0 and 1 (and 2), odd and
// rectangular sizes, 1x1 kernels, batch 2, output_padding 1.
std::vector<LayerSpec> sweep_specs() {
  std::vector<LayerSpec> v;
  for (LayerType t : {LayerType::kConv2d, LayerType::kConvTranspose2d}) {
    const bool tr = t == LayerType::kConvTranspose2d;
    v.push_back(conv(t, 2, 2, 3, 5, 5, 3, 1, 1));
    v.push_back(conv(t, 2, 2, 2, 7, 5, 3, 2, 0, tr ? 1 : 0));
    v.push_back(conv(t, 1, 3, 2, 5, 7, 3, 2, 1, tr ? 1 : 0));
    v.push_back(conv(t, 2, 3, 2, 3, 3, 1, 1, 0));
    v.push_back(conv(t, 2, 2, 3, 5, 5, 1, 2, 0, tr ? 1 : 0));
    v.push_back(conv(t, 1, 2, 2, 4, 4, 2, 2, 0));
    v.push_back(conv(t, 2, 2, 2, 4, 3, 4, 2, 1));
    v.push_back(conv(t, 1, 1, 2, 3, 3, 3, 3, 2, tr ? 2 : 0));
    LayerSpec r = conv(t, 2, 2, 2, 5, 4, 3, 2, 1);
    r.kernel_w = 1;
    r.stride_w = 1;
    r.padding_w = 0;
    r.output_padding_h = tr ? 1 : 0;
    v.push_back(r);
  }
  v.push_back(linear(2, 5, 3));
  v.push_back(linear(1, 1, 1));
  v.push_back(linear(3, 7, 4));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i].bias = i % 2 == 0;
    REQUIRE(v[i].validate() == "");
  }
  return v;
}

LayerSpec with(LayerSpec s, Format f, Act a) {
  s.format = f;
  s.activation = a;
  s.negative_slope = a == Act::kLeakyRelu ? quarter(f) : 0;
  return s;
}

// Every element of the model tensor equals the reference value exactly.
void require_exact(Format f, const Tensor &model, const RefTensor &ref) {
  REQUIRE(model.shape == ref.shape);
  for (size_t j = 0; j < model.size(); ++j) {
    // The data must make every result representable; otherwise the test itself is wrong.
    REQUIRE(dec(f, enc(f, ref.value[j])) == ref.value[j]);
    INFO("element " << j << " model bits 0x" << std::hex << model.data[j]);
    REQUIRE(dec(f, model.data[j]) == ref.value[j]);
  }
}

void require_in_bound(const RefTensor &ref, const Tensor &model, double *worst) {
  const CheckResult c = gm::check(ref, model);
  INFO(c.first_failure);
  REQUIRE(c.out_of_bound == 0);
  REQUIRE(c.unchecked == 0);
  REQUIRE(c.checked == model.size());
  if (c.max_ratio > *worst) *worst = c.max_ratio;
}

// ---- Layer shapes and validation ----------------------------------------------------------------

TEST_CASE("layer: sizes and shapes follow PyTorch", "[layer]") {
  LayerSpec c = conv(LayerType::kConv2d, 2, 3, 4, 7, 6, 3, 2, 1);
  CHECK(c.out_h() == 4);  // (7 + 2 - 3) / 2 + 1
  CHECK(c.out_w() == 3);  // floor((6 + 2 - 3) / 2) + 1
  CHECK(c.x_shape() == Shape{2, 3, 7, 6});
  CHECK(c.y_shape() == Shape{2, 4, 4, 3});
  CHECK(c.w_shape() == Shape{4, 3, 3, 3});
  CHECK(c.b_shape() == Shape{4});
  LayerSpec t = conv(LayerType::kConvTranspose2d, 2, 3, 4, 7, 6, 4, 2, 1, 1);
  CHECK(t.out_h() == 15);  // (7 - 1) * 2 - 2 + 4 + 1
  CHECK(t.out_w() == 13);
  CHECK(t.w_shape() == Shape{3, 4, 4, 4});
  LayerSpec l = linear(5, 3, 2);
  CHECK(l.x_shape() == Shape{5, 3});
  CHECK(l.y_shape() == Shape{5, 2});
  CHECK(l.w_shape() == Shape{2, 3});
  CHECK(std::string(gm::to_string(LayerType::kConv2d)) == "conv2d");
  CHECK(std::string(gm::to_string(LayerType::kConvTranspose2d)) == "conv_transpose2d");
  CHECK(std::string(gm::to_string(LayerType::kLinear)) == "linear");
  CHECK(std::string(gm::to_string(Phase::kForward)) == "fp");
  CHECK(std::string(gm::to_string(Phase::kErrorProp)) == "ep");
  CHECK(std::string(gm::to_string(Phase::kWeightGrad)) == "wg");
}

TEST_CASE("layer: validate names the first bad field", "[layer]") {
  const LayerSpec good = conv(LayerType::kConv2d, 1, 1, 1, 5, 5, 3, 1, 1);
  CHECK(good.validate() == "");
  auto msg = [&](const std::function<void(LayerSpec &)> &edit, LayerSpec s) {
    edit(s);
    return s.validate();
  };
  CHECK(msg([](LayerSpec &s) { s.padding_h = -1; }, good) == "padding_h: must be >= 0 (got -1)");
  CHECK(msg([](LayerSpec &s) { s.batch = 0; }, good) == "batch: must be >= 1 (got 0)");
  CHECK(msg([](LayerSpec &s) { s.stride_w = 0; }, good) == "stride_w: must be >= 1 (got 0)");
  CHECK(msg([](LayerSpec &s) { s.kernel_h = 0; }, good) == "kernel_h: must be >= 1 (got 0)");
  CHECK(msg([](LayerSpec &s) { s.output_padding_w = 1; }, good) ==
        "output_padding_w: must be 0 for conv2d (got 1)");
  CHECK(msg([](LayerSpec &s) { s.kernel_w = 8; }, good) ==
        "kernel_w: must be <= in_w + 2*padding_w = 7 (got 8)");
  CHECK(msg([](LayerSpec &s) { s.format = kFp32; }, good).rfind("format:", 0) == 0);
  CHECK(
      msg([](LayerSpec &s) { s.activation = static_cast<Act>(3); }, good).rfind("activation:", 0) ==
      0);
  CHECK(msg([](LayerSpec &s) { s.negative_slope = 0x10000; }, good).rfind("negative_slope:", 0) ==
        0);
  const LayerSpec tr = conv(LayerType::kConvTranspose2d, 1, 1, 1, 3, 3, 3, 2, 1, 1);
  CHECK(tr.validate() == "");
  CHECK(msg([](LayerSpec &s) { s.output_padding_h = 2; }, tr) ==
        "output_padding_h: must be < stride_h = 2 (got 2)");
  CHECK(msg([](LayerSpec &s) { s.padding_w = 4; }, tr) == "out_w: must be >= 1 (got 0)");
  const LayerSpec lin = linear(2, 3, 4);
  CHECK(lin.validate() == "");
  CHECK(msg([](LayerSpec &s) { s.in_h = 2; }, lin) == "in_h: must be 1 for linear (got 2)");
  CHECK(msg([](LayerSpec &s) { s.padding_w = 1; }, lin) ==
        "padding_w: must be 0 for linear (got 1)");
  LayerSpec bad = good;
  bad.padding_h = -1;
  CHECK_THROWS_AS(bad.macs(Phase::kForward), std::invalid_argument);
}

TEST_CASE("layer: validate bounds every tensor and extent, naming the fields", "[layer]") {
  constexpr int kMax = 2147483647;
  // 65536 channels and a 65536 kernel (fitting the padded input): w has 2^64 elements, which
  // wraps to 0 in 64 bits.
  LayerSpec wrap = conv(LayerType::kConv2d, 1, 65536, 65536, 1, 1, 65536, 1, 32768);
  CHECK(wrap.validate() ==
        "w: out_channels * in_channels * kernel_h * kernel_w = 65536 * 65536 * 65536 * 65536 "
        "elements, must be at most 2147483647");
  CHECK_THROWS_AS(wrap.macs(Phase::kForward), std::invalid_argument);
  CHECK(conv(LayerType::kConvTranspose2d, 1, 65536, 65536, 1, 1, 1, 1, 0).validate() ==
        "w: in_channels * out_channels * kernel_h * kernel_w = 65536 * 65536 * 1 * 1 elements, "
        "must be at most 2147483647");
  CHECK(conv(LayerType::kConv2d, 2, 2, 1, 32768, 32768, 1, 1, 0).validate() ==
        "x: batch * in_channels * in_h * in_w = 2 * 2 * 32768 * 32768 elements, must be at most "
        "2147483647");
  CHECK(conv(LayerType::kConvTranspose2d, 1, 1, 4, 32768, 32768, 2, 2, 0).validate() ==
        "y: batch * out_channels * out_h * out_w = 1 * 4 * 65536 * 65536 elements, must be at "
        "most 2147483647");
  CHECK(linear(kMax, 2, 1).validate() ==
        "x: batch * in_channels = 2147483647 * 2 elements, must be at most 2147483647");
  CHECK(linear(1, kMax, 2).validate() ==
        "w: out_channels * in_channels = 2 * 2147483647 elements, must be at most 2147483647");
  CHECK(linear(2, 1, kMax).validate() ==
        "y: batch * out_channels = 2 * 2147483647 elements, must be at most 2147483647");
  // The largest tensors are accepted (the runtime refuses what does not fit its memory).
  CHECK(linear(kMax, 1, 1).validate() == "");
  CHECK(conv(LayerType::kConv2d, 1, 1, 1, kMax, 1, 1, 1, 0).validate() == "");
  // The index arithmetic of an axis stays within an int.
  CHECK(conv(LayerType::kConv2d, 1, 1, 1, 3, 3, 3, kMax, kMax / 2).validate() ==
        "in_h + 2*padding_h: must be at most 2147483647 (got 2147483649)");
  LayerSpec tr = conv(LayerType::kConvTranspose2d, 1, 1, 1, 3, 1, 1, 1 << 30, 0);
  tr.padding_h = 1 << 30;
  tr.stride_w = 1;
  CHECK(tr.validate() ==
        "(in_h - 1)*stride_h + kernel_h + output_padding_h: must be at most 2147483647 (got "
        "2147483649)");
}

// ---- Hand-computed cases, literal bit patterns --------------------------------------------------

TEST_CASE("layer_model: hand-computed 1x1 conv2d, every activation", "[layer_model]") {
  LayerSpec s = conv(LayerType::kConv2d, 1, 2, 2, 2, 2, 1, 1, 0);
  // x channel 0 = [1 2; 3 4], channel 1 = [0.5 -1; 2 0]; w = [[2, 1], [-1, 3]] (OIHW, 1x1).
  const Tensor x = bits({1, 2, 2, 2}, {0x3C00, 0x4000, 0x4200, 0x4400, 0x3800, 0xBC00, 0x4000, 0});
  const Tensor w = bits({2, 2, 1, 1}, {0x4000, 0x3C00, 0xBC00, 0x4200});
  // y0 = 2 x0 + x1 = [2.5 3; 8 8], y1 = -x0 + 3 x1 = [0.5 -5; 3 -4].
  const ForwardOut none = gm::forward(s, x, w, nullptr);
  CHECK(none.y.shape == Shape{1, 2, 2, 2});
  CHECK(none.y.data ==
        std::vector<uint32_t>{0x4100, 0x4200, 0x4800, 0x4800, 0x3800, 0xC500, 0x4200, 0xC400});
  CHECK(none.mask == Mask{1, 1, 1, 1, 1, 0, 1, 0});
  s.activation = Act::kRelu;
  CHECK(gm::forward(s, x, w, nullptr).y.data ==
        std::vector<uint32_t>{0x4100, 0x4200, 0x4800, 0x4800, 0x3800, 0, 0x4200, 0});
  s.activation = Act::kLeakyRelu;
  s.negative_slope = kQuarter16;  // -5 * 0.25 = -1.25 (0xBD00), -4 * 0.25 = -1 (0xBC00)
  const ForwardOut leaky = gm::forward(s, x, w, nullptr);
  CHECK(leaky.y.data ==
        std::vector<uint32_t>{0x4100, 0x4200, 0x4800, 0x4800, 0x3800, 0xBD00, 0x4200, 0xBC00});
  CHECK(leaky.mask == none.mask);

  // EP with dy = 1 everywhere: dz = 1 where mask, 0.25 elsewhere.
  // dz1 = [1 0.25; 1 0.25], so dx0 = 2 dz0 - dz1 = [1 1.75; 1 1.75] and
  // dx1 = dz0 + 3 dz1 = [4 1.75; 4 1.75].
  const Tensor dy = bits({1, 2, 2, 2}, std::vector<uint32_t>(8, kHalfOne));
  const Tensor dz = gm::masked_grad(s, dy, leaky.mask);
  CHECK(dz.data ==
        std::vector<uint32_t>{0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x3400, 0x3C00, 0x3400});
  CHECK(gm::error_prop(s, dy, w, leaky.mask).data ==
        std::vector<uint32_t>{0x3C00, 0x3F00, 0x3C00, 0x3F00, 0x4400, 0x3F00, 0x4400, 0x3F00});
  // WG: dw[o,i] = sum over pixels dz[o] * x[i]: o0: [10, 1.5]; o1: 1 + 0.5 + 3 + 1 = 5.5,
  // 0.5 - 0.25 + 2 + 0 = 2.25. db = [4, 2.5].
  const WeightGradOut g = gm::weight_grad(s, x, dy, leaky.mask);
  CHECK(g.dw.shape == Shape{2, 2, 1, 1});
  CHECK(g.dw.data == std::vector<uint32_t>{0x41200000, 0x3FC00000, 0x40B00000, 0x40100000});
  CHECK(g.db.data == std::vector<uint32_t>{0x40800000, 0x40200000});
}

TEST_CASE("layer_model: hand-computed 3x3 conv2d with padding", "[layer_model]") {
  // All-ones 3x3 input and kernel, padding 1: each output counts its in-range taps.
  LayerSpec s = conv(LayerType::kConv2d, 1, 1, 1, 3, 3, 3, 1, 1);
  s.bias = true;
  const Tensor x = bits({1, 1, 3, 3}, std::vector<uint32_t>(9, kHalfOne));
  const Tensor w = bits({1, 1, 3, 3}, std::vector<uint32_t>(9, kHalfOne));
  const Tensor b = bits({1}, {0x3800});  // 0.5
  // [4 6 4; 6 9 6; 4 6 4] + 0.5 = 4.5 (0x4480), 6.5 (0x4680), 9.5 (0x48C0).
  const ForwardOut f = gm::forward(s, x, w, &b);
  CHECK(f.y.data == std::vector<uint32_t>{0x4480, 0x4680, 0x4480, 0x4680, 0x48C0, 0x4680, 0x4480,
                                          0x4680, 0x4480});
  // The same kernel is symmetric, so EP of ones gives the tap counts [4 6 4; 6 9 6; 4 6 4].
  const Tensor dy = x;
  CHECK(gm::error_prop(s, dy, w, f.mask).data == std::vector<uint32_t>{0x4400, 0x4600, 0x4400,
                                                                       0x4600, 0x4880, 0x4600,
                                                                       0x4400, 0x4600, 0x4400});
  // dw[ky,kx] = number of outputs whose tap (ky,kx) is in range: 2 or 3 per axis.
  const WeightGradOut g = gm::weight_grad(s, x, dy, f.mask);
  CHECK(g.dw.data == std::vector<uint32_t>{0x40800000, 0x40C00000, 0x40800000, 0x40C00000,
                                           0x41100000, 0x40C00000, 0x40800000, 0x40C00000,
                                           0x40800000});
  CHECK(g.db.data == std::vector<uint32_t>{0x41100000});  // 9
  // Stride 2 keeps the four corners: 4 + 0.5 each.
  s.stride_h = s.stride_w = 2;
  CHECK(gm::forward(s, x, w, &b).y.data == std::vector<uint32_t>(4, 0x4480));
}

TEST_CASE("layer_model: hand-computed conv_transpose2d, stride 2", "[layer_model]") {
  // k3 s2 p1 op1 on 2x2 -> 4x4. Along an axis output o gets input rows {0}, {0,1}, {1}, {1}.
  LayerSpec s = conv(LayerType::kConvTranspose2d, 1, 1, 1, 2, 2, 3, 2, 1, 1);
  const Tensor x = bits({1, 1, 2, 2}, {0x3C00, 0x4000, 0x4200, 0x4400});  // [1 2; 3 4]
  const Tensor ones = bits({1, 1, 3, 3}, std::vector<uint32_t>(9, kHalfOne));
  // [1 3 2 2; 4 10 6 6; 3 7 4 4; 3 7 4 4]
  CHECK(gm::forward(s, x, ones, nullptr).y.data ==
        std::vector<uint32_t>{0x3C00, 0x4200, 0x4000, 0x4000, 0x4400, 0x4900, 0x4600, 0x4600,
                              0x4200, 0x4700, 0x4400, 0x4400, 0x4200, 0x4700, 0x4400, 0x4400});
  // Impulse at x[0,0]: output (oy, ox) gets w[oy+1, ox+1] (no kernel flip), zeros elsewhere.
  const Tensor impulse = bits({1, 1, 2, 2}, {kHalfOne, 0, 0, 0});
  const Tensor w = tensor(kFp16, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(gm::forward(s, impulse, w, nullptr).y.data ==
        std::vector<uint32_t>{0x4500, 0x4600, 0, 0, 0x4800, 0x4880, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  // k2 s2 p0: a pixel shuffle, y[oy,ox] = x[oy/2, ox/2] * w[oy%2, ox%2].
  LayerSpec ps = conv(LayerType::kConvTranspose2d, 1, 1, 1, 2, 2, 2, 2, 0);
  const Tensor w2 = tensor(kFp16, {1, 1, 2, 2}, {1, -1, 0.5, 2});
  CHECK(gm::forward(ps, x, w2, nullptr).y.data ==
        std::vector<uint32_t>{0x3C00, 0xBC00, 0x4000, 0xC000, 0x3800, 0x4000, 0x3C00, 0x4400,
                              0x4200, 0xC200, 0x4400, 0xC400, 0x3E00, 0x4600, 0x4000, 0x4800});
  // EP of the pixel shuffle with dy = 1: dx = sum of the kernel = 2.5 everywhere.
  const Tensor dy = bits({1, 1, 4, 4}, std::vector<uint32_t>(16, kHalfOne));
  CHECK(gm::error_prop(ps, dy, w2, Mask(16, 1)).data == std::vector<uint32_t>(4, 0x4100));
  // WG: dw[ky,kx] = sum of x = 10 for every tap.
  CHECK(gm::weight_grad(ps, x, dy, Mask(16, 1)).dw.data == std::vector<uint32_t>(4, 0x41200000));
}

TEST_CASE("layer_model: hand-computed linear", "[layer_model]") {
  LayerSpec s = linear(2, 3, 2);
  s.bias = true;
  const Tensor x = tensor(kFp16, {2, 3}, {1, 2, 3, -1, 0.5, 2});
  const Tensor w = tensor(kFp16, {2, 3}, {1, 1, 1, 2, -1, 0.25});
  const Tensor b = tensor(kFp16, {2}, {0.5, -1});
  // y = [6.5, -0.25; 2, -3]
  const ForwardOut f = gm::forward(s, x, w, &b);
  CHECK(f.y.data == std::vector<uint32_t>{0x4680, 0xB400, 0x4000, 0xC200});
  CHECK(f.mask == Mask{1, 0, 1, 0});
  // dy = identity: dx = rows of w; dw = rows of x; db = [1, 1].
  const Tensor dy = tensor(kFp16, {2, 2}, {1, 0, 0, 1});
  const Mask all(4, 1);
  CHECK(gm::error_prop(s, dy, w, all).data ==
        std::vector<uint32_t>{0x3C00, 0x3C00, 0x3C00, 0x4000, 0xBC00, 0x3400});
  const WeightGradOut g = gm::weight_grad(s, x, dy, all);
  CHECK(g.dw.data == std::vector<uint32_t>{0x3F800000, 0x40000000, 0x40400000, 0xBF800000,
                                           0x3F000000, 0x40000000});
  CHECK(g.db.data == std::vector<uint32_t>{0x3F800000, 0x3F800000});
  // With ReLU the forward mask zeroes dz[0,1] and dz[1,1]: dx[1] = 0, db = [2, 0].
  s.activation = Act::kRelu;
  const ForwardOut fr = gm::forward(s, x, w, &b);
  CHECK(fr.y.data == std::vector<uint32_t>{0x4680, 0, 0x4000, 0});
  CHECK(gm::error_prop(s, dy, w, fr.mask).data ==
        std::vector<uint32_t>{0x3C00, 0x3C00, 0x3C00, 0, 0, 0});
  const Tensor ones = tensor(kFp16, {2, 2}, {1, 1, 1, 1});
  CHECK(gm::weight_grad(s, x, ones, fr.mask).db.data ==
        std::vector<uint32_t>{0x40000000, 0x00000000});
}

TEST_CASE("layer_model: skipped taps are not MACs with zero (signed zeros)", "[layer_model]") {
  // Bias -0 and real products -0 (x = -0, w = +1) keep acc = -0. A MAC with a padded +0 input
  // would compute -0 + (+0 * 1) = +0 and the output would be 0x0000.
  const uint32_t neg_zero = 0x8000;
  for (LayerType t : {LayerType::kConv2d, LayerType::kConvTranspose2d}) {
    LayerSpec s = t == LayerType::kConv2d ? conv(t, 1, 1, 1, 1, 1, 3, 1, 1)
                                          : conv(t, 1, 1, 1, 2, 2, 3, 2, 1, 1);
    s.bias = true;
    const Tensor x = bits(s.x_shape(), std::vector<uint32_t>(numel(s.x_shape()), neg_zero));
    const Tensor w = bits(s.w_shape(), std::vector<uint32_t>(9, kHalfOne));
    const Tensor b = bits({1}, {neg_zero});
    const ForwardOut f = gm::forward(s, x, w, &b);
    INFO(gm::to_string(t));
    CHECK(f.y.data == std::vector<uint32_t>(numel(s.y_shape()), neg_zero));
    CHECK(f.mask == Mask(numel(s.y_shape()), 0));
  }
  // The FP32 initial value is the widened bias, exactly.
  LayerSpec s = linear(1, 1, 1);
  s.bias = true;
  const Tensor b = bits({1}, {0x0001});  // smallest FP16 subnormal, 2^-24
  const Tensor zero = bits({1, 1}, {0});
  CHECK(gm::forward(s, zero, zero, &b).y.data == std::vector<uint32_t>{0x0001});
}

TEST_CASE("layer_model: the mask is taken on the FP32 sum, before narrowing", "[layer_model]") {
  // z = 2^-14 * 2^-14 = 2^-28 is positive in FP32 but narrows to FP16 +0 (below 2^-25).
  LayerSpec s = linear(1, 1, 2);
  s.activation = Act::kRelu;
  const Tensor x = bits({1, 1}, {0x0400});          // 2^-14
  const Tensor w = bits({2, 1}, {0x0400, 0x8400});  // 2^-14, -2^-14
  const ForwardOut f = gm::forward(s, x, w, nullptr);
  CHECK(f.y.data == std::vector<uint32_t>{0x0000, 0x0000});
  CHECK(f.mask == Mask{1, 0});
  s.activation = Act::kNone;
  CHECK(gm::forward(s, x, w, nullptr).y.data == std::vector<uint32_t>{0x0000, 0x8000});
  // So ReLU passes the gradient of the first output although its y is 0.
  s.activation = Act::kRelu;
  const Tensor dy = bits({1, 2}, {kHalfOne, kHalfOne});
  CHECK(gm::masked_grad(s, dy, f.mask).data == std::vector<uint32_t>{kHalfOne, 0});
}

// ---- Exactness on integer data ------------------------------------------------------------------

TEST_CASE("layer_model: integer data gives exactly the double reference", "[layer_model]") {
  // Small integers (and quarters from LeakyReLU 0.25): every product and partial sum is exact
  // in FP32 and every result exact in the 16-bit format, so no rounding may happen at all.
  Rng rng(0x1234);
  size_t cases = 0;
  for (const LayerSpec &base : sweep_specs()) {
    for (Format f : {kFp16, kBf16}) {
      for (Act a : {Act::kNone, Act::kRelu, Act::kLeakyRelu}) {
        const LayerSpec s = with(base, f, a);
        INFO(describe(s));
        const int lo = is_fp16(f) ? -3 : -2;
        const Tensor x = random_ints(f, s.x_shape(), rng, lo, 2);
        const Tensor w = random_ints(f, s.w_shape(), rng, lo, 2);
        const Tensor b = random_ints(f, s.b_shape(), rng, lo, 2);
        const Tensor dy = random_ints(f, s.y_shape(), rng, -2, 2);

        const ForwardOut fo = gm::forward(s, x, w, s.bias ? &b : nullptr);
        const RefTensor ry = gm::reference_forward(s, x, w, s.bias ? &b : nullptr);
        require_exact(f, fo.y, ry);
        for (size_t j = 0; j < fo.mask.size(); ++j) REQUIRE(fo.mask[j] == (ry.pre[j] > 0 ? 1 : 0));
        REQUIRE(gm::term_counts(s, Phase::kForward) == ry.terms);

        const Tensor dx = gm::error_prop(s, dy, w, fo.mask);
        const RefTensor rx = gm::reference_error_prop(s, dy, w, fo.mask);
        require_exact(f, dx, rx);
        REQUIRE(gm::term_counts(s, Phase::kErrorProp) == rx.terms);

        const WeightGradOut g = gm::weight_grad(s, x, dy, fo.mask);
        const gm::RefWeightGrad rg = gm::reference_weight_grad(s, x, dy, fo.mask);
        require_exact(kFp32, g.dw, rg.dw);
        require_exact(kFp32, g.db, rg.db);
        REQUIRE(gm::term_counts(s, Phase::kWeightGrad) == rg.dw.terms);
        ++cases;
      }
    }
  }
  CHECK(cases == sweep_specs().size() * 6);
}

// ---- Rigorous bound on random data --------------------------------------------------------------

// Runs all three phases on random data and checks every output against the reference bound.
void random_round(const LayerSpec &s, Rng &rng, double scale, double *worst) {
  INFO(describe(s) << " scale " << scale);
  const Format f = s.format;
  const Tensor x = random_normal(f, s.x_shape(), rng, scale);
  const Tensor w = random_normal(f, s.w_shape(), rng, scale);
  const Tensor b = random_normal(f, s.b_shape(), rng, scale * scale);
  const Tensor dy = random_normal(f, s.y_shape(), rng, scale);
  const ForwardOut fo = gm::forward(s, x, w, s.bias ? &b : nullptr);
  require_in_bound(gm::reference_forward(s, x, w, s.bias ? &b : nullptr), fo.y, worst);
  require_in_bound(gm::reference_error_prop(s, dy, w, fo.mask), gm::error_prop(s, dy, w, fo.mask),
                   worst);
  const WeightGradOut g = gm::weight_grad(s, x, dy, fo.mask);
  const gm::RefWeightGrad rg = gm::reference_weight_grad(s, x, dy, fo.mask);
  require_in_bound(rg.dw, g.dw, worst);
  require_in_bound(rg.db, g.db, worst);
}

TEST_CASE("layer_model: random FP16/BF16 data stays within the rigorous bound", "[layer_model]") {
  Rng rng(0xBEEF);
  std::vector<LayerSpec> specs = sweep_specs();
  specs.push_back(conv(LayerType::kConv2d, 2, 16, 8, 9, 9, 3, 1, 1));
  specs.push_back(conv(LayerType::kConvTranspose2d, 2, 16, 8, 5, 5, 4, 2, 1));
  specs.push_back(linear(4, 200, 10));
  specs.push_back(linear(2, 3000, 3));  // long sums: K = 3000 in FP, K = 2 in WG
  double worst = 0;
  for (const LayerSpec &base : specs) {
    for (Format f : {kFp16, kBf16}) {
      for (Act a : {Act::kNone, Act::kRelu, Act::kLeakyRelu}) {
        for (int rep = 0; rep < 2; ++rep) random_round(with(base, f, a), rng, 1.0, &worst);
      }
    }
  }
  INFO("largest |model - reference| / bound on random data: " << worst);
  CHECK(worst > 0);
  CHECK(worst <= 1);
}

TEST_CASE("layer_model: bound holds in the FP32 underflow range and at overflow", "[layer_model]") {
  Rng rng(0xF00D);
  double worst = 0;
  // BF16 operands near 2^-66: products near 2^-132 fall into FP32's subnormal range, where the
  // K * 2^-150 term of the bound is what covers the rounding.
  for (const LayerSpec &base : sweep_specs()) {
    random_round(with(base, kBf16, Act::kLeakyRelu), rng, 0x1p-66, &worst);
    random_round(with(base, kBf16, Act::kNone), rng, 0x1p-70, &worst);
    // FP16 subnormal operands: narrowing to subnormal results.
    random_round(with(base, kFp16, Act::kLeakyRelu), rng, 0x1p-9, &worst);
  }
  // FP16 results beyond the largest finite value: inf is accepted only where the reference is.
  LayerSpec s = with(conv(LayerType::kConv2d, 1, 4, 2, 4, 4, 3, 1, 1), kFp16, Act::kLeakyRelu);
  const Tensor x = random_normal(kFp16, s.x_shape(), rng, 150);
  const Tensor w = random_normal(kFp16, s.w_shape(), rng, 150);
  const ForwardOut fo = gm::forward(s, x, w, nullptr);
  size_t infs = 0;
  for (uint32_t v : fo.y.data) infs += (v & 0x7FFFu) == 0x7C00u;
  CHECK(infs > 0);
  require_in_bound(gm::reference_forward(s, x, w, nullptr), fo.y, &worst);
  INFO("largest ratio in the underflow/overflow runs: " << worst);
  CHECK(worst <= 1);
}

TEST_CASE("layer_reference: the check catches wrong results", "[layer_reference]") {
  Rng rng(7);
  const LayerSpec s = with(conv(LayerType::kConv2d, 1, 2, 2, 5, 5, 3, 1, 1), kFp16, Act::kRelu);
  const Tensor x = random_ints(kFp16, s.x_shape(), rng, -3, 3);
  const Tensor w = random_ints(kFp16, s.w_shape(), rng, -3, 3);
  const ForwardOut fo = gm::forward(s, x, w, nullptr);
  const RefTensor ref = gm::reference_forward(s, x, w, nullptr);
  REQUIRE(gm::check(ref, fo.y).out_of_bound == 0);
  size_t j = 0;  // a positive output
  while (fo.mask[j] == 0) ++j;
  auto bad = [&](uint32_t v) {
    Tensor t = fo.y;
    t.data[j] = v;
    return gm::check(ref, t).out_of_bound;
  };
  const uint32_t y = fo.y.data[j];
  CHECK(bad(y + 2) == 1);       // two ulps off
  CHECK(bad(y | 0x8000) == 1);  // sign flipped
  CHECK(bad(0x7E00) == 1);      // NaN
  CHECK(bad(0x7C00) == 1);      // +inf where the reference is small
  CHECK(bad(y) == 0);

  // dw in FP32: 1.0 off an exact sum is far outside a bound of gamma_K * A.
  const Tensor dy = random_ints(kFp16, s.y_shape(), rng, -2, 2);
  WeightGradOut g = gm::weight_grad(s, x, dy, fo.mask);
  const gm::RefWeightGrad rg = gm::reference_weight_grad(s, x, dy, fo.mask);
  REQUIRE(gm::check(rg.dw, g.dw).out_of_bound == 0);
  size_t k = 0;
  while (g.dw.data[k] == 0) ++k;
  g.dw.data[k] = enc(kFp32, dec(kFp32, g.dw.data[k]) + 1.0);
  CHECK(gm::check(rg.dw, g.dw).out_of_bound == 1);
}

// ---- Formulations written here ------------------------------------------------------------------

// The real products of every output element, in the contract's loop order, as index pairs
// (a, b) into the phase's two operands (FP: x, w; EP: dz, w; WG: dz, x). Written from the
// contract text with a range and divisibility test per tap.
using Terms = std::vector<std::vector<std::pair<size_t, size_t>>>;

Terms contract_terms(const LayerSpec &s, Phase p) {
  const int N = s.batch, C = s.in_channels, O = s.out_channels, H = s.in_h, W = s.in_w;
  const int OH = s.out_h(), OW = s.out_w(), KH = s.kernel_h, KW = s.kernel_w;
  const int sh = s.stride_h, sw = s.stride_w, ph = s.padding_h, pw = s.padding_w;
  const bool tr = s.type == LayerType::kConvTranspose2d;
  auto xi = [&](int n, int i, int iy, int ix) { return ((size_t(n) * C + i) * H + iy) * W + ix; };
  auto yi = [&](int n, int o, int oy, int ox) { return ((size_t(n) * O + o) * OH + oy) * OW + ox; };
  auto wi = [&](int o, int i, int ky, int kx) {  // weight of output channel o, input channel i
    return tr ? ((size_t(i) * O + o) * KH + ky) * KW + kx
              : ((size_t(o) * C + i) * KH + ky) * KW + kx;
  };
  // Does tap k link strided-side index a to other-side index b (b = a*s - p + k)?
  auto strided = [](int a, int k, int st, int pad, int b_n, int *b) {
    *b = a * st - pad + k;
    return *b >= 0 && *b < b_n;
  };
  auto inverse = [](int b, int k, int st, int pad, int a_n, int *a) {
    const int t = b + pad - k;
    *a = t / st;
    return t >= 0 && t % st == 0 && t / st < a_n;
  };
  Terms terms;
  if (p == Phase::kForward) {
    for (int n = 0; n < N; ++n)
      for (int o = 0; o < O; ++o)
        for (int oy = 0; oy < OH; ++oy)
          for (int ox = 0; ox < OW; ++ox) {
            terms.emplace_back();
            for (int i = 0; i < C; ++i)
              for (int ky = 0; ky < KH; ++ky)
                for (int kx = 0; kx < KW; ++kx) {
                  int iy, ix;
                  const bool real =
                      tr ? inverse(oy, ky, sh, ph, H, &iy) && inverse(ox, kx, sw, pw, W, &ix)
                         : strided(oy, ky, sh, ph, H, &iy) && strided(ox, kx, sw, pw, W, &ix);
                  if (real) terms.back().push_back({xi(n, i, iy, ix), wi(o, i, ky, kx)});
                }
          }
  } else if (p == Phase::kErrorProp) {
    for (int n = 0; n < N; ++n)
      for (int i = 0; i < C; ++i)
        for (int iy = 0; iy < H; ++iy)
          for (int ix = 0; ix < W; ++ix) {
            terms.emplace_back();
            for (int o = 0; o < O; ++o)
              for (int ky = 0; ky < KH; ++ky)
                for (int kx = 0; kx < KW; ++kx) {
                  int oy, ox;
                  const bool real =
                      tr ? strided(iy, ky, sh, ph, OH, &oy) && strided(ix, kx, sw, pw, OW, &ox)
                         : inverse(iy, ky, sh, ph, OH, &oy) && inverse(ix, kx, sw, pw, OW, &ox);
                  if (real) terms.back().push_back({yi(n, o, oy, ox), wi(o, i, ky, kx)});
                }
          }
  } else {
    // dw in the weight layout: [o][i] for conv2d and linear, [i][o] for conv_transpose2d.
    for (int c0 = 0; c0 < (tr ? C : O); ++c0)
      for (int c1 = 0; c1 < (tr ? O : C); ++c1)
        for (int ky = 0; ky < KH; ++ky)
          for (int kx = 0; kx < KW; ++kx) {
            const int o = tr ? c1 : c0, i = tr ? c0 : c1;
            terms.emplace_back();
            for (int n = 0; n < N; ++n) {
              // conv2d: for oy, ox (a = output); conv_transpose2d: for iy, ix (a = input).
              for (int ay = 0; ay < (tr ? H : OH); ++ay)
                for (int ax = 0; ax < (tr ? W : OW); ++ax) {
                  int by, bx;
                  if (!strided(ay, ky, sh, ph, tr ? OH : H, &by)) continue;
                  if (!strided(ax, kx, sw, pw, tr ? OW : W, &bx)) continue;
                  terms.back().push_back(tr ? std::make_pair(yi(n, o, by, bx), xi(n, i, ay, ax))
                                            : std::make_pair(yi(n, o, ay, ax), xi(n, i, by, bx)));
                }
            }
          }
  }
  return terms;
}

// The host's IEEE arithmetic as the hardware's units: fmaf is a fused MAC with one rounding
// (16-bit operands are exact floats, and fmaf's exact product covers BF16's wider range),
// _Float16 casts round FP32 to FP16, and BF16 rounds from float by the usual carry trick.
float host_value(Format f, uint32_t b) { return static_cast<float>(dec(f, b)); }

uint32_t host_narrow(Format f, float z) {
  if (is_fp16(f)) return enc(kFp16, z);  // float -> _Float16, one RNE rounding
  uint32_t b;
  std::memcpy(&b, &z, sizeof b);
  return (b + 0x7FFFu + ((b >> 16) & 1u)) >> 16;  // RNE, overflow carries into inf
}

uint32_t host_mul(Format f, uint32_t a, uint32_t b) {
  // The product of two 16-bit values is exact in double; one rounding to the format. For BF16
  // the double -> float step is exact in the normal range the data stays in.
  const double p = dec(f, a) * dec(f, b);
  return is_fp16(f) ? enc(kFp16, p) : host_narrow(f, static_cast<float>(p));
}

float host_sum(float init, const std::vector<std::pair<size_t, size_t>> &terms,
               const std::vector<float> &a, const std::vector<float> &b) {
  float acc = init;
  for (const auto &t : terms) acc = std::fmaf(a[t.first], b[t.second], acc);
  return acc;
}

std::vector<float> host_values(Format f, const Tensor &t) {
  std::vector<float> v;
  for (uint32_t b : t.data) v.push_back(host_value(f, b));
  return v;
}

uint32_t f32_bits(float x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

// Runs the three phases on the host model and requires bit equality with the golden model.
void require_host_equal(const LayerSpec &s, const Tensor &x, const Tensor &w, const Tensor &b,
                        const Tensor &dy) {
  const Format f = s.format;
  const std::vector<float> xv = host_values(f, x), wv = host_values(f, w);
  // FP
  const Terms tf = contract_terms(s, Phase::kForward);
  const ForwardOut fo = gm::forward(s, x, w, s.bias ? &b : nullptr);
  REQUIRE(tf.size() == fo.y.size());
  const size_t plane = fo.y.size() / static_cast<size_t>(s.batch * s.out_channels);
  for (size_t j = 0; j < tf.size(); ++j) {
    const size_t o = (j / plane) % static_cast<size_t>(s.out_channels);
    const float z = host_sum(s.bias ? host_value(f, b.data[o]) : 0.0f, tf[j], xv, wv);
    uint32_t y = host_narrow(f, z);
    const bool neg = (y >> 15) != 0;
    if (s.activation == Act::kRelu && neg) y = 0;
    if (s.activation == Act::kLeakyRelu && neg) y = host_mul(f, y, s.negative_slope);
    INFO("y element " << j << " host 0x" << std::hex << y << " model 0x" << fo.y.data[j]);
    REQUIRE(fo.y.data[j] == y);
    REQUIRE(fo.mask[j] == (z > 0 ? 1 : 0));
  }
  // dz
  Tensor dz = dy;
  for (size_t j = 0; j < dz.size(); ++j) {
    if (fo.mask[j]) continue;
    if (s.activation == Act::kRelu) dz.data[j] = 0;
    if (s.activation == Act::kLeakyRelu) dz.data[j] = host_mul(f, dy.data[j], s.negative_slope);
  }
  REQUIRE(gm::masked_grad(s, dy, fo.mask).data == dz.data);
  const std::vector<float> dzv = host_values(f, dz);
  // EP
  const Terms te = contract_terms(s, Phase::kErrorProp);
  const Tensor dx = gm::error_prop(s, dy, w, fo.mask);
  REQUIRE(te.size() == dx.size());
  for (size_t j = 0; j < te.size(); ++j) {
    INFO("dx element " << j);
    REQUIRE(dx.data[j] == host_narrow(f, host_sum(0.0f, te[j], dzv, wv)));
  }
  // WG
  const Terms tw = contract_terms(s, Phase::kWeightGrad);
  const WeightGradOut g = gm::weight_grad(s, x, dy, fo.mask);
  REQUIRE(tw.size() == g.dw.size());
  for (size_t j = 0; j < tw.size(); ++j) {
    INFO("dw element " << j);
    REQUIRE(g.dw.data[j] == f32_bits(host_sum(0.0f, tw[j], dzv, xv)));
  }
  for (size_t o = 0; o < g.db.size(); ++o) {
    float acc = 0.0f;
    for (size_t n = 0; n < static_cast<size_t>(s.batch); ++n) {
      for (size_t j = 0; j < plane; ++j) {
        acc = std::fmaf(dzv[(n * g.db.size() + o) * plane + j], 1.0f, acc);
      }
    }
    INFO("db element " << o);
    REQUIRE(g.db.data[o] == f32_bits(acc));
  }
}

// Values of mixed magnitudes (2^-12 .. 2^12): the FP32 sums cancel and round a lot, so a
// different summation order or a wrong tap shows in the bits, even after narrowing.
Tensor random_wide(Format f, const Shape &shape, Rng &rng) {
  std::uniform_int_distribution<int> e(-12, 12);
  std::uniform_real_distribution<double> m(1.0, 2.0);
  Tensor t{shape, std::vector<uint32_t>(numel(shape))};
  for (uint32_t &b : t.data) b = enc(f, (rng() & 1u ? -1 : 1) * std::ldexp(m(rng), e(rng)));
  return t;
}

// Sparse values 0, +-64, +-2^-6: products +-4096, +-1, +-2^-12. A 2^-12 term added to an
// accumulator of 4096 is lost (a tie, rounded to even), added before or after the big terms
// cancel it survives: the result depends on the summation order and shows after narrowing.
Tensor random_spiky(Format f, const Shape &shape, Rng &rng) {
  Tensor t{shape, std::vector<uint32_t>(numel(shape))};
  for (uint32_t &b : t.data) {
    const uint64_t r = rng();
    const double mag = (r & 2u) ? 64.0 : 0x1p-6;
    b = (r & 12u) == 0 ? 0u : enc(f, (r & 1u) ? -mag : mag);
  }
  return t;
}

TEST_CASE("layer_model: bit-exact against the contract's loops on host FMA", "[layer_model]") {
  Rng rng(0xF3A);
  for (const LayerSpec &base : sweep_specs()) {
    for (Format f : {kFp16, kBf16}) {
      for (Act a : {Act::kNone, Act::kRelu, Act::kLeakyRelu}) {
        const LayerSpec s = with(base, f, a);
        for (int kind = 0; kind < 3; ++kind) {
          INFO(describe(s) << (kind == 0 ? " normal" : kind == 1 ? " wide" : " spiky"));
          auto data = [&](const Shape &sh) {
            return kind == 0   ? random_normal(f, sh, rng, 1.0)
                   : kind == 1 ? random_wide(f, sh, rng)
                               : random_spiky(f, sh, rng);
          };
          const Tensor x = data(s.x_shape()), w = data(s.w_shape()), b = data(s.b_shape());
          require_host_equal(s, x, w, b, data(s.y_shape()));
        }
      }
    }
  }
}

// Forward by scatter: every input element times every kernel tap is added to the output it
// lands on (conv_transpose2d's definition; for conv2d, the output whose window holds it).
RefTensor scatter_forward(const LayerSpec &s, const Tensor &x, const Tensor &w, const Tensor *b) {
  const Format f = s.format;
  const std::vector<double> xv = decode_all(f, x), wv = decode_all(f, w);
  const int C = s.in_channels, O = s.out_channels, H = s.in_h, W = s.in_w;
  const int OH = s.out_h(), OW = s.out_w(), KH = s.kernel_h, KW = s.kernel_w;
  const bool tr = s.type == LayerType::kConvTranspose2d;
  RefTensor r;
  r.shape = s.y_shape();
  r.format = f;
  r.act = s.activation;
  r.slope = dec(f, s.negative_slope);
  const size_t n_out = numel(r.shape);
  r.pre.assign(n_out, 0.0);
  r.abs_sum.assign(n_out, 0.0);
  r.terms.assign(n_out, 0);
  for (int n = 0; n < s.batch; ++n) {
    for (int o = 0; o < O; ++o) {
      const double c = s.bias ? dec(f, b->data[o]) : 0.0;
      for (int j = 0; j < OH * OW; ++j) {
        r.pre[(size_t(n) * O + o) * OH * OW + j] = c;
        r.abs_sum[(size_t(n) * O + o) * OH * OW + j] = std::fabs(c);
      }
    }
    for (int i = 0; i < C; ++i) {
      for (int iy = 0; iy < H; ++iy) {
        for (int ix = 0; ix < W; ++ix) {
          const double xe = xv[((size_t(n) * C + i) * H + iy) * W + ix];
          for (int o = 0; o < O; ++o) {
            for (int ky = 0; ky < KH; ++ky) {
              for (int kx = 0; kx < KW; ++kx) {
                int oy, ox;
                if (tr) {
                  oy = iy * s.stride_h - s.padding_h + ky;
                  ox = ix * s.stride_w - s.padding_w + kx;
                } else {
                  // iy = oy * s - p + ky  <=>  oy = (iy + p - ky) / s, if divisible.
                  const int ty = iy + s.padding_h - ky, tx = ix + s.padding_w - kx;
                  if (ty < 0 || tx < 0 || ty % s.stride_h || tx % s.stride_w) continue;
                  oy = ty / s.stride_h;
                  ox = tx / s.stride_w;
                }
                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                const size_t wi = tr ? ((size_t(i) * O + o) * KH + ky) * KW + kx
                                     : ((size_t(o) * C + i) * KH + ky) * KW + kx;
                const size_t yi = ((size_t(n) * O + o) * OH + oy) * OW + ox;
                r.pre[yi] += xe * wv[wi];
                r.abs_sum[yi] += std::fabs(xe * wv[wi]);
                ++r.terms[yi];
              }
            }
          }
        }
      }
    }
  }
  for (double z : r.pre) {
    const bool neg = std::signbit(z);
    r.value.push_back(s.activation == Act::kNone   ? z
                      : s.activation == Act::kRelu ? (neg ? 0.0 : z)
                      : neg                        ? z * r.slope
                                                   : z);
  }
  return r;
}

TEST_CASE("layer_model: forward within the bound of a scatter formulation", "[layer_model]") {
  Rng rng(0x5CA7);
  double worst = 0;
  for (const LayerSpec &base : sweep_specs()) {
    if (base.type == LayerType::kLinear) continue;
    for (Format f : {kFp16, kBf16}) {
      for (Act a : {Act::kNone, Act::kLeakyRelu}) {
        const LayerSpec s = with(base, f, a);
        INFO(describe(s));
        const Tensor x = random_normal(f, s.x_shape(), rng, 1.0);
        const Tensor w = random_normal(f, s.w_shape(), rng, 1.0);
        const Tensor b = random_normal(f, s.b_shape(), rng, 1.0);
        const Tensor *bp = s.bias ? &b : nullptr;
        const RefTensor sc = scatter_forward(s, x, w, bp);
        REQUIRE(sc.terms == gm::term_counts(s, Phase::kForward));
        require_in_bound(sc, gm::forward(s, x, w, bp).y, &worst);
      }
    }
  }
  CHECK(worst <= 1);
}

// The gradient of the activation, applied in double here: dz = dy * (mask ? 1 : g0).
std::vector<double> masked_dy(const LayerSpec &s, const Tensor &dy, const Mask &mask) {
  const double g0 = s.activation == Act::kNone   ? 1.0
                    : s.activation == Act::kRelu ? 0.0
                                                 : dec(s.format, s.negative_slope);
  std::vector<double> v = decode_all(s.format, dy);
  for (size_t j = 0; j < v.size(); ++j) v[j] *= mask[j] ? 1.0 : g0;
  return v;
}

TEST_CASE("layer_model: EP and WG are the adjoints of FP (exact on integer data)",
          "[layer_model]") {
  // FP's linear part is y = L(x; w). The true gradients are dx = L_x^T dz and dw = L_w^T dz,
  // with dz = act'(z) * dy. On integers every model result is exact, so the identities
  //   <dz, L(x'; w)> = <dx, x'>   and   <dz, L(x; w')> = <dw, w'>,   <dz, bias b'> = <db, b'>
  // must hold exactly in double for any x', w', b'.
  Rng rng(0xAD70);
  for (const LayerSpec &base : sweep_specs()) {
    for (Act a : {Act::kNone, Act::kRelu, Act::kLeakyRelu}) {
      const LayerSpec s = with(base, kFp16, a);
      INFO(describe(s));
      LayerSpec lin = s;  // the linear part: no bias, no activation
      lin.bias = false;
      lin.activation = Act::kNone;
      const Tensor x = random_ints(kFp16, s.x_shape(), rng, -3, 3);
      const Tensor w = random_ints(kFp16, s.w_shape(), rng, -3, 3);
      const Tensor b = random_ints(kFp16, s.b_shape(), rng, -3, 3);
      const Tensor dy = random_ints(kFp16, s.y_shape(), rng, -3, 3);
      const Tensor x2 = random_ints(kFp16, s.x_shape(), rng, -3, 3);
      const Tensor w2 = random_ints(kFp16, s.w_shape(), rng, -3, 3);
      const Tensor b2 = random_ints(kFp16, s.b_shape(), rng, -3, 3);
      const Mask mask = gm::forward(s, x, w, s.bias ? &b : nullptr).mask;
      const std::vector<double> dz = masked_dy(s, dy, mask);

      const Tensor dx = gm::error_prop(s, dy, w, mask);
      const std::vector<double> l_x2 = decode_all(kFp16, gm::forward(lin, x2, w, nullptr).y);
      CHECK(dot(dz, l_x2) == dot(decode_all(kFp16, dx), decode_all(kFp16, x2)));

      const WeightGradOut g = gm::weight_grad(s, x, dy, mask);
      const std::vector<double> l_w2 = decode_all(kFp16, gm::forward(lin, x, w2, nullptr).y);
      CHECK(dot(dz, l_w2) == dot(decode_all(kFp32, g.dw), decode_all(kFp16, w2)));

      LayerSpec bias_only = lin;  // y = b' broadcast: zero weights plus the bias
      bias_only.bias = true;
      const Tensor w0{s.w_shape(), std::vector<uint32_t>(w.size(), 0)};
      const std::vector<double> bcast = decode_all(kFp16, gm::forward(bias_only, x, w0, &b2).y);
      CHECK(dot(dz, bcast) == dot(decode_all(kFp32, g.db), decode_all(kFp16, b2)));
    }
  }
}

// ---- MAC counts -------------------------------------------------------------------------------

TEST_CASE("layer: macs equals the per-output term counts of every phase", "[layer]") {
  Rng rng(0x3AC5);
  std::uniform_int_distribution<int> size(1, 7), kern(1, 5), stride(1, 3), pad(0, 3), ch(1, 3);
  size_t tried = 0;
  while (tried < 400) {
    LayerSpec s;
    s.type = static_cast<LayerType>(rng() % 3);
    s.batch = ch(rng);
    s.in_channels = ch(rng);
    s.out_channels = ch(rng);
    if (s.type != LayerType::kLinear) {
      s.in_h = size(rng);
      s.in_w = size(rng);
      s.kernel_h = kern(rng);
      s.kernel_w = kern(rng);
      s.stride_h = stride(rng);
      s.stride_w = stride(rng);
      s.padding_h = pad(rng);
      s.padding_w = pad(rng);
      if (s.type == LayerType::kConvTranspose2d) {
        s.output_padding_h = static_cast<int>(rng() % static_cast<unsigned>(s.stride_h));
        s.output_padding_w = static_cast<int>(rng() % static_cast<unsigned>(s.stride_w));
      }
    }
    if (!s.validate().empty()) continue;
    ++tried;
    INFO(describe(s));
    const uint64_t macs = s.macs(Phase::kForward);
    for (Phase p : {Phase::kForward, Phase::kErrorProp, Phase::kWeightGrad}) {
      uint64_t sum = 0;
      for (uint64_t k : gm::term_counts(s, p)) sum += k;
      CHECK(s.macs(p) == sum);
      CHECK(s.macs(p) == macs);  // the same products, grouped differently
    }
    // And the reference, which tests every tap itself, counts the same terms.
    const Tensor x{s.x_shape(), std::vector<uint32_t>(numel(s.x_shape()), 0)};
    const Tensor w{s.w_shape(), std::vector<uint32_t>(numel(s.w_shape()), 0)};
    CHECK(gm::reference_forward(s, x, w, nullptr).terms == gm::term_counts(s, Phase::kForward));
  }
  // A closed form for one case: conv2d 3x3 pad 1 on 4x4: 4x4 outputs, per axis 2+3+3+2 taps.
  const LayerSpec c = conv(LayerType::kConv2d, 2, 3, 5, 4, 4, 3, 1, 1);
  CHECK(c.macs(Phase::kForward) == 2ull * 3 * 5 * 10 * 10);
}

// ---- Argument errors ---------------------------------------------------------------------------

TEST_CASE("layer_model: shape errors name the tensor", "[layer_model]") {
  using Catch::Matchers::Contains;
  LayerSpec s = conv(LayerType::kConv2d, 2, 3, 4, 5, 5, 3, 1, 1);
  s.bias = true;
  auto zeros = [](const Shape &sh) { return Tensor{sh, std::vector<uint32_t>(numel(sh), 0)}; };
  const Tensor x = zeros(s.x_shape()), w = zeros(s.w_shape()), b = zeros(s.b_shape());
  const Tensor dy = zeros(s.y_shape());
  const Mask mask(dy.size(), 0);
  const Tensor bad = zeros({2, 3, 5});
  REQUIRE_NOTHROW(gm::forward(s, x, w, &b));
  REQUIRE_THROWS_WITH(gm::forward(s, bad, w, &b),
                      Contains("x: expected shape [2, 3, 5, 5], got [2, 3, 5]"));
  REQUIRE_THROWS_WITH(gm::forward(s, x, bad, &b), Contains("w: expected shape [4, 3, 3, 3]"));
  REQUIRE_THROWS_WITH(gm::forward(s, x, w, &bad), Contains("b: expected shape [4]"));
  REQUIRE_THROWS_WITH(gm::forward(s, x, w, nullptr), Contains("b: required"));
  REQUIRE_THROWS_WITH(gm::error_prop(s, bad, w, mask), Contains("dy: expected shape [2, 4, 5, 5]"));
  REQUIRE_THROWS_WITH(gm::error_prop(s, dy, bad, mask), Contains("w: expected shape"));
  REQUIRE_THROWS_WITH(gm::error_prop(s, dy, w, Mask(3, 0)), Contains("mask: expected 200"));
  REQUIRE_THROWS_WITH(gm::weight_grad(s, bad, dy, mask), Contains("x: expected shape"));
  REQUIRE_THROWS_WITH(gm::weight_grad(s, x, bad, mask), Contains("dy: expected shape"));
  REQUIRE_THROWS_WITH(gm::masked_grad(s, dy, Mask(dy.size(), 2)), Contains("mask: element 0 is 2"));
  Tensor short_x = x;
  short_x.data.pop_back();
  REQUIRE_THROWS_WITH(gm::forward(s, short_x, w, &b), Contains("x: shape [2, 3, 5, 5] holds 150"));
  Tensor wide = w;
  wide.data[1] = 0x10000;
  REQUIRE_THROWS_WITH(gm::forward(s, x, wide, &b), Contains("w: element 1"));
  LayerSpec invalid = s;
  invalid.stride_h = 0;
  REQUIRE_THROWS_WITH(gm::forward(invalid, x, w, &b), Contains("stride_h: must be >= 1 (got 0)"));
  // Without bias, b is not needed.
  s.bias = false;
  REQUIRE_NOTHROW(gm::forward(s, x, w, nullptr));
}

}  // namespace
