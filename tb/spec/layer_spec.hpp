// A layer of the accelerator: its PyTorch-style hyper-parameters and tensors. The common
// language of the golden layer model, the runtime and the command line (library ganpu_spec).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/fp_model.hpp"

namespace ganpu::spec {

enum class LayerType { kConv2d, kConvTranspose2d, kLinear };
enum class Phase { kForward, kErrorProp, kWeightGrad };

// Hyper-parameters, named as in torch.nn.Conv2d / ConvTranspose2d / Linear.
// A linear layer uses in_channels = in_features, out_channels = out_features and ignores the
// spatial fields (in_h = in_w = kernel = stride = 1, padding = output_padding = 0).
struct LayerSpec {
  // The most elements validate() accepts in any tensor of the layer (x, w, y): 2^31 - 1, so
  // that counts and flat indices fit an int and no product of sizes overflows.
  static constexpr int64_t kMaxElements = 2147483647;

  LayerType type = LayerType::kConv2d;
  int batch = 1;
  int in_channels = 1;
  int out_channels = 1;
  int in_h = 1;
  int in_w = 1;
  int kernel_h = 1;
  int kernel_w = 1;
  int stride_h = 1;
  int stride_w = 1;
  int padding_h = 0;
  int padding_w = 0;
  int output_padding_h = 0;  // conv_transpose2d only
  int output_padding_w = 0;
  bool bias = false;
  fp::Act activation = fp::Act::kNone;
  uint32_t negative_slope = 0;  // LeakyReLU slope, bits of `format`
  fp::Format format = fp::kFp16;

  // conv2d: (in + 2p - k) / s + 1; conv_transpose2d: (in - 1) * s - 2p + k + output_padding.
  int out_h() const;
  int out_w() const;
  // Tensor shapes, PyTorch layouts: x (N,C,H,W) or (N,C) for linear; weights OIHW (conv2d),
  // IOHW (conv_transpose2d), (out, in) for linear; bias (out).
  std::vector<int64_t> x_shape() const;
  std::vector<int64_t> y_shape() const;
  std::vector<int64_t> w_shape() const;
  std::vector<int64_t> b_shape() const;
  // Multiply-accumulates PyTorch would compute (real products only, no padding or inserted
  // zeros), for one pass of the given phase. WG counts dW only (db adds out_channels * N*OH*OW).
  uint64_t macs(Phase phase) const;
  // Empty if the spec is well-formed; else a message naming the first bad field (or the
  // fields of a tensor with more than kMaxElements elements, or of an extent beyond INT_MAX).
  std::string validate() const;
};

const char *to_string(LayerType t);
const char *to_string(Phase p);

// A tensor of 16-bit values (format given by the spec) or of FP32 values, C order.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<uint32_t> data;  // bit patterns in the low bits
  size_t size() const { return data.size(); }
};

}  // namespace ganpu::spec

// The names the model, the runtime and the command line have always used for these types.
namespace ganpu::model {
using spec::LayerSpec;
using spec::LayerType;
using spec::Phase;
using spec::Tensor;
using spec::to_string;
}  // namespace ganpu::model
