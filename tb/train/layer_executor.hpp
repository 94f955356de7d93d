// Where the trainer's layer phases run: on the Verilated accelerator (every result checked bit
// for bit against the golden model in the same call) or on the golden model alone (the
// "golden trainer" that the accelerator's trajectory must equal).
#pragma once

#include <cstdint>
#include <string>

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
  uint64_t dense_cycles = 0;  // accelerator with a dense baseline: the same phase in dense mode
  double in_zero_pct = 0;     // zeros of the A-side operand (FP x, EP dz, WG x)
  double in2_zero_pct = 0;    // WG: zeros of dz
  double out_zero_pct = -1;   // FP with an activation: mask bits 0 (ReLU: zero outputs; LeakyReLU:
                              // negative ones); -1 otherwise
  uint64_t mismatches = 0;    // bits differing from the golden model
  uint64_t out_of_bound = 0;  // elements outside the double reference's bound
  std::string first_mismatch;
};

class LayerExecutor {
 public:
  virtual ~LayerExecutor() = default;
  // Runs the phase; fills rec's macs, counters, mismatches (the caller fills the rest).
  virtual rt::LayerOutputs run(const model::LayerSpec &s, model::Phase phase,
                               const rt::LayerInputs &in, PhaseRun &rec) = 0;
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

// The accelerator, checked against the golden model of its mode. While the dense baseline is
// on, every phase runs a second time in dense mode for its cycles (also checked; its results
// are not used).
class AcceleratorExecutor : public LayerExecutor {
 public:
  AcceleratorExecutor(rt::Accelerator &acc, bool skip_zeros) : acc_(acc), skip_(skip_zeros) {}
  void set_dense_baseline(bool on) { baseline_ = on; }
  rt::LayerOutputs run(const model::LayerSpec &s, model::Phase phase, const rt::LayerInputs &in,
                       PhaseRun &rec) override;
  bool skip_zeros() const override { return skip_; }

 private:
  rt::Accelerator &acc_;
  bool skip_;
  bool baseline_ = false;
};

}  // namespace ganpu::train
