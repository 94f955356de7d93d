// The host's share of a GAN training step (what GANPU's host processor does): conversions
// between FP32 and the accelerator's 16-bit format, the generator's tanh, the loss and its
// gradient, and the Adam update. Everything here is plain C++ on floats, in a fixed order, so
// that an accelerator run and a golden-model run of the trainer take the same steps bit for bit.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "spec/layer_spec.hpp"

namespace ganpu::train {

// FP32 <-> the 16-bit format (RNE, as the accelerator's narrowing).
uint32_t to_bits(fp::Format f, float v);
float to_float(fp::Format f, uint32_t bits);
model::Tensor to_tensor(fp::Format f, const std::vector<int64_t> &shape,
                        const std::vector<float> &v);
std::vector<float> to_floats(fp::Format f, const model::Tensor &t);  // 16-bit tensor
std::vector<float> fp32_floats(const model::Tensor &t);              // FP32 tensor (dw, db)

// Fraction of elements that are +-0 in a 16-bit tensor, in percent.
double zero_pct(fp::Format f, const model::Tensor &t);

// Seeded numbers that do not depend on the standard library's distributions (which differ
// between implementations): uniform in [0, 1) from the top 53 bits, normal by Box-Muller.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  double uniform();
  double normal();
  uint64_t below(uint64_t n);  // in [0, n), n > 0
 private:
  std::mt19937_64 gen_;
};

// y = tanh(o), rounded to the format; and the gradient at o from the gradient at y:
// g_o = g_y * (1 - y^2), with y the rounded output (as PyTorch's tanh backward uses it).
model::Tensor tanh_forward(fp::Format f, const model::Tensor &o);
model::Tensor tanh_backward(fp::Format f, const model::Tensor &y, const model::Tensor &g_y);

// Binary cross-entropy on logits against targets (1 real, 0 fake), mean over the logits, as
// torch.nn.BCEWithLogitsLoss: the loss, and d loss / d logit for each logit.
struct BceResult {
  double loss = 0;
  std::vector<float> grad;
};
BceResult bce_with_logits(const std::vector<float> &logits, const std::vector<float> &targets);

// torch.optim.Adam without weight decay. One state per parameter tensor.
// lr is ten times DCGAN's 2e-4: the model has no batch normalization and the main job
// trains only 100 steps (docs/training.md).
struct AdamConfig {
  float lr = 2e-3f;
  float beta1 = 0.5f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
};
class Adam {
 public:
  explicit Adam(size_t n) : m_(n, 0.0f), v_(n, 0.0f) {}
  // p -= lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections of step t (from 1).
  void step(const AdamConfig &c, int t, std::vector<float> &p, const std::vector<float> &g);

 private:
  std::vector<float> m_, v_;
};

}  // namespace ganpu::train
