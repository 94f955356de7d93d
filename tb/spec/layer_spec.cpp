// LayerSpec: output sizes, tensor shapes, MAC counts and validation; see layer_spec.hpp.

#include "spec/layer_spec.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ganpu::spec {
namespace {

// Floor division for a positive divisor (C++ '/' truncates towards zero).
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Output size along one axis, in 64 bits so that an invalid spec cannot overflow.
int64_t out_size(const LayerSpec &s, int64_t in, int64_t k, int64_t st, int64_t p, int64_t op) {
  switch (s.type) {
    case LayerType::kConv2d:
      return floor_div(in + 2 * p - k, st) + 1;
    case LayerType::kConvTranspose2d:
      return (in - 1) * st - 2 * p + k + op;
    case LayerType::kLinear:
      return 1;
  }
  return 1;
}

// Real taps along one axis: pairs (a, k) with a in [0, a_n), k in [0, kernel) and
// b = a*s - p + k in [0, b_n). The strided side a is the output of conv2d and the input of
// conv_transpose2d. Every phase accumulates exactly these products, so one count serves all.
uint64_t axis_taps(int a_n, int b_n, int kernel, int stride, int pad) {
  uint64_t n = 0;
  for (int a = 0; a < a_n; ++a) {
    const int64_t first = static_cast<int64_t>(a) * stride - pad;  // b for k = 0
    const int64_t lo = first < 0 ? -first : 0;                     // smallest k with b >= 0
    const int64_t hi = std::min<int64_t>(kernel, b_n - first);     // k < hi keeps b < b_n
    if (hi > lo) n += static_cast<uint64_t>(hi - lo);
  }
  return n;
}

std::string got(const std::string &field, const std::string &rule, int64_t value) {
  return field + ": " + rule + " (got " + std::to_string(value) + ")";
}

// One tensor dimension or extent, named by its field.
struct Factor {
  const char *name;
  int64_t value;
};

// "" if the product of the factors is at most kMaxElements, else a message naming the tensor
// and its fields: "w: out_channels * in_channels * kernel_h * kernel_w = 65536 * 65536 * 65536
// * 65536 elements, must be at most 2147483647". The product is never computed past the bound.
std::string product_problem(const char *tensor, const std::vector<Factor> &factors) {
  int64_t product = 1;
  bool too_big = false;
  std::string names, values;
  for (const Factor &f : factors) {
    if (f.value > 0 && product > LayerSpec::kMaxElements / f.value) too_big = true;
    if (!too_big) product *= f.value;
    names += (names.empty() ? "" : " * ") + std::string(f.name);
    values += (values.empty() ? "" : " * ") + std::to_string(f.value);
  }
  if (!too_big) return "";
  return std::string(tensor) + ": " + names + " = " + values + " elements, must be at most " +
         std::to_string(LayerSpec::kMaxElements);
}

// Every tensor of the layer (x, w, y; b is out_channels) has at most kMaxElements elements,
// so that element counts and flat indices fit an int, and no product of sizes wraps.
std::string size_problem(const LayerSpec &s) {
  const Factor n{"batch", s.batch}, ci{"in_channels", s.in_channels},
      co{"out_channels", s.out_channels};
  std::vector<Factor> x = {n, ci}, w = {co, ci}, y = {n, co};
  if (s.type == LayerType::kConvTranspose2d) w = {ci, co};
  if (s.type != LayerType::kLinear) {
    x.insert(x.end(), {{"in_h", s.in_h}, {"in_w", s.in_w}});
    w.insert(w.end(), {{"kernel_h", s.kernel_h}, {"kernel_w", s.kernel_w}});
    y.insert(y.end(), {{"out_h", s.out_h()}, {"out_w", s.out_w()}});
  }
  for (const auto &[tensor, factors] : {std::pair{"x", x}, std::pair{"w", w}, std::pair{"y", y}}) {
    std::string problem = product_problem(tensor, factors);
    if (!problem.empty()) return problem;
  }
  return "";
}

// The extent an axis's index arithmetic spans must fit an int: the padded input of conv2d
// (in + 2p), the uncropped output of conv_transpose2d ((in - 1) * s + k + op).
int64_t axis_extent(const LayerSpec &s, int64_t in, int64_t k, int64_t st, int64_t p, int64_t op) {
  if (s.type == LayerType::kConv2d) return in + 2 * p;
  return (in - 1) * st + k + op;
}

}  // namespace

