// The GAN that `ganpu-sim train` (and `make run`) trains: a small DCGAN on 16x16 one-channel
// images, written out layer by layer. Every layer with MACs runs on the accelerator; the
// generator's tanh and the losses run on the host (gan_trainer.hpp).
//
//   G: z (N, z_dim) -> fc: linear z_dim -> g_ch * 4 * 4, ReLU -> (N, g_ch, 4, 4)
//        -> up1: conv_transpose2d g_ch -> g_ch / 2, kernel 4, stride 2, padding 1, ReLU (8x8)
//        -> up2: conv_transpose2d g_ch / 2 -> 1, kernel 4, stride 2, padding 1 (16x16) -> tanh
//   D: image (N, 1, 16, 16)
//        -> conv1: conv2d 1 -> d_ch, kernel 4, stride 2, padding 1, ReLU (8x8)
//        -> conv2: conv2d d_ch -> 2 * d_ch, kernel 4, stride 2, padding 1, ReLU (4x4)
//        -> fc: linear 2 * d_ch * 4 * 4 -> 1 (the logit of "real")
//
// Every layer has a bias. The names are those of a PyTorch state_dict of the same model
// (docs/training.md): "G.fc.weight", "D.conv2.bias", ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/layer_spec.hpp"

namespace ganpu::train {

inline constexpr int kImageSize = 16;  // images are (1, kImageSize, kImageSize)

struct GanShape {
  int batch = 16;  // images per batch (the discriminator's update sees 2 * batch)
  int z_dim = 16;  // latent vector length
  // A discriminator much smaller than the generator: with these, 100 steps from seed 1 draw
  // recognizable blobs and bars (docs/training.md); with d_ch = 8 D wins and G collapses.
  int g_ch = 32;                 // generator channels at 4x4 (g_ch / 2 at 8x8)
  int d_ch = 4;                  // discriminator channels at 8x8 (2 * d_ch at 4x4)
  fp::Act act = fp::Act::kRelu;  // of the hidden layers; kLeakyRelu uses negative_slope
  uint32_t negative_slope = 0;   // bits of `format`
  fp::Format format = fp::kFp16;
  // Empty if the shape is usable; else a message naming the bad field.
  std::string validate() const;
};

struct NetLayer {
  std::string name;  // state_dict prefix, e.g. "G.up1"
  model::LayerSpec spec;
};

// Layers in forward order; batch is the number of samples one pass takes.
std::vector<NetLayer> generator_layers(const GanShape &g, int batch);
std::vector<NetLayer> discriminator_layers(const GanShape &g, int batch);

}  // namespace ganpu::train
