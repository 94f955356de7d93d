#include "train/host_ops.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "model/fp_model.hpp"

namespace ganpu::train {
namespace {

uint32_t f32_bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

float bits_f32(uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

}  // namespace

uint32_t to_bits(fp::Format f, float v) { return fp::narrow(f, f32_bits(v)); }

float to_float(fp::Format f, uint32_t bits) { return bits_f32(fp::widen(f, bits)); }

model::Tensor to_tensor(fp::Format f, const std::vector<int64_t> &shape,
                        const std::vector<float> &v) {
  model::Tensor t;
  t.shape = shape;
  t.data.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) t.data[i] = to_bits(f, v[i]);
  return t;
}

std::vector<float> to_floats(fp::Format f, const model::Tensor &t) {
  std::vector<float> v(t.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = to_float(f, t.data[i]);
  return v;
}

std::vector<float> fp32_floats(const model::Tensor &t) {
  std::vector<float> v(t.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = bits_f32(t.data[i]);
  return v;
}

double zero_pct(fp::Format f, const model::Tensor &t) {
  if (t.size() == 0) return 0.0;
  size_t zeros = 0;
  for (uint32_t x : t.data) zeros += fp::is_zero(f, x) ? 1 : 0;
  return 100.0 * static_cast<double>(zeros) / static_cast<double>(t.size());
}

double Rng::uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  // 1 - u is in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

uint64_t Rng::below(uint64_t n) {
  return static_cast<uint64_t>(uniform() * static_cast<double>(n));
}

model::Tensor tanh_forward(fp::Format f, const model::Tensor &o) {
  model::Tensor y = o;
  for (uint32_t &x : y.data) x = to_bits(f, std::tanh(to_float(f, x)));
  return y;
}

model::Tensor tanh_backward(fp::Format f, const model::Tensor &y, const model::Tensor &g_y) {
  if (y.shape != g_y.shape) throw std::invalid_argument("tanh_backward: shapes differ");
  model::Tensor g = g_y;
  for (size_t i = 0; i < g.size(); ++i) {
    const float yv = to_float(f, y.data[i]);
    g.data[i] = to_bits(f, to_float(f, g_y.data[i]) * (1.0f - yv * yv));
  }
  return g;
}

BceResult bce_with_logits(const std::vector<float> &logits, const std::vector<float> &targets) {
  if (logits.size() != targets.size() || logits.empty()) {
    throw std::invalid_argument("bce_with_logits: logits and targets differ in size or are empty");
  }
  BceResult r;
  r.grad.resize(logits.size());
  const double n = static_cast<double>(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    const double l = logits[i], t = targets[i];
    // log(1 + e^-|l|) + max(l, 0) - l t: the stable form PyTorch uses.
    r.loss += (std::max(l, 0.0) - l * t + std::log1p(std::exp(-std::fabs(l)))) / n;
    const double sig = 1.0 / (1.0 + std::exp(-l));
    r.grad[i] = static_cast<float>((sig - t) / n);
  }
  return r;
}

void Adam::step(const AdamConfig &c, int t, std::vector<float> &p, const std::vector<float> &g) {
  if (p.size() != m_.size() || g.size() != m_.size()) {
    throw std::invalid_argument("Adam::step: parameter, gradient and state differ in size");
  }
  const float bc1 = 1.0f - std::pow(c.beta1, static_cast<float>(t));
  const float bc2 = 1.0f - std::pow(c.beta2, static_cast<float>(t));
  for (size_t i = 0; i < p.size(); ++i) {
    m_[i] = c.beta1 * m_[i] + (1.0f - c.beta1) * g[i];
    v_[i] = c.beta2 * v_[i] + (1.0f - c.beta2) * g[i] * g[i];
    const float m_hat = m_[i] / bc1;
    const float v_hat = v_[i] / bc2;
    p[i] -= c.lr * m_hat / (std::sqrt(v_hat) + c.eps);
  }
}

}  // namespace ganpu::train
