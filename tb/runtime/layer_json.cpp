// Layer job files; see layer_json.hpp.

#include "runtime/layer_json.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/npy.hpp"

namespace ganpu::rt {

namespace {

using Json = nlohmann::ordered_json;  // keeps the file's order, so errors follow it

// The last three are torch.nn's conv fields, which a spec dumped from a module has: only their
// defaults are accepted (read_torch_defaults).
const std::vector<std::string> kFields = {
    "layer",          "phase",       "format",         "batch",      "in_channels",
    "out_channels",   "in_features", "out_features",   "input_size", "kernel_size",
    "stride",         "padding",     "output_padding", "bias",       "activation",
    "negative_slope", "tensors",     "generate",       "dilation",   "groups",
    "padding_mode",
};

size_t edit_distance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string first_word(const std::string &s) {
  std::string w = s.substr(0, s.find('_'));
  for (char &c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return w;
}

// The known field closest to an unknown one: within edit distance 2, or else the only field
// whose first word ("kernel" of "kernel_size") is the unknown name's first word. "" if none.
std::string suggest(const std::string &unknown) {
  std::string best;
  size_t best_d = 3;
  for (const std::string &f : kFields) {
    const size_t d = edit_distance(unknown, f);
    if (d < best_d) {
      best_d = d;
      best = f;
    }
  }
  if (!best.empty()) return best;
  std::vector<std::string> same_word;
  for (const std::string &f : kFields)
    if (first_word(f) == first_word(unknown)) same_word.push_back(f);
  return same_word.size() == 1 ? same_word[0] : "";
}

std::string type_of(const Json &v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "non-integer number " + v.dump();
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array of " + std::to_string(v.size()) + (v.size() == 1 ? " element" : " elements");
    case Json::value_t::object:
      return "object";
    default:
      return "unsupported value";
  }
}

// Reads the fields of one job file; every error names the file and the field.
class Reader {
 public:
  Reader(std::string file, const Json &root) : file_(std::move(file)), root_(root) {}

  [[noreturn]] void fail(const std::string &msg) const { throw SpecError(file_ + ": " + msg); }
  [[noreturn]] void fail(const std::string &field, const std::string &msg) const {
    fail(field + ": " + msg);
  }

  bool has(const std::string &field) const { return root_.contains(field); }
  const Json &at(const std::string &field) const { return root_.at(field); }

  std::string string_of(const std::string &field) const {
    const Json &v = at(field);
    if (!v.is_string()) fail(field, "expected a string, got " + type_of(v));
    return v.get<std::string>();
  }

  bool bool_of(const std::string &field) const {
    const Json &v = at(field);
    if (!v.is_boolean()) fail(field, "expected true or false, got " + type_of(v));
    return v.get<bool>();
  }

  // An integer in [min, INT_MAX].
  int int_of(const std::string &field, const Json &v, int min, const std::string &expected) const {
    if (!v.is_number_integer()) fail(field, "expected " + expected + ", got " + type_of(v));
    const bool negative = v.is_number_unsigned() ? false : v.get<int64_t>() < 0;
    if (!negative &&
        (v.is_number_unsigned() ? v.get<uint64_t>() > INT_MAX : v.get<int64_t>() > INT_MAX))
      fail(field, v.dump() + " is out of range");
    const int64_t x =
        v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
    if (x < min)
      fail(field, min == 0 ? "must not be negative, got " + v.dump()
                           : "must be at least " + std::to_string(min) + ", got " + v.dump());
    return static_cast<int>(x);
  }
  int int_of(const std::string &field, int min) const {
    return int_of(field, at(field), min, "an integer");
  }

  // An integer (both values) or a pair of integers.
  std::pair<int, int> pair_of(const std::string &field, int min) const {
    const Json &v = at(field);
    const std::string expected = "an integer or a pair of integers";
    if (v.is_array()) {
      if (v.size() != 2) fail(field, "expected " + expected + ", got " + type_of(v));
      for (const Json &e : v)
        if (!e.is_number_integer())
          fail(field, "expected " + expected + ", got an array containing " + type_of(e));
      return {int_of(field, v[0], min, expected), int_of(field, v[1], min, expected)};
    }
    const int x = int_of(field, v, min, expected);
    return {x, x};
  }

