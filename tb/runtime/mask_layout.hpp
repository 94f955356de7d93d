// The memory layout of the ReLU mask, written by the forward pass's output path and read by
// EP and WG to gate dy (docs/architecture.md, "The ReLU mask"): the one place that knows it.
// 1 bit per output (1 = the FP32 sum was > 0), LSB first, byte-padded per plane:
//   conv2d            [N][O][ceil(OH*OW/8)] bytes, bit k of a plane = output k, row-major;
//   linear            [O][ceil(N/8)];
//   conv_transpose2d  per (n, o) plane one byte-padded block per output phase
//                     (oy mod s, ox mod s) in row-major order, positions row-major inside.
#pragma once

#include <cstdint>
#include <vector>

#include "spec/layer_spec.hpp"

namespace ganpu::rt {

// The output positions of one phase of a transposed map along one axis: o = ph + s * i.
struct OutputPhase {
  int64_t ph = 0;     // the phase, 0 .. s-1
  int64_t count = 0;  // its positions
  int64_t k0 = 0;     // first kernel tap that reaches a real input
  int64_t taps = 0;   // taps that do (k0, k0 + s, ...)
  int64_t c = 0;      // input offset: position i reads input i + c - j for tap k0 + s * j
};
OutputPhase output_phase(int64_t kernel, int64_t stride, int64_t padding, int64_t out_size,
                         int64_t ph);

// Bytes of the packed mask of a layer's FP output.
uint64_t mask_bytes(const model::LayerSpec &s);

// Convolutions: bytes of one (n, o) plane, and the byte offset in it of output phase
// (phy, phx)'s block (a transposed map's; 0 for conv2d, whose only phase is (0, 0)).
int64_t mask_plane_bytes(const model::LayerSpec &s);
int64_t mask_phase_offset(const model::LayerSpec &s, int64_t phy, int64_t phx);

// Mask bit index -> y element: unpacks the hardware's mask into one 0/1 byte per y element.
std::vector<uint8_t> unpack_mask(const model::LayerSpec &s, const std::vector<uint8_t> &packed);
// The inverse, for feeding a mask (e.g. from the golden model) to EP/WG.
std::vector<uint8_t> pack_mask(const model::LayerSpec &s, const std::vector<uint8_t> &per_element);

// Where the mask bit of y[n][o][oy][ox] of a convolution lies, as the stager's gating walker
// (OP.GATE, rtl/core/ganpu_mask_walker.sv) computes it: plane (n, o) at byte
// n * per_n + o * per_o, `bytes` long; inside it bit
//   (oy / py) * qy + (oy % py) * ry + (ox / px) * qx + (ox % px) * rx.
struct MaskPlanes {
  int64_t per_n = 0, per_o = 0, bytes = 0;
  int64_t qy = 0, ry = 0, py = 1, qx = 0, rx = 0, px = 1;
};
// False where no such form exists: a transposed map whose output phases differ in size.
bool conv_mask_planes(const model::LayerSpec &s, MaskPlanes *m);

// Bytes of one output feature's mask row of a linear layer.
int64_t linear_mask_row_bytes(const model::LayerSpec &s);

}  // namespace ganpu::rt
