// Shared by the layer tests: run a layer's three phases on the Verilated accelerator and check
// every output against the golden model and the double reference (rt::check_phase).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/axi_mem_model.hpp"
#include "runtime/layer_runner.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::test {

// A conv2d / conv_transpose2d / linear layer (linear: c and o are the features, h = w = k = 1).
model::LayerSpec conv(model::LayerType t, int c, int o, int h, int w, int k, int s, int p, int n,
                      fp::Act act, bool bias, int output_padding = 0);

// The memory every layer test runs with unless it says otherwise: 20 cycles of latency,
// 8 bytes per cycle.
rt::AxiMemConfig default_memory();

// Every output of the phase equals the golden model bit for bit (the mask too, with an
// activation; skip_zeros: the model of a run with OP.SKIP) and lies within the error bound of
// docs/numerics.md around the double reference.
void check_outputs(const model::LayerSpec &s, model::Phase phase, const rt::LayerInputs &in,
                   const rt::LayerOutputs &got, bool skip_zeros = false);

// The layer tests' random inputs from `seed`: x non-negative with 30% zeros, then w, b, dy.
rt::LayerInputs random_inputs(const model::LayerSpec &s, uint64_t seed);

// Runs FP, EP and WG of one layer on one configuration (random data from `seed`) and checks
// each; `mem` sets latency, bandwidth and backpressure (its size is chosen here).
void check_layer(const std::string &config, model::LayerSpec s, uint64_t seed,
                 rt::AxiMemConfig mem = default_memory());

// check_layer on every configuration of the build; a build without any accelerator
// configuration fails instead of passing with nothing run.
void on_all(const model::LayerSpec &s, uint64_t seed,
            const rt::AxiMemConfig &mem = default_memory());

}  // namespace ganpu::test
