// Double-precision reference of the golden layer model and its error bounds; see
// layer_reference.hpp for the bound and its derivation.
//
// The sums are written from the contract's formulas with explicit range and divisibility tests
// per tap, deliberately not sharing the model's tap tables.

#include "model/layer_reference.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "model/layer_model.hpp"

namespace ganpu::model {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

bool same_format(fp::Format a, fp::Format b) { return a.exp_w == b.exp_w && a.man_w == b.man_w; }

// One output element's sum: value, A = sum of magnitudes, K = number of terms.
struct Sum {
  double v = 0.0;
  double a = 0.0;
  uint64_t k = 0;
  void add(double x, double y) {
    const double t = x * y;  // exact: two 16-bit significands
    v += t;
    a += std::fabs(t);
    ++k;
  }
};

RefTensor make_ref(std::vector<int64_t> shape, fp::Format f) {
  RefTensor r;
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  r.shape = std::move(shape);
  r.format = f;
  r.value.reserve(n);
  r.pre.reserve(n);
  r.abs_sum.reserve(n);
  r.terms.reserve(n);
  return r;
}

void push(RefTensor &r, const Sum &s) {
  r.value.push_back(s.v);
  r.pre.push_back(s.v);
  r.abs_sum.push_back(s.a);
  r.terms.push_back(s.k);
}

// Values of a tensor of format f.
std::vector<double> values(fp::Format f, const Tensor &t) {
  std::vector<double> v(t.size());
  for (size_t i = 0; i < t.size(); ++i) v[i] = value_of(f, t.data[i]);
  return v;
}

void require(const char *fn, const char *name, const Tensor &t, const std::vector<int64_t> &s) {
  size_t n = 1;
  for (int64_t d : s) n *= static_cast<size_t>(d);
  if (t.shape != s || t.size() != n) {
    throw std::invalid_argument(std::string(fn) + ": " + name + ": shape mismatch");
  }
}

// The activation in double, on the sign like fp::activate (so -0 is "negative").
double activate(fp::Act act, double z, double slope) {
  if (std::isnan(z)) return kNan;
  switch (act) {
    case fp::Act::kNone:
      return z;
    case fp::Act::kRelu:
      return std::signbit(z) ? 0.0 : z;
    case fp::Act::kLeakyRelu:
      return std::signbit(z) ? z * slope : z;
  }
  return z;
}

// ulp of the format's grid at magnitude m (finite, >= 0): spacing of m's binade, clamped to
// the subnormal spacing below and to the top binade above.
double ulp_at(fp::Format f, double m) {
  const int emin = f.emin();
  const int emax = f.emax();
  int e = emin;
  if (m >= std::ldexp(1.0, emin)) {
    int ex;
    std::frexp(m, &ex);  // m = frac * 2^ex, frac in [0.5, 1)
    e = std::min(ex - 1, emax);
  }
  return std::ldexp(1.0, e - f.man_w);
}

// ulp of a rounded result given by its bits (inf and NaN: the top binade).
double ulp_of_bits(fp::Format f, uint32_t bits) {
  const uint32_t e = (bits >> f.man_w) & ((1u << f.exp_w) - 1u);
  if (e == 0) return std::ldexp(1.0, f.emin() - f.man_w);
  if (e == (1u << f.exp_w) - 1u) return std::ldexp(1.0, f.emax() - f.man_w);
  return std::ldexp(1.0, static_cast<int>(e) - f.bias() - f.man_w);
}

double max_finite(fp::Format f) { return std::ldexp(2.0 - std::ldexp(1.0, -f.man_w), f.emax()); }

double gamma(uint64_t k, int precision_bits) {
  const double ku = std::ldexp(static_cast<double>(k), -precision_bits);
  return ku / (1.0 - ku);
}

// B1: bound on |acc - ref.pre[j]| (FP32 accumulation plus the reference's own rounding), or
// +inf if the FP32 accumulation might overflow or K*u >= 1.
double accumulation_bound(const RefTensor &r, size_t j) {
  const uint64_t k = r.terms[j];
  const double ku = std::ldexp(static_cast<double>(k), -24);
  if (ku >= 1.0) return kInf;
  const double g53 = gamma(k + 1, 53);
  const double a = r.abs_sum[j] * (1.0 + g53);  // the true A, whatever the double sum lost
  const double underflow = std::ldexp(static_cast<double>(k), -150) / (1.0 - ku);
  const double b_acc = gamma(k, 24) * a + underflow;
  const double fp32_overflow = std::ldexp(2.0 - std::ldexp(1.0, -24), 127);
  if (a + b_acc >= fp32_overflow) return kInf;
  return b_acc + g53 * a;
}

constexpr double kBoundSlack = 1.0 + 0x1p-40;

}  // namespace

