// Minimum DRAM traffic and roofline cycles of a layer phase; see roofline.hpp.

#include "runtime/roofline.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

namespace ganpu::rt {

namespace {

uint64_t elements(const std::vector<int64_t> &shape) {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

}  // namespace

PhaseBytes min_phase_bytes(const model::LayerSpec &s, model::Phase phase) {
  const uint64_t x = elements(s.x_shape()), w = elements(s.w_shape());
  const uint64_t y = elements(s.y_shape()), b = elements(s.b_shape());
  const bool act = s.activation != fp::Act::kNone;
  const uint64_t mask = act ? (y + 7) / 8 : 0;
  PhaseBytes p;
  switch (phase) {
    case model::Phase::kForward:
      p.read = 2 * x + 2 * w + (s.bias ? 2 * b : 0);
      p.written = 2 * y + mask;
      break;
    case model::Phase::kErrorProp:
      p.read = 2 * y + 2 * w + mask;
      p.written = 2 * x;
      break;
    case model::Phase::kWeightGrad:
      p.read = 2 * x + 2 * y + mask;
      p.written = 4 * w + 4 * b;
      break;
  }
  return p;
}

uint64_t roofline_cycles(uint64_t macs, uint64_t pes, uint64_t min_bytes, double bytes_per_cycle) {
  if (pes == 0) throw std::invalid_argument("roofline_cycles: no PEs");
  if (!(bytes_per_cycle > 0)) throw std::invalid_argument("roofline_cycles: bandwidth must be > 0");
  const uint64_t compute = (macs + pes - 1) / pes;
  const uint64_t memory =
      static_cast<uint64_t>(std::ceil(static_cast<double>(min_bytes) / bytes_per_cycle));
  return compute > memory ? compute : memory;
}

}  // namespace ganpu::rt
