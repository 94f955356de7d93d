// The roofline of one layer phase: the fewest bytes it must move between DRAM and the core
// (every input read once, every output written once, in the format the runtime stores it) and
// the cycles below which neither the PE array nor the memory lets it go. docs/performance.md
// uses it for the `roofline_cycles` of `ganpu-sim bench-dense`.
#pragma once

#include <cstdint>

#include "spec/layer_spec.hpp"

namespace ganpu::rt {

// Bytes of the tensors a phase reads and writes, each counted once. 16-bit tensors (x, w, b,
// y, dy, dx) take 2 bytes an element, the FP32 gradients dW and db 4, the ReLU mask 1 bit per
// y element (ceil(elements / 8) bytes; the hardware's layout may pad it, the minimum does not).
//   FP: reads x, w, b (with bias);   writes y, and the mask (with an activation)
//   EP: reads dy, w, mask (with an activation);   writes dx
//   WG: reads x, dy, mask (with an activation);   writes dW and db (FP32; the runtime computes
//       db for every layer, as the MAC count of the phase does)
struct PhaseBytes {
  uint64_t read = 0;
  uint64_t written = 0;
  uint64_t total() const { return read + written; }
};
PhaseBytes min_phase_bytes(const model::LayerSpec &s, model::Phase phase);

// max(ceil(macs / pes), ceil(min_bytes / bytes_per_cycle)). Throws std::invalid_argument if
// pes is 0 or bytes_per_cycle is not positive.
uint64_t roofline_cycles(uint64_t macs, uint64_t pes, uint64_t min_bytes, double bytes_per_cycle);

}  // namespace ganpu::rt
