// `ganpu-sim run` and `ganpu-sim bench-dense`: every layer of a layer list (sim/dcgan.json) in
// all three training phases on the Verilated accelerator, each phase checked against the
// golden model (bit for bit) and the double reference (error bound), with a table on stdout
// and a JSON report. docs/performance.md explains the figures.
//
// The layer lists are described in layer_list.hpp.
#include "network_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cli_common.hpp"
#include "layer_check.hpp"
#include "layer_list.hpp"
#include "output_set.hpp"
#include "provenance.hpp"
#include "runtime/accelerator.hpp"
#include "runtime/layer_json.hpp"
#include "runtime/roofline.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::sim {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kExitFail = 1;  // a check failed or a phase did not run

const model::Phase kPhases[] = {model::Phase::kForward, model::Phase::kErrorProp,
                                model::Phase::kWeightGrad};

// ---- Running a list on one configuration -------------------------------------------------------

struct Settings {
  std::vector<std::string> layers_paths = {"sim/dcgan.json"};
  std::string json_path;
  uint64_t seed = 1;
  unsigned mem_latency = 20;
  double mem_bandwidth = 8.0;
};

struct Row {
  PhaseRecord rec;
  std::string list_name;  // the layer list's name
  int batch = 0;
  std::string network;
  uint64_t min_bytes = 0;        // rt::min_phase_bytes: every tensor read or written once
  uint64_t roofline_cycles = 0;  // max(ideal, min_bytes / bandwidth); 0 if the phase failed
  std::string error;             // why the phase did not run to its end; empty if it did
  bool pass() const { return error.empty() && rec.mismatches == 0 && rec.out_of_bound == 0; }
  double roofline_pct() const {
    return rec.cycles ? 100.0 * static_cast<double>(roofline_cycles) / rec.cycles : 0.0;
  }
  // The record's fields in a reading order: what, then the figures, then the checks.
  Json to_json() const {
    const nlohmann::json r = rec.to_json();
    Json j = {{"layer_list", list_name}, {"batch", batch},     {"layer", rec.layer},
              {"network", network},      {"phase", rec.phase}, {"config", rec.config}};
    for (const char *key : {"macs", "cycles", "ideal_cycles", "utilization_pct"}) {
      if (r.contains(key)) j[key] = Json(r.at(key));
    }
    j["min_bytes"] = min_bytes;
    j["roofline_cycles"] = roofline_cycles;
    j["roofline_pct"] = roofline_pct();
    for (const char *key :
         {"busy_cycles", "stall_cycles", "stall_load_cycles", "stall_store_cycles",
          "stall_setup_cycles", "stall_drain_cycles", "dram_read_bytes", "dram_write_bytes", "jobs",
          "elements_checked", "mismatches", "out_of_bound", "max_error_ratio", "first_mismatch"}) {
      if (r.contains(key)) j[key] = Json(r.at(key));
    }
    for (const auto &item : r.items()) {  // fields added to PhaseRecord later
      if (!j.contains(item.key())) j[item.key()] = Json(item.value());
    }
    j["error"] = error;
    return j;
  }
};

// One layer list run on one configuration.
struct ConfigRun {
  std::string config;
  std::string list_name;
  int batch = 0;
  rt::HwConfig hw;
  std::string format;  // "fp16" or "bf16": the hardware's, which the layers ran in
  std::vector<Row> rows;
  uint64_t sim_cycles = 0;     // clock cycles the Verilated model simulated in the runs
  double sim_seconds = 0;      // wall time of the runs (no golden model, no reference)
  double sim_cpu_seconds = 0;  // CPU time of the same (the machine may be shared)
  double wall_seconds = 0;     // wall time of everything
  uint64_t pes() const { return static_cast<uint64_t>(hw.pe_rows) * hw.pe_cols; }
};

// Sums over the rows of one or more runs (of one configuration).
struct Totals {
  size_t phases = 0;
  size_t failed = 0;  // phases that did not run to their end
  uint64_t cycles = 0, ideal = 0, roofline = 0, macs = 0, performed = 0;
  uint64_t rd = 0, wr = 0, mismatches = 0, out_of_bound = 0;
  uint64_t sim_cycles = 0;
  double sim_seconds = 0, sim_cpu_seconds = 0, wall_seconds = 0;
  uint64_t pes = 0;
  const Row *worst = nullptr;  // the phase run furthest from its roofline (lowest roofline_pct)

