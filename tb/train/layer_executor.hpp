// Where the trainer's layer phases run: on the Verilated accelerator (every result checked bit
// for bit against the golden model in the same call) or on the golden model alone (the
// "golden trainer" that the accelerator's trajectory must equal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/accelerator.hpp"
#include "runtime/layer_runner.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::train {

// One phase of one layer as the trainer ran it.
struct PhaseRun {
  std::string layer;  // e.g. "D.conv2"
  model::Phase phase = model::Phase::kForward;
  std::string pass;         // "D step" or "G step": which update it belongs to
  uint64_t dense_macs = 0;  // MACs of dense mode (LayerSpec::macs; WG adds db's sums)
  uint64_t macs = 0;        // terms accumulated (the MACS counter; the model's count)
  rt::JobStats counters;    // accelerator only: every counter, summed over the jobs
  // Accelerator only: its clock when the phase's first job started and when its last ended
  // (the host's register writes between jobs included), for the timeline.
  uint64_t start_cycle = 0, end_cycle = 0;
  // Queue programs: every job as a core ran it (core, start, end of the accelerator's clock).
  struct Span {
    int core = 0;
    uint64_t start = 0, end = 0;
  };
  std::vector<Span> spans;
  uint64_t dense_cycles = 0;  // accelerator with a dense baseline: the same phase in dense mode
  double in_zero_pct = 0;     // zeros of the A-side operand (FP x, EP dz, WG x)
  double in2_zero_pct = 0;    // WG: zeros of dz
  double out_zero_pct = -1;   // FP with an activation: mask bits 0 (ReLU: zero outputs; LeakyReLU:
                              // negative ones); -1 otherwise
  uint64_t mismatches = 0;    // bits differing from the golden model
  uint64_t out_of_bound = 0;  // elements outside the double reference's bound
  std::string first_mismatch;
};

// One phase of a group: independent phases that may run at once (docs/astm.md).
struct PhaseCall {
  const model::LayerSpec *spec = nullptr;
  model::Phase phase = model::Phase::kForward;
  rt::LayerInputs in;
  int queue = 0;  // the network's command queue: 0 generator, 1 discriminator
  PhaseRun rec;   // filled as run() fills it
  rt::LayerOutputs out;
};

// What a group cost the accelerator: cycles from its start to its end (phases that overlap
// count once), and those of the same group in dense mode with the dense baseline on.
struct GroupCycles {
  uint64_t cycles = 0, dense_cycles = 0;
  // With the baseline on and a multiplexing other than temporal: the same group in temporal
  // multiplexing (same sparse mode).
  uint64_t temporal_cycles = 0;
  // Per core over the group: cycles its array issued, and bytes moved (all cores' sum).
  uint64_t busy_core_cycles = 0, dram_bytes = 0;
};

class LayerExecutor {
 public:
  virtual ~LayerExecutor() = default;
  // Runs the phase; fills rec's macs, counters, mismatches (the caller fills the rest).
  virtual rt::LayerOutputs run(const model::LayerSpec &s, model::Phase phase,
                               const rt::LayerInputs &in, PhaseRun &rec) = 0;
  // Runs independent phases, filling each call's out and rec. By default one after another.
  virtual GroupCycles run_group(std::vector<PhaseCall> &calls);
  virtual bool skip_zeros() const = 0;
};

// The golden model in the accelerator's mode (skip_zeros: OP.SKIP).
class GoldenExecutor : public LayerExecutor {
 public:
  explicit GoldenExecutor(bool skip_zeros) : skip_(skip_zeros) {}
  rt::LayerOutputs run(const model::LayerSpec &s, model::Phase phase, const rt::LayerInputs &in,
                       PhaseRun &rec) override;
  bool skip_zeros() const override { return skip_; }

 private:
  bool skip_;
};

// How the accelerator executor multiplexes its cores (docs/astm.md): kDirect runs every job
// on core 0 through the descriptor registers; the others run each group as a queue program.
enum class Multiplexing { kDirect, kTemporal, kSpatial, kAdaptive };
const char *to_string(Multiplexing m);
// "direct", "temporal", "spatial", "adaptive"; nullopt for anything else.
std::optional<Multiplexing> parse_multiplexing(const std::string &name);

// The accelerator, checked against the golden model of its mode. While the baseline is on,
// every phase (or group) runs a second time in dense mode for its cycles, and a group of a
// queue program a third time in temporal multiplexing (all checked; their results are not
// used).
class AcceleratorExecutor : public LayerExecutor {
 public:
  AcceleratorExecutor(rt::Accelerator &acc, bool skip_zeros,
                      Multiplexing mux = Multiplexing::kDirect)
      : acc_(acc), skip_(skip_zeros), mux_(mux) {}
  void set_dense_baseline(bool on) { baseline_ = on; }
  rt::LayerOutputs run(const model::LayerSpec &s, model::Phase phase, const rt::LayerInputs &in,
                       PhaseRun &rec) override;
  GroupCycles run_group(std::vector<PhaseCall> &calls) override;
  bool skip_zeros() const override { return skip_; }
  Multiplexing multiplexing() const { return mux_; }

 private:
  // One queue program of the group in `mux`; with fill, its outputs and records too.
  uint64_t run_program(std::vector<PhaseCall> &calls, Multiplexing mux, bool skip, bool fill,
                       GroupCycles *totals);
  rt::Accelerator &acc_;
  bool skip_;
  Multiplexing mux_;
  bool baseline_ = false;
};

}  // namespace ganpu::train
