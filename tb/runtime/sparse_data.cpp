// Seeded layer data with controlled sparsity; see sparse_data.hpp for what and why.

#include "runtime/sparse_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include "model/layer_model.hpp"
#include "model/layer_reference.hpp"
#include "runtime/random_tensor.hpp"

namespace ganpu::rt {
namespace {

using fp::Format;
using model::LayerSpec;
using model::LayerType;
using model::Tensor;

// Early acceptance of a channel's count: within this fraction of its outputs of the request
// (half of measuring.md's 1 percentage point, so that the total keeps a margin).
constexpr double kAcceptFrac = 0.005;

// One independent stream per tensor: the seed and the tensor's tag through std::seed_seq.
enum class Stream : uint32_t { kXValues = 1, kXZeros = 2, kW = 3, kDy = 4 };

std::mt19937_64 stream(uint64_t seed, Stream s) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(s)};
  return std::mt19937_64(seq);
}

uint32_t float_bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// ---- x: |N(0, 1)| with exactly `zeros` elements +0 -------------------------------------------

// x's zero groups (see ZeroSpread): `count` groups of `size` elements; element j of group g is
// at flat index base(g) + j * step.
struct Groups {
  size_t count = 0, size = 0;
  size_t stride = 0;  // base(g) = g * stride, unless linear (column g: base g, step C)
  size_t step = 1;
  size_t at(size_t g, size_t j) const { return g * stride + j * step; }
};

Groups zero_groups(const LayerSpec &s, ZeroSpread spread) {
  const size_t n = static_cast<size_t>(s.batch), c = static_cast<size_t>(s.in_channels);
  const size_t h = static_cast<size_t>(s.in_h), w = static_cast<size_t>(s.in_w);
  const size_t numel = s.type == LayerType::kLinear ? n * c : n * c * h * w;
  if (spread == ZeroSpread::kUniform) return {numel, 1, 1, 1};
  if (s.type == LayerType::kLinear) return {c, n, 1, c};  // feature columns x[:, g]
  if (spread == ZeroSpread::kChannels) return {n * c, h * w, h * w, 1};
  return {n * c * h, w, w, 1};  // kRows
}

// The first `k` entries of a random permutation of 0..n-1 (partial Fisher-Yates).
std::vector<size_t> random_prefix(size_t n, size_t k, std::mt19937_64 &rng) {
  std::vector<size_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i;
  for (size_t i = 0; i < k && i + 1 < n; ++i) {
    std::uniform_int_distribution<size_t> pick(i, n - 1);
    std::swap(v[i], v[pick(rng)]);
  }
  v.resize(k);
  return v;
}

Tensor make_x(const LayerSpec &s, const SparsityRequest &r) {
  const Format f = s.format;
  Tensor x;
  x.shape = s.x_shape();
  size_t numel = 1;
  for (int64_t d : x.shape) numel *= static_cast<size_t>(d);
  x.data.resize(numel);
  std::mt19937_64 vr = stream(r.seed, Stream::kXValues);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (uint32_t &v : x.data) {
    do {
      v = fp::narrow(f, float_bits(std::fabs(normal(vr))));
    } while (v == 0);  // a non-zero of x is never a rounded +0
  }

  const size_t zeros =
      static_cast<size_t>(std::llround(r.in_sparsity * static_cast<double>(numel)));
  const Groups g = zero_groups(s, r.spread);
  std::mt19937_64 zr = stream(r.seed, Stream::kXZeros);
  const size_t full = zeros / g.size, rest = zeros % g.size;
  const std::vector<size_t> order = random_prefix(g.count, full + (rest ? 1 : 0), zr);
  for (size_t i = 0; i < full; ++i) {
    for (size_t j = 0; j < g.size; ++j) x.data[g.at(order[i], j)] = 0;
  }
  if (rest) {
    for (size_t j : random_prefix(g.size, rest, zr)) x.data[g.at(order[full], j)] = 0;
  }
  return x;
}

// ---- The bias search --------------------------------------------------------------------------

