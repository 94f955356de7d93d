// Layer lists: the JSON files `ganpu-sim run` and `ganpu-sim bench-dense` read (sim/dcgan.json).
//
//   {
//     "name": "dcgan-small",      the list's name, printable       (default: the file's stem)
//     "description": "...",       free text                                           (optional)
//     "format": "fp16",           fp16 | bf16: the format the list is written for (default fp16);
//                                 a configuration of the other format runs it in its own
//     "batch": 2,                 one batch for every layer                            (required)
//     "layers": [                                                        (required, not empty)
//       {"name": "G.fc",          unique, printable                                    (required)
//        "network": "generator",  required on the first layer; later layers inherit it
//        "layer": "linear", ...}  the fields of a layer job file (runtime/layer_json.hpp) except
//     ]                           phase, format, batch, tensors and generate
//   }
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::sim {

using Json = nlohmann::ordered_json;  // keeps the file's order

struct ListLayer {
  std::string name;
  std::string network;
  Json fields;  // the layer's fields in the job-file format, without name and network
};

struct LayerList {
  std::string path;
  std::string name;
  std::string format;  // "fp16" or "bf16"
  int batch = 1;
  std::vector<ListLayer> layers;

  // "layers[2] (G.up2)", for messages.
  std::string where(size_t i) const {
    return "layers[" + std::to_string(i) + "] (" + layers[i].name + ")";
  }
};

// Reads and checks a layer list (rt::read_json_file), every layer through the job-file parser.
// Names (list, layers, networks) are printable: no control characters, which would break the
// table and the one-line messages. Throws InputError with a one-line message naming the file,
// the layer and the field.
LayerList read_layer_list(const std::string &path);

// The spec of layer i of a checked list, in the given format ("fp16" or "bf16").
model::LayerSpec layer_spec(const LayerList &list, size_t i, const std::string &format);

}  // namespace ganpu::sim
