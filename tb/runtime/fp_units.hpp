// Reads and writes the ports of the Verilated FP units (rtl/fp/) in terms of the golden
// model's types, so tests and tools compare RTL and model results field by field.
#pragma once

#include <cstdint>

#include "model/fp_model.hpp"

namespace ganpu::rt {

// Width of the RTL's signed internal exponent (fp_pkg::ExpIntW).
inline constexpr int kExpIntW = 12;

inline int32_t sign_extend(uint32_t v, int width) {
  const uint32_t m = 1u << (width - 1);
  v &= (1u << width) - 1u;
  return static_cast<int32_t>(v ^ m) - static_cast<int32_t>(m);
}

// The exact product on the outputs of fp_mul (or anything with the same output ports).
template <class Io>
fp::ExactProduct read_product(const Io &io) {
  fp::ExactProduct p;
  p.sign = io.sign_o;
  p.zero = io.zero_o;
  p.inf = io.inf_o;
  p.nan = io.nan_o;
  p.exp = sign_extend(io.exp_o, kExpIntW);
  p.sig = io.sig_o;
  return p;
}

template <class Io>
fp::ExpSign read_exp_sign(const Io &io) {
  fp::ExpSign e;
  e.sign = io.sign_o;
  e.exp = io.exp_o;
  e.zero = io.zero_o;
  return e;
}

}  // namespace ganpu::rt
