#include "train/layer_executor.hpp"

#include "model/layer_model.hpp"
#include "runtime/layer_check.hpp"

namespace ganpu::train {

rt::LayerOutputs GoldenExecutor::run(const model::LayerSpec &s, model::Phase phase,
                                     const rt::LayerInputs &in, PhaseRun &rec) {
  uint64_t macs = 0;
  rt::LayerOutputs out = rt::golden_outputs(s, phase, in, model::SumMode{skip_, &macs});
  rec.macs = macs;
  return out;
}

rt::LayerOutputs AcceleratorExecutor::run(const model::LayerSpec &s, model::Phase phase,
                                          const rt::LayerInputs &in, PhaseRun &rec) {
  rt::LayerRunStats st;
  rec.start_cycle = acc_.cycle();
  rt::LayerOutputs out = rt::run_layer(acc_, s, phase, in, &st, {}, 200'000'000, skip_);
  rec.end_cycle = acc_.cycle();
  const rt::PhaseCheck c = rt::check_phase(s, phase, in, out, skip_);
  rec.counters = st.total;
  rec.macs = st.total.macs;
  rec.mismatches = c.mismatches;
  rec.out_of_bound = c.out_of_bound;
  rec.first_mismatch = c.first_mismatch;
  if (baseline_ && skip_) {
    rt::LayerRunStats dense;
    const rt::LayerOutputs d = rt::run_layer(acc_, s, phase, in, &dense, {}, 200'000'000, false);
    const rt::PhaseCheck dc = rt::check_phase(s, phase, in, d, false);
    rec.dense_cycles = dense.total.cycles;
    rec.mismatches += dc.mismatches;
    rec.out_of_bound += dc.out_of_bound;
    if (rec.first_mismatch.empty()) rec.first_mismatch = dc.first_mismatch;
  }
  return out;
}

}  // namespace ganpu::train