int LayerSpec::out_h() const {
  return static_cast<int>(out_size(*this, in_h, kernel_h, stride_h, padding_h, output_padding_h));
}

int LayerSpec::out_w() const {
  return static_cast<int>(out_size(*this, in_w, kernel_w, stride_w, padding_w, output_padding_w));
}

std::vector<int64_t> LayerSpec::x_shape() const {
  if (type == LayerType::kLinear) return {batch, in_channels};
  return {batch, in_channels, in_h, in_w};
}

std::vector<int64_t> LayerSpec::y_shape() const {
  if (type == LayerType::kLinear) return {batch, out_channels};
  return {batch, out_channels, out_h(), out_w()};
}

std::vector<int64_t> LayerSpec::w_shape() const {
  switch (type) {
    case LayerType::kConv2d:
      return {out_channels, in_channels, kernel_h, kernel_w};
    case LayerType::kConvTranspose2d:
      return {in_channels, out_channels, kernel_h, kernel_w};
    case LayerType::kLinear:
      return {out_channels, in_channels};
  }
  return {};
}

std::vector<int64_t> LayerSpec::b_shape() const { return {out_channels}; }

uint64_t LayerSpec::macs(Phase phase) const {
  const std::string err = validate();
  if (!err.empty()) throw std::invalid_argument("LayerSpec::macs: " + err);
  if (phase != Phase::kForward && phase != Phase::kErrorProp && phase != Phase::kWeightGrad) {
    throw std::invalid_argument("LayerSpec::macs: unknown phase");
  }
  // The phases are the same products summed in different groupings: each real product
  // x[n,i,iy,ix] * w[..,ky,kx] of FP is one term dz * w of EP and one term dz * x of WG.
  const uint64_t channels = static_cast<uint64_t>(batch) * static_cast<uint64_t>(in_channels) *
                            static_cast<uint64_t>(out_channels);
  if (type == LayerType::kLinear) return channels;
  const bool conv = type == LayerType::kConv2d;
  const int a_h = conv ? out_h() : in_h;
  const int b_h = conv ? in_h : out_h();
  const int a_w = conv ? out_w() : in_w;
  const int b_w = conv ? in_w : out_w();
  return channels * axis_taps(a_h, b_h, kernel_h, stride_h, padding_h) *
         axis_taps(a_w, b_w, kernel_w, stride_w, padding_w);
}

