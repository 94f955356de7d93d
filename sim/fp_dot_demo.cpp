#include "fp_dot_demo.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <vector>

#include "Vfp_mac_bf16.h"
#include "Vfp_mac_fp16.h"
#include "cli_common.hpp"
#include "model/fp_model.hpp"
#include "output_set.hpp"
#include "runtime/fst_trace.hpp"
#include "runtime/verilated_unit.hpp"

namespace ganpu::sim {

namespace {

double to_double32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// A value of format f near a standard normal sample (the host rounding only picks test data).
uint32_t random_value(fp::Format f, std::mt19937_64 &rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  const float x = dist(rng);
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return fp::narrow(f, bits);
}

struct DotResult {
  uint32_t rtl = 0;
  uint32_t model = 0;
  uint64_t mismatches = 0;
  uint64_t cycles = 0;
};

// Accumulates serially: each MAC waits for the previous sum (the latency-3 pipeline's
// recurrence), so the order of additions is exactly the model's.
template <class V>
DotResult accumulate(fp::Format f, const std::vector<uint32_t> &a, const std::vector<uint32_t> &b,
                     const FpDotOptions &opt) {
  rt::ClockedUnit<V> unit;
  std::optional<rt::FstTrace> trace;
  if (!opt.trace_path.empty()) {
    trace.emplace(unit.context(), unit.io(), opt.trace_path, opt.trace_start, opt.trace_end);
    unit.on_eval([&trace](uint64_t t) { trace->dump(t); });
  }
  DotResult r;
  const uint64_t start = unit.cycles();
  for (size_t i = 0; i < a.size(); ++i) {
    const uint32_t want = fp::mac(f, r.model, a[i], b[i]);
    unit.stream(
        1,
        [&](V &io, uint64_t) {
          io.acc_i = r.rtl;
          io.a_i = a[i];
          io.b_i = b[i];
        },
        [&](const V &io, uint64_t) { r.rtl = io.acc_o; });
    if (r.rtl != want && r.mismatches++ < 5) {
      std::fprintf(stderr, "mismatch at element %zu: rtl %08x model %08x\n", i, r.rtl, want);
    }
    r.model = want;
  }
  r.cycles = unit.cycles() - start;
  return r;
}

}  // namespace

void add_fp_dot_command(CLI::App &app) {
  auto opt = std::make_shared<FpDotOptions>();
  CLI::App *cmd = app.add_subcommand(
      "fp-dot", "FP16/BF16 dot product through the RTL MAC, checked against the golden model");
  cmd->add_option("--format", opt->format, "operand format")
      ->check(CLI::IsMember({"fp16", "bf16"}))
      ->capture_default_str();
  cmd->add_option("--length", opt->length, "number of products")
      ->check(unsigned_integer())
      ->check(CLI::Range(1u, 1u << 24))
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed, "random seed of the operands")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->add_option("--json", opt->json_path, "write a JSON report to this file")->check(non_empty());
  cmd->add_option("--trace", opt->trace_path, "write an FST waveform to this file")
      ->check(non_empty());
  cmd->add_option("--trace-start", opt->trace_start, "first cycle in the waveform")
      ->check(unsigned_integer());
  cmd->add_option("--trace-end", opt->trace_end, "cycle after the last one in the waveform")
      ->check(unsigned_integer());
  cmd->callback([opt] { throw CLI::RuntimeError(run_fp_dot(*opt)); });
}

int run_fp_dot(const FpDotOptions &opt) {
  return guarded([&] { return fp_dot(opt); });
}

int fp_dot(const FpDotOptions &opt) {
  if (!opt.json_path.empty()) check_target(opt.json_path, "--json");
  const fp::Format f = (opt.format == "bf16") ? fp::kBf16 : fp::kFp16;
  std::mt19937_64 rng(opt.seed);
  std::vector<uint32_t> a(opt.length);
  std::vector<uint32_t> b(opt.length);
  for (uint32_t i = 0; i < opt.length; ++i) {
    a[i] = random_value(f, rng);
    b[i] = random_value(f, rng);
  }
  const DotResult r = (f.exp_w == fp::kFp16.exp_w) ? accumulate<Vfp_mac_fp16>(f, a, b, opt)
                                                   : accumulate<Vfp_mac_bf16>(f, a, b, opt);

  // Double reference: the products are exact in double, the sum nearly so. Serial FP32
  // summation of n exact terms errs by at most gamma(n-1) * sum |a_i b_i|, u = 2^-24.
  double ref = 0.0;
  double abs_sum = 0.0;
  for (uint32_t i = 0; i < opt.length; ++i) {
    const double p = to_double32(fp::widen(f, a[i])) * to_double32(fp::widen(f, b[i]));
    ref += p;
    abs_sum += std::fabs(p);
  }
  const double u = std::ldexp(1.0, -24);
  const double nu = (opt.length - 1) * u;
  const double bound = nu / (1.0 - nu) * abs_sum;
  const double err = std::fabs(to_double32(r.rtl) - ref);
  const bool ok = r.mismatches == 0 && err <= bound;

  std::printf("fp-dot: %u-element %s dot product through the RTL MAC (fp_mac, FP32 accumulator)\n",
              opt.length, opt.format.c_str());
  std::printf("  %-26s %08x (%.9g)\n", "RTL result", r.rtl, to_double32(r.rtl));
  std::printf("  %-26s %08x (%.9g)\n", "golden model", r.model, to_double32(r.model));
  std::printf("  %-26s %llu of %u partial sums\n", "bit mismatches",
              static_cast<unsigned long long>(r.mismatches), opt.length);
  std::printf("  %-26s %.9g\n", "double reference", ref);
  std::printf("  %-26s %.3g (bound %.3g)\n", "|RTL - reference|", err, bound);
  std::printf("  %-26s %llu (%u MACs, one per %.1f cycles: serial accumulation)\n", "cycles",
              static_cast<unsigned long long>(r.cycles), opt.length,
              static_cast<double>(r.cycles) / opt.length);
  if (!opt.trace_path.empty()) std::printf("  %-26s %s\n", "waveform", opt.trace_path.c_str());
  std::printf("%s\n", ok ? "PASS" : "FAIL");

  if (!opt.json_path.empty()) {
    nlohmann::json j = {
        {"command", "fp-dot"},        {"format", opt.format},     {"length", opt.length},
        {"seed", opt.seed},           {"rtl_result_bits", r.rtl}, {"model_result_bits", r.model},
        {"mismatches", r.mismatches}, {"cycles", r.cycles},       {"reference", ref},
        {"abs_error", err},           {"error_bound", bound},     {"pass", ok}};
    write_file(opt.json_path, j.dump(2) + "\n", "--json");
  }
  return ok ? 0 : 1;
}

}  // namespace ganpu::sim
