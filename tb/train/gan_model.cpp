#include "train/gan_model.hpp"

namespace ganpu::train {
namespace {

using model::LayerSpec;
using model::LayerType;

LayerSpec base(const GanShape &g, LayerType type, int batch, fp::Act act) {
  LayerSpec s;
  s.type = type;
  s.batch = batch;
  s.bias = true;
  s.activation = act;
  s.negative_slope = act == fp::Act::kLeakyRelu ? g.negative_slope : 0;
  s.format = g.format;
  return s;
}

LayerSpec linear(const GanShape &g, int batch, int in, int out, fp::Act act) {
  LayerSpec s = base(g, LayerType::kLinear, batch, act);
  s.in_channels = in;
  s.out_channels = out;
  return s;
}

// Kernel 4, stride 2, padding 1: halves (conv2d) or doubles (conv_transpose2d) the map.
LayerSpec k4s2(const GanShape &g, LayerType type, int batch, int in, int out, int size,
               fp::Act act) {
  LayerSpec s = base(g, type, batch, act);
  s.in_channels = in;
  s.out_channels = out;
  s.in_h = s.in_w = size;
  s.kernel_h = s.kernel_w = 4;
  s.stride_h = s.stride_w = 2;
  s.padding_h = s.padding_w = 1;
  return s;
}

}  // namespace

std::string GanShape::validate() const {
  if (batch < 1) return "batch: must be at least 1";
  if (z_dim < 1) return "z_dim: must be at least 1";
  if (g_ch < 2 || g_ch % 2 != 0) return "g_ch: must be an even number of at least 2";
  if (d_ch < 1) return "d_ch: must be at least 1";
  if (act == fp::Act::kNone) return "act: the hidden layers need an activation";
  return "";
}

std::vector<NetLayer> generator_layers(const GanShape &g, int batch) {
  const int n4 = kImageSize / 4;
  return {
      {"G.fc", linear(g, batch, g.z_dim, g.g_ch * n4 * n4, g.act)},
      {"G.up1", k4s2(g, LayerType::kConvTranspose2d, batch, g.g_ch, g.g_ch / 2, n4, g.act)},
      {"G.up2", k4s2(g, LayerType::kConvTranspose2d, batch, g.g_ch / 2, 1, 2 * n4, fp::Act::kNone)},
  };
}

std::vector<NetLayer> discriminator_layers(const GanShape &g, int batch) {
  const int n4 = kImageSize / 4;
  return {
      {"D.conv1", k4s2(g, LayerType::kConv2d, batch, 1, g.d_ch, kImageSize, g.act)},
      {"D.conv2", k4s2(g, LayerType::kConv2d, batch, g.d_ch, 2 * g.d_ch, 2 * n4, g.act)},
      {"D.fc", linear(g, batch, 2 * g.d_ch * n4 * n4, 1, fp::Act::kNone)},
  };
}

}  // namespace ganpu::train