std::string LayerSpec::validate() const {
  const bool fp16 = format.exp_w == fp::kFp16.exp_w && format.man_w == fp::kFp16.man_w;
  const bool bf16 = format.exp_w == fp::kBf16.exp_w && format.man_w == fp::kBf16.man_w;
  if (!fp16 && !bf16) {
    return "format: must be FP16 (exp_w 5, man_w 10) or BF16 (exp_w 8, man_w 7) (got exp_w " +
           std::to_string(format.exp_w) + ", man_w " + std::to_string(format.man_w) + ")";
  }
  const auto act = static_cast<uint32_t>(activation);
  if (act > static_cast<uint32_t>(fp::Act::kLeakyRelu)) {
    return got("activation", "must be 0 (none), 1 (relu) or 2 (leaky_relu)", act);
  }
  if ((negative_slope >> format.width()) != 0) {
    return got("negative_slope", "must be a 16-bit pattern", negative_slope);
  }
  const struct {
    const char *name;
    int value;
  } positive[] = {{"batch", batch}, {"in_channels", in_channels}, {"out_channels", out_channels}};
  for (const auto &f : positive) {
    if (f.value < 1) return got(f.name, "must be >= 1", f.value);
  }

  if (type == LayerType::kLinear) {
    // The spatial fields do not apply; insisting on their defaults catches a wrong type.
    const struct {
      const char *name;
      int value;
      int expected;
    } fixed[] = {{"in_h", in_h, 1},
                 {"in_w", in_w, 1},
                 {"kernel_h", kernel_h, 1},
                 {"kernel_w", kernel_w, 1},
                 {"stride_h", stride_h, 1},
                 {"stride_w", stride_w, 1},
                 {"padding_h", padding_h, 0},
                 {"padding_w", padding_w, 0},
                 {"output_padding_h", output_padding_h, 0},
                 {"output_padding_w", output_padding_w, 0}};
    for (const auto &f : fixed) {
      if (f.value != f.expected) {
        return got(f.name, f.expected == 1 ? "must be 1 for linear" : "must be 0 for linear",
                   f.value);
      }
    }
    return size_problem(*this);
  }
  if (type != LayerType::kConv2d && type != LayerType::kConvTranspose2d) {
    return got("type", "must be 0 (conv2d), 1 (conv_transpose2d) or 2 (linear)",
               static_cast<int>(type));
  }

  struct Axis {
    const char *in, *kernel, *stride, *padding, *output_padding, *out;
    int in_v, kernel_v, stride_v, padding_v, output_padding_v;
  };
  const Axis axes[] = {
      {"in_h", "kernel_h", "stride_h", "padding_h", "output_padding_h", "out_h", in_h, kernel_h,
       stride_h, padding_h, output_padding_h},
      {"in_w", "kernel_w", "stride_w", "padding_w", "output_padding_w", "out_w", in_w, kernel_w,
       stride_w, padding_w, output_padding_w},
  };
  for (const Axis &a : axes) {
    if (a.in_v < 1) return got(a.in, "must be >= 1", a.in_v);
    if (a.kernel_v < 1) return got(a.kernel, "must be >= 1", a.kernel_v);
    if (a.stride_v < 1) return got(a.stride, "must be >= 1", a.stride_v);
    if (a.padding_v < 0) return got(a.padding, "must be >= 0", a.padding_v);
    if (a.output_padding_v < 0) return got(a.output_padding, "must be >= 0", a.output_padding_v);
    if (type == LayerType::kConv2d) {
      if (a.output_padding_v != 0) {
        return got(a.output_padding, "must be 0 for conv2d", a.output_padding_v);
      }
      const int64_t padded = static_cast<int64_t>(a.in_v) + 2 * static_cast<int64_t>(a.padding_v);
      if (a.kernel_v > padded) {
        return std::string(a.kernel) + ": must be <= " + a.in + " + 2*" + a.padding + " = " +
               std::to_string(padded) + " (got " + std::to_string(a.kernel_v) + ")";
      }
    } else if (a.output_padding_v >= a.stride_v) {
      // PyTorch's rule (dilation 1): output padding must be smaller than the stride.
      return std::string(a.output_padding) + ": must be < " + a.stride + " = " +
             std::to_string(a.stride_v) + " (got " + std::to_string(a.output_padding_v) + ")";
    }
    const int64_t out =
        out_size(*this, a.in_v, a.kernel_v, a.stride_v, a.padding_v, a.output_padding_v);
    if (out < 1) return got(a.out, "must be >= 1", out);
    if (out > INT_MAX) return got(a.out, "must fit in an int", out);
    const int64_t extent =
        axis_extent(*this, a.in_v, a.kernel_v, a.stride_v, a.padding_v, a.output_padding_v);
    if (extent > INT_MAX) {
      const std::string what = type == LayerType::kConv2d
                                   ? std::string(a.in) + " + 2*" + a.padding
                                   : std::string("(") + a.in + " - 1)*" + a.stride + " + " +
                                         a.kernel + " + " + a.output_padding;
      return got(what, "must be at most " + std::to_string(INT_MAX), extent);
    }
  }
  return size_problem(*this);
}

const char *to_string(LayerType t) {
  switch (t) {
    case LayerType::kConv2d:
      return "conv2d";
    case LayerType::kConvTranspose2d:
      return "conv_transpose2d";
    case LayerType::kLinear:
      return "linear";
  }
  return "unknown";
}

const char *to_string(Phase p) {
  switch (p) {
    case Phase::kForward:
      return "fp";
    case Phase::kErrorProp:
      return "ep";
    case Phase::kWeightGrad:
      return "wg";
  }
  return "unknown";
}

}  // namespace ganpu::spec
