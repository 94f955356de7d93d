// `ganpu-sim run` and `ganpu-sim bench-dense`: every layer of a layer list (sim/dcgan.json) in
// all three training phases on the Verilated accelerator, each phase checked against the
// golden model (bit for bit) and the double reference (error bound), with a table on stdout
// and a JSON report. docs/performance.md explains the figures.
//
// The layer list:
//
//   {
//     "name": "dcgan-small",      the list's name                       (default: the file's stem)
//     "description": "...",       free text                                           (optional)
//     "format": "fp16",           fp16 | bf16: the format the list is written for (default fp16);
//                                 a configuration of the other format runs it in its own
//     "batch": 2,                 one batch for every layer                            (required)
//     "layers": [                                                        (required, not empty)
//       {"name": "G.fc",          unique                                               (required)
//        "network": "generator",  required on the first layer; later layers inherit it
//        "layer": "linear", ...}  the fields of a layer job file (runtime/layer_json.hpp) except
//     ]                           phase, format, batch and tensors
//   }
#include "network_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "layer_check.hpp"
#include "model/layer.hpp"
#include "runtime/accelerator.hpp"
#include "runtime/layer_json.hpp"

namespace ganpu::sim {

namespace {

using Json = nlohmann::ordered_json;  // keeps the file's order
using Clock = std::chrono::steady_clock;

constexpr int kExitFail = 1;      // a check failed or a phase did not run
constexpr int kExitBadInput = 2;  // unknown configuration, bad layer list, unwritable report

// Bad input: the message names the file and the field, or the valid choices.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string &msg) : std::runtime_error(msg) {}
};

const model::Phase kPhases[] = {model::Phase::kForward, model::Phase::kErrorProp,
                                model::Phase::kWeightGrad};

// ---- The layer list ----------------------------------------------------------------------------

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

std::string type_of(const Json &v) {
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "the number " + v.dump();
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  return "a string";
}

// Parses a JSON file; a repeated key is an error (nlohmann would keep the last one silently).
Json parse_json_file(const std::string &path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path + ": cannot open: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(path + ": read error");

  struct Level {
    bool array = false;
    size_t index = 0;  // arrays: the element being read
    std::set<std::string> keys;
    std::string last;  // objects: the key being read
  };
  std::vector<Level> levels;
  std::string duplicate;
  const auto element_done = [&] {
    if (!levels.empty() && levels.back().array) ++levels.back().index;
  };
  const auto cb = [&](int, Json::parse_event_t ev, Json &parsed) {
    switch (ev) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        levels.emplace_back();
        levels.back().array = ev == Json::parse_event_t::array_start;
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!levels.empty()) levels.pop_back();
        element_done();
        break;
      case Json::parse_event_t::value:
        element_done();
        break;
      case Json::parse_event_t::key: {
        if (levels.empty()) break;
        const std::string key = parsed.get<std::string>();
        if (!levels.back().keys.insert(key).second && duplicate.empty()) {
          std::string at;
          for (size_t i = 0; i + 1 < levels.size(); ++i) {
            if (levels[i].array) {
              at += "[" + std::to_string(levels[i].index) + "]";
            } else {
              at += (at.empty() ? "" : ".") + levels[i].last;
            }
          }
          duplicate = (at.empty() ? "" : at + ": ") + "duplicate field '" + key + "'";
        }
        levels.back().last = key;
        break;
      }
    }
    return true;
  };
  try {
    Json root = Json::parse(text.str(), cb);
    if (!duplicate.empty()) throw InputError(path + ": " + duplicate);
    return root;
  } catch (const Json::parse_error &e) {
    std::string what = e.what();
    const size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    throw InputError(path + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + what);
  } catch (const Json::exception &e) {
    throw InputError(path + ": malformed JSON: " + e.what());
  }
}

