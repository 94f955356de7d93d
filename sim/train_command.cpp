// `ganpu-sim train`: the GAN training step of tb/train/gan_trainer.hpp, step after step, with a
// table on stdout, a JSON report, the generator's samples before and after, and optionally the
// trained weights as .npy files named like a PyTorch state_dict.
#include "train_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "layer_check.hpp"
#include "output_set.hpp"
#include "provenance.hpp"
#include "runtime/accelerator.hpp"
#include "runtime/npy.hpp"
#include "train/gan_trainer.hpp"

namespace ganpu::sim {

namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

struct TrainSettings {
  std::string config = "4x4_fp16";
  int steps = 100;
  int batch = 16;
  train::GanShape shape;  // z_dim, g_ch, d_ch (batch from --batch, format from --config)
  uint64_t seed = 1;
  int64_t images = 2048;  // of the built-in data set
  std::string data_path;
  std::string init_dir;
  std::string export_dir;
  std::string json_path;
  std::string samples_dir;
  bool dense = false;
  int baseline_every = 0;  // 0: no dense baseline
  bool golden = false;
  double lr = train::AdamConfig{}.lr;
  double leaky_slope = -1;  // < 0: ReLU
  unsigned mem_latency = 20;
  double mem_bandwidth = 8.0;
  std::string astm = "adaptive";  // train::Multiplexing
};

// What one step cost and achieved, from its phase records.
struct StepSummary {
  uint64_t cycles = 0, dense_cycles = 0, macs = 0, dense_macs = 0, mismatches = 0;
  uint64_t out_of_bound = 0;
  double relu_zeros = 0, relu_outputs = 0;
  std::string first_mismatch;
  explicit StepSummary(const train::StepResult &r) {
    cycles = r.cycles;
    dense_cycles = r.dense_cycles;
    for (const train::PhaseRun &p : r.phases) {
      macs += p.macs;
      dense_macs += p.dense_macs;
      mismatches += p.mismatches;
      out_of_bound += p.out_of_bound;
      if (first_mismatch.empty() && !p.first_mismatch.empty()) {
        first_mismatch = p.layer + " " + model::to_string(p.phase) + ": " + p.first_mismatch;
      }
      if (p.out_zero_pct >= 0) {
        // Weighted by each layer's dense MACs (the layers with more work count more), not by
        // its number of outputs.
        relu_zeros += p.out_zero_pct * static_cast<double>(p.dense_macs);
        relu_outputs += static_cast<double>(p.dense_macs);
      }
    }
  }
  double skipped_pct() const {
    return dense_macs ? 100.0 * (1.0 - static_cast<double>(macs) / dense_macs) : 0.0;
  }
  double relu_zero_pct() const { return relu_outputs > 0 ? relu_zeros / relu_outputs : 0.0; }
};

Json phase_json(const train::StepResult &r, const train::PhaseRun &p) {
  Json j = {{"step", r.step},
            {"pass", p.pass},
            {"layer", p.layer},
            {"phase", model::to_string(p.phase)},
            {"cycles", p.counters.cycles},
            {"dense_cycles", p.dense_cycles ? Json(p.dense_cycles) : Json(nullptr)},
            {"dense_macs", p.dense_macs},
            {"macs", p.macs},
            {"in_zero_pct", p.in_zero_pct}};
  if (p.phase == model::Phase::kWeightGrad) j["dz_zero_pct"] = p.in2_zero_pct;
  j["out_zero_pct"] = p.out_zero_pct >= 0 ? Json(p.out_zero_pct) : Json(nullptr);
  j["start_cycle"] = p.start_cycle;
  j["end_cycle"] = p.end_cycle;
  // Every job as a core ran it: [core, start cycle, end cycle].
  Json spans = Json::array();
  for (const auto &s : p.spans) spans.push_back({s.core, s.start, s.end});
  if (p.spans.empty()) spans.push_back({0, p.start_cycle, p.end_cycle});  // direct: core 0
  j["spans"] = std::move(spans);
  j["busy_cycles"] = p.counters.busy_cycles;
  j["stall_load_cycles"] = p.counters.stall_load;
  j["dram_read_bytes"] = p.counters.rd_bytes;
  j["dram_write_bytes"] = p.counters.wr_bytes;
  j["mismatches"] = p.mismatches;
  j["out_of_bound"] = p.out_of_bound;
  return j;
}

// --init DIR: every parameter from DIR/NAME.npy (float32 or float16, its PyTorch shape).
void load_init(train::GanTrainer &t, const std::string &dir) {
  for (const auto &[name, p] : t.params()) {
    const std::string path = (fs::path(dir) / (name + ".npy")).string();
    rt::NpyArray a;
    try {
      a = rt::read_npy(path);
    } catch (const std::exception &e) {
      throw InputError(std::string("--init: ") + e.what());
    }
    try {
      rt::require_shape(a, p.shape, "--init");
    } catch (const std::exception &e) {
      throw InputError(e.what());
    }
    if (a.dtype != "<f4" && a.dtype != "<f2") {
      throw InputError("--init " + path + ": dtype " + a.dtype + ", expected float32 or float16");
    }
    std::vector<float> v(static_cast<size_t>(a.count()));
    for (size_t i = 0; i < v.size(); ++i) {
      const uint32_t b = a.bits(i);
      if (a.dtype == "<f2") {
        v[i] = train::to_float(fp::kFp16, b);
      } else {
        std::memcpy(&v[i], &b, sizeof b);
      }
      if (!std::isfinite(v[i])) {
        throw InputError("--init " + path + ": element " + std::to_string(i) + " is not finite");
      }
    }
    t.set_param(name, v);
  }
}

int train_run(const TrainSettings &set) {
  bool known = false;
  for (const std::string &k : rt::accelerator_configs()) known = known || k == set.config;
  if (!known)
    throw InputError("--config: '" + set.config + "' is not a configuration of this build");
  if (!set.json_path.empty()) check_target(set.json_path, "--json");
  if (!set.samples_dir.empty()) check_target(set.samples_dir, "--samples", true);
  if (!set.export_dir.empty()) check_target(set.export_dir, "--export", true);

  if (set.shape.g_ch % 2 != 0)
    throw InputError("--g-ch: must be even, got " + std::to_string(set.shape.g_ch));
  train::ImageSet data;
  if (set.data_path.empty()) {
    data = train::shapes_dataset(set.images, set.seed);
  } else {
    try {
      data = train::read_image_npy(set.data_path);
    } catch (const std::invalid_argument &e) {
      throw InputError(e.what());
    }
  }
  // One memory as big as the largest layer needs (the discriminator's on 2 * batch).
  // The layout does not depend on the format, so the default shape sizes it.
  train::GanShape sizing = set.shape;
  sizing.batch = set.batch;
  rt::AxiMemConfig mem;
  mem.size = 0;
  for (const auto &net : {train::generator_layers(sizing, set.batch),
                          train::discriminator_layers(sizing, 2 * set.batch)}) {
    for (const train::NetLayer &l : net) {
      const rt::AxiMemConfig m = memory_for(l.spec, set.config, set.mem_latency, set.mem_bandwidth);
      if (m.size > mem.size) mem = m;
    }
  }
  // A queue program stages two phases of a group at once, and its records after them.
  mem.size = 2 * mem.size + (1u << 20);
  const train::Multiplexing mux = *train::parse_multiplexing(set.astm);
  std::unique_ptr<rt::Accelerator> acc = rt::make_accelerator(set.config, mem);
  const rt::HwConfig hw = acc->config();
  const int cores = mux == train::Multiplexing::kDirect ? 1 : acc->cores();
  if (mux == train::Multiplexing::kSpatial && cores < 2) {
    throw InputError("--astm spatial: splits the cores between G and D, and " + set.config +
                     " has " + std::to_string(cores) + " core (use adaptive or temporal)");
  }
  const uint64_t pes = static_cast<uint64_t>(hw.pe_rows) * hw.pe_cols * cores;
  if (data.count < set.batch) {
    throw InputError((set.data_path.empty() ? "--images: " : "--data " + set.data_path + ": ") +
                     std::to_string(data.count) + " images for a batch of " +
                     std::to_string(set.batch) + " (--batch)");
  }
  train::TrainConfig tc;
  tc.shape = set.shape;
  tc.shape.batch = set.batch;
  tc.shape.format = hw.format;
  if (set.leaky_slope >= 0) {
    tc.shape.act = fp::Act::kLeakyRelu;
    tc.shape.negative_slope = train::to_bits(hw.format, static_cast<float>(set.leaky_slope));
  }
  tc.seed = set.seed;
  tc.adam.lr = static_cast<float>(set.lr);
  std::unique_ptr<train::GanTrainer> trainer;
  try {
    trainer = std::make_unique<train::GanTrainer>(tc, std::move(data));
  } catch (const std::invalid_argument &e) {
    throw InputError(e.what());
  }
  if (!set.init_dir.empty()) load_init(*trainer, set.init_dir);

  train::AcceleratorExecutor exec(*acc, !set.dense, mux);
  // The samples are the golden model's, which the accelerator's equal bit for bit.
  train::GoldenExecutor golden(!set.dense);

  const std::string source = set.data_path.empty()
                                 ? "built-in shapes (" + std::to_string(set.images) + " images)"
                                 : set.data_path;
  std::printf("train: DCGAN on %s (%s, %d core%s), %s, batch %d, %d steps, seed %llu, %s mode%s\n",
              set.config.c_str(), set.astm.c_str(), cores, cores == 1 ? "" : "s", source.c_str(),
              set.batch, set.steps, static_cast<unsigned long long>(set.seed),
              set.dense ? "dense" : "sparse (zero skipping)",
              set.golden                         ? ", golden model only"
              : set.baseline_every && !set.dense ? ", dense baseline"
                                                 : "");
  std::printf("%5s %8s %8s %6s %6s %11s %11s %8s %9s %9s %7s %10s\n", "step", "D loss", "G loss",
              "D(x)", "D(G(z))", "cycles", "dense", "speedup", "skipped %", "ReLU 0 %", "util %",
              "mismatches");
  std::fflush(stdout);

  const std::vector<float> start = trainer->samples(golden);
  Progress progress("train");
  Json records = Json::array(), d_loss = Json::array(), g_loss = Json::array();
  Json steps = Json::array();
  uint64_t total = 0, mismatches = 0, out_of_bound = 0, host_ops = 0;
  // The steps with a dense baseline: their cycles in both modes.
  uint64_t base_sparse = 0, base_dense = 0, base_steps = 0;
  uint64_t dense_min = UINT64_MAX, dense_max = 0;  // dense cycles of one measured step
  // The steps with a temporal baseline (adaptive or spatial multiplexing): both cycles.
  uint64_t temp_mux = 0, temp_temporal = 0, temp_steps = 0;
  std::string first_mismatch;
  for (int s = 1; s <= set.steps; ++s) {
    exec.set_dense_baseline(set.baseline_every > 0 &&
                            (s == 1 || s % set.baseline_every == 0 || s == set.steps));
    const uint64_t c0 = acc->cycle();
    acc->on_cycle([&](uint64_t cy) {
      if ((cy & 0xFFFF) == 0) {
        progress.show("step " + std::to_string(s) + " of " + std::to_string(set.steps), cy - c0);
      }
    });
    const train::StepResult r =
        trainer->step(set.golden ? static_cast<train::LayerExecutor &>(golden) : exec);
    acc->on_cycle({});
    progress.clear();
    const StepSummary sum(r);
    total += sum.cycles;
    if (sum.dense_cycles) {
      base_sparse += sum.cycles;
      base_dense += sum.dense_cycles;
      ++base_steps;
      dense_min = std::min(dense_min, sum.dense_cycles);
      dense_max = std::max(dense_max, sum.dense_cycles);
    }
    if (r.temporal_cycles) {
      temp_mux += r.cycles;
      temp_temporal += r.temporal_cycles;
      ++temp_steps;
    }
    mismatches += sum.mismatches;
    out_of_bound += sum.out_of_bound;
    host_ops += r.host_ops;
    if (first_mismatch.empty()) first_mismatch = sum.first_mismatch;
    const double util = sum.cycles ? 100.0 * sum.macs / (double(sum.cycles) * pes) : 0.0;
    char speedup[16] = "-";
    if (sum.dense_cycles && sum.cycles) {
      std::snprintf(speedup, sizeof speedup, "%.2fx", double(sum.dense_cycles) / sum.cycles);
    }
    const std::string dense = sum.dense_cycles ? std::to_string(sum.dense_cycles) : "-";
    std::printf("%5d %8.4f %8.4f %6.3f %7.3f %11llu %11s %8s %9.1f %9.1f %7.1f %10llu\n", r.step,
                r.d_loss, r.g_loss, r.d_real, r.d_fake, static_cast<unsigned long long>(sum.cycles),
                dense.c_str(), speedup, sum.skipped_pct(), sum.relu_zero_pct(), util,
                static_cast<unsigned long long>(sum.mismatches));
    std::fflush(stdout);
    d_loss.push_back(r.d_loss);
    g_loss.push_back(r.g_loss);
    steps.push_back(
        {{"step", r.step},
         {"d_loss", r.d_loss},
         {"g_loss", r.g_loss},
         {"d_real", r.d_real},
         {"d_fake", r.d_fake},
         {"cycles", sum.cycles},
         {"dense_cycles", sum.dense_cycles ? Json(sum.dense_cycles) : Json(nullptr)},
         {"temporal_cycles", r.temporal_cycles ? Json(r.temporal_cycles) : Json(nullptr)},
         {"macs", sum.macs},
         {"dense_macs", sum.dense_macs},
         {"macs_skipped_pct", sum.skipped_pct()},
         {"relu_zero_pct", sum.relu_zero_pct()},
         {"utilization_pct", util},
         {"core_utilization_pct",
          sum.cycles ? 100.0 * double(r.busy_core_cycles) / (double(sum.cycles) * cores) : 0.0},
         {"dram_bytes", r.dram_bytes},
         {"dram_utilization_pct",
          sum.cycles ? 100.0 * double(r.dram_bytes) / (double(sum.cycles) * set.mem_bandwidth)
                     : 0.0},
         {"host_ops", r.host_ops},
         {"mismatches", sum.mismatches}});
    for (const train::PhaseRun &p : r.phases) records.push_back(phase_json(r, p));
  }
  const std::vector<float> end = trainer->samples(golden);

  // Dense mode issues every tap whatever the values, so its cycles are the same every step;
  // where the measured steps agree, the speedup is over the whole run, else over those steps.
  const bool dense_constant = base_steps && dense_min == dense_max;
  const double speedup_all = dense_constant ? double(dense_min) * set.steps / double(total)
                             : base_steps   ? double(base_dense) / double(base_sparse)
                                            : 0.0;
  const double per_step = double(total) / set.steps;
  std::printf("summary: %llu cycles in %d steps, %.0f per step",
              static_cast<unsigned long long>(total), set.steps, per_step);
  if (base_steps) {
    std::printf("; dense mode %.0f per step (%s on the %llu steps run in both modes), %.2fx",
                double(base_dense) / base_steps, dense_constant ? "the same" : "varying",
                static_cast<unsigned long long>(base_steps), speedup_all);
  }
  const double vs_temporal = temp_steps ? double(temp_temporal) / double(temp_mux) : 0.0;
  if (temp_steps) {
    std::printf("; temporal-only multiplexing %.0f per step on those steps, %.2fx",
                double(temp_temporal) / temp_steps, vs_temporal);
  }
  std::printf("; host work %llu element operations (not in the cycles)\n",
              static_cast<unsigned long long>(host_ops));
  std::printf("summary: EORS is not in the RTL yet (issue 7): output zeros are not skipped\n");
  std::printf("summary: mismatches %llu, out of bound %llu\n",
              static_cast<unsigned long long>(mismatches),
              static_cast<unsigned long long>(out_of_bound));

  OutputSet out;
  if (!set.samples_dir.empty()) {
    out.make_dirs(set.samples_dir, "--samples");
    train::write_image_npy(out.add(fs::path(set.samples_dir) / "samples_start.npy", "--samples"),
                           start);
    train::write_image_npy(out.add(fs::path(set.samples_dir) / "samples_end.npy", "--samples"),
                           end);
  }
  if (!set.export_dir.empty()) {
    out.make_dirs(set.export_dir, "--export");
    for (const auto &[name, p] : trainer->params()) {
      const std::string tmp = out.add(fs::path(set.export_dir) / (name + ".npy"), "--export");
      rt::write_npy(tmp, "<f4", p.shape, p.value.data(), p.value.size() * sizeof(float));
    }
  }
  if (!set.json_path.empty()) {
    const GitState git = git_state();
    Json layers = Json::array();
    for (const auto &net : {train::generator_layers(tc.shape, set.batch),
                            train::discriminator_layers(tc.shape, set.batch)}) {
      for (const train::NetLayer &l : net) {
        layers.push_back({{"name", l.name},
                          {"type", model::to_string(l.spec.type)},
                          {"in_channels", l.spec.in_channels},
                          {"out_channels", l.spec.out_channels},
                          {"in_h", l.spec.in_h},
                          {"out_h", l.spec.out_h()}});
      }
    }
    const Json j = {
        {"command", "train"},
        {"git_commit", git.commit},
        {"git_dirty", git.dirty},
        {"config", set.config},
        {"mode", set.astm},
        {"cores", cores},
        {"sparse", !set.dense},
        {"eors", "not built"},
        {"data", set.data_path.empty() ? Json("shapes") : Json(set.data_path)},
        {"activation", set.leaky_slope >= 0 ? "leaky_relu" : "relu"},
        {"negative_slope", set.leaky_slope >= 0
                               ? Json(train::to_float(hw.format, tc.shape.negative_slope))
                               : Json(nullptr)},
        {"batch", set.batch},
        {"seed", set.seed},
        {"lr", set.lr},
        {"loss_scale", tc.loss_scale},
        {"mem_latency_cycles", set.mem_latency},
        {"mem_bytes_per_cycle", set.mem_bandwidth},
        {"layers", layers},
        {"steps", set.steps},
        {"total_cycles", total},
        {"cycles_per_step", per_step},
        {"baseline_steps", base_steps},
        {"dense_cycles_per_step",
         base_steps ? Json(double(base_dense) / base_steps) : Json(nullptr)},
        {"dense_cycles_constant", base_steps ? Json(dense_constant) : Json(nullptr)},
        {"speedup_vs_dense", base_steps ? Json(speedup_all) : Json(nullptr)},
        {"temporal_cycles_per_step",
         temp_steps ? Json(double(temp_temporal) / temp_steps) : Json(nullptr)},
        {"speedup_vs_temporal", temp_steps ? Json(vs_temporal) : Json(nullptr)},
        {"host_ops", host_ops},
        {"d_loss", d_loss},
        {"g_loss", g_loss},
        {"mismatches", mismatches},
        {"out_of_bound", out_of_bound},
        {"per_step", steps},
        {"records", records}};
    write_text(out.add(set.json_path, "--json"), j.dump(2) + "\n", "--json", set.json_path);
  }
  out.commit();
  const fs::path exported = fs::path(set.export_dir);
  for (const std::string &p : out.final_paths()) {
    if (set.export_dir.empty() || fs::path(p).parent_path() != exported) {
      std::printf("wrote: %s\n", p.c_str());
    }
  }
  if (!set.export_dir.empty()) {
    std::printf("wrote: %s (%zu parameters)\n", set.export_dir.c_str(), trainer->params().size());
  }
  if (mismatches || out_of_bound) {
    std::fprintf(stderr, "train: %llu bits differ from the golden model (first: %s)\n",
                 static_cast<unsigned long long>(mismatches), first_mismatch.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void add_train_command(CLI::App &app) {
  auto set = std::make_shared<TrainSettings>();
  CLI::App *cmd = app.add_subcommand(
      "train",
      "train the small DCGAN (docs/training.md) on the accelerator, every layer phase checked "
      "against the golden model");
  cmd->add_option("--config", set->config, "accelerator configuration")->capture_default_str();
  cmd->add_option("--steps", set->steps, "training steps (each a D and a G update)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--batch", set->batch, "images per batch")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--z-dim", set->shape.z_dim, "latent vector length")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--g-ch", set->shape.g_ch, "generator channels at 4x4 (half at 8x8; even)")
      ->check(CLI::Range(2, 1024))
      ->capture_default_str();
  cmd->add_option("--d-ch", set->shape.d_ch, "discriminator channels at 8x8 (twice at 4x4)")
      ->check(CLI::Range(1, 512))
      ->capture_default_str();
  cmd->add_option("--seed", set->seed, "seed of the weights, latent vectors, batches and shapes")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->add_option("--images", set->images, "images in the built-in shapes data set")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--data", set->data_path,
                  "train on these images instead: .npy, float16 or float32, (N, 1, 16, 16) or "
                  "(N, 16, 16), values in [-1, 1]")
      ->check(non_empty());
  cmd->add_option("--init", set->init_dir, "initial weights from DIR/NAME.npy (state_dict names)")
      ->check(non_empty());
  cmd->add_option("--export", set->export_dir, "write the trained weights to DIR/NAME.npy")
      ->check(non_empty());
  cmd->add_option("--json", set->json_path, "write the report to this JSON file")
      ->check(non_empty());
  cmd->add_option("--samples", set->samples_dir,
                  "write the generator's samples before and after to DIR/samples_{start,end}.npy")
      ->check(non_empty());
  cmd->add_flag("--dense", set->dense, "dense mode (no zero skipping)");
  cmd->add_flag("--golden", set->golden,
                "run the layers on the golden model alone, without the accelerator (no cycles): "
                "the software trainer the accelerator's run must equal");
  cmd->add_option("--dense-baseline", set->baseline_every,
                  "also run every phase in dense mode (and, with adaptive or spatial "
                  "multiplexing, every group in temporal multiplexing) on the first, every N-th "
                  "and the last step, for the speedups (0: never)")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  cmd->add_option("--leaky-relu", set->leaky_slope,
                  "LeakyReLU with this negative slope (rounded to the 16-bit format) in the "
                  "hidden layers instead of ReLU")
      ->check(finite_range(0.0, 1.0));
  cmd->add_option("--lr", set->lr, "Adam learning rate")
      ->check(finite_range(1e-8, 1.0))
      ->capture_default_str();
  cmd->add_option("--astm", set->astm,
                  "how the cores are shared (docs/astm.md): adaptive, temporal, spatial (a static "
                  "split between G and D), or direct (every job on core 0, no queues)")
      ->check(CLI::IsMember({"adaptive", "temporal", "spatial", "direct"}))
      ->capture_default_str();
  add_memory_options(cmd, set->mem_latency, set->mem_bandwidth);
  cmd->callback([set] { throw CLI::RuntimeError(guarded([&] { return train_run(*set); })); });
}

}  // namespace ganpu::sim
