#include "layer_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

#include "model/layer_model.hpp"
#include "runtime/layer_check.hpp"
#include "runtime/random_tensor.hpp"

namespace ganpu::sim {

namespace {

using model::LayerSpec;
using model::Phase;

}  // namespace

nlohmann::json PhaseRecord::to_json() const {
  return {{"layer", layer},
          {"phase", phase},
          {"config", config},
          {"macs", macs},
          {"cycles", cycles},
          {"ideal_cycles", ideal_cycles},
          {"utilization_pct", utilization_pct},
          {"busy_cycles", busy_cycles},
          {"stall_cycles", stall_cycles},
          {"stall_load_cycles", stall_load_cycles},
          {"stall_store_cycles", stall_store_cycles},
          {"stall_setup_cycles", stall_setup_cycles},
          {"stall_drain_cycles", stall_drain_cycles},
          {"dram_read_bytes", dram_read_bytes},
          {"dram_write_bytes", dram_write_bytes},
          {"jobs", jobs},
          {"elements_checked", elements},
          {"mismatches", mismatches},
          {"out_of_bound", out_of_bound},
          {"max_error_ratio", max_error_ratio},
          {"first_mismatch", first_mismatch}};
}

rt::LayerInputs random_inputs(const LayerSpec &s, uint64_t seed) {
  const std::string problem = s.validate();
  if (!problem.empty()) throw std::invalid_argument("random_inputs: " + problem);
  std::mt19937_64 rng(seed);
  // In 64 bits: an int product could overflow for a spec that has not been validated.
  const int64_t fan_in =
      int64_t{s.type == model::LayerType::kConvTranspose2d ? s.out_channels : s.in_channels} *
      s.kernel_h * s.kernel_w;
  const float ws = 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(fan_in, 1)));
  rt::LayerInputs in;
  using rt::random_tensor;
  in.x = random_tensor(s.x_shape(), s.format, rng, 1.0f, 0.5, true);
  in.w = random_tensor(s.w_shape(), s.format, rng, ws, 0.0, false);
  in.b = random_tensor(s.b_shape(), s.format, rng, 0.1f, 0.0, false);
  in.dy = random_tensor(s.y_shape(), s.format, rng, 1.0f, 0.0, false);
  in.mask = model::forward(s, in.x, in.w, s.bias ? &in.b : nullptr).mask;
  return in;
}

PhaseRecord run_and_check(rt::Accelerator &acc, const std::string &config, const std::string &name,
                          const LayerSpec &s, Phase phase, const rt::LayerInputs &in, bool check,
                          rt::LayerOutputs *outputs, const rt::JobProgress &progress,
                          bool skip_zeros) {
  const rt::HwConfig hw = acc.config();
  PhaseRecord r;
  r.layer = name;
  r.phase = model::to_string(phase);
  r.config = config;
  r.macs = s.macs(phase);
  if (phase == Phase::kWeightGrad) {
    r.macs += static_cast<uint64_t>(s.batch) * s.out_channels * s.out_h() * s.out_w();
  }
  const uint64_t pes = static_cast<uint64_t>(hw.pe_rows) * hw.pe_cols;
  r.ideal_cycles = (r.macs + pes - 1) / pes;

  const uint64_t rd0 = acc.mem().bytes_read(), wr0 = acc.mem().bytes_written();
  rt::LayerRunStats st;
  rt::LayerOutputs out = rt::run_layer(acc, s, phase, in, &st, progress, 200'000'000, skip_zeros);
  r.cycles = st.total.cycles;
  r.busy_cycles = st.total.busy_cycles;
  r.stall_cycles = st.total.stall_cycles;
  r.stall_load_cycles = st.total.stall_load;
  r.stall_store_cycles = st.total.stall_store;
  r.stall_setup_cycles = st.total.stall_setup;
  r.stall_drain_cycles = st.total.stall_drain;
  r.counters = st.total;
  r.jobs = st.jobs;
  r.dram_read_bytes = acc.mem().bytes_read() - rd0;
  r.dram_write_bytes = acc.mem().bytes_written() - wr0;
  r.utilization_pct =
      r.cycles ? 100.0 * static_cast<double>(st.total.macs) / (static_cast<double>(r.cycles) * pes)
               : 0.0;

  if (check) {
    const rt::PhaseCheck c = rt::check_phase(s, phase, in, out, skip_zeros);
    r.elements = c.elements;
    r.mismatches = c.mismatches;
    r.out_of_bound = c.out_of_bound;
    r.max_error_ratio = c.max_error_ratio;
    r.first_mismatch = c.first_mismatch;
  }
  if (outputs) *outputs = std::move(out);
  return r;
}

rt::AxiMemConfig memory_for(const LayerSpec &s, const std::string &config, unsigned latency_cycles,
                            double bytes_per_cycle) {
  rt::AxiMemConfig mem;
  mem.latency_cycles = latency_cycles;
  mem.bytes_per_cycle = bytes_per_cycle;
  // The configuration's buffers decide the layout only through the mask size, which does not
  // depend on them; a 4x4 probe is enough to size the memory.
  rt::HwConfig hw;
  (void)config;
  mem.size = rt::layer_memory_bytes(s, hw) + 4096;
  return mem;
}

}  // namespace ganpu::sim