// The finite values of a 16-bit format in order: index i >= 0 is the pattern i, i < 0 the
// pattern -i with the sign set (so -0 is not used); max_index() is the largest finite value.
struct Order {
  Format f;
  int64_t max_index() const { return ((int64_t{1} << f.exp_w) - 1) * (int64_t{1} << f.man_w) - 1; }
  uint32_t sign() const { return uint32_t{1} << (f.width() - 1); }
  int64_t index(uint32_t bits) const {
    const int64_t mag = std::min<int64_t>(bits & (sign() - 1), max_index());  // inf: clamp
    return (bits & sign()) ? -mag : mag;
  }
  uint32_t bits(int64_t i) const {
    return i >= 0 ? static_cast<uint32_t>(i) : (sign() | static_cast<uint32_t>(-i));
  }
};

// The search of one channel's bias over Order indices. Its count of zeros c(i) does not
// increase with i. `lo` keeps an index with c > k, `hi` one with c <= k (initially the
// infinities, where c = M and 0). It stops at the first candidate whose count is accepted;
// else once hi = lo + 1, when no value has k zeros (c jumps over k between lo and hi), and the
// better of the two, evaluated, is the closest count the format can give.
struct Channel {
  int64_t k = 0;  // target count of zeros
  int64_t lo = 0, hi = 0;
  int dir = 0;  // gallop: +1 (from lo upwards), -1 (from hi downwards), 0 bisect
  int64_t step = 1;
  int64_t cand = 0;  // the index evaluated next
  // The best evaluation so far (its bias is in d.b): |count - k|, then |count - s_out * M|.
  int64_t best_err = -1;
  double best_dist = 0.0;
};

// The zeros of each channel of a mask of layer s (N, O, OH, OW), O = s.out_channels.
std::vector<int64_t> zero_counts(const LayerSpec &s, const std::vector<uint8_t> &mask) {
  const size_t o_n = static_cast<size_t>(s.out_channels);
  const size_t plane = mask.size() / (static_cast<size_t>(s.batch) * o_n);
  std::vector<int64_t> c(o_n, 0);
  for (size_t j = 0; j < mask.size(); ++j) c[(j / plane) % o_n] += mask[j] == 0;
  return c;
}

// The layer s restricted to output channels `chans`: its spec and weights.
std::pair<LayerSpec, Tensor> sub_layer(const LayerSpec &s, const Tensor &w,
                                       const std::vector<size_t> &chans) {
  LayerSpec sub = s;
  sub.out_channels = static_cast<int>(chans.size());
  Tensor sw;
  sw.shape = sub.w_shape();
  const size_t o_n = static_cast<size_t>(s.out_channels), c_n = static_cast<size_t>(s.in_channels);
  if (s.type == LayerType::kConvTranspose2d) {  // IOHW: a block of kh * kw per (i, o)
    const size_t kk = static_cast<size_t>(s.kernel_h) * static_cast<size_t>(s.kernel_w);
    for (size_t i = 0; i < c_n; ++i) {
      for (size_t o : chans) {
        const auto first = w.data.begin() + static_cast<std::ptrdiff_t>((i * o_n + o) * kk);
        sw.data.insert(sw.data.end(), first, first + static_cast<std::ptrdiff_t>(kk));
      }
    }
  } else {  // OIHW or (out, in): one block per o
    const size_t block = w.data.size() / o_n;
    for (size_t o : chans) {
      const auto first = w.data.begin() + static_cast<std::ptrdiff_t>(o * block);
      sw.data.insert(sw.data.end(), first, first + static_cast<std::ptrdiff_t>(block));
    }
  }
  return {sub, sw};
}