  // One of `names`; returns its index.
  size_t choice_of(const std::string &field, const std::string &what,
                   const std::vector<std::string> &names) const {
    const std::string s = string_of(field);
    for (size_t i = 0; i < names.size(); ++i)
      if (s == names[i]) return i;
    std::string list;
    for (const std::string &n : names) list += (list.empty() ? "" : ", ") + n;
    fail(field, "unknown " + what + " '" + s + "' (expected " + list + ")");
  }

  // A required field under `name`, or under its alias (not both).
  std::string aliased(const std::string &name, const std::string &alias, bool alias_allowed,
                      const std::string &layer) const {
    if (has(alias) && !alias_allowed)
      fail(alias, "only for linear layers (a " + layer + " layer uses '" + name + "')");
    if (has(alias) && has(name))
      fail(alias, "given together with '" + name + "' (the two name the same field)");
    if (has(alias)) return alias;
    if (has(name)) return name;
    fail(alias_allowed ? "missing field '" + alias + "' (or '" + name + "')"
                       : "missing field '" + name + "'");
  }

  const std::string &file() const { return file_; }

 private:
  std::string file_;
  const Json &root_;
};

// The text of a JSON file, at most kMaxJsonFileBytes of it: a spec or a layer list is a few
// kB, and a device such as /dev/zero never ends.
std::string read_text(const std::string &path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw SpecError(path + ": cannot open: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(path + ": cannot open: " + std::strerror(errno));
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxJsonFileBytes)
      throw SpecError(path + ": larger than " + std::to_string(kMaxJsonFileBytes >> 20) +
                      " MiB, not a spec or a layer list");
  }
  if (in.bad()) throw SpecError(path + ": read error");
  return text;
}

// The parser's callback: a key repeated in an object is an error (nlohmann would keep the
// last one silently), and so is nesting deeper than kMaxJsonDepth (a parsed document is
// copied and printed recursively). `where()` is the place of the key being read.
class ParseWatch {
 public:
  explicit ParseWatch(std::string file) : file_(std::move(file)) {}

