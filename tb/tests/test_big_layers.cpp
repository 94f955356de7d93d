// Layers of a standard 64x64 DCGAN whose input window for one output row (or one sample) does
// not fit the A buffer: the compiler splits the reduction's channels (features) into groups
// with FP32 partial sums (WG: its samples, or groups of independent outputs). Each runs FP, EP
// and WG on the 4x4 configurations of the build, bit-exact against the golden model and within
// the error bound of the double reference, with an activation so the mask and the gating of
// dy (OP.GATE, or MASK_GRAD where it cannot gate) are exercised.
#include <catch2/catch.hpp>
#include <iostream>
#include <string>

#include "layer_test_support.hpp"
#include "model/layer_model.hpp"
#include "runtime/layer_runner.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::model::LayerSpec;
using ganpu::model::LayerType;
using ganpu::model::Phase;

constexpr uint16_t kSlope = 0x3266;  // 0.2 in FP16 (a tiny slope in BF16)

// Runs one phase, checks it and prints its jobs and cycles (the figures of the report).
void run_phase(ganpu::rt::Accelerator &acc, const std::string &config, const std::string &name,
               const LayerSpec &s, Phase phase, const ganpu::rt::LayerInputs &in) {
  ganpu::rt::LayerRunStats st;
  const auto out = ganpu::rt::run_layer(acc, s, phase, in, &st);
  std::cout << config << " " << name << " " << to_string(phase) << ": " << st.jobs << " jobs, "
            << st.total.cycles << " cycles, " << st.total.macs << " MACs\n";
  ganpu::test::check_outputs(s, phase, in, out);
}

// Runs one phase of a layer on one configuration and checks it. The inputs depend only on the
// seed; EP and WG read the golden model's forward mask, so each phase is its own test case
// (these layers take seconds per phase on the 4x4 model).
void check_layer(const std::string &config, const std::string &name, LayerSpec s, Phase phase,
                 uint64_t seed) {
  ganpu::rt::AxiMemConfig mem;
  mem.latency_cycles = 20;
  mem.bytes_per_cycle = 8.0;
  auto acc = ganpu::rt::make_accelerator(config, mem);
  const auto hw = acc->config();
  s.format = hw.format;
  mem.size = ganpu::rt::layer_memory_bytes(s, hw) + 4096;
  acc = ganpu::rt::make_accelerator(config, mem);
  INFO(config << " " << name);
  ganpu::rt::LayerInputs in = ganpu::test::random_inputs(s, seed);
  if (phase != Phase::kForward)
    in.mask = ganpu::model::forward(s, in.x, in.w, s.bias ? &in.b : nullptr).mask;
  run_phase(*acc, config, name, s, phase, in);
}

// The 4x4 configurations (the FPGA's core, FP16 and BF16): these layers take minutes on the
// 16x16 model, whose datapath is the same RTL with other parameters and which the other layer
// tests cover.
void on_all(const std::string &name, const LayerSpec &s, Phase phase, uint64_t seed) {
  size_t ran = 0;
  for (const auto &cfg : ganpu::rt::accelerator_configs()) {
    if (cfg.rfind("4x4_", 0) != 0) continue;
    check_layer(cfg, name, s, phase, seed);
    ++ran;
  }
  REQUIRE(ran > 0);  // a build without a 4x4 configuration fails rather than passes empty
}

// The DCGAN's convolutions: kernel 4, stride 2, padding 1 unless said, with bias.
LayerSpec conv(LayerType t, int c, int o, int size, int n, Act act, int stride = 2,
               int padding = 1) {
  LayerSpec l;
  l.type = t;
  l.in_channels = c;
  l.out_channels = o;
  l.in_h = l.in_w = size;
  l.kernel_h = l.kernel_w = 4;
  l.stride_h = l.stride_w = stride;
  l.padding_h = l.padding_w = padding;
  l.batch = n;
  l.activation = act;
  l.negative_slope = kSlope;
  l.bias = true;
  return l;
}

LayerSpec linear(int c, int o, int n, Act act) {
  LayerSpec l;
  l.type = LayerType::kLinear;
  l.in_channels = c;
  l.out_channels = o;
  l.in_h = l.in_w = 1;
  l.kernel_h = l.kernel_w = 1;
  l.stride_h = l.stride_w = 1;
  l.batch = n;
  l.activation = act;
  l.negative_slope = kSlope;
  l.bias = true;
  return l;
}

}  // namespace

// One test case per layer and phase.
#define BIG_LAYER_CASES(title, tags, name, spec, seed)                           \
  TEST_CASE(title ": FP", tags) { on_all(name, spec, Phase::kForward, seed); }   \
  TEST_CASE(title ": EP", tags) { on_all(name, spec, Phase::kErrorProp, seed); } \
  TEST_CASE(title ": WG", tags) { on_all(name, spec, Phase::kWeightGrad, seed); }

// FP: 16,384 inputs per sample, in two channel groups of 128 over the whole map.
BIG_LAYER_CASES("D conv2d 256 -> 512 on 8x8, LeakyReLU", "[big][conv2d]", "D.conv4",
                conv(LayerType::kConv2d, 256, 512, 8, 1, Act::kLeakyRelu), 61)
// EP: dz has 16,384 elements per sample: two channel groups, each gated by its channels' mask
// planes (OP.GATE).
BIG_LAYER_CASES("G conv_transpose2d 512 -> 256 on 4x4, ReLU", "[big][convT]", "G.up1",
                conv(LayerType::kConvTranspose2d, 512, 256, 4, 1, Act::kRelu), 62)
// FP: 8,192 features x 8 samples (the mask's byte) in feature groups; WG: feature groups.
BIG_LAYER_CASES("D linear 8192 -> 1, LeakyReLU, batch 9", "[big][linear]", "D.fc",
                linear(8192, 1, 9, Act::kLeakyRelu), 64)
// EP: 8,192 features per sample: feature groups of 4,096 for both samples (in B-buffer pieces),
// whose mask (8,192 features x 1 byte) exceeds the gating-mask buffer: MASK_GRAD runs first.
BIG_LAYER_CASES("G linear 100 -> 8192, ReLU, batch 2", "[big][linear]", "G.fc",
                linear(100, 8192, 2, Act::kRelu), 65)
// WG: one input channel of 3 samples is 12,288 elements: pieces of samples.
BIG_LAYER_CASES("D conv2d 3 -> 64 on 64x64, LeakyReLU, batch 3", "[big][conv2d]", "D.conv1",
                conv(LayerType::kConv2d, 3, 64, 64, 3, Act::kLeakyRelu), 63)
// FP: two channel groups of 512, each a reduction of 8,192 terms split into B-buffer pieces of
// 128 channels (each staging only its channels of the A box).
BIG_LAYER_CASES("conv2d 1024 -> 8 on 4x4, kernel 4, no padding, LeakyReLU, batch 2",
                "[big][conv2d][split]", "conv1024",
                conv(LayerType::kConv2d, 1024, 8, 4, 2, Act::kLeakyRelu, 1, 0), 66)
