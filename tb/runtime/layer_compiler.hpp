// Compiles a layer and phase into the accelerator's jobs (descriptors): the only place that
// knows how conv2d, conv_transpose2d and linear map onto the generalized convolution the
// hardware runs (docs/architecture.md). Tensors stay in PyTorch layouts in memory; the
// hardware's address generators walk them, nothing is expanded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/ganpu_regs.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::rt {

// What the compiler needs to know of the hardware (the CONFIG registers).
struct HwConfig {
  int pe_rows = 4;
  int pe_cols = 4;
  fp::Format format = fp::kFp16;
  uint32_t a_depth = 8192;   // elements per A buffer copy
  uint32_t b_depth = 2048;   // elements per B buffer row
  uint32_t gm_depth = 2048;  // bytes of the gating-mask buffer (the mask bytes of one box)
  int slots = 4;             // accumulators interleaved per PE
  bool skip_walk = true;     // OP.SKIP tiles issue only their non-zero A taps (CONFIG.SKIP_WALK)
  // Cores the jobs will be spread over (a queue program on the multi-core top): a phase with
  // fewer jobs than this is cut into more by its output channels, in whole channel blocks.
  // 1 (the descriptor registers, core 0) changes nothing.
  int cores = 1;
  int tile() const { return pe_cols * slots; }  // output positions per tile
};

// Byte addresses of the layer's tensors in accelerator memory. FP reads x, w, b and writes y
// and mask; EP reads dz (= dy masked), w and writes dx; WG reads x, dz and writes dw, db.
// After an activation the jobs gate dy by the mask as they stage it (OP.GATE), so dz never
// goes through memory; where the mask layout does not allow that, MASK_GRAD jobs write dz first.
struct LayerAddrs {
  uint32_t x = 0, w = 0, b = 0, y = 0, mask = 0;
  uint32_t dz = 0, dx = 0, dw = 0, db = 0;
  uint32_t dy = 0;    // the gradient at the activation's output
  uint32_t psum = 0;  // FP32 scratch for split reductions: 4 bytes per element of y or dx
};

struct Job {
  regs::Descriptor desc;
  std::string label;     // e.g. "n0 rows 0-7", for progress and errors
  bool partial = false;  // one piece of a split reduction, not the last
};

// The jobs of one phase. EP and WG of a layer with an activation read dy gated by the mask,
// or (if the mask layout does not allow gating while staging) start with the MASK_GRAD jobs
// that write dz. Without an activation they read dz, which the caller fills with dy.
// skip_zeros sets OP.SKIP on the jobs that compute sums (sparse mode).
// Throws std::invalid_argument if the layer does not fit the hardware (message says why).
std::vector<Job> compile_layer(const model::LayerSpec &s, model::Phase phase, const HwConfig &hw,
                               const LayerAddrs &addrs, bool skip_zeros = false);

}  // namespace ganpu::rt