// Chooses b (one value per channel) for the request and fills d.b and d.mask.
void choose_bias(const LayerSpec &s, const SparsityRequest &r, detail::BiasStart start,
                 SparseLayerData &d) {
  const Format f = s.format;
  const Order ord{f};
  const size_t o_n = static_cast<size_t>(s.out_channels);
  const size_t n_n = static_cast<size_t>(s.batch);
  const size_t plane = static_cast<size_t>(s.out_h()) * static_cast<size_t>(s.out_w());
  const int64_t m = static_cast<int64_t>(n_n * plane);  // outputs per channel
  const double rm = r.out_sparsity * static_cast<double>(m);

  // The sums with bias +0, in double, per channel.
  const Tensor zero_b{s.b_shape(), std::vector<uint32_t>(o_n, 0u)};
  const std::vector<double> z0 = model::reference_forward(s, d.x, d.w, &zero_b).pre;

  std::vector<Channel> ch(o_n);
  d.b = Tensor{s.b_shape(), std::vector<uint32_t>(o_n, 0u)};
  std::vector<double> v(static_cast<size_t>(m));
  for (size_t o = 0; o < o_n; ++o) {
    Channel &c = ch[o];
    c.k = std::llround(rm * static_cast<double>(o + 1)) - std::llround(rm * static_cast<double>(o));
    c.lo = -ord.max_index() - 1;  // -inf
    c.hi = ord.max_index() + 1;   // +inf
    for (size_t n = 0; n < n_n; ++n) {
      for (size_t p = 0; p < plane; ++p) v[n * plane + p] = z0[(n * o_n + o) * plane + p];
    }
    std::sort(v.begin(), v.end());
    // k sums <= -b: -b between the k-th and (k+1)-th smallest, past the ends by a step.
    const double step = std::max((v.back() - v.front()) / static_cast<double>(m), 1e-3);
    const size_t k = static_cast<size_t>(c.k);
    const double t = k == 0          ? v.front() - step
                     : k == v.size() ? v.back() + step
                                     : 0.5 * (v[k - 1] + v[k]);
    c.cand = start == detail::BiasStart::kZero
                 ? 0
                 : ord.index(fp::narrow(f, float_bits(static_cast<float>(-t))));
  }

  auto accept = [&](const Channel &c, int64_t count) {
    if (count == c.k) return true;
    const bool inner = r.out_sparsity > 0.0 && r.out_sparsity < 1.0;
    return inner &&
           std::fabs(static_cast<double>(count) - rm) <= kAcceptFrac * static_cast<double>(m);
  };

  // Rounds: one forward pass over the channels still searching, each at its candidate.
  std::vector<size_t> active(o_n);
  for (size_t o = 0; o < o_n; ++o) active[o] = o;
  d.mask.assign(n_n * o_n * plane, 0);
  bool first = true;
  while (!active.empty()) {
    std::pair<LayerSpec, Tensor> part;
    if (!first) part = sub_layer(s, d.w, active);
    const LayerSpec &sub = first ? s : part.first;
    Tensor sub_b{sub.b_shape(), {}};
    for (size_t o : active) sub_b.data.push_back(ord.bits(ch[o].cand));
    const std::vector<uint8_t> mask =
        model::forward(sub, d.x, first ? d.w : part.second, &sub_b).mask;
    const std::vector<int64_t> counts = zero_counts(sub, mask);
    std::vector<size_t> next;
    for (size_t a = 0; a < active.size(); ++a) {
      const size_t o = active[a];
      Channel &c = ch[o];
      const int64_t count = counts[a];
      const int64_t err = std::abs(count - c.k);
      const double dist = std::fabs(static_cast<double>(count) - rm);
      // An accepted count is taken (no earlier one was acceptable), else the best so far.
      const bool ok = accept(c, count);
      if (ok || c.best_err < 0 || err < c.best_err || (err == c.best_err && dist < c.best_dist)) {
        c.best_err = err;
        c.best_dist = dist;
        d.b.data[o] = ord.bits(c.cand);
        for (size_t n = 0; n < n_n; ++n) {
          std::copy_n(mask.begin() + static_cast<std::ptrdiff_t>((n * active.size() + a) * plane),
                      plane, d.mask.begin() + static_cast<std::ptrdiff_t>((n * o_n + o) * plane));
        }
      }
      const bool high = count <= c.k;  // cand is a valid hi
      if (high) {
        c.hi = c.cand;
      } else {
        c.lo = c.cand;
      }
      if (first) {
        c.dir = high ? -1 : 1;
      } else if ((c.dir > 0 && high) || (c.dir < 0 && !high)) {
        c.dir = 0;  // bracketed
      } else if (c.dir != 0) {
        c.step *= 2;
      }
      if (ok || c.hi - c.lo <= 1) continue;
      if (c.dir > 0) {
        c.cand = std::min(c.lo + c.step, c.hi - 1);
      } else if (c.dir < 0) {
        c.cand = std::max(c.hi - c.step, c.lo + 1);
      } else {
        c.cand = c.lo + (c.hi - c.lo) / 2;
      }
      next.push_back(o);  // cand is strictly between lo and hi: finite
    }
    active = std::move(next);
    first = false;
  }
}