  void add(const ConfigRun &run) {
    pes = run.pes();
    sim_cycles += run.sim_cycles;
    sim_seconds += run.sim_seconds;
    sim_cpu_seconds += run.sim_cpu_seconds;
    wall_seconds += run.wall_seconds;
    for (const Row &r : run.rows) {
      ++phases;
      if (!r.error.empty()) {
        ++failed;
        continue;
      }
      cycles += r.rec.cycles;
      ideal += r.rec.ideal_cycles;
      roofline += r.roofline_cycles;
      macs += r.rec.macs;
      // The record keeps the MAC counter only as the utilization; the product is an integer.
      performed += static_cast<uint64_t>(
          std::llround(r.rec.utilization_pct / 100.0 * static_cast<double>(r.rec.cycles) *
                       static_cast<double>(run.pes())));
      rd += r.rec.dram_read_bytes;
      wr += r.rec.dram_write_bytes;
      mismatches += r.rec.mismatches;
      out_of_bound += r.rec.out_of_bound;
      if (worst == nullptr || r.roofline_pct() < worst->roofline_pct()) worst = &r;
    }
  }
  bool pass() const { return failed == 0 && mismatches == 0 && out_of_bound == 0; }
  double utilization_pct() const {
    return cycles ? 100.0 * static_cast<double>(performed) /
                        (static_cast<double>(cycles) * static_cast<double>(pes))
                  : 0.0;
  }
  double roofline_pct() const {
    return cycles ? 100.0 * static_cast<double>(roofline) / static_cast<double>(cycles) : 0.0;
  }
  double sim_speed() const { return sim_seconds > 0 ? sim_cycles / sim_seconds : 0.0; }
  double sim_cpu_speed() const { return sim_cpu_seconds > 0 ? sim_cycles / sim_cpu_seconds : 0.0; }
};

Totals totals(const ConfigRun &run) {
  Totals t;
  t.add(run);
  return t;
}

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
  run.list_name = list.name;
  run.batch = list.batch;

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
      row.list_name = list.name;
      row.batch = list.batch;
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
        row.min_bytes = rt::min_phase_bytes(spec, phase).total();
        row.roofline_cycles =
            rt::roofline_cycles(row.rec.macs, run.pes(), row.min_bytes, set.mem_bandwidth);
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
  std::printf("%-*s  %-*s  %-5s  %10s  %10s  %6s  %10s  %6s  %10s  %12s  %12s  %10s  %12s\n", nw,
              "layer", ww, "network", "phase", "cycles", "ideal", "util %", "roofline", "roof %",
              "MACs", "DRAM read B", "DRAM write B", "mismatches", "out of bound");
}

void print_row(const LayerList &list, const Row &row) {
  const int nw = static_cast<int>(name_width(list)), ww = static_cast<int>(network_width(list));
  const PhaseRecord &r = row.rec;
  if (!row.error.empty()) {
    std::printf("%-*s  %-*s  %-5s  error: %s\n", nw, r.layer.c_str(), ww, row.network.c_str(),
                r.phase.c_str(), row.error.c_str());
  } else {
    std::printf(
        "%-*s  %-*s  %-5s  %10llu  %10llu  %6.1f  %10llu  %6.1f  %10llu  %12llu  %12llu  %10llu  "
        "%12llu\n",
        nw, r.layer.c_str(), ww, row.network.c_str(), r.phase.c_str(),
        static_cast<unsigned long long>(r.cycles), static_cast<unsigned long long>(r.ideal_cycles),
        r.utilization_pct, static_cast<unsigned long long>(row.roofline_cycles), row.roofline_pct(),
        static_cast<unsigned long long>(r.macs), static_cast<unsigned long long>(r.dram_read_bytes),
        static_cast<unsigned long long>(r.dram_write_bytes),
        static_cast<unsigned long long>(r.mismatches),
        static_cast<unsigned long long>(r.out_of_bound));
    if (!r.first_mismatch.empty()) {
      std::printf("%*s  first mismatch: %s\n", nw, "", r.first_mismatch.c_str());
    }
  }
  std::fflush(stdout);
}

// "G.up2 ep of dcgan-small-b16 (2.1% of its roofline)"
std::string worst_text(const Totals &t) {
  if (t.worst == nullptr) return "none";
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.1f", t.worst->roofline_pct());
  return t.worst->rec.layer + " " + t.worst->rec.phase + " of " + t.worst->list_name + " (" + pct +
         "% of its roofline)";
}