double value_of(fp::Format f, uint32_t bits) {
  const bool sign = ((bits >> (f.width() - 1)) & 1u) != 0;
  const uint32_t e = (bits >> f.man_w) & ((1u << f.exp_w) - 1u);
  const uint32_t m = bits & ((1u << f.man_w) - 1u);
  double v;
  if (e == (1u << f.exp_w) - 1u) {
    v = m != 0 ? kNan : kInf;
  } else if (e == 0) {
    v = std::ldexp(static_cast<double>(m), f.emin() - f.man_w);
  } else {
    v = std::ldexp(static_cast<double>(m | (1u << f.man_w)),
                   static_cast<int>(e) - f.bias() - f.man_w);
  }
  return sign ? -v : v;
}

RefTensor reference_forward(const LayerSpec &s, const Tensor &x, const Tensor &w, const Tensor *b) {
  const std::string err = s.validate();
  if (!err.empty()) throw std::invalid_argument("reference_forward: " + err);
  require("reference_forward", "x", x, s.x_shape());
  require("reference_forward", "w", w, s.w_shape());
  if (s.bias && b == nullptr) throw std::invalid_argument("reference_forward: b: null");
  if (s.bias) require("reference_forward", "b", *b, s.b_shape());
  const fp::Format f = s.format;
  const std::vector<double> xv = values(f, x);
  const std::vector<double> wv = values(f, w);
  const int N = s.batch, C = s.in_channels, O = s.out_channels;
  const int H = s.in_h, W = s.in_w, OH = s.out_h(), OW = s.out_w();
  const int KH = s.kernel_h, KW = s.kernel_w;
  const int SH = s.stride_h, SW = s.stride_w, PH = s.padding_h, PW = s.padding_w;
  RefTensor r = make_ref(s.y_shape(), f);
  r.act = s.activation;
  r.slope = value_of(f, s.negative_slope);
  auto xat = [&](int n, int i, int iy, int ix) {
    return xv[((size_t(n) * C + i) * H + iy) * W + ix];
  };
  for (int n = 0; n < N; ++n) {
    for (int o = 0; o < O; ++o) {
      for (int oy = 0; oy < OH; ++oy) {
        for (int ox = 0; ox < OW; ++ox) {
          Sum acc;
          if (s.bias) {
            acc.v = value_of(f, b->data[o]);
            acc.a = std::fabs(acc.v);
          }
          for (int i = 0; i < C; ++i) {
            if (s.type == LayerType::kLinear) {
              acc.add(xv[size_t(n) * C + i], wv[size_t(o) * C + i]);
              continue;
            }
            for (int ky = 0; ky < KH; ++ky) {
              for (int kx = 0; kx < KW; ++kx) {
                if (s.type == LayerType::kConv2d) {
                  const int iy = oy * SH - PH + ky, ix = ox * SW - PW + kx;
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  acc.add(xat(n, i, iy, ix), wv[((size_t(o) * C + i) * KH + ky) * KW + kx]);
                } else {
                  const int ty = oy + PH - ky, tx = ox + PW - kx;
                  if (ty < 0 || tx < 0 || ty % SH != 0 || tx % SW != 0) continue;
                  if (ty / SH >= H || tx / SW >= W) continue;
                  acc.add(xat(n, i, ty / SH, tx / SW),
                          wv[((size_t(i) * O + o) * KH + ky) * KW + kx]);
                }
              }
            }
          }
          push(r, acc);
          r.value.back() = activate(s.activation, acc.v, r.slope);
        }
      }
    }
  }
  return r;
}

