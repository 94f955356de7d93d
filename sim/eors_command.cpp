// `ganpu-sim eors-census`: the EORS predictor scored against the exact ReLU on seeded layer
// data of controlled input and output sparsity (runtime/sparse_data.hpp), for every ReLU layer
// of a layer list, at every margin asked for. Golden model only: it measures the rule, not the
// hardware, and says what a predictor with that rule leaves to compute.
#include "eors_command.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "layer_list.hpp"
#include "model/eors.hpp"
#include "output_set.hpp"
#include "provenance.hpp"
#include "runtime/sparse_data.hpp"

namespace ganpu::sim {

namespace {

struct CensusSettings {
  std::string layers_path = "sim/sparse_layers.json";
  std::string json_path;
  uint64_t seed = 1;
  std::vector<int> sparsities_pct = {0, 30, 50, 70, 90};
  std::vector<int> margins = {-32, -16, -8, -4, 0, 4, 8, 16, 32, 64};
  unsigned comp_q2 = model::EorsConfig{}.comp_q2;
};

// One (layer, sparsity pair, margin) of the census.
struct CensusRow {
  std::string layer;
  double in_pct = 0, out_pct = 0;  // achieved sparsities
  int margin = 0;
  model::EorsScore score;
  double computed_pct = 0;  // outputs predicted non-zero: what the MACs still compute
};

double pct(uint64_t a, uint64_t b) { return b ? 100.0 * static_cast<double>(a) / b : 0.0; }

Json row_json(const CensusRow &r, int batch) {
  const model::EorsScore &s = r.score;
  return {{"layer", r.layer},
          {"batch", batch},
          {"in_sparsity_pct", r.in_pct},
          {"out_sparsity_pct", r.out_pct},
          {"margin", r.margin},
          {"outputs", s.outputs},
          {"true_zeros", s.true_zeros},
          {"caught", s.caught},
          {"false_zeros", s.false_zeros},
          {"missed_zeros", s.missed},
          {"eors_caught_pct", s.caught_pct()},
          {"eors_false_zero_pct", s.false_zero_pct()},
          {"computed_pct", r.computed_pct},
          {"false_zero_mean_error_rel", s.false_zero_mean_error},
          {"false_zero_worst_error_rel", s.false_zero_worst_error},
          {"ideal_speedup", rt::ideal_sparse_speedup(r.in_pct, r.out_pct)},
          {"predictor_bound_speedup", rt::ideal_sparse_speedup(r.in_pct, 100.0 - r.computed_pct)}};
}

int census(const CensusSettings &set) {
  const LayerList list = read_layer_list(set.layers_path);
  std::vector<size_t> relu;
  for (size_t i = 0; i < list.layers.size(); ++i) {
    if (layer_spec(list, i, list.format).activation == fp::Act::kRelu) relu.push_back(i);
  }
  if (relu.empty()) {
    throw InputError("--layers: " + list.path + " has no layer with activation relu");
  }
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  std::vector<CensusRow> rows;
  const size_t cases = relu.size() * set.sparsities_pct.size() * set.sparsities_pct.size();
  size_t done = 0;
  for (size_t i : relu) {
    model::LayerSpec spec = layer_spec(list, i, list.format);
    for (int in : set.sparsities_pct) {
      for (int out : set.sparsities_pct) {
        if (tty) {
          std::fprintf(stderr, "\r\033[Keors-census: %s %d/%d (%zu of %zu)",
                       list.layers[i].name.c_str(), in, out, ++done, cases);
          std::fflush(stderr);
        }
        rt::SparsityRequest req;
        req.in_sparsity = in / 100.0;
        req.out_sparsity = out / 100.0;
        req.seed = set.seed;
        const rt::SparseLayerData d = rt::make_sparse_layer(spec, req);
        const model::ForwardOut exact = model::forward(spec, d.x, d.w, &d.b);
        const int32_t lsb = model::eors_lsb(spec, d.x, d.w);
        const std::vector<model::EorsSums> sums = model::eors_sums(spec, d.x, d.w, &d.b, lsb);
        for (int m : set.margins) {
          std::vector<uint8_t> pred(sums.size());
          uint64_t kept = 0;
          for (size_t j = 0; j < sums.size(); ++j) {
            pred[j] = model::eors_zero(sums[j], m, set.comp_q2) ? 1 : 0;
            kept += !pred[j];
          }
          CensusRow r;
          r.layer = list.layers[i].name;
          r.in_pct = 100.0 * d.in_sparsity;
          r.out_pct = 100.0 * d.out_sparsity;
          r.margin = m;
          r.score = model::eors_score(spec, exact, pred);
          r.computed_pct = pct(kept, sums.size());
          rows.push_back(r);
        }
      }
    }
  }
  if (tty) std::fputs("\r\033[K", stderr);

  // The table: every sparsity pair at the default margin (or the first one asked for), then
  // the margin sweep at the sparsest pair.
  const int shown = [&] {
    for (int m : set.margins) {
      if (m == model::EorsConfig{}.margin) return m;
    }
    return set.margins.front();
  }();
  std::printf("eors-census: %s (batch %d, %s), seed %llu, comp %u/4, lsb = largest term - %d\n",
              list.name.c_str(), list.batch, list.format.c_str(),
              static_cast<unsigned long long>(set.seed), set.comp_q2, model::kEorsWindow);
  std::printf("\nmargin %d (1/64 of the terms' magnitude sum):\n", shown);
  std::printf("%-8s %7s %7s %9s %9s %9s %9s %9s\n", "layer", "in %", "out %", "caught %",
              "false 0 %", "compute %", "ideal x", "bound x");
  for (const CensusRow &r : rows) {
    if (r.margin != shown) continue;
    std::printf("%-8s %7.1f %7.1f %9.1f %9.2f %9.1f %9.1f %9.1f\n", r.layer.c_str(), r.in_pct,
                r.out_pct, r.score.caught_pct(), r.score.false_zero_pct(), r.computed_pct,
                rt::ideal_sparse_speedup(r.in_pct, r.out_pct),
                rt::ideal_sparse_speedup(r.in_pct, 100.0 - r.computed_pct));
  }
  const int top = set.sparsities_pct.back();
  std::printf("\nmargin sweep at %d%% / %d%%:\n", top, top);
  std::printf("%-8s %7s %9s %9s %9s %11s %11s\n", "layer", "margin", "caught %", "false 0 %",
              "compute %", "mean err", "worst err");
  for (const CensusRow &r : rows) {
    if (std::abs(r.in_pct - top) > 1.0 || std::abs(r.out_pct - top) > 1.0) continue;
    std::printf("%-8s %7d %9.1f %9.2f %9.1f %11.4f %11.4f\n", r.layer.c_str(), r.margin,
                r.score.caught_pct(), r.score.false_zero_pct(), r.computed_pct,
                r.score.false_zero_mean_error, r.score.false_zero_worst_error);
  }

  if (!set.json_path.empty()) {
    const GitState git = git_state();
    Json records = Json::array();
    for (const CensusRow &r : rows) records.push_back(row_json(r, list.batch));
    const Json j = {{"command", "eors-census"},
                    {"git_commit", git.commit},
                    {"git_dirty", git.dirty},
                    {"layer_list", list.name},
                    {"path", list.path},
                    {"seed", set.seed},
                    {"comp_q2", set.comp_q2},
                    {"lsb_window", model::kEorsWindow},
                    {"default_margin", model::EorsConfig{}.margin},
                    {"records", records}};
    write_file(set.json_path, j.dump(2) + "\n", "--json");
    std::printf("\nreport: %s\n", set.json_path.c_str());
  }
  return 0;
}

}  // namespace

void add_eors_command(CLI::App &app) {
  auto set = std::make_shared<CensusSettings>();
  CLI::App *cmd = app.add_subcommand(
      "eors-census",
      "the EORS predictor against the exact ReLU on layer data of controlled sparsity, per "
      "margin (golden model only)");
  add_sparse_data_options(cmd, set->layers_path, set->seed, set->sparsities_pct);
  cmd->add_option("--json", set->json_path, "write the records to this JSON file");
  cmd->add_option("--margins", set->margins,
                  "margins to score, in 1/64 of the terms' magnitude sum (comma-separated)")
      ->delimiter(',')
      ->check(CLI::Range(-4096, 4096))
      ->capture_default_str();
  cmd->add_option("--comp", set->comp_q2, "mean significand product, in quarters (9: 2.25)")
      ->check(CLI::Range(1u, 16u))
      ->capture_default_str();
  cmd->callback([set] { throw CLI::RuntimeError(guarded([&] { return census(*set); })); });
}

}  // namespace ganpu::sim