// A file that exists while the object does.
class TempFile {
 public:
  explicit TempFile(const std::string &text) {
    std::string name =
        (std::filesystem::temp_directory_path() / "ganpu-layer-XXXXXX.json").string();
    const int fd = ::mkstemps(name.data(), 5);
    if (fd < 0) throw std::runtime_error("cannot create a temporary file: " + errno_text());
    path_ = name;
    for (size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const std::string why = errno_text();
        ::close(fd);
        ::unlink(path_.c_str());
        throw std::runtime_error("cannot write " + path_ + ": " + why);
      }
      done += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile &) = delete;
  TempFile &operator=(const TempFile &) = delete;
  const std::string &path() const { return path_; }

 private:
  static std::string errno_text() { return std::strerror(errno); }
  std::string path_;
};

// The spec of layer i in the given format. The fields go through the job-file parser
// (rt::parse_layer_json, which reads only files), so a layer of the list accepts and checks
// exactly what a `ganpu-sim layer` spec does; its messages are re-addressed to the list.
model::LayerSpec layer_spec(const LayerList &list, size_t i, const std::string &format) {
  Json job = list.layers[i].fields;
  job["phase"] = "fp";
  job["format"] = format;
  job["batch"] = list.batch;
  const TempFile tmp(job.dump(2) + "\n");
  try {
    return rt::parse_layer_json(tmp.path()).spec;
  } catch (const rt::SpecError &e) {
    std::string msg = e.what();
    if (msg.compare(0, tmp.path().size(), tmp.path()) == 0) {
      msg.erase(0, tmp.path().size());  // keeps ": field: problem"
    } else {
      msg = ": " + msg;
    }
    throw InputError(list.path + ": " + list.where(i) + msg);
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
  if (root.contains("name")) {
    const Json &v = root.at("name");
    if (!v.is_string() || v.get<std::string>().empty())
      fail("name: expected a non-empty string, got " + type_of(v));
    list.name = v.get<std::string>();
  }
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
    const Json &n = l.at("name");
    if (!n.is_string() || n.get<std::string>().empty())
      fail(at + ": name: expected a non-empty string, got " + type_of(n));
    ListLayer layer;
    layer.name = n.get<std::string>();
    at += " (" + layer.name + ")";
    if (!names.insert(layer.name).second) fail(at + ": name: '" + layer.name + "' is used twice");
    if (l.contains("network")) {
      const Json &v = l.at("network");
      if (!v.is_string() || v.get<std::string>().empty())
        fail(at + ": network: expected a non-empty string, got " + type_of(v));
      network = v.get<std::string>();
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
      if (key == "tensors") fail(at + ": tensors: the inputs are random, from the seed");
      if (key != "name" && key != "network") layer.fields[key] = item.value();
    }
    list.layers.push_back(std::move(layer));
  }
  for (size_t i = 0; i < list.layers.size(); ++i) (void)layer_spec(list, i, list.format);
  return list;
}

// ---- Running a list on one configuration -------------------------------------------------------

struct Settings {
  std::string layers_path = "sim/dcgan.json";
  std::string json_path;
  uint64_t seed = 1;
  unsigned mem_latency = 20;
  double mem_bandwidth = 8.0;
};

struct Row {
  PhaseRecord rec;
  std::string network;
  std::string error;  // why the phase did not run to its end; empty if it did
  bool pass() const { return error.empty() && rec.mismatches == 0 && rec.out_of_bound == 0; }
  // The record's fields in a reading order: what, then the figures, then the checks.
  Json to_json() const {
    const nlohmann::json r = rec.to_json();
    Json j = {
        {"layer", rec.layer}, {"network", network}, {"phase", rec.phase}, {"config", rec.config}};
    for (const char *key :
         {"macs", "cycles", "ideal_cycles", "utilization_pct", "busy_cycles", "stall_cycles",
          "dram_read_bytes", "dram_write_bytes", "jobs", "elements_checked", "mismatches",
          "out_of_bound", "max_error_ratio", "first_mismatch"}) {
      if (r.contains(key)) j[key] = Json(r.at(key));
    }
    for (const auto &item : r.items()) {  // fields added to PhaseRecord later
      if (!j.contains(item.key())) j[item.key()] = Json(item.value());
    }
    j["error"] = error;
    return j;
  }
};

