// The loop structure of the golden layer model, shared by its parts (layer_model.cpp, eors.cpp):
// which taps of a convolution are real, and the forward pass's walk over its terms in the
// documented order (layer_model.hpp). Internal to ganpu_model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "spec/layer_spec.hpp"

namespace ganpu::model::detail {

// ---- Which taps are real --------------------------------------------------------------------

struct Tap {
  int k;      // kernel index
  int other;  // index on the other side of the link
};
struct Link {
  int a;
  int b;
};

// Along one spatial axis, kernel tap k links index a of the strided side (conv2d: the output,
// conv_transpose2d: the input) to index b = a*s - p + k of the other side, when b is in range.
// Every phase of both convolutions sums over these links, grouped three ways. from_b is built
// from the transposed formula (b + p - k >= 0, divisible by s, quotient < a_n) as the contract
// states it; it holds exactly the same links.
struct AxisLinks {
  std::vector<std::vector<Tap>> from_a;   // [a]: (k, b), ascending k
  std::vector<std::vector<Tap>> from_b;   // [b]: (k, a), ascending k
  std::vector<std::vector<Link>> from_k;  // [k]: (a, b), ascending a
};

inline AxisLinks axis_links(int a_n, int b_n, int kernel, int stride, int pad) {
  AxisLinks l;
  l.from_a.resize(static_cast<size_t>(a_n));
  l.from_b.resize(static_cast<size_t>(b_n));
  l.from_k.resize(static_cast<size_t>(kernel));
  for (int a = 0; a < a_n; ++a) {
    for (int k = 0; k < kernel; ++k) {
      const int64_t b = static_cast<int64_t>(a) * stride - pad + k;
      if (b < 0 || b >= b_n) continue;
      l.from_a[a].push_back({k, static_cast<int>(b)});
      l.from_k[k].push_back({a, static_cast<int>(b)});
    }
  }
  for (int b = 0; b < b_n; ++b) {
    for (int k = 0; k < kernel; ++k) {
      const int64_t t = static_cast<int64_t>(b) + pad - k;
      if (t < 0 || t % stride != 0 || t / stride >= a_n) continue;
      l.from_b[b].push_back({k, static_cast<int>(t / stride)});
    }
  }
  return l;
}

// The links of both spatial axes of a convolution.
struct Geometry {
  AxisLinks h;
  AxisLinks w;
};

inline Geometry geometry(const LayerSpec &s) {
  const bool conv = s.type == LayerType::kConv2d;
  const int a_h = conv ? s.out_h() : s.in_h;
  const int b_h = conv ? s.in_h : s.out_h();
  const int a_w = conv ? s.out_w() : s.in_w;
  const int b_w = conv ? s.in_w : s.out_w();
  return {axis_links(a_h, b_h, s.kernel_h, s.stride_h, s.padding_h),
          axis_links(a_w, b_w, s.kernel_w, s.stride_w, s.padding_w)};
}

// Sizes of a conv layer as size_t, for index arithmetic.
struct Dims {
  size_t n, c, o, h, w, oh, ow, kh, kw;
  explicit Dims(const LayerSpec &s)
      : n(static_cast<size_t>(s.batch)),
        c(static_cast<size_t>(s.in_channels)),
        o(static_cast<size_t>(s.out_channels)),
        h(static_cast<size_t>(s.in_h)),
        w(static_cast<size_t>(s.in_w)),
        oh(static_cast<size_t>(s.out_h())),
        ow(static_cast<size_t>(s.out_w())),
        kh(static_cast<size_t>(s.kernel_h)),
        kw(static_cast<size_t>(s.kernel_w)) {}
};

// The forward pass's terms, in the documented order: for each output element j (y_shape()
// order) of output channel o, state = init(o), then term(state, x bits, w bits) for each real
// product, then done(j, state).
template <class Init, class Term, class Done>
void walk_forward(const LayerSpec &s, const Tensor &x, const Tensor &w, Init init, Term term,
                  Done done) {
  const Dims d(s);
  if (s.type == LayerType::kLinear) {
    for (size_t n = 0; n < d.n; ++n) {
      for (size_t o = 0; o < d.o; ++o) {
        auto acc = init(o);
        for (size_t i = 0; i < d.c; ++i) term(acc, x.data[n * d.c + i], w.data[o * d.c + i]);
        done(n * d.o + o, acc);
      }
    }
    return;
  }
  const Geometry g = geometry(s);
  const bool conv = s.type == LayerType::kConv2d;
  size_t out = 0;
  for (size_t n = 0; n < d.n; ++n) {
    for (size_t o = 0; o < d.o; ++o) {
      for (size_t oy = 0; oy < d.oh; ++oy) {
        for (size_t ox = 0; ox < d.ow; ++ox) {
          auto acc = init(o);
          for (size_t i = 0; i < d.c; ++i) {
            const uint32_t *xc = &x.data[(n * d.c + i) * d.h * d.w];
            if (conv) {
              // x[n,i,oy*s-p+ky, ox*s-p+kx] * w[o,i,ky,kx]
              const uint32_t *wc = &w.data[(o * d.c + i) * d.kh * d.kw];
              for (const Tap &ty : g.h.from_a[oy]) {
                for (const Tap &tx : g.w.from_a[ox]) {
                  term(acc, xc[ty.other * d.w + tx.other], wc[ty.k * d.kw + tx.k]);
                }
              }
            } else {
              // x[n,i,(oy+p-ky)/s, (ox+p-kx)/s] * w[i,o,ky,kx], integer positions only
              const uint32_t *wc = &w.data[(i * d.o + o) * d.kh * d.kw];
              for (const Tap &ty : g.h.from_b[oy]) {
                for (const Tap &tx : g.w.from_b[ox]) {
                  term(acc, xc[ty.other * d.w + tx.other], wc[ty.k * d.kw + tx.k]);
                }
              }
            }
          }
          done(out++, acc);
        }
      }
    }
  }
}

}  // namespace ganpu::model::detail
