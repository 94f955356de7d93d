#include "runtime/random_tensor.hpp"

#include <cmath>
#include <cstring>

namespace ganpu::rt {

model::Tensor random_tensor(const std::vector<int64_t> &shape, fp::Format f, std::mt19937_64 &rng,
                            float scale, double zero_frac, bool nonneg) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  model::Tensor t;
  t.shape = shape;
  uint64_t n = 1;
  for (auto d : shape) n *= static_cast<uint64_t>(d);
  t.data.resize(n);
  for (auto &v : t.data) {
    float x = dist(rng);
    if (nonneg) x = std::fabs(x);
    if (u(rng) < zero_frac) x = 0.0f;
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    v = fp::narrow(f, bits);
  }
  return t;
}

}  // namespace ganpu::rt