struct ConfigRun {
  std::string config;
  rt::HwConfig hw;
  std::string format;  // "fp16" or "bf16": the hardware's, which the layers ran in
  std::vector<Row> rows;
  uint64_t sim_cycles = 0;     // clock cycles the Verilated model simulated in the runs
  double sim_seconds = 0;      // wall time of the runs (no golden model, no reference)
  double sim_cpu_seconds = 0;  // CPU time of the same (the machine may be shared)
  double wall_seconds = 0;     // wall time of everything
  uint64_t pes() const { return static_cast<uint64_t>(hw.pe_rows) * hw.pe_cols; }
  double sim_speed() const { return sim_seconds > 0 ? sim_cycles / sim_seconds : 0.0; }
  double sim_cpu_speed() const { return sim_cpu_seconds > 0 ? sim_cycles / sim_cpu_seconds : 0.0; }
};

struct Totals {
  size_t phases = 0;
  size_t failed = 0;  // phases that did not run to their end
  uint64_t cycles = 0, ideal = 0, macs = 0, performed = 0;
  uint64_t rd = 0, wr = 0, mismatches = 0, out_of_bound = 0;
  double utilization_pct = 0;
  bool pass() const { return failed == 0 && mismatches == 0 && out_of_bound == 0; }
};

Totals totals(const ConfigRun &run) {
  Totals t;
  for (const Row &r : run.rows) {
    ++t.phases;
    if (!r.error.empty()) {
      ++t.failed;
      continue;
    }
    t.cycles += r.rec.cycles;
    t.ideal += r.rec.ideal_cycles;
    t.macs += r.rec.macs;
    // The record keeps the MAC counter only as the utilization; the product is an integer.
    t.performed += static_cast<uint64_t>(
        std::llround(r.rec.utilization_pct / 100.0 * static_cast<double>(r.rec.cycles) *
                     static_cast<double>(run.pes())));
    t.rd += r.rec.dram_read_bytes;
    t.wr += r.rec.dram_write_bytes;
    t.mismatches += r.rec.mismatches;
    t.out_of_bound += r.rec.out_of_bound;
  }
  t.utilization_pct = t.cycles
                          ? 100.0 * static_cast<double>(t.performed) /
                                (static_cast<double>(t.cycles) * static_cast<double>(run.pes()))
                          : 0.0;
  return t;
}

