// Bit-exact golden layer model; see layer_model.hpp for the contract.
//
// The loops below are the specification: one serial fp::mac chain per output element, in the
// documented order, over real products only. The only precomputation is which taps are real
// (AxisLinks), so the inner loops carry no padding or divisibility tests.

#include "model/layer_model.hpp"

#include <stdexcept>
#include <string>

#include "model/layer_walk.hpp"

namespace ganpu::model {
namespace {

using fp::Format;

// ---- Argument checks ------------------------------------------------------------------------

std::string shape_str(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void check_spec(const char *fn, const LayerSpec &s) {
  const std::string err = s.validate();
  if (!err.empty()) throw std::invalid_argument(std::string(fn) + ": invalid LayerSpec: " + err);
}

// Shape, element count and bit width (operands must sit in the low `bits` bits: anything above
// would be a caller bug that fp_model only asserts on).
void check_tensor(const char *fn, const char *name, const Tensor &t,
                  const std::vector<int64_t> &shape, int bits) {
  const std::string where = std::string(fn) + ": " + name + ": ";
  if (t.shape != shape) {
    throw std::invalid_argument(where + "expected shape " + shape_str(shape) + ", got " +
                                shape_str(t.shape));
  }
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  if (t.data.size() != n) {
    throw std::invalid_argument(where + "shape " + shape_str(shape) + " holds " +
                                std::to_string(n) + " elements, data has " +
                                std::to_string(t.data.size()));
  }
  if (bits < 32) {
    for (size_t i = 0; i < n; ++i) {
      if ((t.data[i] >> bits) != 0) {
        throw std::invalid_argument(where + "element " + std::to_string(i) + " = " +
                                    std::to_string(t.data[i]) + " does not fit in " +
                                    std::to_string(bits) + " bits");
      }
    }
  }
}

void check_mask(const char *fn, const std::vector<uint8_t> &mask, size_t n) {
  const std::string where = std::string(fn) + ": mask: ";
  if (mask.size() != n) {
    throw std::invalid_argument(where + "expected " + std::to_string(n) +
                                " elements (one per y element), got " +
                                std::to_string(mask.size()));
  }
  for (size_t i = 0; i < n; ++i) {
    if (mask[i] > 1) {
      throw std::invalid_argument(where + "element " + std::to_string(i) + " is " +
                                  std::to_string(mask[i]) + ", expected 0 or 1");
    }
  }
}

Tensor zeros(const std::vector<int64_t> &shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return Tensor{shape, std::vector<uint32_t>(n, 0u)};
}

using detail::AxisLinks;
using detail::Dims;
using detail::Geometry;
using detail::geometry;
using detail::Link;
using detail::Tap;

// One term of a sum in the run's mode (SumMode): acc = mac(acc, a, b), counted; with
// skip_zeros nothing where a or b is +-0 (OP.SKIP), as for a padding tap.
class Mac {
 public:
  Mac(Format f, const SumMode &m) : f_(f), skip_(m.skip_zeros), count_(m.macs) {}
  void operator()(uint32_t &acc, uint32_t a, uint32_t b) const {
    if (skip_ && (fp::is_zero(f_, a) || fp::is_zero(f_, b))) return;
    acc = fp::mac(f_, acc, a, b);
    if (count_ != nullptr) ++*count_;
  }

 private:
  Format f_;
  bool skip_;
  uint64_t *count_;
};

bool positive(uint32_t z32) {
  const bool nan = (z32 & 0x7FFFFFFFu) > 0x7F800000u;
  return (z32 >> 31) == 0 && z32 != 0 && !nan;
}

// ---- Forward --------------------------------------------------------------------------------

// The FP32 sums z of every output element, starting from the widened bias or +0.
std::vector<uint32_t> forward_sums(const LayerSpec &s, const Tensor &x, const Tensor &w,
                                   const std::vector<uint32_t> &init, const SumMode &m) {
  const Mac mac(s.format, m);
  const Dims d(s);
  std::vector<uint32_t> z(d.n * d.o * d.oh * d.ow);
  detail::walk_forward(
      s, x, w, [&](size_t o) { return init[o]; }, mac,
      [&z](size_t j, uint32_t acc) { z[j] = acc; });
  return z;
}

// ---- Error propagation ----------------------------------------------------------------------

Tensor error_sums(const LayerSpec &s, const Tensor &dz, const Tensor &w, const SumMode &m) {
  const Mac mac(s.format, m);
  const Dims d(s);
  Tensor dx = zeros(s.x_shape());
  if (s.type == LayerType::kLinear) {
    for (size_t n = 0; n < d.n; ++n) {
      for (size_t i = 0; i < d.c; ++i) {
        uint32_t acc = 0;  // +0
        for (size_t o = 0; o < d.o; ++o) {
          mac(acc, dz.data[n * d.o + o], w.data[o * d.c + i]);
        }
        dx.data[n * d.c + i] = acc;
      }
    }
    return dx;
  }
  const Geometry g = geometry(s);
  const bool conv = s.type == LayerType::kConv2d;
  size_t out = 0;
  for (size_t n = 0; n < d.n; ++n) {
    for (size_t i = 0; i < d.c; ++i) {
      for (size_t iy = 0; iy < d.h; ++iy) {
        for (size_t ix = 0; ix < d.w; ++ix) {
          uint32_t acc = 0;  // +0
          for (size_t o = 0; o < d.o; ++o) {
            const uint32_t *dzc = &dz.data[(n * d.o + o) * d.oh * d.ow];
            if (conv) {
              // dz[n,o,(iy+p-ky)/s, (ix+p-kx)/s] * w[o,i,ky,kx], integer positions only
              const uint32_t *wc = &w.data[(o * d.c + i) * d.kh * d.kw];
              for (const Tap &ty : g.h.from_b[iy]) {
                for (const Tap &tx : g.w.from_b[ix]) {
                  mac(acc, dzc[ty.other * d.ow + tx.other], wc[ty.k * d.kw + tx.k]);
                }
              }
            } else {
              // dz[n,o,iy*s-p+ky, ix*s-p+kx] * w[i,o,ky,kx]
              const uint32_t *wc = &w.data[(i * d.o + o) * d.kh * d.kw];
              for (const Tap &ty : g.h.from_a[iy]) {
                for (const Tap &tx : g.w.from_a[ix]) {
                  mac(acc, dzc[ty.other * d.ow + tx.other], wc[ty.k * d.kw + tx.k]);
                }
              }
            }
          }
          dx.data[out++] = acc;
        }
      }
    }
  }
  return dx;
}

// ---- Weight gradient ------------------------------------------------------------------------

Tensor weight_sums(const LayerSpec &s, const Tensor &x, const Tensor &dz, const SumMode &m) {
  const Mac mac(s.format, m);
  const Dims d(s);
  Tensor dw = zeros(s.w_shape());
  if (s.type == LayerType::kLinear) {
    for (size_t o = 0; o < d.o; ++o) {
      for (size_t i = 0; i < d.c; ++i) {
        uint32_t acc = 0;  // +0
        for (size_t n = 0; n < d.n; ++n) {
          mac(acc, dz.data[n * d.o + o], x.data[n * d.c + i]);
        }
        dw.data[o * d.c + i] = acc;
      }
    }
    return dw;
  }
  const Geometry g = geometry(s);
  const bool conv = s.type == LayerType::kConv2d;
  // conv2d: dw[o,i,ky,kx], links (a, b) = (oy, iy); convT: dw[i,o,ky,kx], (a, b) = (iy, oy).
  const size_t d0 = conv ? d.o : d.c;
  const size_t d1 = conv ? d.c : d.o;
  size_t out = 0;
  for (size_t c0 = 0; c0 < d0; ++c0) {
    for (size_t c1 = 0; c1 < d1; ++c1) {
      const size_t o = conv ? c0 : c1;
      const size_t i = conv ? c1 : c0;
      for (size_t ky = 0; ky < d.kh; ++ky) {
        for (size_t kx = 0; kx < d.kw; ++kx) {
          uint32_t acc = 0;  // +0
          for (size_t n = 0; n < d.n; ++n) {
            const uint32_t *dzc = &dz.data[(n * d.o + o) * d.oh * d.ow];
            const uint32_t *xc = &x.data[(n * d.c + i) * d.h * d.w];
            for (const Link &ly : g.h.from_k[ky]) {
              for (const Link &lx : g.w.from_k[kx]) {
                if (conv) {
                  // for oy, ox: dz[n,o,oy,ox] * x[n,i,oy*s-p+ky, ox*s-p+kx]
                  mac(acc, dzc[ly.a * d.ow + lx.a], xc[ly.b * d.w + lx.b]);
                } else {
                  // for iy, ix: dz[n,o,iy*s-p+ky, ix*s-p+kx] * x[n,i,iy,ix]
                  mac(acc, dzc[ly.b * d.ow + lx.b], xc[ly.a * d.w + lx.a]);
                }
              }
            }
          }
          dw.data[out++] = acc;
        }
      }
    }
  }
  return dw;
}

// db[o]: the serial FP32 sum of dz[n,o,:,:] over n, oy, ox, as MACs with 1.0 (exact products).
Tensor bias_sums(const LayerSpec &s, const Tensor &dz, const SumMode &m) {
  const Mac mac(s.format, m);
  const Dims d(s);
  const uint32_t one = one_bits(s.format);
  const size_t plane = d.oh * d.ow;  // 1 for linear
  Tensor db = zeros(s.b_shape());
  for (size_t o = 0; o < d.o; ++o) {
    uint32_t acc = 0;  // +0
    for (size_t n = 0; n < d.n; ++n) {
      const uint32_t *dzc = &dz.data[(n * d.o + o) * plane];
      for (size_t j = 0; j < plane; ++j) mac(acc, dzc[j], one);
    }
    db.data[o] = acc;
  }
  return db;
}

Tensor masked_grad_checked(const LayerSpec &s, const Tensor &dy, const std::vector<uint8_t> &mask) {
  Tensor dz{dy.shape, std::vector<uint32_t>(dy.size())};
  for (size_t j = 0; j < dy.size(); ++j) {
    const uint32_t g = dy.data[j];
    switch (s.activation) {
      case fp::Act::kNone:
        dz.data[j] = g;
        break;
      case fp::Act::kRelu:
        dz.data[j] = mask[j] ? g : 0u;  // +0
        break;
      case fp::Act::kLeakyRelu:
        dz.data[j] = mask[j] ? g : fp::mul_round(s.format, g, s.negative_slope);
        break;
    }
  }
  return dz;
}

}  // namespace

uint32_t one_bits(fp::Format f) { return static_cast<uint32_t>(f.bias()) << f.man_w; }

ForwardOut forward(const LayerSpec &s, const Tensor &x, const Tensor &w, const Tensor *b,
                   const SumMode &m) {
  constexpr const char *kFn = "forward";
  check_spec(kFn, s);
  const int bits = s.format.width();
  check_tensor(kFn, "x", x, s.x_shape(), bits);
  check_tensor(kFn, "w", w, s.w_shape(), bits);
  std::vector<uint32_t> init(static_cast<size_t>(s.out_channels), 0u);  // +0
  if (s.bias) {
    if (b == nullptr) throw std::invalid_argument("forward: b: required (spec.bias), got null");
    check_tensor(kFn, "b", *b, s.b_shape(), bits);
    for (size_t o = 0; o < init.size(); ++o) init[o] = fp::widen(s.format, b->data[o]);
  }
  const std::vector<uint32_t> z = forward_sums(s, x, w, init, m);
  ForwardOut r{zeros(s.y_shape()), std::vector<uint8_t>(z.size())};
  for (size_t j = 0; j < z.size(); ++j) {
    r.mask[j] = positive(z[j]) ? 1 : 0;
    // Narrow first, then the activation in the 16-bit format, as the output unit does.
    r.y.data[j] =
        fp::activate(s.format, s.activation, fp::narrow(s.format, z[j]), s.negative_slope);
  }
  return r;
}

Tensor masked_grad(const LayerSpec &s, const Tensor &dy, const std::vector<uint8_t> &mask) {
  constexpr const char *kFn = "masked_grad";
  check_spec(kFn, s);
  check_tensor(kFn, "dy", dy, s.y_shape(), s.format.width());
  check_mask(kFn, mask, dy.size());
  return masked_grad_checked(s, dy, mask);
}

Tensor error_prop(const LayerSpec &s, const Tensor &dy, const Tensor &w,
                  const std::vector<uint8_t> &mask, const SumMode &m) {
  constexpr const char *kFn = "error_prop";
  check_spec(kFn, s);
  const int bits = s.format.width();
  check_tensor(kFn, "dy", dy, s.y_shape(), bits);
  check_tensor(kFn, "w", w, s.w_shape(), bits);
  check_mask(kFn, mask, dy.size());
  Tensor dx = error_sums(s, masked_grad_checked(s, dy, mask), w, m);
  for (uint32_t &v : dx.data) v = fp::narrow(s.format, v);
  return dx;
}

WeightGradOut weight_grad(const LayerSpec &s, const Tensor &x, const Tensor &dy,
                          const std::vector<uint8_t> &mask, const SumMode &m) {
  constexpr const char *kFn = "weight_grad";
  check_spec(kFn, s);
  const int bits = s.format.width();
  check_tensor(kFn, "x", x, s.x_shape(), bits);
  check_tensor(kFn, "dy", dy, s.y_shape(), bits);
  check_mask(kFn, mask, dy.size());
  const Tensor dz = masked_grad_checked(s, dy, mask);
  return {weight_sums(s, x, dz, m), bias_sums(s, dz, m)};
}

std::vector<uint64_t> term_counts(const LayerSpec &s, Phase p) {
  check_spec("term_counts", s);
  const Dims d(s);
  if (s.type == LayerType::kLinear) {
    switch (p) {
      case Phase::kForward:
        return std::vector<uint64_t>(d.n * d.o, d.c);
      case Phase::kErrorProp:
        return std::vector<uint64_t>(d.n * d.c, d.o);
      case Phase::kWeightGrad:
        return std::vector<uint64_t>(d.o * d.c, d.n);
    }
    throw std::invalid_argument("term_counts: unknown phase");
  }
  const Geometry g = geometry(s);
  const bool conv = s.type == LayerType::kConv2d;
  std::vector<uint64_t> k;
  switch (p) {
    case Phase::kForward:  // per y[n,o,oy,ox]: in_channels x real taps
      for (size_t j = 0; j < d.n * d.o; ++j) {
        for (size_t oy = 0; oy < d.oh; ++oy) {
          for (size_t ox = 0; ox < d.ow; ++ox) {
            const size_t th = conv ? g.h.from_a[oy].size() : g.h.from_b[oy].size();
            const size_t tw = conv ? g.w.from_a[ox].size() : g.w.from_b[ox].size();
            k.push_back(d.c * th * tw);
          }
        }
      }
      return k;
    case Phase::kErrorProp:  // per dx[n,i,iy,ix]: out_channels x real taps
      for (size_t j = 0; j < d.n * d.c; ++j) {
        for (size_t iy = 0; iy < d.h; ++iy) {
          for (size_t ix = 0; ix < d.w; ++ix) {
            const size_t th = conv ? g.h.from_b[iy].size() : g.h.from_a[iy].size();
            const size_t tw = conv ? g.w.from_b[ix].size() : g.w.from_a[ix].size();
            k.push_back(d.o * th * tw);
          }
        }
      }
      return k;
    case Phase::kWeightGrad:  // per dw[., ., ky, kx]: batch x positions the tap reaches
      for (size_t j = 0; j < d.o * d.c; ++j) {
        for (size_t ky = 0; ky < d.kh; ++ky) {
          for (size_t kx = 0; kx < d.kw; ++kx) {
            k.push_back(d.n * g.h.from_k[ky].size() * g.w.from_k[kx].size());
          }
        }
      }
      return k;
  }
  throw std::invalid_argument("term_counts: unknown phase");
}

}  // namespace ganpu::model
