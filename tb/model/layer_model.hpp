// Bit-exact golden model of one layer of the accelerator: forward pass (FP), error
// propagation (EP) and weight gradient (WG) of conv2d, conv_transpose2d and linear layers.
//
// Every output element is one serial FP32 accumulation: acc starts at an initial value (the
// widened bias in FP, else +0) and takes acc = fp::mac(format, acc, a, b) for each real product
// in the documented loop order. Taps in padding, outside the input or (transposed conv) on
// non-integer positions are skipped, never accumulated as a zero: a mac with +0 could turn a
// -0 accumulator into +0. Loop orders, per output element:
//
//   FP conv2d      y[n,o,oy,ox]: for i, ky, kx: x[n,i,oy*s-p+ky, ox*s-p+kx] * w[o,i,ky,kx]
//   FP convT       y[n,o,oy,ox]: for i, ky, kx: x[n,i,(oy+p-ky)/s, (ox+p-kx)/s] * w[i,o,ky,kx]
//                                (only where oy+p-ky, ox+p-kx are >= 0 and divisible by s)
//   FP linear      y[n,o]:       for i: x[n,i] * w[o,i]
//   EP conv2d      dx[n,i,iy,ix]: for o, ky, kx: dz[n,o,(iy+p-ky)/s, (ix+p-kx)/s] * w[o,i,ky,kx]
//   EP convT       dx[n,i,iy,ix]: for o, ky, kx: dz[n,o,iy*s-p+ky, ix*s-p+kx] * w[i,o,ky,kx]
//   EP linear      dx[n,i]:       for o: dz[n,o] * w[o,i]
//   WG conv2d      dw[o,i,ky,kx]: for n, oy, ox: dz[n,o,oy,ox] * x[n,i,oy*s-p+ky, ox*s-p+kx]
//   WG convT       dw[i,o,ky,kx]: for n, iy, ix: dz[n,o,iy*s-p+ky, ix*s-p+kx] * x[n,i,iy,ix]
//   WG linear      dw[o,i]:       for n: dz[n,o] * x[n,i]
//   WG bias        db[o]:         for n, oy, ox: dz[n,o,oy,ox] * 1.0
//
// FP then sets mask = (z > 0) on the FP32 sum z and y = activate(narrow(z)); EP narrows dx to
// the 16-bit format; WG keeps dw and db in FP32. EP and WG use the masked gradient dz (see
// masked_grad). All functions validate the spec and the tensor shapes and throw
// std::invalid_argument naming the offending tensor.
#pragma once

#include <cstdint>
#include <vector>

#include "spec/layer_spec.hpp"

namespace ganpu::model {

// How the sums take their terms. Dense (default): every real product. skip_zeros (the
// accelerator's OP.SKIP): only products whose operands are both non-zero; the sums differ from
// dense ones only where a skipped +0 product would have turned a -0 sum into +0 (or a zero
// times an infinity or NaN would have made a NaN). macs, if set, is increased by the number of
// terms accumulated (what the MACS counter counts).
struct SumMode {
  bool skip_zeros = false;
  uint64_t *macs = nullptr;
};

struct ForwardOut {
  Tensor y;                   // spec.format, y_shape()
  std::vector<uint8_t> mask;  // 1 iff the FP32 sum before narrowing is > 0, one per y element
};

struct WeightGradOut {
  Tensor dw;  // FP32 bits, w_shape()
  Tensor db;  // FP32 bits, b_shape(); computed even when the layer has no bias
};

// Forward pass. b may be null iff !s.bias; it is ignored when !s.bias.
ForwardOut forward(const LayerSpec &s, const Tensor &x, const Tensor &w, const Tensor *b,
                   const SumMode &m = {});

// dz, the gradient at the activation's input (spec.format, y_shape()): kNone: dy;
// kRelu: mask ? dy : +0; kLeakyRelu: mask ? dy : mul_round(dy, negative_slope).
Tensor masked_grad(const LayerSpec &s, const Tensor &dy, const std::vector<uint8_t> &mask);

// Error propagation: dx (spec.format, x_shape()) from dy and the forward mask.
Tensor error_prop(const LayerSpec &s, const Tensor &dy, const Tensor &w,
                  const std::vector<uint8_t> &mask, const SumMode &m = {});

// Weight gradient: dw and db (FP32) from x, dy and the forward mask.
WeightGradOut weight_grad(const LayerSpec &s, const Tensor &x, const Tensor &dy,
                          const std::vector<uint8_t> &mask, const SumMode &m = {});

// Number of terms accumulated for each output element (real products only), same shape as the
// phase's output: used to size error bounds and to count MACs.
// FP: y_shape(), EP: x_shape(), WG: w_shape() (each db[o] sums batch * out_h * out_w terms).
// The bias is the initial value, not a term.
std::vector<uint64_t> term_counts(const LayerSpec &s, Phase p);

// 1.0 in the spec's 16-bit format (FP16 0x3C00, BF16 0x3F80), the second operand of db's MACs.
uint32_t one_bits(fp::Format f);

}  // namespace ganpu::model
