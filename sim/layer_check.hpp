// Runs one phase of a layer on the accelerator and checks it, in the same run, against the
// golden model (bit for bit) and the double-precision reference (within the error bound of
// docs/numerics.md) with rt::check_phase, the tests' check. The `layer`, `run` and
// `bench-dense` commands all report through it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/layer_check.hpp"
#include "runtime/layer_runner.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::sim {

struct PhaseRecord {
  std::string layer;           // the layer's name in its list, or the spec file
  std::string phase;           // "fp", "ep", "wg"
  std::string config;          // e.g. "4x4_fp16"
  uint64_t macs = 0;           // products PyTorch computes (WG: dW's plus db's additions)
  uint64_t cycles = 0;         // accelerator cycles, all jobs of the phase
  uint64_t ideal_cycles = 0;   // ceil(macs / PE count)
  double utilization_pct = 0;  // MACs performed / (cycles * PEs) * 100
  uint64_t busy_cycles = 0;
  uint64_t stall_cycles = 0;        // the sum of the four below
  uint64_t stall_load_cycles = 0;   // waiting for operands
  uint64_t stall_store_cycles = 0;  // waiting for the store unit
  uint64_t stall_setup_cycles = 0;  // tile setup not hidden
  uint64_t stall_drain_cycles = 0;  // the last tiles' writes
  uint64_t dram_read_bytes = 0;     // AXI read data (memory model)
  uint64_t dram_write_bytes = 0;    // AXI write data, strobed bytes (memory model)
  size_t jobs = 0;
  uint64_t elements = 0;       // output elements compared
  uint64_t mismatches = 0;     // bits differing from the golden model (elements + mask bits)
  uint64_t out_of_bound = 0;   // elements outside the double reference's error bound
  double max_error_ratio = 0;  // max |result - reference| / bound
  rt::JobStats counters;       // every performance counter, summed over the jobs
  std::string first_mismatch;  // description of the first mismatch, if any
  nlohmann::json to_json() const;
};

// Deterministic test inputs for a layer from a seed: ReLU-like x (non-negative, 50% zeros),
// w and b scaled by 1/sqrt(fan-in), dy normal, and the mask of the golden forward pass.
// Throws std::invalid_argument for a spec that LayerSpec::validate() rejects.
rt::LayerInputs random_inputs(const model::LayerSpec &s, uint64_t seed);

// Outputs of the golden model for the phase (now in runtime/layer_check.hpp).
using rt::golden_outputs;

// Runs the phase, compares, and fills a record. `outputs` receives the accelerator's results
// (may be null). check = false skips the comparisons (mismatches stay 0). skip_zeros runs it
// in sparse mode (OP.SKIP) and compares with the golden model of that mode.
PhaseRecord run_and_check(rt::Accelerator &acc, const std::string &config, const std::string &name,
                          const model::LayerSpec &s, model::Phase phase, const rt::LayerInputs &in,
                          bool check, rt::LayerOutputs *outputs = nullptr,
                          const rt::JobProgress &progress = {}, bool skip_zeros = false);

// A memory model big enough for the layer on this configuration, with the given timing.
rt::AxiMemConfig memory_for(const model::LayerSpec &s, const std::string &config,
                            unsigned latency_cycles, double bytes_per_cycle);

}  // namespace ganpu::sim