RefTensor reference_error_prop(const LayerSpec &s, const Tensor &dy, const Tensor &w,
                               const std::vector<uint8_t> &mask) {
  const fp::Format f = s.format;
  const std::vector<double> dz = values(f, masked_grad(s, dy, mask));  // validates s, dy, mask
  require("reference_error_prop", "w", w, s.w_shape());
  const std::vector<double> wv = values(f, w);
  const int N = s.batch, C = s.in_channels, O = s.out_channels;
  const int H = s.in_h, W = s.in_w, OH = s.out_h(), OW = s.out_w();
  const int KH = s.kernel_h, KW = s.kernel_w;
  const int SH = s.stride_h, SW = s.stride_w, PH = s.padding_h, PW = s.padding_w;
  RefTensor r = make_ref(s.x_shape(), f);
  auto dzat = [&](int n, int o, int oy, int ox) {
    return dz[((size_t(n) * O + o) * OH + oy) * OW + ox];
  };
  for (int n = 0; n < N; ++n) {
    for (int i = 0; i < C; ++i) {
      for (int iy = 0; iy < H; ++iy) {
        for (int ix = 0; ix < W; ++ix) {
          Sum acc;
          for (int o = 0; o < O; ++o) {
            if (s.type == LayerType::kLinear) {
              acc.add(dz[size_t(n) * O + o], wv[size_t(o) * C + i]);
              continue;
            }
            for (int ky = 0; ky < KH; ++ky) {
              for (int kx = 0; kx < KW; ++kx) {
                if (s.type == LayerType::kConv2d) {
                  const int ty = iy + PH - ky, tx = ix + PW - kx;
                  if (ty < 0 || tx < 0 || ty % SH != 0 || tx % SW != 0) continue;
                  if (ty / SH >= OH || tx / SW >= OW) continue;
                  acc.add(dzat(n, o, ty / SH, tx / SW),
                          wv[((size_t(o) * C + i) * KH + ky) * KW + kx]);
                } else {
                  const int oy = iy * SH - PH + ky, ox = ix * SW - PW + kx;
                  if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                  acc.add(dzat(n, o, oy, ox), wv[((size_t(i) * O + o) * KH + ky) * KW + kx]);
                }
              }
            }
          }
          push(r, acc);
        }
      }
    }
  }
  return r;
}

RefWeightGrad reference_weight_grad(const LayerSpec &s, const Tensor &x, const Tensor &dy,
                                    const std::vector<uint8_t> &mask) {
  const fp::Format f = s.format;
  const std::vector<double> dz = values(f, masked_grad(s, dy, mask));  // validates s, dy, mask
  require("reference_weight_grad", "x", x, s.x_shape());
  const std::vector<double> xv = values(f, x);
  const int N = s.batch, C = s.in_channels, O = s.out_channels;
  const int H = s.in_h, W = s.in_w, OH = s.out_h(), OW = s.out_w();
  const int KH = s.kernel_h, KW = s.kernel_w;
  const int SH = s.stride_h, SW = s.stride_w, PH = s.padding_h, PW = s.padding_w;
  auto dzat = [&](int n, int o, int oy, int ox) {
    return dz[((size_t(n) * O + o) * OH + oy) * OW + ox];
  };
  auto xat = [&](int n, int i, int iy, int ix) {
    return xv[((size_t(n) * C + i) * H + iy) * W + ix];
  };
  RefWeightGrad r{make_ref(s.w_shape(), fp::kFp32), make_ref(s.b_shape(), fp::kFp32)};
  // dw in the weight layout: (o, i) for conv2d and linear, (i, o) for conv_transpose2d.
  const bool io = s.type == LayerType::kConvTranspose2d;
  for (int c0 = 0; c0 < (io ? C : O); ++c0) {
    for (int c1 = 0; c1 < (io ? O : C); ++c1) {
      const int o = io ? c1 : c0;
      const int i = io ? c0 : c1;
      for (int ky = 0; ky < KH; ++ky) {
        for (int kx = 0; kx < KW; ++kx) {
          Sum acc;
          for (int n = 0; n < N; ++n) {
            if (s.type == LayerType::kLinear) {
              acc.add(dz[size_t(n) * O + o], xv[size_t(n) * C + i]);
            } else if (s.type == LayerType::kConv2d) {
              for (int oy = 0; oy < OH; ++oy) {
                for (int ox = 0; ox < OW; ++ox) {
                  const int iy = oy * SH - PH + ky, ix = ox * SW - PW + kx;
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  acc.add(dzat(n, o, oy, ox), xat(n, i, iy, ix));
                }
              }
            } else {
              for (int iy = 0; iy < H; ++iy) {
                for (int ix = 0; ix < W; ++ix) {
                  const int oy = iy * SH - PH + ky, ox = ix * SW - PW + kx;
                  if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                  acc.add(dzat(n, o, oy, ox), xat(n, i, iy, ix));
                }
              }
            }
          }
          push(r.dw, acc);
        }
      }
    }
  }
  const size_t plane = size_t(OH) * OW;
  for (int o = 0; o < O; ++o) {
    Sum acc;
    for (int n = 0; n < N; ++n) {
      for (size_t j = 0; j < plane; ++j) acc.add(dz[(size_t(n) * O + o) * plane + j], 1.0);
    }
    push(r.db, acc);
  }
  return r;
}

