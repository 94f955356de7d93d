// Layer lists; see layer_list.hpp.
#include "layer_list.hpp"

#include <climits>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <utility>

#include "runtime/layer_json.hpp"

namespace ganpu::sim {

namespace {

std::string type_of(const Json &v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "the number " + v.dump();
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  return "a string";
}

// The file through the job files' reader: size and nesting bounded, repeated keys refused.
Json parse_json_file(const std::string &path) {
  try {
    return rt::read_json_file(path);
  } catch (const rt::SpecError &e) {
    throw InputError(e.what());
  }
}

// A name as a string of printable characters (a control character would break the table and
// the messages); `fail` reports "FIELD: ...".
std::string name_of(const Json &v, const std::string &field,
                    const std::function<void(const std::string &)> &fail) {
  if (!v.is_string() || v.get<std::string>().empty())
    fail(field + ": expected a non-empty string, got " + type_of(v));
  const std::string name = v.get<std::string>();
  for (const char c : name)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      fail(field + ": must not contain control characters, got \"" + one_line(name) + "\"");
  return name;
}

// The spec of layer i in the given format. The fields go through the job-file parser
// (rt::parse_layer_json_object), so a layer of the list accepts and checks exactly what a
// `ganpu-sim layer` spec does; its messages name the list and the layer.

}  // namespace

model::LayerSpec layer_spec(const LayerList &list, size_t i, const std::string &format) {
  Json job = list.layers[i].fields;
  job["phase"] = "fp";
  job["format"] = format;
  job["batch"] = list.batch;
  try {
    return rt::parse_layer_json_object(job, list.path + ": " + list.where(i)).spec;
  } catch (const rt::SpecError &e) {
    throw InputError(e.what());
  }
}

LayerList read_layer_list(const std::string &path) {
  const Json root = parse_json_file(path);
  const auto fail = [&](const std::string &msg) { throw InputError(path + ": " + msg); };
  if (!root.is_object()) fail("the top level must be a JSON object, got " + type_of(root));
  const std::set<std::string> top = {"name", "description", "format", "batch", "layers"};
  for (const auto &item : root.items()) {
    if (top.count(item.key()) == 0) {
      fail("unknown field '" + item.key() +
           "' (a layer list has name, description, format, batch and layers)");
    }
  }

  LayerList list;
  list.path = path;
  list.name = std::filesystem::path(path).stem().string();
  if (root.contains("name")) list.name = name_of(root.at("name"), "name", fail);
  if (root.contains("description") && !root.at("description").is_string())
    fail("description: expected a string, got " + type_of(root.at("description")));
  list.format = "fp16";
  if (root.contains("format")) {
    const Json &v = root.at("format");
    if (!v.is_string()) fail("format: expected a string, got " + type_of(v));
    list.format = v.get<std::string>();
    if (list.format != "fp16" && list.format != "bf16")
      fail("format: unknown format '" + list.format + "' (expected fp16, bf16)");
  }
  if (!root.contains("batch")) fail("missing field 'batch'");
  {
    const Json &v = root.at("batch");
    if (!v.is_number_integer()) fail("batch: expected an integer, got " + type_of(v));
    const bool in_range = v.is_number_unsigned()
                              ? v.get<uint64_t>() >= 1 && v.get<uint64_t>() <= INT_MAX
                              : v.get<int64_t>() >= 1 && v.get<int64_t>() <= INT_MAX;
    if (!in_range)
      fail("batch: must be between 1 and " + std::to_string(INT_MAX) + ", got " + v.dump());
    list.batch = v.get<int>();
  }
  if (!root.contains("layers")) fail("missing field 'layers'");
  const Json &layers = root.at("layers");
  if (!layers.is_array()) fail("layers: expected an array of layers, got " + type_of(layers));
  if (layers.empty()) fail("layers: the list has no layer");

  std::set<std::string> names;
  std::string network;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Json &l = layers[i];
    std::string at = "layers[" + std::to_string(i) + "]";
    if (!l.is_object()) fail(at + ": expected an object (one layer), got " + type_of(l));
    if (!l.contains("name")) fail(at + ": missing field 'name'");
    ListLayer layer;
    layer.name = name_of(l.at("name"), at + ": name", fail);
    at += " (" + layer.name + ")";
    if (!names.insert(layer.name).second) fail(at + ": name: '" + layer.name + "' is used twice");
    if (l.contains("network")) {
      network = name_of(l.at("network"), at + ": network", fail);
    } else if (network.empty()) {
      fail(at +
           ": missing field 'network' (the first layer names its network; the layers "
           "after it inherit it)");
    }
    layer.network = network;
    for (const auto &item : l.items()) {
      const std::string &key = item.key();
      if (key == "format" || key == "batch")
        fail(at + ": " + key + ": set once, at the top level of the list");
      if (key == "phase") fail(at + ": phase: the list runs every layer in all three phases");
      if (key == "tensors" || key == "generate")
        fail(at + ": " + key + ": the inputs are random, from the seed");
      if (key != "name" && key != "network") layer.fields[key] = item.value();
    }
    list.layers.push_back(std::move(layer));
  }
  for (size_t i = 0; i < list.layers.size(); ++i) (void)layer_spec(list, i, list.format);
  return list;
}

}  // namespace ganpu::sim