  bool operator()(int, Json::parse_event_t ev, Json &parsed) {
    switch (ev) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (levels_.size() == kMaxJsonDepth)
          throw SpecError(file_ + ": malformed JSON: arrays and objects nested deeper than " +
                          std::to_string(kMaxJsonDepth) + " levels");
        levels_.emplace_back();
        levels_.back().array = ev == Json::parse_event_t::array_start;
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!levels_.empty()) levels_.pop_back();
        element_done();
        break;
      case Json::parse_event_t::value:
        element_done();
        break;
      case Json::parse_event_t::key:
        key(parsed.get<std::string>());
        break;
    }
    return true;
  }

  // "duplicate field 'x'" with its place ("tensors: ", "layers[2]: "), or "" if none.
  const std::string &duplicate() const { return duplicate_; }

 private:
  struct Level {
    bool array = false;
    size_t index = 0;  // arrays: the element being read
    std::set<std::string> keys;
    std::string last;  // objects: the key being read
  };

  void element_done() {
    if (!levels_.empty() && levels_.back().array) ++levels_.back().index;
  }

  void key(const std::string &k) {
    if (levels_.empty()) return;
    if (!levels_.back().keys.insert(k).second && duplicate_.empty()) {
      const std::string at = where();
      duplicate_ = (at.empty() ? "" : at + ": ") + "duplicate field '" + k + "'";
    }
    levels_.back().last = k;
  }

  // The enclosing levels: "layers[2]", "tensors".
  std::string where() const {
    std::string at;
    for (size_t i = 0; i + 1 < levels_.size(); ++i) {
      if (levels_[i].array)
        at += "[" + std::to_string(levels_[i].index) + "]";
      else
        at += (at.empty() ? "" : ".") + levels_[i].last;
    }
    return at;
  }

  std::string file_;
  std::vector<Level> levels_;
  std::string duplicate_;
};

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string json_message(const std::exception &e) {
  std::string what = e.what();
  const size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

std::string resolve(const std::string &base_dir, const std::string &p) {
  const std::filesystem::path path(p);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

bool same_format(fp::Format a, fp::Format b) { return a.exp_w == b.exp_w && a.man_w == b.man_w; }

}  // namespace

// ---- Names -------------------------------------------------------------------------------------

const char *layer_json_name(model::LayerType t) {
  switch (t) {
    case model::LayerType::kConv2d:
      return "conv2d";
    case model::LayerType::kConvTranspose2d:
      return "conv_transpose2d";
    case model::LayerType::kLinear:
      return "linear";
  }
  return "unknown";
}

const char *phase_json_name(model::Phase p) {
  switch (p) {
    case model::Phase::kForward:
      return "fp";
    case model::Phase::kErrorProp:
      return "ep";
    case model::Phase::kWeightGrad:
      return "wg";
  }
  return "unknown";
}

const char *format_json_name(fp::Format f) {
  if (same_format(f, fp::kFp16)) return "fp16";
  if (same_format(f, fp::kBf16)) return "bf16";
  return "unknown";
}

const char *act_json_name(fp::Act a) {
  switch (a) {
    case fp::Act::kNone:
      return "none";
    case fp::Act::kRelu:
      return "relu";
    case fp::Act::kLeakyRelu:
      return "leaky_relu";
  }
  return "unknown";
}

std::vector<TensorRole> phase_tensors(model::Phase p, bool bias, fp::Act activation) {
  // Without an activation dz = dy: nothing reads the mask.
  const TensorRole mask{"mask", activation != fp::Act::kNone};
  switch (p) {
    case model::Phase::kForward: {
      std::vector<TensorRole> t = {{"x"}, {"w"}};
      if (bias) t.push_back({"b"});
      return t;
    }
    case model::Phase::kErrorProp:
      return {{"dy"}, {"w"}, mask};
    case model::Phase::kWeightGrad:
      return {{"x"}, {"dy"}, mask};
  }
  return {};
}

// ---- Parsing -----------------------------------------------------------------------------------

namespace {

// The tensors the phase reads, checked against what `field` names: one of them, once.
class TensorNames {
 public:
  TensorNames(const Reader &r, const LayerJob &job)
      : r_(r),
        roles_(phase_tensors(job.phase, job.spec.bias, job.spec.activation)),
        phase_(job.phase) {
    for (const TensorRole &role : roles_) {
      all_ += (all_.empty() ? "" : ", ") + role.name;
      if (role.needed) list_ += (list_.empty() ? "" : ", ") + role.name;
    }
  }

  const std::vector<TensorRole> &roles() const { return roles_; }
  const std::string &list() const { return list_; }  // the needed ones

  void check(const std::string &field, const std::string &name) const {
    if (std::any_of(roles_.begin(), roles_.end(),
                    [&](const TensorRole &x) { return x.name == name; }))
      return;
    if (name == "b" && phase_ == model::Phase::kForward)
      r_.fail(field, "tensor 'b' given but the layer has no bias (\"bias\": false)");
    r_.fail(field, "unexpected tensor '" + name + "' for phase " + phase_json_name(phase_) +
                       " (expected " + all_ + ")");
  }

 private:
  const Reader &r_;
  std::vector<TensorRole> roles_;
  model::Phase phase_;
  std::string list_, all_;
};

// "tensors": name -> file path, relative to base_dir; a path is a non-empty string without a
// NUL byte (the C library would read it as its prefix).
void read_tensor_paths(const Reader &r, const TensorNames &names, const std::string &base_dir,
                       LayerJob &job) {
  const Json &t = r.at("tensors");
  if (!t.is_object()) r.fail("tensors", "expected an object of name: path, got " + type_of(t));
  for (const auto &item : t.items()) {
    const std::string &name = item.key();
    names.check("tensors", name);
    const std::string field = "tensors." + name;
    const Json &v = item.value();
    if (!v.is_string() || v.get<std::string>().empty())
      r.fail(field, "expected a file path (non-empty string), got " +
                        (v.is_string() ? std::string("an empty string") : type_of(v)));
    const std::string path = v.get<std::string>();
    if (path.find('\0') != std::string::npos) r.fail(field, "the path contains a NUL byte");
    job.tensor_paths[name] = resolve(base_dir, path);
  }
}

// "generate": the tensors taken from the seed although "tensors" is given.
std::set<std::string> read_generate(const Reader &r, const TensorNames &names,
                                    const LayerJob &job) {
  std::set<std::string> generate;
  if (!r.has("generate")) return generate;
  const Json &g = r.at("generate");
  if (!g.is_array()) r.fail("generate", "expected an array of tensor names, got " + type_of(g));
  for (const Json &e : g) {
    if (!e.is_string())
      r.fail("generate",
             "expected an array of tensor names, got an array containing " + type_of(e));
    const std::string name = e.get<std::string>();
    names.check("generate", name);
    if (job.tensor_paths.count(name))
      r.fail("generate", "tensor '" + name + "' is also given as a file in 'tensors'");
    if (!generate.insert(name).second) r.fail("generate", "tensor '" + name + "' listed twice");
  }
  return generate;
}

// The tensors' sources: files ("tensors") and the seed ("generate", or everything if no
// file is given). Given files, every tensor the phase reads must have a source.
void read_tensor_sources(const Reader &r, const std::string &base_dir, LayerJob &job) {
  const TensorNames names(r, job);
  if (r.has("tensors")) read_tensor_paths(r, names, base_dir, job);
  const std::set<std::string> generate = read_generate(r, names, job);
  if (!r.has("tensors")) return;
  for (const TensorRole &role : names.roles())
    if (role.needed && job.tensor_paths.count(role.name) == 0 && generate.count(role.name) == 0)
      r.fail("tensors", "missing tensor '" + role.name + "' (phase " + phase_json_name(job.phase) +
                            " reads " + names.list() +
                            "; name its file, or list it in \"generate\" to take it from " +
                            "the seed)");
}

// dilation, groups and padding_mode: torch.nn.Conv2d's and ConvTranspose2d's fields, which a
// spec dumped from a module has. Only PyTorch's defaults describe what the hardware computes;
// any other value is a feature it lacks, refused by name rather than ignored.
void read_torch_defaults(const Reader &r) {
  if (r.has("dilation")) {
    const auto [h, w] = r.pair_of("dilation", 1);
    if (h != 1 || w != 1)
      r.fail("dilation",
             (r.at("dilation").is_array() ? "[" + std::to_string(h) + ", " + std::to_string(w) + "]"
                                          : std::to_string(h)) +
                 " is not supported (only 1)");
  }
  if (r.has("groups")) {
    const int g = r.int_of("groups", 1);
    if (g != 1) r.fail("groups", std::to_string(g) + " is not supported (only 1)");
  }
  if (r.has("padding_mode")) {
    const std::string mode = r.string_of("padding_mode");
    if (mode != "zeros") r.fail("padding_mode", "'" + mode + "' is not supported (only 'zeros')");
  }
}

}  // namespace

nlohmann::ordered_json read_json_file(const std::string &path) {
  const std::string text = read_text(path);
  ParseWatch watch(path);
  Json root;
  try {
    root = Json::parse(text, std::ref(watch));
  } catch (const Json::parse_error &e) {
    throw SpecError(path + ": malformed JSON at byte " + std::to_string(e.byte) + ": " +
                    json_message(e));
  } catch (const Json::exception &e) {  // e.g. out_of_range.406: a number too large
    throw SpecError(path + ": malformed JSON: " + json_message(e));
  }
  if (!watch.duplicate().empty()) throw SpecError(path + ": " + watch.duplicate());
  return root;
}

LayerJob parse_layer_json(const std::string &path) {
  return parse_layer_json_object(read_json_file(path), path,
                                 std::filesystem::path(path).parent_path().string());
}

LayerJob parse_layer_json_object(const nlohmann::ordered_json &root, const std::string &where,
                                 const std::string &base_dir) {
  if (!root.is_object())
    throw SpecError(where + ": the top level must be a JSON object, got " + type_of(root));
  const Reader r(where, root);
  for (const auto &item : root.items()) {
    if (std::find(kFields.begin(), kFields.end(), item.key()) != kFields.end()) continue;
    const std::string hint = suggest(item.key());
    r.fail("unknown field '" + item.key() + "'" +
           (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
  }

  LayerJob job;
  model::LayerSpec &s = job.spec;
  if (!r.has("layer")) r.fail("missing field 'layer'");
  s.type = static_cast<model::LayerType>(
      r.choice_of("layer", "layer type", {"conv2d", "conv_transpose2d", "linear"}));
  const std::string layer = layer_json_name(s.type);
  const bool linear = s.type == model::LayerType::kLinear;
  if (!r.has("phase")) r.fail("missing field 'phase'");
  job.phase = static_cast<model::Phase>(r.choice_of("phase", "phase", {"fp", "ep", "wg"}));
  s.format = fp::kFp16;
  if (r.has("format") && r.choice_of("format", "format", {"fp16", "bf16"}) == 1)
    s.format = fp::kBf16;

  if (!r.has("batch")) r.fail("missing field 'batch'");
  s.batch = r.int_of("batch", 1);
  s.in_channels = r.int_of(r.aliased("in_channels", "in_features", linear, layer), 1);
  s.out_channels = r.int_of(r.aliased("out_channels", "out_features", linear, layer), 1);

  // Spatial fields: required / defaulted for conv layers, only their defaults for linear.
  struct Spatial {
    const char *name;
    int *h;
    int *w;
    int min;
    int default_value;  // -1: required
  };
  const Spatial spatial[] = {
      {"input_size", &s.in_h, &s.in_w, 1, linear ? 1 : -1},
      {"kernel_size", &s.kernel_h, &s.kernel_w, 1, linear ? 1 : -1},
      {"stride", &s.stride_h, &s.stride_w, 1, 1},
      {"padding", &s.padding_h, &s.padding_w, 0, 0},
      {"output_padding", &s.output_padding_h, &s.output_padding_w, 0, 0},
  };
  for (const Spatial &f : spatial) {
    const bool allowed = !linear && (std::string(f.name) != "output_padding" ||
                                     s.type == model::LayerType::kConvTranspose2d);
    if (!r.has(f.name)) {
      if (f.default_value < 0) r.fail(std::string("missing field '") + f.name + "'");
      *f.h = *f.w = f.default_value;
      continue;
    }
    const auto [h, w] = r.pair_of(f.name, f.min);
    if (!allowed && (h != f.default_value || w != f.default_value))
      r.fail(f.name, (linear ? std::string("not used by a linear layer")
                             : std::string("only for conv_transpose2d layers")) +
                         " (only the default " + std::to_string(f.default_value) + " is accepted)");
    *f.h = h;
    *f.w = w;
  }
  read_torch_defaults(r);

  s.bias = r.has("bias") ? r.bool_of("bias") : false;
  s.activation = fp::Act::kNone;
  if (r.has("activation"))
    s.activation = static_cast<fp::Act>(
        r.choice_of("activation", "activation", {"none", "relu", "leaky_relu"}));
  // negative_slope is checked whenever it is given, but used by leaky_relu only.
  double slope = 0.01;  // torch.nn.LeakyReLU's default
  if (r.has("negative_slope")) {
    const Json &v = r.at("negative_slope");
    if (!v.is_number()) r.fail("negative_slope", "expected a number, got " + type_of(v));
    slope = v.get<double>();
    if (!std::isfinite(slope)) r.fail("negative_slope", "must be finite, got " + v.dump());
  }
  s.negative_slope = 0;
  job.negative_slope_given = slope;
  if (s.activation == fp::Act::kLeakyRelu) {
    bool inexact = false;
    s.negative_slope = round_double_to_format(s.format, slope, &inexact);
    job.negative_slope_exact = !inexact;
    const uint32_t exp_all_ones = ((1u << s.format.exp_w) - 1u) << s.format.man_w;
    if ((s.negative_slope & exp_all_ones) == exp_all_ones)
      r.fail("negative_slope",
             "overflows " + std::string(format_json_name(s.format)) + " (rounds to infinity)");
  }

  read_tensor_sources(r, base_dir, job);

  const std::string problem = s.validate();
  if (!problem.empty()) r.fail(problem);
  return job;
}

nlohmann::json spec_to_json(const model::LayerSpec &s, model::Phase p) {
  nlohmann::json j;
  j["layer"] = layer_json_name(s.type);
  j["phase"] = phase_json_name(p);
  j["format"] = format_json_name(s.format);
  j["batch"] = s.batch;
  const auto pair = [](int a, int b) { return nlohmann::json::array({a, b}); };
  if (s.type == model::LayerType::kLinear) {
    j["in_features"] = s.in_channels;
    j["out_features"] = s.out_channels;
  } else {
    j["in_channels"] = s.in_channels;
    j["out_channels"] = s.out_channels;
    j["input_size"] = pair(s.in_h, s.in_w);
    j["kernel_size"] = pair(s.kernel_h, s.kernel_w);
    j["stride"] = pair(s.stride_h, s.stride_w);
    j["padding"] = pair(s.padding_h, s.padding_w);
    if (s.type == model::LayerType::kConvTranspose2d)
      j["output_padding"] = pair(s.output_padding_h, s.output_padding_w);
  }
  j["bias"] = s.bias;
  j["activation"] = act_json_name(s.activation);
  if (s.activation == fp::Act::kLeakyRelu) {
    // Exact: every FP16/BF16 value is an FP32 value, and every FP32 value a double.
    const uint32_t bits = fp::widen(s.format, s.negative_slope);
    float value;
    std::memcpy(&value, &bits, sizeof value);
    j["negative_slope"] = static_cast<double>(value);
  }
  return j;
}

}  // namespace ganpu::rt
