// Exponent-only ReLU speculation; the rule is in eors.hpp.

#include "model/eors.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "model/layer_walk.hpp"

namespace ganpu::model {
namespace {

// The decision's sums need more than 64 bits (up to 2^31 terms of 2^30, times 64 * comp_q2).
__extension__ using i128 = __int128;

// The sums of one output element while its terms are walked.
struct Running {
  size_t o = 0;  // output channel
  int64_t p = 0;
  int64_t q = 0;
  uint64_t terms = 0;  // counted (not skipped, not dropped)
};

double to_double(fp::Format f, uint32_t bits) {
  const uint32_t w = fp::widen(f, bits);
  float v;
  std::memcpy(&v, &w, sizeof v);
  return static_cast<double>(v);
}

}  // namespace

// The bias in units of 2^lsb, truncated toward zero and clamped (eors.hpp).

int64_t eors_bias_units(uint32_t b32, int32_t lsb) {
  const bool neg = (b32 >> 31) != 0;
  const int e = static_cast<int>((b32 >> 23) & 0xFFu);
  int64_t v = 0;
  if (e == 0xFF) {
    v = kEorsMaxBias;
  } else if (e != 0) {
    const int64_t sig = (int64_t{1} << 23) | (b32 & 0x7FFFFFu);
    const int64_t shift = static_cast<int64_t>(e) - 150 - lsb;
    if (shift >= 17) {
      v = kEorsMaxBias;  // sig << 17 already exceeds 2^40
    } else if (shift >= 0) {
      v = std::min(sig << shift, kEorsMaxBias);
    } else if (shift > -24) {
      v = sig >> -shift;
    }
  }
  return neg ? -v : v;
}

int64_t eors_term(fp::Format f, uint32_t a, uint32_t w, int32_t lsb) {
  const fp::ExpSign ea = fp::exp_sign(f, a);
  const fp::ExpSign ew = fp::exp_sign(f, w);
  if (ea.zero || ew.zero) return 0;
  int32_t k = static_cast<int32_t>(ea.exp + ew.exp) - 2 * f.bias() - lsb;
  if (k < 0) return 0;
  if (k > kEorsMaxShift) k = kEorsMaxShift;
  const int64_t t = int64_t{1} << k;
  return (ea.sign != ew.sign) ? -t : t;
}

namespace {

size_t elements(const std::vector<int64_t> &shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

// The spec and the tensors' element counts (forward() checks values as well).
void check_shapes(const char *fn, const LayerSpec &s, const Tensor &x, const Tensor &w,
                  const Tensor *b) {
  const std::string err = s.validate();
  if (!err.empty()) throw std::invalid_argument(std::string(fn) + ": invalid LayerSpec: " + err);
  auto check = [fn](const char *name, const Tensor *t, const std::vector<int64_t> &shape) {
    if (t == nullptr || t->shape != shape || t->size() != elements(shape)) {
      throw std::invalid_argument(std::string(fn) + ": " + name +
                                  ": missing or not of the layer's shape");
    }
  };
  check("x", &x, s.x_shape());
  check("w", &w, s.w_shape());
  if (s.bias) check("b", b, s.b_shape());
}

void check_relu(const char *fn, const LayerSpec &s) {
  if (s.activation != fp::Act::kRelu) {
    throw std::invalid_argument(std::string(fn) +
                                ": activation: EORS predicts ReLU zeros; the "
                                "layer's activation is not relu");
  }
}

}  // namespace

int32_t eors_lsb(const LayerSpec &s, const Tensor &x, const Tensor &w) {
  const fp::Format f = s.format;
  auto max_exp = [f](const Tensor &t) {
    uint32_t m = 0;
    bool any = false;
    for (uint32_t v : t.data) {
      const fp::ExpSign es = fp::exp_sign(f, v);
      if (es.zero) continue;
      any = true;
      m = std::max(m, es.exp);
    }
    return std::pair<bool, int32_t>{any, static_cast<int32_t>(m)};
  };
  const auto [x_any, ex] = max_exp(x);
  const auto [w_any, ew] = max_exp(w);
  if (!x_any || !w_any) return 0;  // no term at all: any unit will do
  return ex + ew - 2 * f.bias() - kEorsWindow;
}

std::vector<EorsSums> eors_sums(const LayerSpec &s, const Tensor &x, const Tensor &w,
                                const Tensor *b, int32_t lsb) {
  constexpr const char *kFn = "eors_sums";
  check_shapes(kFn, s, x, w, b);
  const fp::Format f = s.format;
  std::vector<int64_t> bias(static_cast<size_t>(s.out_channels), 0);
  if (s.bias) {
    for (size_t o = 0; o < bias.size(); ++o)
      bias[o] = eors_bias_units(fp::widen(f, b->data[o]), lsb);
  }
  std::vector<EorsSums> sums(elements(s.y_shape()));
  bool too_long = false;
  detail::walk_forward(
      s, x, w,
      [](size_t o) {
        return Running{o, 0, 0, 0};
      },
      [&](Running &acc, uint32_t a, uint32_t wv) {
        const int64_t t = eors_term(f, a, wv, lsb);
        acc.p += t;
        acc.q += t < 0 ? -t : t;
        acc.terms += t != 0;
      },
      [&](size_t j, const Running &acc) {
        if (acc.terms > kEorsMaxTerms) too_long = true;
        sums[j] = EorsSums{acc.p, acc.q, bias[acc.o]};
      });
  if (too_long) {
    throw std::invalid_argument(std::string(kFn) + ": an output has more than " +
                                std::to_string(kEorsMaxTerms) +
                                " predictor terms (the RTL's sums would overflow)");
  }
  return sums;
}

bool eors_zero(const EorsSums &sums, int32_t margin, uint32_t comp_q2) {
  const i128 comp = comp_q2;
  const i128 score = 64 * (comp * sums.p + 4 * static_cast<i128>(sums.bias)) +
                     static_cast<i128>(margin) * comp * sums.q;
  return score <= 0;
}

std::vector<uint8_t> eors_predict(const LayerSpec &s, const Tensor &x, const Tensor &w,
                                  const Tensor *b, const EorsConfig &cfg) {
  check_relu("eors_predict", s);
  const std::vector<EorsSums> sums = eors_sums(s, x, w, b, cfg.lsb);
  std::vector<uint8_t> predicted(sums.size());
  for (size_t j = 0; j < sums.size(); ++j) {
    predicted[j] = eors_zero(sums[j], cfg.margin, cfg.comp_q2) ? 1 : 0;
  }
  return predicted;
}

ForwardOut forward_speculative(const LayerSpec &s, const Tensor &x, const Tensor &w,
                               const Tensor *b, const std::vector<uint8_t> &predicted) {
  constexpr const char *kFn = "forward_speculative";
  ForwardOut r = forward(s, x, w, b);
  check_relu(kFn, s);
  if (predicted.size() != r.mask.size()) {
    throw std::invalid_argument(std::string(kFn) + ": predicted: expected " +
                                std::to_string(r.mask.size()) + " flags, got " +
                                std::to_string(predicted.size()));
  }
  for (size_t j = 0; j < predicted.size(); ++j) {
    if (predicted[j] != 0) {
      r.y.data[j] = 0;  // +0
      r.mask[j] = 0;
    }
  }
  return r;
}

double EorsScore::caught_pct() const {
  return true_zeros ? 100.0 * static_cast<double>(caught) / static_cast<double>(true_zeros) : 100.0;
}

double EorsScore::false_zero_pct() const {
  const uint64_t positive = outputs - true_zeros;
  return positive ? 100.0 * static_cast<double>(false_zeros) / static_cast<double>(positive) : 0.0;
}

EorsScore eors_score(const LayerSpec &s, const ForwardOut &exact,
                     const std::vector<uint8_t> &predicted) {
  if (predicted.size() != exact.mask.size() || exact.y.size() != exact.mask.size()) {
    throw std::invalid_argument("eors_score: predicted: expected " +
                                std::to_string(exact.mask.size()) + " flags, got " +
                                std::to_string(predicted.size()));
  }
  EorsScore sc;
  sc.outputs = predicted.size();
  double sum_abs = 0, lost_sum = 0, lost_max = 0;
  for (size_t j = 0; j < predicted.size(); ++j) {
    const double y = std::fabs(to_double(s.format, exact.y.data[j]));
    sum_abs += y;
    const bool zero = exact.mask[j] == 0;
    const bool pred = predicted[j] != 0;
    sc.true_zeros += zero;
    sc.caught += zero && pred;
    sc.missed += zero && !pred;
    if (!zero && pred) {
      ++sc.false_zeros;
      lost_sum += y;
      lost_max = std::max(lost_max, y);
    }
  }
  if (sc.outputs) sc.mean_abs_output = sum_abs / static_cast<double>(sc.outputs);
  if (sc.mean_abs_output > 0) {
    if (sc.false_zeros) {
      sc.false_zero_mean_error =
          lost_sum / static_cast<double>(sc.false_zeros) / sc.mean_abs_output;
    }
    sc.false_zero_worst_error = lost_max / sc.mean_abs_output;
  }
  return sc;
}

}  // namespace ganpu::model
