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
  uint32_t a_depth = 8192;  // elements per A buffer copy
  uint32_t b_depth = 2048;  // elements per B buffer row
  static constexpr int kSlots = 4;
  int tile() const { return pe_cols * kSlots; }  // output positions per tile
};

// Byte addresses of the layer's tensors in accelerator memory. FP reads x, w, b and writes y
// and mask; EP reads dz (= dy masked), w and writes dx; WG reads x, dz and writes dw, db.
struct LayerAddrs {
  uint32_t x = 0, w = 0, b = 0, y = 0, mask = 0;
  uint32_t dz = 0, dx = 0, dw = 0, db = 0;
  uint32_t dy = 0;    // MASK_GRAD input
  uint32_t psum = 0;  // FP32 scratch for split reductions: 4 bytes per element of y or dx
};

struct Job {
  regs::Descriptor desc;
  std::string label;     // e.g. "n0 rows 0-7", for progress and errors
  bool partial = false;  // one piece of a split reduction, not the last
};

// Bytes of the packed ReLU mask of a layer's FP output (1 bit per output, per-plane padding;
// layout in docs/architecture.md).
uint64_t mask_bytes(const model::LayerSpec &s, const HwConfig &hw);

// Mask bit index -> y element: unpacks the hardware's mask into one 0/1 byte per y element.
std::vector<uint8_t> unpack_mask(const model::LayerSpec &s, const HwConfig &hw,
                                 const std::vector<uint8_t> &packed);
// The inverse, for feeding a mask (e.g. from the golden model) to EP/WG.
std::vector<uint8_t> pack_mask(const model::LayerSpec &s, const HwConfig &hw,
                               const std::vector<uint8_t> &per_element);

// The jobs of one phase. EP and WG read dz (the masked gradient); masked_grad_jobs makes it.
// Throws std::invalid_argument if the layer does not fit the hardware (message says why).
std::vector<Job> compile_layer(const model::LayerSpec &s, model::Phase phase, const HwConfig &hw,
                               const LayerAddrs &addrs);

// MASK_GRAD jobs: dz = mask ? dy : (ReLU: +0, LeakyReLU: dy * slope, none: dy).
std::vector<Job> masked_grad_jobs(const model::LayerSpec &s, const HwConfig &hw,
                                  const LayerAddrs &addrs);

}  // namespace ganpu::rt