// "\r"-updated progress line on stderr, only if stderr is a terminal.
class Progress {
 public:
  explicit Progress(std::string prefix)
      : on_(::isatty(STDERR_FILENO) == 1), prefix_(std::move(prefix)) {}
  ~Progress() { clear(); }
  bool on() const { return on_; }
  void show(const std::string &what, uint64_t cycle) {
    if (!on_) return;
    std::fprintf(stderr, "\r\033[K%s: %s, cycle %llu", prefix_.c_str(), what.c_str(),
                 static_cast<unsigned long long>(cycle));
    std::fflush(stderr);
    shown_ = true;
  }
  void clear() {
    if (!shown_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    shown_ = false;
  }

 private:
  bool on_;
  bool shown_ = false;
  std::string prefix_;
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Every layer in all three phases on one configuration, each checked. A phase that throws
// (a layer the hardware cannot run, a job that fails or hangs) becomes a row with its error,
// on a fresh accelerator for the phases after it. on_row sees each row when it is done.
ConfigRun run_config(const LayerList &list, const std::string &config, const Settings &set,
                     const std::string &progress_prefix,
                     const std::function<void(const ConfigRun &, const Row &)> &on_row) {
  const Clock::time_point start = Clock::now();
  ConfigRun run;
  run.config = config;

  // One memory for all layers, as big as the largest needs (the size does not depend on the
  // format); every phase writes all the tensors it reads.
  rt::AxiMemConfig mem;
  mem.size = 0;
  std::vector<model::LayerSpec> specs;
  for (size_t i = 0; i < list.layers.size(); ++i) {
    specs.push_back(layer_spec(list, i, list.format));
    const rt::AxiMemConfig m = memory_for(specs.back(), config, set.mem_latency, set.mem_bandwidth);
    if (m.size > mem.size) mem = m;
  }
  std::unique_ptr<rt::Accelerator> acc = rt::make_accelerator(config, mem);
  run.hw = acc->config();
  run.format = rt::format_json_name(run.hw.format);
  if (run.format != list.format) {
    for (size_t i = 0; i < list.layers.size(); ++i) specs[i] = layer_spec(list, i, run.format);
  }

  Progress progress(progress_prefix);
  const size_t n = list.layers.size();
  for (size_t i = 0; i < n; ++i) {
    const model::LayerSpec &spec = specs[i];
    const rt::LayerInputs in = random_inputs(spec, set.seed + i);
    for (const model::Phase phase : kPhases) {
      Row row;
      row.network = list.layers[i].network;
      const std::string what = "layer " + std::to_string(i + 1) + "/" + std::to_string(n) +
                               " phase " + model::to_string(phase);
      const uint64_t c0 = acc->cycle();
      uint64_t c_end = c0;
      Clock::time_point t_end;
      std::clock_t cpu_end = 0;
      const Clock::time_point t0 = Clock::now();
      const std::clock_t cpu0 = std::clock();
      if (progress.on()) {
        progress.show(what, 0);
        acc->on_cycle([&](uint64_t c) {
          if ((c & 0xFFFF) == 0) progress.show(what, c - c0);
        });
      }
      // The last job's completion ends the accelerator's part; the checks come after it.
      const rt::JobProgress job_done = [&](size_t done, size_t total) {
        if (done == total) {
          t_end = Clock::now();
          cpu_end = std::clock();
          c_end = acc->cycle();
        }
        progress.show(what, acc->cycle() - c0);
      };
      try {
        row.rec = run_and_check(*acc, config, list.layers[i].name, spec, phase, in, true, nullptr,
                                job_done);
        run.sim_cycles += c_end - c0;
        run.sim_seconds += std::chrono::duration<double>(t_end - t0).count();
        run.sim_cpu_seconds += static_cast<double>(cpu_end - cpu0) / CLOCKS_PER_SEC;
      } catch (const std::exception &e) {
        row.error = e.what();
        row.rec = PhaseRecord{};
        row.rec.layer = list.layers[i].name;
        row.rec.phase = model::to_string(phase);
        row.rec.config = config;
        acc.reset();  // its state is unknown after a failed job
        acc = rt::make_accelerator(config, mem);
      }
      acc->on_cycle({});
      progress.clear();
      run.rows.push_back(row);
      if (on_row) on_row(run, run.rows.back());
    }
  }
  run.wall_seconds = seconds_since(start);
  return run;
}

// ---- Output ------------------------------------------------------------------------------------

size_t name_width(const LayerList &list) {
  size_t w = 5;
  for (const ListLayer &l : list.layers) w = std::max(w, l.name.size());
  return w;
}

size_t network_width(const LayerList &list) {
  size_t w = 7;
  for (const ListLayer &l : list.layers) w = std::max(w, l.network.size());
  return w;
}

void print_header(const LayerList &list) {
  const int nw = static_cast<int>(name_width(list)), ww = static_cast<int>(network_width(list));
  std::printf("%-*s  %-*s  %-5s  %10s  %10s  %6s  %10s  %12s  %12s  %10s  %12s\n", nw, "layer", ww,
              "network", "phase", "cycles", "ideal", "util %", "MACs", "DRAM read B",
              "DRAM write B", "mismatches", "out of bound");
}

void print_row(const LayerList &list, const Row &row) {
  const int nw = static_cast<int>(name_width(list)), ww = static_cast<int>(network_width(list));
  const PhaseRecord &r = row.rec;
  if (!row.error.empty()) {
    std::printf("%-*s  %-*s  %-5s  error: %s\n", nw, r.layer.c_str(), ww, row.network.c_str(),
                r.phase.c_str(), row.error.c_str());
  } else {
    std::printf("%-*s  %-*s  %-5s  %10llu  %10llu  %6.1f  %10llu  %12llu  %12llu  %10llu  %12llu\n",
                nw, r.layer.c_str(), ww, row.network.c_str(), r.phase.c_str(),
                static_cast<unsigned long long>(r.cycles),
                static_cast<unsigned long long>(r.ideal_cycles), r.utilization_pct,
                static_cast<unsigned long long>(r.macs),
                static_cast<unsigned long long>(r.dram_read_bytes),
                static_cast<unsigned long long>(r.dram_write_bytes),
                static_cast<unsigned long long>(r.mismatches),
                static_cast<unsigned long long>(r.out_of_bound));
    if (!r.first_mismatch.empty()) {
      std::printf("%*s  first mismatch: %s\n", nw, "", r.first_mismatch.c_str());
    }
  }
  std::fflush(stdout);
}

void print_totals(const ConfigRun &run, const Totals &t) {
  std::printf(
      "total: %zu phases, %llu cycles (ideal %llu), utilization %.1f%% of %llu PEs, "
      "%llu MACs, DRAM read %llu B, write %llu B\n",
      t.phases, static_cast<unsigned long long>(t.cycles), static_cast<unsigned long long>(t.ideal),
      t.utilization_pct, static_cast<unsigned long long>(run.pes()),
      static_cast<unsigned long long>(t.macs), static_cast<unsigned long long>(t.rd),
      static_cast<unsigned long long>(t.wr));
  std::printf(
      "checks: %llu bit mismatches with the golden model, %llu values outside the "
      "reference's error bound, %zu of %zu phases failed to run\n",
      static_cast<unsigned long long>(t.mismatches),
      static_cast<unsigned long long>(t.out_of_bound), t.failed, t.phases);
  std::printf(
      "simulation: %llu cycles in %.2f s of accelerator runs: %.3g M cycles/s "
      "(%.3g M per CPU second); %.2f s in all, with the golden model and the reference\n",
      static_cast<unsigned long long>(run.sim_cycles), run.sim_seconds, run.sim_speed() / 1e6,
      run.sim_cpu_speed() / 1e6, run.wall_seconds);
}

Json totals_json(const ConfigRun &run, const Totals &t) {
  return {{"phases", t.phases},
          {"failed_phases", t.failed},
          {"total_cycles", t.cycles},
          {"total_ideal_cycles", t.ideal},
          {"utilization_pct", t.utilization_pct},
          {"total_macs", t.macs},
          {"total_macs_performed", t.performed},
          {"total_dram_read_bytes", t.rd},
          {"total_dram_write_bytes", t.wr},
          {"total_mismatches", t.mismatches},
          {"total_out_of_bound", t.out_of_bound},
          {"sim_cycles", run.sim_cycles},
          {"sim_wall_seconds", run.sim_seconds},
          {"sim_cycles_per_second", run.sim_speed()},
          {"sim_cpu_seconds", run.sim_cpu_seconds},
          {"sim_cycles_per_cpu_second", run.sim_cpu_speed()},
          {"wall_seconds", run.wall_seconds},
          {"pass", t.pass()}};
}

Json hw_json(const ConfigRun &run) {
  return {{"config", run.config},
          {"pe_rows", run.hw.pe_rows},
          {"pe_cols", run.hw.pe_cols},
          {"pes", run.pes()},
          {"format", run.format},
          {"a_buffer_depth_elements", run.hw.a_depth},
          {"b_buffer_depth_elements", run.hw.b_depth}};
}

// First line of a command's output, trimmed; "" if it fails.
std::string command_line(const char *cmd) {
  FILE *p = ::popen(cmd, "r");
  if (!p) return "";
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  if (::pclose(p) != 0) return "";
  const size_t nl = out.find('\n');
  if (nl != std::string::npos) out.resize(nl);
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

// What produced a report: the commit of the current directory's repository and settings.
Json provenance(const char *command, const LayerList &list, const Settings &set) {
  std::string commit = command_line("git rev-parse --short HEAD 2>/dev/null");
  Json dirty = nullptr;
  if (commit.empty()) {
    commit = "unknown";
  } else {
    // Tracked files changed since the commit (read only: no index refresh).
    dirty = !command_line(
                 "git --no-optional-locks status --porcelain --untracked-files=no "
                 "2>/dev/null")
                 .empty();
  }
  return {{"command", command},
          {"git_commit", commit},
          {"git_dirty", dirty},
          {"layer_list", list.path},
          {"network_name", list.name},
          {"layer_list_format", list.format},
          {"batch", list.batch},
          {"seed", set.seed},
          {"mem_latency_cycles", set.mem_latency},
          {"mem_bandwidth_bytes_per_cycle", set.mem_bandwidth}};
}

void write_json(const std::string &path, const Json &j) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  out.close();
  if (!out) throw InputError("cannot write " + path);
}

std::string join(const std::vector<std::string> &v) {
  std::string s;
  for (const std::string &x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

void check_config(const std::string &config) {
  const std::vector<std::string> have = rt::accelerator_configs();
  if (std::find(have.begin(), have.end(), config) == have.end()) {
    throw InputError("unknown configuration '" + config + "' (this build has: " + join(have) + ")");
  }
}

// A line for a configuration whose format is not the list's: the layers ran in the hardware's.
void print_format_note(const LayerList &list, const ConfigRun &run) {
  if (run.format == list.format) return;
  std::printf("note: the list is written for %s; the layers ran in %s, the hardware's format\n",
              list.format.c_str(), run.format.c_str());
}

// "run: dcgan-small (8 layers x 3 phases, batch 2) on 4x4_fp16, seed 1, memory ..."
void print_title(const char *command, const LayerList &list, const std::string &config,
                 const Settings &set) {
  const size_t n = list.layers.size();
  std::printf(
      "%s: %s (%zu %s x 3 phases, batch %d) on %s, seed %llu, memory latency %u cycles, "
      "%.3g bytes/cycle\n",
      command, list.name.c_str(), n, n == 1 ? "layer" : "layers", list.batch, config.c_str(),
      static_cast<unsigned long long>(set.seed), set.mem_latency, set.mem_bandwidth);
}

// ---- The commands ------------------------------------------------------------------------------

int run_network(const Settings &set, const std::string &config) {
  check_config(config);
  const LayerList list = read_layer_list(set.layers_path);
  print_title("run", list, config, set);
  print_header(list);
  std::fflush(stdout);
  const ConfigRun run = run_config(
      list, config, set, "run", [&](const ConfigRun &, const Row &row) { print_row(list, row); });
  const Totals t = totals(run);
  print_totals(run, t);
  print_format_note(list, run);
  std::printf("%s\n", t.pass() ? "PASS" : "FAIL");
  std::fflush(stdout);

  if (!set.json_path.empty()) {
    Json j = provenance("run", list, set);
    j.update(hw_json(run));
    j["records"] = Json::array();
    for (const Row &r : run.rows) j["records"].push_back(r.to_json());
    j["summary"] = totals_json(run, t);
    write_json(set.json_path, j);
  }
  return t.pass() ? 0 : kExitFail;
}

std::vector<std::string> parse_configs(const std::string &arg) {
  const std::vector<std::string> have = rt::accelerator_configs();
  if (have.empty()) throw InputError("this build has no accelerator configuration");
  if (arg == "all") return have;
  std::vector<std::string> out;
  std::stringstream ss(arg);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto b = item.find_first_not_of(" \t");
    const auto e = item.find_last_not_of(" \t");
    item = (b == std::string::npos) ? "" : item.substr(b, e - b + 1);
    if (item.empty()) throw InputError("--configs: empty name in '" + arg + "'");
    check_config(item);
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  if (out.empty()) throw InputError("--configs: no configuration given");
  return out;
}

int bench_dense(const Settings &set, const std::string &configs_arg) {
  const std::vector<std::string> configs = parse_configs(configs_arg);
  const LayerList list = read_layer_list(set.layers_path);
  std::vector<ConfigRun> runs;
  bool pass = true;
  for (const std::string &config : configs) {
    print_title("bench-dense", list, config, set);
    print_header(list);
    std::fflush(stdout);
    runs.push_back(run_config(list, config, set, "bench-dense " + config,
                              [&](const ConfigRun &, const Row &row) { print_row(list, row); }));
    const Totals t = totals(runs.back());
    print_totals(runs.back(), t);
    print_format_note(list, runs.back());
    std::printf("\n");
    pass = pass && t.pass();
  }
  if (runs.size() > 1) {
    std::printf("%-12s  %5s  %6s  %12s  %12s  %6s  %16s\n", "config", "PEs", "format", "cycles",
                "ideal", "util %", "sim cycles/s");
    for (const ConfigRun &r : runs) {
      const Totals t = totals(r);
      std::printf("%-12s  %5llu  %6s  %12llu  %12llu  %6.1f  %16.0f\n", r.config.c_str(),
                  static_cast<unsigned long long>(r.pes()), r.format.c_str(),
                  static_cast<unsigned long long>(t.cycles),
                  static_cast<unsigned long long>(t.ideal), t.utilization_pct, r.sim_speed());
    }
  }
  std::printf("%s\n", pass ? "PASS" : "FAIL");
  std::fflush(stdout);

  if (!set.json_path.empty()) {
    Json j = provenance("bench-dense", list, set);
    j["configs"] = Json::array();
    j["records"] = Json::array();
    for (const ConfigRun &r : runs) {
      Json c = hw_json(r);
      c.update(totals_json(r, totals(r)));
      j["configs"].push_back(c);
      for (const Row &row : r.rows) j["records"].push_back(row.to_json());
    }
    j["pass"] = pass;
    write_json(set.json_path, j);
  }
  return pass ? 0 : kExitFail;
}

// Runs a command body: bad input is reported on stderr with status 2.
int guarded(const std::function<int()> &body) {
  try {
    return body();
  } catch (const InputError &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitBadInput;
  }
}

void add_common(CLI::App *cmd, Settings &set) {
  cmd->add_option("--layers", set.layers_path, "the layer list (JSON)")->capture_default_str();
  cmd->add_option("--seed", set.seed, "random seed of the inputs (layer i uses seed + i)")
      ->capture_default_str();
  cmd->add_option("--json", set.json_path, "write a JSON report to this file");
  cmd->add_option("--mem-latency", set.mem_latency,
                  "memory model: cycles from an AXI address handshake to the first data beat")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  cmd->add_option("--mem-bandwidth", set.mem_bandwidth,
                  "memory model: bytes per cycle, shared by reads and writes (8 = one 64-bit "
                  "beat per cycle)")
      ->check(CLI::Range(0.001, 1024.0))
      ->capture_default_str();
}

}  // namespace

void add_network_commands(CLI::App &app) {
  {
    auto set = std::make_shared<Settings>();
    auto config = std::make_shared<std::string>("4x4_fp16");
    CLI::App *cmd =
        app.add_subcommand("run",
                           "every layer of a layer list in all three phases (FP, EP, WG) on one "
                           "configuration, checked against the golden model");
    cmd->add_option("--config", *config, "accelerator configuration")->capture_default_str();
    add_common(cmd, *set);
    cmd->callback([set, config] {
      throw CLI::RuntimeError(guarded([&] { return run_network(*set, *config); }));
    });
  }
  {
    auto set = std::make_shared<Settings>();
    auto configs = std::make_shared<std::string>("all");
    CLI::App *cmd = app.add_subcommand(
        "bench-dense",
        "cycles, ideal cycles and utilization of every layer and phase of a layer "
        "list, dense, on each configuration (results checked)");
    cmd->add_option("--configs", *configs, "'all' or a comma-separated list of configurations")
        ->capture_default_str();
    add_common(cmd, *set);
    cmd->callback([set, configs] {
      throw CLI::RuntimeError(guarded([&] { return bench_dense(*set, *configs); }));
    });
  }
}

}  // namespace ganpu::sim
