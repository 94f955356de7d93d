// The accelerator against the golden layer model: every layer type x phase x activation on
// shapes that exercise strides, padding, odd sizes, 1x1 kernels, batch > 1, channel counts
// that do not divide the array and layers larger than the on-chip buffers; bit-exact, for
// every configuration of this build, and within the stated bound of the double reference.
#include <catch2/catch.hpp>

#include "layer_test_support.hpp"

using ganpu::fp::Act;
using ganpu::model::LayerType;
using ganpu::test::conv;
using ganpu::test::on_all;

TEST_CASE("conv2d: 3x3, stride 1, padding 1, bias, batch 2", "[layer][conv2d]") {
  on_all(conv(LayerType::kConv2d, 3, 5, 7, 6, 3, 1, 1, 2, Act::kNone, true), 1);
}
TEST_CASE("conv2d: 4x4, stride 2, padding 1, odd size", "[layer][conv2d]") {
  on_all(conv(LayerType::kConv2d, 6, 7, 9, 9, 4, 2, 1, 1, Act::kNone, false), 2);
}
TEST_CASE("conv2d: 1x1 kernel, channels not dividing the array", "[layer][conv2d]") {
  on_all(conv(LayerType::kConv2d, 5, 18, 5, 3, 1, 1, 0, 3, Act::kNone, true), 3);
}
TEST_CASE("conv2d: ReLU and LeakyReLU forward with mask", "[layer][conv2d]") {
  on_all(conv(LayerType::kConv2d, 4, 6, 6, 6, 3, 1, 1, 2, Act::kRelu, true), 4);
  auto l = conv(LayerType::kConv2d, 4, 6, 6, 6, 3, 2, 1, 1, Act::kLeakyRelu, true);
  l.negative_slope = 0x3266;  // bits in the layer's format: 0.2 in FP16, a tiny slope in BF16
  on_all(l, 5);
}
TEST_CASE("conv_transpose2d: 4x4, stride 2, padding 1 (generator upsampling)", "[layer][convT]") {
  on_all(conv(LayerType::kConvTranspose2d, 6, 5, 4, 4, 4, 2, 1, 2, Act::kNone, true), 6);
}
TEST_CASE("conv_transpose2d: 3x3, stride 2, padding 1, output_padding 1", "[layer][convT]") {
  on_all(conv(LayerType::kConvTranspose2d, 3, 4, 5, 5, 3, 2, 1, 1, Act::kNone, false, 1), 7);
}
TEST_CASE("conv_transpose2d: ReLU forward with mask", "[layer][convT]") {
  on_all(conv(LayerType::kConvTranspose2d, 4, 3, 4, 4, 4, 2, 1, 1, Act::kRelu, true), 8);
}
TEST_CASE("conv_transpose2d: LeakyReLU, batch 2, no bias", "[layer][convT]") {
  auto l = conv(LayerType::kConvTranspose2d, 5, 6, 3, 5, 4, 2, 1, 2, Act::kLeakyRelu, false);
  l.negative_slope = 0x2E66;
  on_all(l, 12);
}
// Wide arrays stage a block's kernels for all output phases at once (OP.B_MAP) and run the
// phases over them (OP.B_KEEP) where that is cheaper (two blocks on 16 rows, the second
// partial); narrow ones stage each phase's taps. Both must give the same bits.
TEST_CASE("conv_transpose2d FP and conv2d EP with every phase's weights staged once",
          "[layer][convT][b_map]") {
  on_all(conv(LayerType::kConvTranspose2d, 64, 20, 4, 4, 4, 2, 1, 2, Act::kRelu, true), 19);
  on_all(conv(LayerType::kConv2d, 20, 64, 8, 8, 4, 2, 1, 2, Act::kLeakyRelu, true), 20);
}

TEST_CASE("conv_transpose2d larger than the on-chip A buffer is tiled", "[layer][convT][tiling]") {
  // x has 24 x 20 x 20 = 9,600 elements (> 8,192): FP runs in row bands per output phase.
  on_all(conv(LayerType::kConvTranspose2d, 24, 4, 20, 20, 4, 2, 1, 1, Act::kRelu, true), 13);
}
TEST_CASE("linear: ReLU, batch 17 (not a multiple of the tile)", "[layer][linear]") {
  on_all(conv(LayerType::kLinear, 33, 21, 1, 1, 1, 1, 0, 17, Act::kRelu, false), 14);
}
TEST_CASE("reductions longer than the B buffer are split (FP: 232 x 3 x 3 = 2,088 terms)",
          "[layer][split]") {
  on_all(conv(LayerType::kConv2d, 232, 6, 4, 4, 3, 1, 1, 1, Act::kRelu, true), 15);
}
TEST_CASE("reductions longer than the B buffer are split (EP: 232 x 3 x 3 = 2,088 terms)",
          "[layer][split]") {
  on_all(conv(LayerType::kConv2d, 6, 232, 4, 4, 3, 1, 1, 1, Act::kLeakyRelu, false), 16);
}
TEST_CASE("reductions longer than the B buffer are split (WG: 2 x 34 x 34 = 2,312 terms)",
          "[layer][split]") {
  on_all(conv(LayerType::kConv2d, 3, 4, 34, 34, 3, 1, 1, 2, Act::kRelu, true), 17);
}
TEST_CASE("reductions longer than the B buffer are split (linear, 2,100 features)",
          "[layer][split]") {
  on_all(conv(LayerType::kLinear, 2100, 5, 1, 1, 1, 1, 0, 2, Act::kNone, true), 18);
}
TEST_CASE("linear EP with the features on the positions: 2,100 outputs, split twice",
          "[layer][linear][split]") {
  // EP: q = batch, p = 24 features, r = 2,100 outputs: longer than the B buffer, and the W box
  // (2,100 x the features of a job) larger than the A buffer.
  on_all(conv(LayerType::kLinear, 24, 2100, 1, 1, 1, 1, 0, 3, Act::kNone, true), 19);
}
TEST_CASE("linear: batch 3, bias", "[layer][linear]") {
  on_all(conv(LayerType::kLinear, 37, 19, 1, 1, 1, 1, 0, 3, Act::kNone, true), 9);
}
TEST_CASE("linear: LeakyReLU forward with mask, batch 10", "[layer][linear]") {
  auto l = conv(LayerType::kLinear, 20, 9, 1, 1, 1, 1, 0, 10, Act::kLeakyRelu, true);
  l.negative_slope = 0x2E66;
  on_all(l, 10);
}
TEST_CASE("conv2d larger than the on-chip A buffer is tiled", "[layer][conv2d][tiling]") {
  // 8 x 40 x 40 = 12,800 input elements, more than the 8,192-element A buffer: FP and EP run
  // in row bands with their halos, WG in channel groups. (WG's reduction, N*OH*OW = 1,600
  // terms, must still fit the B buffer: splitting the reduction is not supported yet.)
  on_all(conv(LayerType::kConv2d, 8, 6, 40, 40, 3, 1, 1, 1, Act::kNone, false), 11);
}