void print_totals(const Totals &t) {
  std::printf(
      "total: %zu phases, %llu cycles (ideal %llu, roofline %llu), utilization %.1f%% of %llu "
      "PEs, %.1f%% of the roofline, %llu MACs, DRAM read %llu B, write %llu B\n",
      t.phases, static_cast<unsigned long long>(t.cycles), static_cast<unsigned long long>(t.ideal),
      static_cast<unsigned long long>(t.roofline), t.utilization_pct(),
      static_cast<unsigned long long>(t.pes), t.roofline_pct(),
      static_cast<unsigned long long>(t.macs), static_cast<unsigned long long>(t.rd),
      static_cast<unsigned long long>(t.wr));
  std::printf("furthest from its roofline: %s\n", worst_text(t).c_str());
  std::printf(
      "checks: %llu bit mismatches with the golden model, %llu values outside the "
      "reference's error bound, %zu of %zu phases failed to run\n",
      static_cast<unsigned long long>(t.mismatches),
      static_cast<unsigned long long>(t.out_of_bound), t.failed, t.phases);
  std::printf(
      "simulation: %llu cycles in %.2f s of accelerator runs: %.3g M cycles/s "
      "(%.3g M per CPU second); %.2f s in all, with the golden model and the reference\n",
      static_cast<unsigned long long>(t.sim_cycles), t.sim_seconds, t.sim_speed() / 1e6,
      t.sim_cpu_speed() / 1e6, t.wall_seconds);
}

