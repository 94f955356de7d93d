// Tests of the roofline (runtime/roofline.hpp) on layers of sim/dcgan.json, counted by hand.

#include <catch2/catch.hpp>
#include <stdexcept>

#include "runtime/roofline.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::model::LayerSpec;
using ganpu::model::LayerType;
using ganpu::model::Phase;
using ganpu::rt::min_phase_bytes;
using ganpu::rt::roofline_cycles;

LayerSpec linear(int in, int out, bool bias, Act act) {
  LayerSpec s;
  s.type = LayerType::kLinear;
  s.batch = 2;
  s.in_channels = in;
  s.out_channels = out;
  s.bias = bias;
  s.activation = act;
  return s;
}

// Kernel 4, stride 2, padding 1, batch 2, with bias.
LayerSpec conv(LayerType type, int in, int out, int size, Act act) {
  LayerSpec s;
  s.type = type;
  s.batch = 2;
  s.in_channels = in;
  s.out_channels = out;
  s.in_h = s.in_w = size;
  s.kernel_h = s.kernel_w = 4;
  s.stride_h = s.stride_w = 2;
  s.padding_h = s.padding_w = 1;
  s.bias = true;
  s.activation = act;
  return s;
}

}  // namespace

TEST_CASE("conv2d with bias and LeakyReLU (D.conv2)", "[roofline]") {
  // x 2x16x16x16 = 8192, w 32x16x4x4 = 8192, b 32, y 2x32x8x8 = 4096 (mask 512 bytes).
  const LayerSpec s = conv(LayerType::kConv2d, 16, 32, 16, Act::kLeakyRelu);
  const auto fp = min_phase_bytes(s, Phase::kForward);
  CHECK(fp.read == 16384 + 16384 + 64);
  CHECK(fp.written == 8192 + 512);
  const auto ep = min_phase_bytes(s, Phase::kErrorProp);
  CHECK(ep.read == 8192 + 16384 + 512);
  CHECK(ep.written == 16384);
  const auto wg = min_phase_bytes(s, Phase::kWeightGrad);
  CHECK(wg.read == 16384 + 8192 + 512);
  CHECK(wg.written == 4 * 8192 + 4 * 32);
  CHECK(wg.total() == 25088 + 32896);
  // 921,600 MACs on 16 PEs: 57,600 cycles, above 41,536 bytes / 8.
  CHECK(roofline_cycles(921600, 16, fp.total(), 8.0) == 57600);
  // On 256 PEs: 3,600; the memory needs 5,192.
  CHECK(roofline_cycles(921600, 256, fp.total(), 8.0) == 5192);
}

TEST_CASE("linear with bias and ReLU (G.fc)", "[roofline]") {
  // x 2x32 = 64, w 1024x32 = 32768, b 1024, y 2x1024 = 2048 (mask 256 bytes).
  const LayerSpec s = linear(32, 1024, true, Act::kRelu);
  const auto fp = min_phase_bytes(s, Phase::kForward);
  CHECK(fp.read == 128 + 65536 + 2048);
  CHECK(fp.written == 4096 + 256);
  const auto ep = min_phase_bytes(s, Phase::kErrorProp);
  CHECK(ep.read == 4096 + 65536 + 256);
  CHECK(ep.written == 128);
  const auto wg = min_phase_bytes(s, Phase::kWeightGrad);
  CHECK(wg.read == 128 + 4096 + 256);
  CHECK(wg.written == 131072 + 4096);
  CHECK(roofline_cycles(65536, 256, fp.total(), 8.0) == 72064 / 8);
}

TEST_CASE("no bias, no activation: no b read, no mask (D.fc without bias)", "[roofline]") {
  const LayerSpec s = linear(1024, 1, false, Act::kNone);
  CHECK(min_phase_bytes(s, Phase::kForward).read == 4096 + 2048);
  CHECK(min_phase_bytes(s, Phase::kForward).written == 4);
  CHECK(min_phase_bytes(s, Phase::kErrorProp).read == 4 + 2048);
  CHECK(min_phase_bytes(s, Phase::kErrorProp).written == 4096);
  // db is computed and stored for every layer.
  CHECK(min_phase_bytes(s, Phase::kWeightGrad).read == 4096 + 4);
  CHECK(min_phase_bytes(s, Phase::kWeightGrad).written == 4096 + 4);
}

TEST_CASE("conv_transpose2d, and a mask of a size not a multiple of 8", "[roofline]") {
  // G.up3: x 2x16x16x16 = 8192, w 16x3x4x4 = 768, b 3, y 2x3x32x32 = 6144.
  const LayerSpec s = conv(LayerType::kConvTranspose2d, 16, 3, 16, Act::kNone);
  CHECK(min_phase_bytes(s, Phase::kForward).read == 16384 + 1536 + 6);
  CHECK(min_phase_bytes(s, Phase::kForward).written == 12288);
  // 3 outputs of one image with ReLU: 3 mask bits take 1 byte.
  LayerSpec one = linear(4, 3, false, Act::kRelu);
  one.batch = 1;
  CHECK(min_phase_bytes(one, Phase::kForward).written == 6 + 1);
}

TEST_CASE("roofline_cycles rounds both bounds up and rejects bad arguments", "[roofline]") {
  CHECK(roofline_cycles(10, 4, 10, 3.0) == 4);  // ceil(2.5) = 3, ceil(3.33) = 4
  CHECK(roofline_cycles(17, 16, 8, 8.0) == 2);
  CHECK(roofline_cycles(0, 16, 0, 8.0) == 0);
  CHECK(roofline_cycles(100, 16, 1, 0.5) == 7);
  CHECK_THROWS_AS(roofline_cycles(1, 0, 1, 8.0), std::invalid_argument);
  CHECK_THROWS_AS(roofline_cycles(1, 1, 1, 0.0), std::invalid_argument);
}
