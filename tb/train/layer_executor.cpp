#include "train/layer_executor.hpp"

#include <algorithm>
#include <cmath>

#include "model/layer_model.hpp"
#include "runtime/layer_check.hpp"
#include "runtime/phase_program.hpp"

namespace ganpu::train {

const char *to_string(Multiplexing m) {
  switch (m) {
    case Multiplexing::kDirect:
      return "direct";
    case Multiplexing::kTemporal:
      return "temporal";
    case Multiplexing::kSpatial:
      return "spatial";
    case Multiplexing::kAdaptive:
      return "adaptive";
  }
  return "?";
}

std::optional<Multiplexing> parse_multiplexing(const std::string &name) {
  for (const Multiplexing m : {Multiplexing::kDirect, Multiplexing::kTemporal,
                               Multiplexing::kSpatial, Multiplexing::kAdaptive}) {
    if (name == to_string(m)) return m;
  }
  return std::nullopt;
}

GroupCycles LayerExecutor::run_group(std::vector<PhaseCall> &calls) {
  GroupCycles g;
  for (PhaseCall &c : calls) {
    c.out = run(*c.spec, c.phase, c.in, c.rec);
    g.cycles += c.rec.counters.cycles;
    g.dense_cycles += c.rec.dense_cycles;
    g.busy_core_cycles += c.rec.counters.busy_cycles;
    g.dram_bytes += c.rec.counters.rd_bytes + c.rec.counters.wr_bytes;
  }
  return g;
}

rt::LayerOutputs GoldenExecutor::run(const model::LayerSpec &s, model::Phase phase,
                                     const rt::LayerInputs &in, PhaseRun &rec) {
  uint64_t macs = 0;
  rt::LayerOutputs out = rt::golden_outputs(s, phase, in, model::SumMode{skip_, &macs});
  rec.macs = macs;
  return out;
}

rt::LayerOutputs AcceleratorExecutor::run(const model::LayerSpec &s, model::Phase phase,
                                          const rt::LayerInputs &in, PhaseRun &rec) {
  if (mux_ != Multiplexing::kDirect) {
    std::vector<PhaseCall> one(1);
    one[0].spec = &s;
    one[0].phase = phase;
    one[0].in = in;
    one[0].rec = std::move(rec);
    run_group(one);
    rec = std::move(one[0].rec);
    return std::move(one[0].out);
  }
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

GroupCycles AcceleratorExecutor::run_group(std::vector<PhaseCall> &calls) {
  if (mux_ == Multiplexing::kDirect) return LayerExecutor::run_group(calls);
  GroupCycles g;
  g.cycles = run_program(calls, mux_, skip_, true, &g);
  if (baseline_ && skip_) g.dense_cycles = run_program(calls, mux_, false, false, nullptr);
  if (baseline_ && mux_ != Multiplexing::kTemporal) {
    g.temporal_cycles = run_program(calls, Multiplexing::kTemporal, skip_, false, nullptr);
  }
  return g;
}

uint64_t AcceleratorExecutor::run_program(std::vector<PhaseCall> &calls, Multiplexing mux,
                                          bool skip, bool fill, GroupCycles *totals) {
  const int n = acc_.cores();
  std::vector<rt::StagedPhase> staged;
  staged.reserve(calls.size());
  uint64_t base = 0;
  for (const PhaseCall &c : calls) {
    staged.push_back(rt::stage_layer(acc_, *c.spec, c.phase, c.in, base, skip, n));
    base = staged.back().end;
  }
  std::vector<rt::ProgramPhase> pp;
  // Where each phase's jobs are in its queue.
  std::vector<std::pair<int, uint32_t>> first(calls.size());
  std::array<uint32_t, rt::kNumQueues> count{};
  for (size_t i = 0; i < calls.size(); ++i) {
    rt::ProgramPhase p;
    p.phase = &staged[i];
    p.queue = calls[i].queue;
    // TEMPORAL: one phase at a time. ADAPTIVE: the phases of a group at once, each job on
    // whichever core is free (docs/astm.md says why not a split). SPATIAL: each network's
    // phases at once on its half of the cores.
    p.fence = mux == Multiplexing::kTemporal;
    pp.push_back(p);
    first[i] = {p.queue, count[p.queue]};
    count[p.queue] += static_cast<uint32_t>(staged[i].jobs.size());
  }
  const regs::AstmMode mode = mux == Multiplexing::kTemporal  ? regs::AstmMode::kTemporal
                              : mux == Multiplexing::kSpatial ? regs::AstmMode::kSpatial
                                                              : regs::AstmMode::kAdaptive;
  // SPATIAL: the lower half of the cores to the generator's queue, for the whole run.
  const uint8_t split = static_cast<uint8_t>((1u << std::max(1, n / 2)) - 1);
  const rt::QueueProgram prog = rt::build_program(pp, mode, n >= 2 ? split : 0);
  const uint64_t records = (base + 63) & ~uint64_t{63};
  const rt::ProgramStats st = acc_.run_program(prog, static_cast<uint32_t>(records), 200'000'000);

  uint64_t model_macs = 0, hw_macs = 0;
  for (const auto &c : st.cores) hw_macs += c.macs;
  for (size_t i = 0; i < calls.size(); ++i) {
    PhaseCall &c = calls[i];
    rt::LayerOutputs out = rt::collect_layer(acc_, staged[i]);
    const rt::PhaseCheck chk = rt::check_phase(*c.spec, c.phase, c.in, out, skip);
    uint64_t macs = 0;
    rt::golden_outputs(*c.spec, c.phase, c.in, model::SumMode{skip, &macs});
    model_macs += macs;
    c.rec.mismatches += chk.mismatches;
    c.rec.out_of_bound += chk.out_of_bound;
    if (c.rec.first_mismatch.empty()) c.rec.first_mismatch = chk.first_mismatch;
    if (!fill) continue;
    c.out = std::move(out);
    c.rec.macs = macs;
    c.rec.spans.clear();
    uint64_t lo = UINT64_MAX, hi = 0;
    const uint32_t end = first[i].second + static_cast<uint32_t>(staged[i].jobs.size());
    for (const rt::JobSpan &s : st.spans) {
      if (s.queue != first[i].first || s.index < first[i].second || s.index >= end) continue;
      c.rec.spans.push_back({s.core, s.start, s.end});
      lo = std::min(lo, s.start);
      hi = std::max(hi, s.end);
    }
    c.rec.start_cycle = lo == UINT64_MAX ? st.start_cycle : lo;
    c.rec.end_cycle = hi ? hi : st.start_cycle;
    c.rec.counters = {};
    c.rec.counters.cycles = c.rec.end_cycle - c.rec.start_cycle;
  }
  // The cores' MAC counters against the model's count of the same jobs.
  if (hw_macs != model_macs && !calls.empty()) {
    calls[0].rec.mismatches += 1;
    if (calls[0].rec.first_mismatch.empty()) {
      calls[0].rec.first_mismatch = "the cores counted " + std::to_string(hw_macs) +
                                    " MACs, the model " + std::to_string(model_macs);
    }
  }
  if (totals) {
    for (const auto &c : st.cores) {
      totals->busy_core_cycles += c.busy;
      totals->dram_bytes += c.rd_bytes + c.wr_bytes;
    }
  }
  return st.cycles;
}

}  // namespace ganpu::train
