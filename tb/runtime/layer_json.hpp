// Layer job files: the JSON that `ganpu-sim layer SPEC.json` reads.
//
//   {
//     "layer": "conv2d",          conv2d | conv_transpose2d | linear            (required)
//     "phase": "fp",              fp | ep | wg                                   (required)
//     "format": "fp16",           fp16 | bf16                                    (default fp16)
//     "batch": 2,                                                                (required)
//     "in_channels": 3,           linear: or "in_features"                       (required)
//     "out_channels": 8,          linear: or "out_features"                      (required)
//     "input_size": [9, 9],       H, W of x; an integer means square      (required, conv only)
//     "kernel_size": 3,           integer or [kh, kw]                     (required, conv only)
//     "stride": 2,                integer or pair                         (default 1, conv only)
//     "padding": 1,               integer or pair                         (default 0, conv only)
//     "output_padding": 0,        integer or pair               (default 0, conv_transpose2d only)
//     "bias": true,                                                              (default false)
//     "activation": "relu",       none | relu | leaky_relu                       (default none)
//     "negative_slope": 0.2,      used by leaky_relu only; rounded to the format (RNE)
//                                                                               (default 0.01)
//     "dilation": 1, "groups": 1, "padding_mode": "zeros"
//                                 torch.nn's fields, accepted at their defaults only
//     "tensors": {"x": "x.npy", "w": "w.npy"}   optional; relative to the JSON file's folder
//     "generate": ["b"]           tensors generated from the seed although "tensors" is given
//   }
//
// A linear layer may give the conv-only fields only with their default values (input_size
// and kernel_size 1). The tensors a phase reads: fp x, w and b (b only with bias); ep dy, w,
// mask; wg x, dy, mask (the mask only after an activation: without one it is not needed, but
// may be given). Without "tensors" all of them are generated from the seed; with it, every
// one needed must be named in "tensors" or in "generate" (no tensor is generated silently).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/fp_model.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::rt {

// A bad job file; the message names the file and the field.
class SpecError : public std::runtime_error {
 public:
  explicit SpecError(const std::string &msg) : std::runtime_error(msg) {}
};

struct LayerJob {
  model::LayerSpec spec;
  model::Phase phase = model::Phase::kForward;
  // Tensor name ("x", "w", "b", "dy", "mask") -> path: absolute, or relative to the current
  // directory (a relative path in the file is taken relative to the file's folder).
  std::map<std::string, std::string> tensor_paths;
  // negative_slope as the file gives it (or PyTorch's default 0.01), and whether it is a value
  // of the format (spec.negative_slope holds it rounded); meaningful for leaky_relu only.
  double negative_slope_given = 0.01;
  bool negative_slope_exact = false;
};

// Limits of read_json_file: a spec or a layer list is a few kB and a few levels deep.
constexpr size_t kMaxJsonFileBytes = size_t{16} << 20;
constexpr size_t kMaxJsonDepth = 32;

// Reads a JSON file (a job file or a layer list): at most kMaxJsonFileBytes, arrays and
// objects nested at most kMaxJsonDepth deep, no key twice in an object. Throws SpecError
// naming the file (and the place of a duplicate key: "layers[2]: duplicate field 'name'").
nlohmann::ordered_json read_json_file(const std::string &path);

// Reads and checks a job file, including LayerSpec::validate(). Throws SpecError.
LayerJob parse_layer_json(const std::string &path);

// The same checks on a job already parsed (e.g. one layer of a layer list): every message
// starts with `where` instead of the file's path ("list.json: layers[2] (G.up2): stride: ...").
// Relative tensor paths are taken relative to base_dir (parse_layer_json: the file's folder).
LayerJob parse_layer_json_object(const nlohmann::ordered_json &root, const std::string &where,
                                 const std::string &base_dir = "");

// The job's fields in the file's format (no "tensors"); linear layers get in_features and
// out_features and no spatial fields. parse_layer_json reads it back to the same spec.
nlohmann::json spec_to_json(const model::LayerSpec &s, model::Phase p);

// The names used in job files: "conv2d", "fp", "fp16", "leaky_relu".
const char *layer_json_name(model::LayerType t);
const char *phase_json_name(model::Phase p);
const char *format_json_name(fp::Format f);  // "fp16", "bf16", else "unknown"
const char *act_json_name(fp::Act a);

struct TensorRole {
  std::string name;
  // false: the phase does not use it (EP/WG's mask without an activation); it may be given,
  // and is then read and checked, but need not be.
  bool needed = true;
};
// The tensors a phase reads, in order: fp x, w (+ b with bias); ep dy, w, mask;
// wg x, dy, mask (needed only with an activation).
std::vector<TensorRole> phase_tensors(model::Phase p, bool bias, fp::Act activation);

}  // namespace ganpu::rt
