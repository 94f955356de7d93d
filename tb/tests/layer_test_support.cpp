#include "layer_test_support.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "model/layer_model.hpp"
#include "runtime/layer_check.hpp"
#include "runtime/random_tensor.hpp"

namespace ganpu::test {

using model::LayerSpec;
using model::Phase;

LayerSpec conv(model::LayerType t, int c, int o, int h, int w, int k, int s, int p, int n,
               fp::Act act, bool bias, int output_padding) {
  LayerSpec l;
  l.type = t;
  l.in_channels = c;
  l.out_channels = o;
  l.in_h = h;
  l.in_w = w;
  l.kernel_h = l.kernel_w = k;
  l.stride_h = l.stride_w = s;
  l.padding_h = l.padding_w = p;
  l.output_padding_h = l.output_padding_w = output_padding;
  l.batch = n;
  l.activation = act;
  l.bias = bias;
  return l;
}

rt::AxiMemConfig default_memory() {
  rt::AxiMemConfig mem;
  mem.latency_cycles = 20;
  mem.bytes_per_cycle = 8.0;
  return mem;
}

void check_outputs(const LayerSpec &s, Phase phase, const rt::LayerInputs &in,
                   const rt::LayerOutputs &got, bool skip_zeros) {
  const rt::PhaseCheck c = rt::check_phase(s, phase, in, got, skip_zeros);
  INFO(to_string(phase) << ": " << c.mismatches << " mismatches (first: " << c.first_mismatch
                        << "), " << c.out_of_bound << " out of bound (first: "
                        << c.first_out_of_bound << "), max error/bound " << c.max_error_ratio);
  // FP: y, and the mask with an activation; EP: dx; WG: dw and db.
  const bool two =
      phase == Phase::kWeightGrad || (phase == Phase::kForward && s.activation != fp::Act::kNone);
  CHECK(c.outputs.size() == (two ? 2u : 1u));
  for (const auto &o : c.outputs) {
    INFO(o.name);
    CHECK(o.elements > 0);
    CHECK(o.mismatches == 0);
    if (o.name != "mask") {
      CHECK(o.bound_checked > 0);
      CHECK(o.out_of_bound == 0);
    }
  }
  CHECK(c.mismatches == 0);
  CHECK(c.out_of_bound == 0);
}

rt::LayerInputs random_inputs(const LayerSpec &s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  rt::LayerInputs in;
  in.x = rt::random_tensor(s.x_shape(), s.format, rng, 1.0f, 0.3, true);
  in.w = rt::random_tensor(s.w_shape(), s.format, rng);
  in.b = rt::random_tensor(s.b_shape(), s.format, rng);
  in.dy = rt::random_tensor(s.y_shape(), s.format, rng);
  return in;
}

void check_layer(const std::string &config, LayerSpec s, uint64_t seed, rt::AxiMemConfig mem) {
  auto acc = rt::make_accelerator(config, mem);
  const auto hw = acc->config();
  s.format = hw.format;
  mem.size = rt::layer_memory_bytes(s, hw) + 4096;
  acc = rt::make_accelerator(config, mem);
  INFO(config << " " << to_string(s.type) << " C" << s.in_channels << " O" << s.out_channels << " "
              << s.in_h << "x" << s.in_w << " k" << s.kernel_h << " s" << s.stride_h << " p"
              << s.padding_h << " N" << s.batch << " act " << static_cast<int>(s.activation)
              << ", memory latency " << mem.latency_cycles << " bandwidth " << mem.bytes_per_cycle
              << " stall " << mem.stall_prob << " write stall " << mem.write_stall_prob);
  rt::LayerInputs in = random_inputs(s, seed);
  const auto out = rt::run_layer(*acc, s, Phase::kForward, in);
  check_outputs(s, Phase::kForward, in, out);
  in.mask = model::forward(s, in.x, in.w, s.bias ? &in.b : nullptr).mask;
  check_outputs(s, Phase::kErrorProp, in, rt::run_layer(*acc, s, Phase::kErrorProp, in));
  check_outputs(s, Phase::kWeightGrad, in, rt::run_layer(*acc, s, Phase::kWeightGrad, in));
}

void on_all(const LayerSpec &s, uint64_t seed, const rt::AxiMemConfig &mem) {
  const auto configs = rt::accelerator_configs();
  REQUIRE(!configs.empty());
  for (const auto &cfg : configs) check_layer(cfg, s, seed, mem);
}

}  // namespace ganpu::test
