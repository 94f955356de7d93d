// Runs one layer phase on the accelerator: lays the tensors out in its memory, compiles and
// runs the jobs, and reads the results back. Tests, ganpu-sim and benchmarks all use it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/accelerator.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::rt {

// Inputs of a phase (16-bit tensors in the layer's format). FP: x, w, b (if bias);
// EP: dy, w, mask; WG: x, dy, mask. mask has one 0/1 byte per y element.
struct LayerInputs {
  model::Tensor x, w, b, dy;
  std::vector<uint8_t> mask;
};

// Outputs of a phase. FP: y (16-bit) and mask; EP: dx (16-bit); WG: dw, db (FP32).
struct LayerOutputs {
  model::Tensor y, dx, dw, db;
  std::vector<uint8_t> mask;
};

struct LayerRunStats {
  JobStats total;  // summed over the jobs of the phase
  size_t jobs = 0;
};

// Called after each job with (jobs done, jobs in all).
using JobProgress = std::function<void(size_t, size_t)>;

// Throws std::invalid_argument for a layer the hardware cannot run and JobError for a job
// that fails or hangs. max_cycles_per_job bounds each job. skip_zeros runs the jobs with
// OP.SKIP (sparse mode; model::SumMode::skip_zeros gives the same results).
LayerOutputs run_layer(Accelerator &acc, const model::LayerSpec &s, model::Phase phase,
                       const LayerInputs &in, LayerRunStats *stats = nullptr,
                       const JobProgress &progress = {}, uint64_t max_cycles_per_job = 200'000'000,
                       bool skip_zeros = false);

// Bytes of accelerator memory run_layer needs for this layer.
uint64_t layer_memory_bytes(const model::LayerSpec &s, const HwConfig &hw);

// A phase laid out in accelerator memory from a base address on: its inputs written, its jobs
// compiled, not yet run. run_layer is stage_layer at base 0, the jobs one by one on core 0,
// then collect_layer; a queue program (runtime/phase_program.hpp) runs staged phases at once.
struct StagedPhase {
  model::LayerSpec spec;
  model::Phase phase = model::Phase::kForward;
  LayerAddrs addrs;
  std::vector<Job> jobs;
  uint64_t end = 0;  // first byte after its tensors
};

// Throws std::invalid_argument for wrong input shapes, a layer the hardware cannot run, or
// tensors beyond the memory. `cores`: the cores its jobs will be spread over (HwConfig::cores).
StagedPhase stage_layer(Accelerator &acc, const model::LayerSpec &s, model::Phase phase,
                        const LayerInputs &in, uint64_t base, bool skip_zeros = false,
                        int cores = 1);

// Reads a staged phase's outputs back after its jobs have run.
LayerOutputs collect_layer(Accelerator &acc, const StagedPhase &p);

}  // namespace ganpu::rt
