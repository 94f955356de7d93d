// Seeded test data for layers: values of a 16-bit format drawn from a normal distribution.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "spec/layer_spec.hpp"

namespace ganpu::rt {

// A tensor of `shape` in format f: N(0, scale) samples rounded to f, made non-negative
// (ReLU-like) if asked, each replaced by +0 with probability zero_frac.
model::Tensor random_tensor(const std::vector<int64_t> &shape, fp::Format f, std::mt19937_64 &rng,
                            float scale = 1.0f, double zero_frac = 0.0, bool nonneg = false);

}  // namespace ganpu::rt
