// The check of a phase's results from the accelerator: bit for bit against the golden model
// (tb/model/layer_model.hpp), and within the error bound of docs/numerics.md around the double
// reference (tb/model/layer_reference.hpp). ganpu-sim and the layer tests both count and
// report through it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/layer_model.hpp"
#include "runtime/layer_runner.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::rt {

// One output of a phase: a tensor ("y", "dx", "dw", "db") or the ReLU mask ("mask").
struct OutputCheck {
  std::string name;
  uint64_t elements = 0;           // elements (mask: bits) compared with the golden model
  uint64_t mismatches = 0;         // of them differing from it, plus any difference in count
  uint64_t bound_checked = 0;      // elements compared with the reference (none for the mask)
  uint64_t out_of_bound = 0;       // of them outside their bound
  double max_error_ratio = 0;      // max |result - reference| / bound
  std::string first_mismatch;      // e.g. "y[12]: accelerator 3c00, golden model 3c01"
  std::string first_out_of_bound;  // "y: " and the reference check's description
};

// All outputs of a phase, and their totals.
struct PhaseCheck {
  std::vector<OutputCheck> outputs;  // FP: y (and mask with an activation); EP: dx; WG: dw, db
  uint64_t elements = 0;             // tensor elements compared (mask bits not included)
  uint64_t mismatches = 0;           // tensor elements and mask bits
  uint64_t out_of_bound = 0;
  double max_error_ratio = 0;
  std::string first_mismatch;  // the first output's first mismatch, if any
  std::string first_out_of_bound;
};

// Outputs of the golden model for the phase, for comparison and for writing files; m as the
// accelerator ran (skip_zeros: run_layer's), and m.macs, if set, counts its MACs.
LayerOutputs golden_outputs(const model::LayerSpec &s, model::Phase phase, const LayerInputs &in,
                            const model::SumMode &m = {});

// Compares the accelerator's outputs `got` of the phase run on `in` (skipping zeros or not)
// with the golden model's and the reference's.
PhaseCheck check_phase(const model::LayerSpec &s, model::Phase phase, const LayerInputs &in,
                       const LayerOutputs &got, bool skip_zeros = false);

}  // namespace ganpu::rt
