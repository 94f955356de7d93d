// `ganpu-sim bench-sparse`: dense mode against sparse mode (OP.SKIP) of the same RTL, on seeded
// layer data of controlled input and output sparsity (runtime/sparse_data.hpp), for every layer
// of a layer list, every configuration asked for and every phase. Each run is checked bit for
// bit against the golden model of its mode; the report puts the measured speedup beside the
// ideal 1 / (d_in * d_out) of docs/sparsity.md.
#include "bench_sparse_command.hpp"

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cli_common.hpp"
#include "layer_check.hpp"
#include "layer_list.hpp"
#include "output_set.hpp"
#include "provenance.hpp"
#include "runtime/accelerator.hpp"
#include "runtime/energy.hpp"
#include "runtime/layer_json.hpp"
#include "runtime/sparse_data.hpp"

namespace ganpu::sim {

namespace {

using Json = nlohmann::ordered_json;

struct SparseSettings {
  std::string layers_path = "sim/sparse_layers.json";
  std::vector<std::string> configs = {"4x4_fp16"};
  std::vector<int> sparsities_pct = {0, 30, 50, 70, 90};
  std::vector<std::string> points;  // "IN/OUT", instead of the grid
  std::vector<std::string> phases = {"fp", "ep", "wg"};
  std::string json_path;
  uint64_t seed = 1;
  unsigned mem_latency = 20;
  double mem_bandwidth = 8.0;
};

struct Point {
  int in = 0, out = 0;
};

// The cases: --points if given, else every (in, out) of the --sparsities grid.
std::vector<Point> points(const SparseSettings &set) {
  std::vector<Point> p;
  if (set.points.empty()) {
    for (int in : set.sparsities_pct) {
      for (int out : set.sparsities_pct) p.push_back({in, out});
    }
    return p;
  }
  for (const std::string &s : set.points) {
    const size_t slash = s.find('/');
    int in = -1, out = -1;
    char tail = 0;
    if (slash == std::string::npos || std::sscanf(s.c_str(), "%d/%d%c", &in, &out, &tail) != 2 ||
        in < 0 || in > 100 || out < 0 || out > 100) {
      throw InputError("--points: '" + s + "' is not IN/OUT with both in 0..100 (e.g. 90/90)");
    }
    p.push_back({in, out});
  }
  return p;
}

model::Phase phase_of(const std::string &name) {
  for (model::Phase ph :
       {model::Phase::kForward, model::Phase::kErrorProp, model::Phase::kWeightGrad}) {
    if (name == model::to_string(ph)) return ph;
  }
  throw InputError("--phases: '" + name + "' is not fp, ep or wg");
}

double ratio(uint64_t a, uint64_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

// The ideal is 1 / (d_in * d_out) in every phase: the terms that need computing have a
// non-zero input operand and a needed output (FP: x non-zero, output not zero after ReLU; EP:
// dz non-zero, where the previous layer's ReLU output x is non-zero; WG: x and dz both
// non-zero).
struct Case {
  std::string layer, config, phase;
  double in_pct = 0, out_pct = 0;  // achieved sparsities of the data
  PhaseRecord dense, sparse;
  double ideal = 0;
  double speedup() const { return ratio(dense.cycles, sparse.cycles); }
  uint64_t dram(const PhaseRecord &r) const { return r.dram_read_bytes + r.dram_write_bytes; }
  bool exact() const { return dense.mismatches == 0 && sparse.mismatches == 0; }
  double energy_pj(const PhaseRecord &r) const {
    return rt::energy_estimate(r.counters, dram(r)).total_pj();
  }
};

double ratio_d(double a, double b) { return b > 0 ? a / b : 0.0; }

// The parts of a run's energy estimate, and the events behind them.
Json parts(const PhaseRecord &r) {
  const rt::EnergyEstimate e =
      rt::energy_estimate(r.counters, r.dram_read_bytes + r.dram_write_bytes);
  return {{"mac", e.mac_pj},
          {"sram", e.sram_pj},
          {"dram", e.dram_pj},
          {"a_reads", r.counters.a_reads},
          {"b_reads", r.counters.b_reads},
          {"nz_reads", r.counters.nz_reads},
          {"buf_writes", r.counters.buf_writes}};
}

Json case_json(const Case &c) {
  const double sp = c.speedup();
  return {{"layer", c.layer},
          {"phase", c.phase},
          {"config", c.config},
          {"in_sparsity_pct", c.in_pct},
          {"out_sparsity_pct", c.out_pct},
          {"dense_cycles", c.dense.cycles},
          {"sparse_cycles", c.sparse.cycles},
          {"speedup", sp},
          {"ideal_speedup", c.ideal},
          {"efficiency_pct", c.ideal > 0 ? 100.0 * sp / c.ideal : 0.0},
          // What skipping the zero inputs alone removes: the MACs left.
          {"macs_dense", c.dense.counters.macs},
          {"macs_sparse", c.sparse.counters.macs},
          {"zero_skip_bound_speedup", ratio(c.dense.counters.macs, c.sparse.counters.macs)},
          // Output skipping (EORS in FP, the previous mask in EP) is not in the RTL yet.
          {"output_skipping", false},
          {"eors_false_zero_pct", nullptr},
          {"eors_caught_pct", nullptr},
          {"dram_bytes_dense", c.dram(c.dense)},
          {"dram_bytes_sparse", c.dram(c.sparse)},
          {"energy_pj_dense", c.energy_pj(c.dense)},
          {"energy_pj_sparse", c.energy_pj(c.sparse)},
          {"energy_ratio", ratio_d(c.energy_pj(c.sparse), c.energy_pj(c.dense))},
          {"energy_parts_pj_sparse", parts(c.sparse)},
          {"energy_parts_pj_dense", parts(c.dense)},
          {"busy_cycles_dense", c.dense.busy_cycles},
          {"busy_cycles_sparse", c.sparse.busy_cycles},
          {"stall_load_cycles_sparse", c.sparse.stall_load_cycles},
          {"stall_store_cycles_sparse", c.sparse.stall_store_cycles},
          {"stall_setup_cycles_sparse", c.sparse.stall_setup_cycles},
          {"stall_drain_cycles_sparse", c.sparse.stall_drain_cycles},
          {"mismatches_dense", c.dense.mismatches},
          {"mismatches_sparse", c.sparse.mismatches}};
}

int bench(const SparseSettings &set) {
  const LayerList list = read_layer_list(set.layers_path);
  std::vector<model::Phase> phases;
  for (const std::string &p : set.phases) phases.push_back(phase_of(p));
  const std::vector<Point> pts = points(set);
  const std::vector<std::string> known = rt::accelerator_configs();
  for (const std::string &c : set.configs) {
    bool ok = false;
    for (const std::string &k : known) ok = ok || k == c;
    if (!ok) throw InputError("--configs: '" + c + "' is not a configuration of this build");
  }

  std::vector<Case> cases;
  const size_t total = set.configs.size() * list.layers.size() * pts.size() * phases.size();
  Progress progress("bench-sparse");
  std::printf("bench-sparse: %s (batch %d), seed %llu, memory %u cycles, %.1f B/cycle\n",
              list.name.c_str(), list.batch, static_cast<unsigned long long>(set.seed),
              set.mem_latency, set.mem_bandwidth);
  std::printf("%-10s %-8s %-5s %6s %6s %10s %10s %8s %8s %7s %8s %8s\n", "config", "layer", "phase",
              "in %", "out %", "dense", "sparse", "speedup", "ideal", "eff %", "dram -%",
              "energy %");
  // One memory per configuration, as big as the largest layer needs (the size does not
  // depend on the format), and one accelerator for all its runs.
  rt::AxiMemConfig mem;
  mem.size = 0;
  for (size_t i = 0; i < list.layers.size(); ++i) {
    const rt::AxiMemConfig m = memory_for(layer_spec(list, i, list.format), set.configs.front(),
                                          set.mem_latency, set.mem_bandwidth);
    if (m.size > mem.size) mem = m;
  }
  Json configs = Json::array();
  for (const std::string &config : set.configs) {
    std::unique_ptr<rt::Accelerator> acc = rt::make_accelerator(config, mem);
    const rt::HwConfig hw = acc->config();
    const std::string format = rt::format_json_name(hw.format);
    configs.push_back({{"config", config},
                       {"pe_rows", hw.pe_rows},
                       {"pe_cols", hw.pe_cols},
                       {"slots", hw.slots},
                       {"skip_walk", hw.skip_walk}});
    for (size_t i = 0; i < list.layers.size(); ++i) {
      const model::LayerSpec spec = layer_spec(list, i, format);
      for (const Point &pt : pts) {
        rt::SparsityRequest req;
        req.in_sparsity = pt.in / 100.0;
        req.out_sparsity = pt.out / 100.0;
        req.seed = set.seed;
        const rt::SparseLayerData d = rt::make_sparse_layer(spec, req);
        rt::LayerInputs in;
        in.x = d.x;
        in.w = d.w;
        in.b = d.b;
        in.dy = d.dy;
        in.mask = d.mask;
        for (model::Phase ph : phases) {
          Case c;
          c.layer = list.layers[i].name;
          c.config = config;
          c.phase = model::to_string(ph);
          c.in_pct = 100.0 * d.in_sparsity;
          c.out_pct = 100.0 * d.out_sparsity;
          c.ideal = rt::ideal_sparse_speedup(c.in_pct, c.out_pct);
          const std::string what = config + " " + c.layer + " " + c.phase + " " +
                                   std::to_string(pt.in) + "/" + std::to_string(pt.out) + " (" +
                                   std::to_string(cases.size() + 1) + " of " +
                                   std::to_string(total) + ")";
          for (const bool skip : {false, true}) {
            const uint64_t c0 = acc->cycle();
            acc->on_cycle([&](uint64_t cy) {
              if ((cy & 0xFFFF) == 0) progress.show(what + (skip ? " sparse" : " dense"), cy - c0);
            });
            PhaseRecord r =
                run_and_check(*acc, config, c.layer, spec, ph, in, true, nullptr, {}, skip);
            acc->on_cycle({});
            (skip ? c.sparse : c.dense) = std::move(r);
          }
          progress.clear();
          std::printf("%-10s %-8s %-5s %6.1f %6.1f %10llu %10llu %8.2f %8.2f %7.1f %8.1f %8.1f%s\n",
                      config.c_str(), c.layer.c_str(), c.phase.c_str(), c.in_pct, c.out_pct,
                      static_cast<unsigned long long>(c.dense.cycles),
                      static_cast<unsigned long long>(c.sparse.cycles), c.speedup(), c.ideal,
                      c.ideal > 0 ? 100.0 * c.speedup() / c.ideal : 0.0,
                      100.0 * (1.0 - ratio(c.dram(c.sparse), c.dram(c.dense))),
                      100.0 * ratio_d(c.energy_pj(c.sparse), c.energy_pj(c.dense)),
                      c.exact() ? "" : "  MISMATCH");
          std::fflush(stdout);
          cases.push_back(std::move(c));
        }
      }
    }
  }

  size_t wrong = 0;
  for (const Case &c : cases) wrong += !c.exact();
  if (!set.json_path.empty()) {
    const GitState git = git_state();
    Json records = Json::array();
    for (const Case &c : cases) records.push_back(case_json(c));
    const Json j = {{"command", "bench-sparse"},
                    {"git_commit", git.commit},
                    {"git_dirty", git.dirty},
                    {"layer_list", list.name},
                    {"path", list.path},
                    {"batch", list.batch},
                    {"seed", set.seed},
                    {"mem_latency_cycles", set.mem_latency},
                    {"mem_bytes_per_cycle", set.mem_bandwidth},
                    {"configs", configs},
                    {"records", records}};
    write_file(set.json_path, j.dump(2) + "\n", "--json");
    std::printf("report: %s\n", set.json_path.c_str());
  }
  if (wrong) {
    std::fprintf(stderr, "bench-sparse: %zu of %zu cases differ from the golden model\n", wrong,
                 cases.size());
    return 1;
  }
  return 0;
}

}  // namespace

void add_bench_sparse_command(CLI::App &app) {
  auto set = std::make_shared<SparseSettings>();
  CLI::App *cmd = app.add_subcommand(
      "bench-sparse",
      "dense mode vs sparse mode (zero skipping) of the same RTL on layer data of controlled "
      "sparsity, every run checked against the golden model");
  add_sparse_data_options(cmd, set->layers_path, set->seed, set->sparsities_pct);
  cmd->add_option("--configs", set->configs, "configurations (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--points", set->points,
                  "IN/OUT sparsity pairs in percent instead of the grid (comma-separated)")
      ->delimiter(',');
  cmd->add_option("--phases", set->phases, "phases (comma-separated: fp, ep, wg)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--json", set->json_path, "write the records to this JSON file");
  add_memory_options(cmd, set->mem_latency, set->mem_bandwidth);
  cmd->callback([set] { throw CLI::RuntimeError(guarded([&] { return bench(*set); })); });
}

}  // namespace ganpu::sim