Json totals_json(const Totals &t) {
  Json worst = nullptr;
  if (t.worst != nullptr) {
    worst = {{"layer_list", t.worst->list_name},
             {"layer", t.worst->rec.layer},
             {"phase", t.worst->rec.phase},
             {"cycles", t.worst->rec.cycles},
             {"roofline_cycles", t.worst->roofline_cycles},
             {"roofline_pct", t.worst->roofline_pct()}};
  }
  return {{"phases", t.phases},
          {"failed_phases", t.failed},
          {"total_cycles", t.cycles},
          {"total_ideal_cycles", t.ideal},
          {"total_roofline_cycles", t.roofline},
          {"utilization_pct", t.utilization_pct()},
          {"roofline_pct", t.roofline_pct()},
          {"worst_roofline_record", worst},
          {"total_macs", t.macs},
          {"total_macs_performed", t.performed},
          {"total_dram_read_bytes", t.rd},
          {"total_dram_write_bytes", t.wr},
          {"total_mismatches", t.mismatches},
          {"total_out_of_bound", t.out_of_bound},
          {"sim_cycles", t.sim_cycles},
          {"sim_wall_seconds", t.sim_seconds},
          {"sim_cycles_per_second", t.sim_speed()},
          {"sim_cpu_seconds", t.sim_cpu_seconds},
          {"sim_cycles_per_cpu_second", t.sim_cpu_speed()},
          {"wall_seconds", t.wall_seconds},
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
Json lists_json(const std::vector<LayerList> &lists) {
  Json a = Json::array();
  for (const LayerList &l : lists) {
    a.push_back({{"layer_list", l.name},
                 {"path", l.path},
                 {"format", l.format},
                 {"batch", l.batch},
                 {"layers", l.layers.size()}});
  }
  return a;
}

// What produced a report: the commit of the current directory's repository and settings.
Json provenance(const char *command, const std::vector<LayerList> &lists, const Settings &set) {
  const GitState git = git_state();
  return {{"command", command},
          {"git_commit", git.commit},
          {"git_dirty", git.dirty},
          {"layer_lists", lists_json(lists)},
          {"seed", set.seed},
          {"mem_latency_cycles", set.mem_latency},
          {"mem_bandwidth_bytes_per_cycle", set.mem_bandwidth}};
}

void write_json(const std::string &path, const Json &j) {
  write_file(path, j.dump(2) + "\n", "--json");
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
  const LayerList list = read_layer_list(set.layers_paths.at(0));
  if (!set.json_path.empty()) check_target(set.json_path, "--json");
  print_title("run", list, config, set);
  print_header(list);
  std::fflush(stdout);
  const ConfigRun run = run_config(
      list, config, set, "run", [&](const ConfigRun &, const Row &row) { print_row(list, row); });
  const Totals t = totals(run);
  print_totals(t);
  print_format_note(list, run);
  std::printf("%s\n", t.pass() ? "PASS" : "FAIL");
  std::fflush(stdout);

  if (!set.json_path.empty()) {
    Json j = provenance("run", {list}, set);
    j.update(hw_json(run));
    j["records"] = Json::array();
    for (const Row &r : run.rows) j["records"].push_back(r.to_json());
    j["summary"] = totals_json(t);
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

// Every list, read and checked before anything runs; their names must differ (records name
// their list).
std::vector<LayerList> read_layer_lists(const std::vector<std::string> &paths) {
  if (paths.empty()) throw InputError("--layers: no layer list given");
  std::vector<LayerList> lists;
  for (const std::string &path : paths) {
    if (path.empty()) throw InputError("--layers: empty path");
    lists.push_back(read_layer_list(path));
    for (size_t i = 0; i + 1 < lists.size(); ++i) {
      if (lists[i].name == lists.back().name) {
        throw InputError("--layers: " + lists[i].path + " and " + path + " are both named '" +
                         lists.back().name + "' (a layer list's name must be unique)");
      }
    }
  }
  return lists;
}

// One line per configuration and list, and one per configuration over its lists.
void print_bench_table(const std::vector<std::string> &configs,
                       const std::vector<ConfigRun> &runs) {
  std::printf("%-12s  %-18s  %5s  %5s  %12s  %12s  %12s  %6s  %6s  %14s\n", "config", "layer list",
              "batch", "PEs", "cycles", "ideal", "roofline", "util %", "roof %", "sim cyc/CPU s");
  const auto line = [](const std::string &config, const std::string &list, const std::string &batch,
                       const Totals &t) {
    std::printf("%-12s  %-18s  %5s  %5llu  %12llu  %12llu  %12llu  %6.1f  %6.1f  %14.0f\n",
                config.c_str(), list.c_str(), batch.c_str(), static_cast<unsigned long long>(t.pes),
                static_cast<unsigned long long>(t.cycles), static_cast<unsigned long long>(t.ideal),
                static_cast<unsigned long long>(t.roofline), t.utilization_pct(), t.roofline_pct(),
                t.sim_cpu_speed());
  };
  for (const std::string &config : configs) {
    Totals all;
    size_t n = 0;
    for (const ConfigRun &r : runs) {
      if (r.config != config) continue;
      line(config, r.list_name, std::to_string(r.batch), totals(r));
      all.add(r);
      ++n;
    }
    if (n > 1) line(config, "(all lists)", "", all);
  }
}

int bench_dense(const Settings &set, const std::string &configs_arg) {
  const std::vector<std::string> configs = parse_configs(configs_arg);
  const std::vector<LayerList> lists = read_layer_lists(set.layers_paths);
  if (!set.json_path.empty()) check_target(set.json_path, "--json");
  std::vector<ConfigRun> runs;
  bool pass = true;
  for (const std::string &config : configs) {
    for (const LayerList &list : lists) {
      print_title("bench-dense", list, config, set);
      print_header(list);
      std::fflush(stdout);
      runs.push_back(run_config(list, config, set, "bench-dense " + config + " " + list.name,
                                [&](const ConfigRun &, const Row &row) { print_row(list, row); }));
      const Totals t = totals(runs.back());
      print_totals(t);
      print_format_note(list, runs.back());
      std::printf("\n");
      pass = pass && t.pass();
    }
  }
  print_bench_table(configs, runs);
  std::printf("%s\n", pass ? "PASS" : "FAIL");
  std::fflush(stdout);

  if (!set.json_path.empty()) {
    Json j = provenance("bench-dense", lists, set);
    j["configs"] = Json::array();
    j["records"] = Json::array();
    for (const std::string &config : configs) {
      Json c;
      Json per_list = Json::array();
      Totals all;
      for (const ConfigRun &r : runs) {
        if (r.config != config) continue;
        if (c.is_null()) c = hw_json(r);
        Json l = {{"layer_list", r.list_name}, {"batch", r.batch}};
        l.update(totals_json(totals(r)));
        per_list.push_back(l);
        all.add(r);
        for (const Row &row : r.rows) j["records"].push_back(row.to_json());
      }
      c.update(totals_json(all));
      c["layer_lists"] = per_list;
      j["configs"].push_back(c);
    }
    j["pass"] = pass;
    write_json(set.json_path, j);
  }
  return pass ? 0 : kExitFail;
}

void add_common(CLI::App *cmd, Settings &set) {
  cmd->add_option("--seed", set.seed, "random seed of the inputs (layer i uses seed + i)")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->add_option("--json", set.json_path, "write a JSON report to this file")->check(non_empty());
  add_memory_options(cmd, set.mem_latency, set.mem_bandwidth);
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
    cmd->add_option("--layers", set->layers_paths.at(0), "the layer list (JSON)")
        ->check(non_empty())
        ->capture_default_str();
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
    cmd->add_option("--layers", set->layers_paths,
                    "the layer lists (JSON), comma-separated or repeated; each runs on every "
                    "configuration")
        ->delimiter(',')
        ->capture_default_str();
    add_common(cmd, *set);
    cmd->callback([set, configs] {
      throw CLI::RuntimeError(guarded([&] { return bench_dense(*set, *configs); }));
    });
  }
}

}  // namespace ganpu::sim