void check_fraction(const char *field, double v) {
  if (!(v >= 0.0 && v <= 1.0)) {
    throw std::invalid_argument(std::string("make_sparse_layer: ") + field +
                                ": must be in [0, 1] (got " + std::to_string(v) + ")");
  }
}

double zero_fraction_bits(const std::vector<uint32_t> &data) {
  size_t z = 0;
  for (uint32_t v : data) z += v == 0;
  return data.empty() ? 0.0 : static_cast<double>(z) / static_cast<double>(data.size());
}

}  // namespace

SparseLayerData make_sparse_layer(const LayerSpec &s, const SparsityRequest &r) {
  return detail::make_sparse_layer(s, r, detail::BiasStart::kQuantile);
}

SparseLayerData detail::make_sparse_layer(const LayerSpec &s, const SparsityRequest &r,
                                          BiasStart start) {
  const std::string err = s.validate();
  if (!err.empty()) throw std::invalid_argument("make_sparse_layer: invalid LayerSpec: " + err);
  check_fraction("in_sparsity", r.in_sparsity);
  check_fraction("out_sparsity", r.out_sparsity);
  if (r.spread != ZeroSpread::kUniform && r.spread != ZeroSpread::kChannels &&
      r.spread != ZeroSpread::kRows) {
    throw std::invalid_argument("make_sparse_layer: spread: unknown value " +
                                std::to_string(static_cast<int>(r.spread)));
  }
  if (!s.bias && r.out_sparsity != 0.0) {
    throw std::invalid_argument(
        "make_sparse_layer: out_sparsity: is set by the bias, and the layer has none (bias "
        "false); use 0 (not controlled) or a layer with bias");
  }

  SparseLayerData d;
  d.x = make_x(s, r);

  // fan_in: the most terms of an FP output, over one channel of one sample.
  LayerSpec one = s;
  one.batch = 1;
  one.out_channels = 1;
  const std::vector<uint64_t> terms = model::term_counts(one, model::Phase::kForward);
  const uint64_t fan_in = std::max<uint64_t>(1, *std::max_element(terms.begin(), terms.end()));
  std::mt19937_64 wr = stream(r.seed, Stream::kW);
  d.w = random_tensor(s.w_shape(), s.format, wr,
                      static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in))));
  std::mt19937_64 dyr = stream(r.seed, Stream::kDy);
  d.dy = random_tensor(s.y_shape(), s.format, dyr, 1.0f);

  if (s.bias) {
    choose_bias(s, r, start, d);
  } else {
    d.mask = model::forward(s, d.x, d.w, nullptr).mask;
  }
  d.in_sparsity = zero_fraction_bits(d.x.data);
  size_t zeros = 0;
  for (uint8_t m : d.mask) zeros += m == 0;
  d.out_sparsity = static_cast<double>(zeros) / static_cast<double>(d.mask.size());
  return d;
}

const char *to_string(ZeroSpread spread) {
  switch (spread) {
    case ZeroSpread::kUniform:
      return "uniform";
    case ZeroSpread::kChannels:
      return "channels";
    case ZeroSpread::kRows:
      return "rows";
  }
  return "unknown";
}

double ideal_sparse_speedup(double in_pct, double out_pct) {
  const double d = (1.0 - in_pct / 100.0) * (1.0 - out_pct / 100.0);
  return d > 0 ? 1.0 / d : 0.0;
}

}  // namespace ganpu::rt
