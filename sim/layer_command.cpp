// `ganpu-sim layer SPEC.json`: one phase of one layer, from a JSON spec (runtime/layer_json.hpp)
// and .npy tensors (or tensors generated from a seed), through the Verilated accelerator,
// checked against the golden model; writes the results as .npy and a JSON report.
//
// Exit status: 0 all results match (or --no-check), 1 mismatches or elements outside the error
// bound (the outputs and the report are still written), 2 bad input of any kind, with one line
// on stderr and no output files. Everything is read and checked before anything is written:
// the outputs go to temporary names (NAME.part) that are renamed only once all are complete,
// and whatever this run created is removed if it fails.
#include "layer_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "cli_common.hpp"
#include "layer_check.hpp"
#include "output_set.hpp"
#include "provenance.hpp"
#include "runtime/accelerator.hpp"
#include "runtime/layer_json.hpp"
#include "runtime/layer_runner.hpp"
#include "runtime/npy.hpp"
#include "spec/layer_spec.hpp"

namespace ganpu::sim {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

struct LayerOptions {
  std::string spec;
  std::string config = "4x4_fp16";
  uint64_t seed = 1;
  std::string out;  // default build/layer_out/<spec stem>
  bool no_check = false;
  std::string report;  // default <out>/report.json
  unsigned mem_latency = 20;
  double mem_bandwidth = 8.0;
  std::string trace;
  uint64_t trace_start = 0;
  uint64_t trace_end = UINT64_MAX;
  bool quiet = false;
};

std::string join(const std::vector<std::string> &v, const std::string &sep = ", ") {
  std::string s;
  for (const std::string &x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// "spec" of "path/spec.json"; the whole file name if it does not end in .json.
std::string spec_stem(const std::string &spec) {
  std::string name = fs::path(spec).filename().string();
  const std::string ext = ".json";
  if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
    name.resize(name.size() - ext.size());
  return name.empty() ? "layer" : name;
}

fs::path default_out_dir(const std::string &spec) {
  return fs::path("build") / "layer_out" / spec_stem(spec);
}

// ---- Inputs ------------------------------------------------------------------------------------

// A tensor file's entry in the report's "tensor_files": its dtype, and what rounding its
// float32/float64 values to the layer's format did.
Json conversion_json(const rt::NpyConversion &c, const std::string &format) {
  Json j;
  j["dtype"] = c.dtype;
  j["rounded"] = c.rounded;
  if (c.rounded) {
    j["rounded_to"] = format;
    j["values"] = c.values;
    j["inexact"] = c.inexact;
    j["to_infinity"] = c.to_infinity;
    j["to_zero"] = c.to_zero;
    j["nan"] = c.nan;
  }
  return j;
}

// The tensors of the phase: loaded from the files the spec names (dtype and shape checked;
// float32 and float64 rounded to the format), the rest generated from the seed. `sources`
// receives name -> file or "generated", `files` name -> dtype and rounding of each file.
rt::LayerInputs load_inputs(const rt::LayerJob &job, uint64_t seed, Json &sources, Json &files) {
  const model::LayerSpec &s = job.spec;
  const std::string format = rt::format_json_name(s.format);
  const std::vector<rt::TensorRole> roles = rt::phase_tensors(job.phase, s.bias, s.activation);
  rt::LayerInputs in;
  bool missing = false;
  for (const rt::TensorRole &role : roles) {
    const auto it = job.tensor_paths.find(role.name);
    if (it == job.tensor_paths.end()) {
      missing = missing || role.needed;
      continue;
    }
    rt::NpyArray a;
    try {
      a = rt::read_npy(it->second);
    } catch (const rt::NpyError &e) {
      throw rt::NpyError("tensor " + role.name + ": " + e.what());
    }
    sources[role.name] = it->second;
    if (role.name == "mask") {
      // Read and checked even where it is not needed: a wrong file is still a mistake.
      const model::Tensor m = rt::mask_from_npy(a, role.name);
      rt::require_shape(a, s.y_shape(), role.name);
      in.mask.assign(m.data.begin(), m.data.end());
      files[role.name] = {{"dtype", a.dtype}, {"rounded", false}};
      if (!role.needed) files[role.name]["used"] = false;
      continue;
    }
    const std::vector<int64_t> shape = role.name == "x"   ? s.x_shape()
                                       : role.name == "w" ? s.w_shape()
                                       : role.name == "b" ? s.b_shape()
                                                          : s.y_shape();  // dy
    rt::NpyConversion conv;
    model::Tensor t = rt::tensor_from_npy_rounded(a, s.format, role.name, &conv);
    rt::require_shape(a, shape, role.name);
    t.shape = shape;
    files[role.name] = conversion_json(conv, format);
    if (role.name == "x") in.x = std::move(t);
    if (role.name == "w") in.w = std::move(t);
    if (role.name == "b") in.b = std::move(t);
    if (role.name == "dy") in.dy = std::move(t);
  }
  if (missing) {
    // The same tensors as a run without files, so a seed names one data set (the EP/WG mask
    // is the golden forward pass's on the generated x, w and b).
    rt::LayerInputs gen = random_inputs(s, seed);
    const std::string tag = "generated (seed " + std::to_string(seed) + ")";
    for (const rt::TensorRole &role : roles) {
      if (job.tensor_paths.count(role.name) || !role.needed) continue;
      sources[role.name] = tag;
      if (role.name == "x") in.x = std::move(gen.x);
      if (role.name == "w") in.w = std::move(gen.w);
      if (role.name == "b") in.b = std::move(gen.b);
      if (role.name == "dy") in.dy = std::move(gen.dy);
      if (role.name == "mask") in.mask = std::move(gen.mask);
    }
  }
  // EP/WG without an activation and without a mask file: the hardware and the golden model
  // pass dy through unmasked, but both take a mask of y's size; all ones is the identity.
  if (job.phase != model::Phase::kForward && in.mask.empty())
    in.mask.assign(static_cast<size_t>(rt::shape_count(s.y_shape())), 1);
  return in;
}

// ---- Progress ----------------------------------------------------------------------------------

// `layer: job i/n, cycle c` on a terminal's stderr, rewritten in place; nothing otherwise.
// c is the accelerator's clock since reset, the cycle numbers of --trace-start/--trace-end.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }
  void start(uint64_t cycle) { show(cycle); }
  void job_done(size_t done, size_t total, uint64_t cycle) {
    done_ = done;
    total_ = total;
    show(cycle);
  }
  void cycle(uint64_t c) {
    if (c - last_ >= kEvery) show(c);
  }
  void clear() {
    if (!enabled_ || !shown_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    shown_ = false;
  }

 private:
  static constexpr uint64_t kEvery = 100000;
  void show(uint64_t c) {
    last_ = c;
    if (!enabled_) return;
    const size_t job = total_ ? std::min(done_ + 1, total_) : done_ + 1;
    std::fprintf(stderr, "\r\033[Klayer: job %zu/%s, cycle %llu", job,
                 total_ ? std::to_string(total_).c_str() : "?", static_cast<unsigned long long>(c));
    std::fflush(stderr);
    shown_ = true;
  }
  bool enabled_;
  bool shown_ = false;
  uint64_t last_ = 0;
  size_t done_ = 0;
  size_t total_ = 0;
};

// ---- Outputs -----------------------------------------------------------------------------------

// An .npy output of the phase: its name in the report ("y"), dtype, and the member of
// rt::LayerOutputs that holds it (null: the mask, a byte vector).
struct OutputFile {
  std::string name;
  std::string dtype;
  model::Tensor rt::LayerOutputs::*tensor;
};

std::vector<OutputFile> output_files(const model::LayerSpec &s, model::Phase phase) {
  const std::string dt16 = rt::npy_dtype_for(s.format);
  switch (phase) {
    case model::Phase::kForward:
      if (s.activation == fp::Act::kNone) return {{"y", dt16, &rt::LayerOutputs::y}};
      return {{"y", dt16, &rt::LayerOutputs::y}, {"mask", "|u1", nullptr}};
    case model::Phase::kErrorProp:
      return {{"dx", dt16, &rt::LayerOutputs::dx}};
    case model::Phase::kWeightGrad:
      return {{"dw", "<f4", &rt::LayerOutputs::dw}, {"db", "<f4", &rt::LayerOutputs::db}};
  }
  return {};
}

model::Tensor output_tensor(const OutputFile &f, const model::LayerSpec &s,
                            const rt::LayerOutputs &out) {
  if (f.tensor) return out.*f.tensor;
  model::Tensor m;
  m.shape = s.y_shape();
  m.data.assign(out.mask.begin(), out.mask.end());
  return m;
}

// Where a run writes: every file registered (so that two outputs of the same name are found
// before anything runs) under its temporary name.
struct Targets {
  fs::path out_dir, report;
  std::string trace_tmp, report_tmp;
  std::vector<std::string> npy_tmp;  // one per output_files()
};

Targets plan_targets(const LayerOptions &opt, const std::vector<OutputFile> &files,
                     OutputSet &outs) {
  Targets t;
  t.out_dir = opt.out.empty() ? default_out_dir(opt.spec) : fs::path(opt.out);
  t.report = opt.report.empty() ? t.out_dir / "report.json" : fs::path(opt.report);
  check_target(t.out_dir, "--out", true);
  check_target(t.report, "--report");
  if (!opt.trace.empty()) {
    check_target(opt.trace, "--trace");
    t.trace_tmp = outs.add(opt.trace, "--trace");
  }
  for (const OutputFile &f : files)
    t.npy_tmp.push_back(outs.add(t.out_dir / (f.name + ".npy"), "--out"));
  t.report_tmp = outs.add(t.report, "--report");
  return t;
}

// ---- The report --------------------------------------------------------------------------------

// The PhaseRecord's fields under their names (as in the reports of `run`), in a reading order;
// "layer" is the record's name of the layer, the spec file. Unlisted fields follow.
void add_record(Json &j, const PhaseRecord &rec) {
  const nlohmann::json rec_json = rec.to_json();
  // clang-format off
  const std::vector<std::string> order = {
      "layer", "phase", "cycles", "ideal_cycles", "utilization_pct", "macs", "busy_cycles",
      "stall_cycles", "stall_load_cycles", "stall_store_cycles", "stall_setup_cycles",
      "stall_drain_cycles", "dram_read_bytes", "dram_write_bytes", "jobs", "elements_checked",
      "mismatches", "out_of_bound", "max_error_ratio", "first_mismatch"};
  // clang-format on
  const auto put = [&j](const std::string &key, const nlohmann::json &v) {
    j[key] = Json::parse(v.dump());
  };
  for (const std::string &key : order)
    if (rec_json.contains(key)) put(key, rec_json.at(key));
  for (const auto &item : rec_json.items())
    if (item.key() != "config" && std::find(order.begin(), order.end(), item.key()) == order.end())
      put(item.key(), item.value());
}

Json make_report(const LayerOptions &opt, const rt::LayerJob &job, const rt::HwConfig &hw,
                 const Json &sources, const Json &files, const fs::path &out_dir,
                 const Json &written, const PhaseRecord &rec) {
  const model::LayerSpec &s = job.spec;
  Json j;
  j["command"] = "layer";
  j["spec_file"] = opt.spec;
  j["spec"] = Json::parse(rt::spec_to_json(s, job.phase).dump());
  j["config"] = opt.config;
  j["pe_rows"] = hw.pe_rows;
  j["pe_cols"] = hw.pe_cols;
  j["pes"] = hw.pe_rows * hw.pe_cols;
  j["format"] = rt::format_json_name(s.format);
  j["a_buffer_depth_elements"] = hw.a_depth;
  j["b_buffer_depth_elements"] = hw.b_depth;
  j["seed"] = opt.seed;
  const GitState git = git_state();
  j["git_commit"] = git.commit;
  j["git_dirty"] = git.dirty;
  j["mem_latency_cycles"] = opt.mem_latency;
  j["mem_bandwidth_bytes_per_cycle"] = opt.mem_bandwidth;
  j["checked"] = !opt.no_check;
  j["tensors"] = sources;
  j["tensor_files"] = files;
  if (s.activation == fp::Act::kLeakyRelu) {
    j["negative_slope_given"] = job.negative_slope_given;
    j["negative_slope_exact"] = job.negative_slope_exact;
  }
  j["out_dir"] = out_dir.string();
  j["outputs"] = written;
  if (!opt.trace.empty()) {
    j["trace"] = {{"file", opt.trace}, {"start_cycle", opt.trace_start}};
    if (opt.trace_end != UINT64_MAX) j["trace"]["end_cycle"] = opt.trace_end;
  }
  add_record(j, rec);
  j["pass"] = rec.mismatches == 0 && rec.out_of_bound == 0;
  return j;
}

void print_summary(const LayerOptions &opt, const rt::LayerJob &job, const rt::HwConfig &hw,
                   const PhaseRecord &rec, const Json &tensor_files,
                   const std::vector<std::string> &files) {
  const model::LayerSpec &s = job.spec;
  const bool pass = rec.mismatches == 0 && rec.out_of_bound == 0;
  if (opt.quiet) {
    if (!pass)
      std::fprintf(stderr, "layer: FAIL: %llu mismatches, %llu out of bound%s%s\n",
                   static_cast<unsigned long long>(rec.mismatches),
                   static_cast<unsigned long long>(rec.out_of_bound),
                   rec.first_mismatch.empty() ? "" : "; first: ", rec.first_mismatch.c_str());
    return;
  }
  const auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("layer: %s %s %s, %s on %s (%dx%d PEs), seed %llu\n", rt::layer_json_name(s.type),
              rt::phase_json_name(job.phase), rt::format_json_name(s.format), opt.spec.c_str(),
              opt.config.c_str(), hw.pe_rows, hw.pe_cols, u(opt.seed));
  for (const auto &item : tensor_files.items()) {
    const Json &f = item.value();
    if (f.at("rounded").get<bool>())
      std::printf("  %-14s %s: %llu %s values to %s, %llu inexact (round to nearest even)\n",
                  "rounded", item.key().c_str(), u(f.at("values").get<uint64_t>()),
                  f.at("dtype") == "<f4" ? "float32" : "float64", rt::format_json_name(s.format),
                  u(f.at("inexact").get<uint64_t>()));
    if (f.contains("used"))
      std::printf("  %-14s %s: not used (no activation: dz = dy)\n", "ignored", item.key().c_str());
  }
  if (s.activation == fp::Act::kLeakyRelu && !job.negative_slope_exact)
    std::printf("  %-14s %s is not a %s value: multiplies by %s (docs/numerics.md)\n", "slope",
                Json(job.negative_slope_given).dump().c_str(), rt::format_json_name(s.format),
                rt::spec_to_json(s, job.phase).at("negative_slope").dump().c_str());
  std::printf("  %-14s %llu in %zu job%s (ideal %llu, utilization %.1f%%)\n", "cycles",
              u(rec.cycles), rec.jobs, rec.jobs == 1 ? "" : "s", u(rec.ideal_cycles),
              rec.utilization_pct);
  std::printf("  %-14s %llu\n", "MACs", u(rec.macs));
  std::printf("  %-14s %llu read, %llu written (latency %u cycles, %g bytes/cycle)\n", "DRAM bytes",
              u(rec.dram_read_bytes), u(rec.dram_write_bytes), opt.mem_latency, opt.mem_bandwidth);
  if (opt.no_check) {
    std::printf("  %-14s not checked (--no-check)\n", "mismatches");
  } else {
    std::printf("  %-14s %llu of %llu elements (golden model, bit for bit)%s%s\n", "mismatches",
                u(rec.mismatches), u(rec.elements),
                rec.first_mismatch.empty() ? "" : "; first: ", rec.first_mismatch.c_str());
    std::printf("  %-14s %llu (double reference; max error/bound %.3g)\n", "out of bound",
                u(rec.out_of_bound), rec.max_error_ratio);
  }
  std::printf("  %-14s %s\n", "wrote", join(files).c_str());
  std::printf("%s\n", opt.no_check ? "DONE (not checked)" : pass ? "PASS" : "FAIL");
}

// ---- The command -------------------------------------------------------------------------------

void check_options(const LayerOptions &opt, const std::vector<std::string> &configs) {
  if (std::find(configs.begin(), configs.end(), opt.config) == configs.end())
    throw InputError("--config: unknown configuration '" + opt.config +
                     "' (this build has: " + join(configs) + ")");
  if (opt.trace.empty() && (opt.trace_start != 0 || opt.trace_end != UINT64_MAX))
    throw InputError("--trace-start/--trace-end need --trace FILE.fst");
  if (opt.trace_end <= opt.trace_start)
    throw InputError("--trace-end (" + std::to_string(opt.trace_end) +
                     ") must be greater than --trace-start (" + std::to_string(opt.trace_start) +
                     ")");
}

// The configuration must compute in the spec's format.
void check_format(const LayerOptions &opt, const std::vector<std::string> &configs,
                  const std::string &format, const rt::HwConfig &hw) {
  if (std::string(rt::format_json_name(hw.format)) == format) return;
  std::vector<std::string> same;
  for (const std::string &c : configs)
    if (c.size() > format.size() && c.compare(c.size() - format.size(), format.size(), format) == 0)
      same.push_back(c);
  throw InputError("--config: configuration '" + opt.config + "' computes in " +
                   rt::format_json_name(hw.format) + " but the spec's format is " + format + "; " +
                   (same.empty() ? "this build has no " + format + " configuration"
                                 : "use --config " + join(same, " or --config ")) +
                   " (this build has: " + join(configs) + ")");
}

// Starts the waveform into its temporary file, whose folder is created first.
void start_trace(const LayerOptions &opt, const std::string &tmp, OutputSet &outs,
                 rt::Accelerator &acc) {
  outs.make_dirs(fs::path(opt.trace).parent_path(), "--trace");
  {
    // FST's writer does not report an unwritable file; find out first.
    std::ofstream probe(tmp, std::ios::binary);
    if (!probe)
      throw InputError("--trace " + opt.trace + ": cannot write: " + std::strerror(errno));
  }
  acc.trace(tmp, opt.trace_start, opt.trace_end);
}

// Runs the phase (and checks it), with the progress line.
PhaseRecord run_phase(const LayerOptions &opt, const rt::LayerJob &job, const rt::LayerInputs &in,
                      std::unique_ptr<rt::Accelerator> acc, rt::LayerOutputs &out) {
  Progress progress(!opt.quiet && isatty(STDERR_FILENO));
  if (progress.enabled()) {
    progress.start(acc->cycle());
    acc->on_cycle([&progress](uint64_t c) { progress.cycle(c); });
  }
  rt::Accelerator *accp = acc.get();
  const rt::JobProgress on_job = [&progress, accp](size_t done, size_t total) {
    progress.job_done(done, total, accp->cycle());
  };
  try {
    const PhaseRecord rec = run_and_check(*acc, opt.config, opt.spec, job.spec, job.phase, in,
                                          !opt.no_check, &out, on_job);
    acc->on_cycle({});
    progress.clear();
    acc.reset();  // completes the trace file
    return rec;
  } catch (...) {
    progress.clear();
    throw;
  }
}

// The message of an error: bad input as it is, the runtime's refusals with what they mean.
std::string error_message(const std::exception &e) {
  if (dynamic_cast<const std::invalid_argument *>(&e))
    return std::string("the accelerator cannot run this layer: ") + e.what();
  if (dynamic_cast<const rt::JobError *>(&e))
    return std::string("accelerator job failed: ") + e.what();
  if (dynamic_cast<const std::bad_alloc *>(&e))
    return "out of memory (the layer's tensors do not fit this machine's memory)";
  const bool expected =
      dynamic_cast<const rt::SpecError *>(&e) || dynamic_cast<const rt::NpyError *>(&e) ||
      dynamic_cast<const InputError *>(&e) || dynamic_cast<const fs::filesystem_error *>(&e);
  return (expected ? "" : "internal error: ") + std::string(e.what());
}

int run_layer_command(const LayerOptions &opt) {
  OutputSet outs;  // removes what this run created unless committed
  try {
    // 1. Everything that can be checked without running: spec, options, sizes, tensors.
    const rt::LayerJob job = rt::parse_layer_json(opt.spec);
    const model::LayerSpec &s = job.spec;
    const std::vector<std::string> configs = rt::accelerator_configs();
    check_options(opt, configs);
    const std::vector<OutputFile> files = output_files(s, job.phase);
    const Targets targets = plan_targets(opt, files, outs);
    // Sizes first (the accelerator's memory holds every tensor), then the tensors.
    const rt::AxiMemConfig mem = memory_for(s, opt.config, opt.mem_latency, opt.mem_bandwidth);
    Json sources = Json::object(), tensor_files = Json::object();
    const rt::LayerInputs in = load_inputs(job, opt.seed, sources, tensor_files);

    // 2. The accelerator, and the run.
    std::unique_ptr<rt::Accelerator> acc = rt::make_accelerator(opt.config, mem);
    const rt::HwConfig hw = acc->config();
    check_format(opt, configs, rt::format_json_name(s.format), hw);
    if (!opt.trace.empty()) start_trace(opt, targets.trace_tmp, outs, *acc);
    rt::LayerOutputs out;
    const PhaseRecord rec = run_phase(opt, job, in, std::move(acc), out);

    // 3. Outputs, all to temporary names, then renamed together.
    outs.make_dirs(targets.out_dir, "--out");
    outs.make_dirs(targets.report.parent_path(), "--report");
    Json written = Json::object();
    for (size_t i = 0; i < files.size(); ++i) {
      rt::write_npy(targets.npy_tmp[i],
                    rt::npy_from_tensor(output_tensor(files[i], s, out), files[i].dtype));
      written[files[i].name] = (targets.out_dir / (files[i].name + ".npy")).string();
    }
    const Json report =
        make_report(opt, job, hw, sources, tensor_files, targets.out_dir, written, rec);
    write_text(targets.report_tmp, report.dump(2) + "\n", "--report", targets.report.string());
    outs.commit();

    // 4. Summary.
    print_summary(opt, job, hw, rec, tensor_files, outs.final_paths());
    return rec.mismatches == 0 && rec.out_of_bound == 0 ? 0 : 1;
  } catch (const std::exception &e) {
    outs.rollback();
    print_error(error_message(e));
    return 2;
  }
}

}  // namespace

void add_layer_command(CLI::App &app) {
  auto opt = std::make_shared<LayerOptions>();
  CLI::App *cmd = app.add_subcommand(
      "layer",
      "one phase (fp, ep or wg) of one conv2d, conv_transpose2d or linear layer from a JSON "
      "spec (docs/cli.md), checked against the golden model; writes .npy outputs and a report");
  cmd->add_option("spec", opt->spec, "the layer's JSON spec (SPEC.json)")
      ->required()
      ->check(non_empty());
  cmd->add_option("--config", opt->config,
                  "accelerator configuration (its format must be the spec's); this build: " +
                      join(rt::accelerator_configs()))
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed,
                  "random seed of the tensors the spec does not give as .npy files")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->add_option("--out", opt->out,
                  "folder of the outputs (y.npy, mask.npy, dx.npy, dw.npy, db.npy, report.json); "
                  "default build/layer_out/<spec file name without .json>")
      ->check(non_empty());
  cmd->add_flag("--no-check", opt->no_check,
                "skip the comparison with the golden model and the double reference");
  cmd->add_option("--report", opt->report, "JSON report file; default <out>/report.json")
      ->check(non_empty());
  add_memory_options(cmd, opt->mem_latency, opt->mem_bandwidth);
  cmd->add_option("--trace", opt->trace, "write an FST waveform of the run to this file")
      ->check(non_empty());
  cmd->add_option("--trace-start", opt->trace_start,
                  "first cycle in the waveform (cycles from the accelerator's reset)")
      ->check(unsigned_integer());
  cmd->add_option("--trace-end", opt->trace_end, "cycle after the last one in the waveform")
      ->check(unsigned_integer());
  cmd->add_flag("--quiet", opt->quiet, "print nothing but errors (and a FAIL line on stderr)");
  cmd->footer(
      "Exit status: 0 the results match (or --no-check); 1 mismatches or elements outside the "
      "error bound (outputs and report are still written); 2 bad input (spec, tensors, "
      "options) or a layer the accelerator cannot run, with one line on stderr and no output "
      "files.");
  cmd->callback([opt] { throw CLI::RuntimeError(run_layer_command(*opt)); });
}

}  // namespace ganpu::sim