double error_bound(const RefTensor &r, size_t j, uint32_t model_bits) {
  const double z = r.pre[j];
  if (!std::isfinite(r.value[j]) || !std::isfinite(z) || !std::isfinite(r.abs_sum[j])) {
    return kNan;
  }
  const double b1 = accumulation_bound(r, j);
  if (std::isinf(b1)) return kInf;
  const fp::Format f = r.format;
  if (same_format(f, fp::kFp32)) return b1 * kBoundSlack;  // WG: no narrowing
  const double half_ulp_y = ulp_of_bits(f, model_bits) / 2;
  double bound = b1 + half_ulp_y;
  if (r.act == fp::Act::kLeakyRelu) {
    const double s = std::fabs(r.slope);
    const double bp = b1 + ulp_at(f, std::fabs(z) + b1) / 2;  // |narrow(acc) - z| <= bp
    if (z > bp) {
      bound = b1 + half_ulp_y;
    } else if (z < -bp) {
      bound = s * bp + half_ulp_y;
    } else {
      bound = std::max(1.0, s) * bp + half_ulp_y;
    }
    bound += std::ldexp(std::fabs(z * r.slope), -53);
  }
  return bound * kBoundSlack;
}

CheckResult check(const RefTensor &r, const Tensor &model) {
  if (model.shape != r.shape || model.size() != r.value.size()) {
    throw std::invalid_argument("check: model tensor shape differs from the reference");
  }
  const fp::Format f = r.format;
  CheckResult res;
  auto fail = [&](size_t j, double m, double bound, const char *why) {
    if (res.out_of_bound++ == 0) {
      std::ostringstream os;
      os.precision(17);
      os << "element " << j << ": model " << m << " (bits 0x" << std::hex << model.data[j]
         << std::dec << "), reference " << r.value[j] << ", bound " << bound << ", terms "
         << r.terms[j] << ": " << why;
      res.first_failure = os.str();
    }
  };
  for (size_t j = 0; j < model.size(); ++j) {
    const double m = value_of(f, model.data[j]);
    const double v = r.value[j];
    const double bound = error_bound(r, j, model.data[j]);
    if (std::isnan(bound)) {
      // Non-finite operands: the class and value must match.
      ++res.checked;
      const bool same = (std::isnan(m) && std::isnan(v)) || m == v;
      if (!same) fail(j, m, bound, "non-finite reference: class or value differs");
      continue;
    }
    if (std::isinf(bound)) {
      ++res.unchecked;
      continue;
    }
    ++res.checked;
    if (std::isnan(m)) {
      // Only LeakyReLU with slope 0 of an overflowed -inf makes a NaN from finite operands.
      const double b1 = accumulation_bound(r, j);
      const bool possible =
          r.act == fp::Act::kLeakyRelu && r.slope == 0.0 && r.pre[j] - b1 <= -max_finite(f);
      if (!possible) fail(j, m, bound, "NaN from finite operands");
      continue;
    }
    if (std::isinf(m)) {
      const double top = max_finite(f);
      bool possible = m > 0 ? v + bound >= top : v - bound <= -top;
      if (r.act == fp::Act::kLeakyRelu && !possible) {
        // narrow(acc) = -inf, then -inf * slope.
        const double b1 = accumulation_bound(r, j);
        possible = r.pre[j] - b1 <= -top && (m > 0) == (r.slope < 0);
      }
      if (!possible) fail(j, m, bound, "overflow to infinity the bound does not allow");
      continue;
    }
    const double e = std::fabs(m - v);
    const double ratio = bound > 0 ? e / bound : (e == 0 ? 0.0 : kInf);
    if (ratio > res.max_ratio) {
      res.max_ratio = ratio;
      res.worst = j;
    }
    if (!(e <= bound)) fail(j, m, bound, "outside the bound");
  }
  return res;
}

}  // namespace ganpu::model
