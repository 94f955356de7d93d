// fp-exhaustive: every FP16 x FP16 product, every FP16/BF16 -> FP32 conversion and every
// FP32 -> FP16/BF16 conversion through the RTL, each compared with the golden model.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "Vfp_mul_fp16.h"
#include "Vfp_narrow_bf16.h"
#include "Vfp_narrow_fp16.h"
#include "Vfp_widen_bf16.h"
#include "Vfp_widen_fp16.h"
#include "cli_common.hpp"
#include "model/fp_model.hpp"
#include "output_set.hpp"
#include "runtime/fp_units.hpp"
#include "runtime/verilated_unit.hpp"

namespace {

using ganpu::fp::kBf16;
using ganpu::fp::kFp16;
using ganpu::fp::kFp32;
using ganpu::rt::ClockedUnit;

struct Result {
  std::string name;
  uint64_t checked = 0;
  uint64_t mismatches = 0;
  std::vector<std::string> first;  // the first few mismatches, for the report
};

// Prints "name: done/total" on stderr when it is a terminal, about once per percent.
class Progress {
 public:
  Progress(std::string name, uint64_t total)
      : name_(std::move(name)), total_(total), tty_(isatty(STDERR_FILENO) != 0) {}
  void add(uint64_t n) {
    const uint64_t before = done_.fetch_add(n);
    const uint64_t step = total_ / 100 + 1;
    if (tty_ && (before / step) != ((before + n) / step)) {
      std::fprintf(stderr, "\r%s: %3llu%%", name_.c_str(),
                   static_cast<unsigned long long>((before + n) * 100 / total_));
    }
  }
  ~Progress() {
    if (tty_) std::fprintf(stderr, "\r%s: done\n", name_.c_str());
  }

 private:
  std::string name_;
  uint64_t total_;
  bool tty_;
  std::atomic<uint64_t> done_{0};
};

// Splits [0, total) over `threads` workers; each calls body(begin, end, result).
template <class Body>
Result parallel(const std::string &name, uint64_t total, unsigned threads, Body body) {
  std::vector<Result> parts(threads);
  std::vector<std::thread> pool;
  Progress progress(name, total);
  const uint64_t chunk = (total + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    const uint64_t begin = std::min<uint64_t>(total, t * chunk);
    const uint64_t end = std::min<uint64_t>(total, begin + chunk);
    pool.emplace_back([&, t, begin, end] { body(begin, end, parts[t], progress); });
  }
  for (auto &th : pool) th.join();
  Result r;
  r.name = name;
  for (auto &p : parts) {
    r.checked += p.checked;
    r.mismatches += p.mismatches;
    for (auto &m : p.first)
      if (r.first.size() < 10) r.first.push_back(m);
  }
  return r;
}

void record(Result &r, bool ok, const char *fmt, uint64_t x, uint64_t got, uint64_t want) {
  ++r.checked;
  if (ok) return;
  if (++r.mismatches <= 10) {
    char buf[128];
    std::snprintf(buf, sizeof buf, fmt, static_cast<unsigned long long>(x),
                  static_cast<unsigned long long>(got), static_cast<unsigned long long>(want));
    r.first.push_back(buf);
  }
}

constexpr uint64_t kBatch = 1u << 16;

Result fp16_products(unsigned threads) {
  return parallel("FP16 x FP16 products", 1ull << 32, threads,
                  [](uint64_t begin, uint64_t end, Result &r, Progress &p) {
                    ClockedUnit<Vfp_mul_fp16> unit;
                    for (uint64_t base = begin; base < end; base += kBatch) {
                      const uint64_t n = std::min(kBatch, end - base);
                      unit.stream(
                          n,
                          [&](Vfp_mul_fp16 &io, uint64_t i) {
                            io.a_i = static_cast<uint16_t>((base + i) >> 16);
                            io.b_i = static_cast<uint16_t>(base + i);
                          },
                          [&](const Vfp_mul_fp16 &io, uint64_t i) {
                            const uint32_t a = static_cast<uint32_t>((base + i) >> 16);
                            const uint32_t b = static_cast<uint32_t>((base + i) & 0xFFFF);
                            const auto want = ganpu::fp::mul_exact(kFp16, a, b);
                            const auto got = ganpu::rt::read_product(io);
                            record(r, got == want, "a*b %08llx: rtl sig %llx model sig %llx",
                                   base + i, got.sig, want.sig);
                          });
                      p.add(n);
                    }
                  });
}

template <class V>
Result conversion(const std::string &name, uint64_t total, unsigned threads,
                  uint32_t (*model)(uint32_t)) {
  return parallel(
      name, total, threads, [model](uint64_t begin, uint64_t end, Result &r, Progress &p) {
        ClockedUnit<V> unit;
        for (uint64_t base = begin; base < end; base += kBatch) {
          const uint64_t n = std::min(kBatch, end - base);
          unit.stream(
              n, [&](V &io, uint64_t i) { io.x_i = static_cast<uint32_t>(base + i); },
              [&](const V &io, uint64_t i) {
                const uint32_t want = model(static_cast<uint32_t>(base + i));
                record(r, io.x_o == want, "x %08llx: rtl %llx model %llx", base + i, io.x_o, want);
              });
          p.add(n);
        }
      });
}

// Runs the checks; InputError if the report cannot be written.
int run(bool products, bool conversions, unsigned threads, const std::string &json_path) {
  if (!json_path.empty()) ganpu::sim::check_target(json_path, "--json");
  if (!products && !conversions) products = conversions = true;

  std::vector<Result> results;
  if (conversions) {
    results.push_back(
        conversion<Vfp_widen_fp16>("FP16 -> FP32", 1ull << 16, threads,
                                   [](uint32_t x) { return ganpu::fp::widen(kFp16, x); }));
    results.push_back(
        conversion<Vfp_widen_bf16>("BF16 -> FP32", 1ull << 16, threads,
                                   [](uint32_t x) { return ganpu::fp::widen(kBf16, x); }));
    results.push_back(
        conversion<Vfp_narrow_fp16>("FP32 -> FP16", 1ull << 32, threads,
                                    [](uint32_t x) { return ganpu::fp::narrow(kFp16, x); }));
    results.push_back(
        conversion<Vfp_narrow_bf16>("FP32 -> BF16", 1ull << 32, threads,
                                    [](uint32_t x) { return ganpu::fp::narrow(kBf16, x); }));
  }
  if (products) results.push_back(fp16_products(threads));

  nlohmann::json report = nlohmann::json::array();
  uint64_t total_mismatches = 0;
  std::printf("%-24s %14s %12s\n", "check", "checked", "mismatches");
  for (const auto &r : results) {
    std::printf("%-24s %14llu %12llu\n", r.name.c_str(), static_cast<unsigned long long>(r.checked),
                static_cast<unsigned long long>(r.mismatches));
    for (const auto &m : r.first) std::printf("  %s\n", m.c_str());
    total_mismatches += r.mismatches;
    report.push_back({{"check", r.name},
                      {"checked", r.checked},
                      {"mismatches", r.mismatches},
                      {"first_mismatches", r.first}});
  }
  if (!json_path.empty()) ganpu::sim::write_file(json_path, report.dump(2) + "\n", "--json");
  std::printf("%s: %llu mismatches\n", total_mismatches == 0 ? "PASS" : "FAIL",
              static_cast<unsigned long long>(total_mismatches));
  return total_mismatches == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"Exhaustive RTL vs golden-model check of the FP units"};
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  bool products = false;
  bool conversions = false;
  std::string json_path;
  app.add_option("-j,--threads", threads, "worker threads")
      ->check(ganpu::sim::unsigned_integer())
      ->check(CLI::Range(1u, 256u));
  app.add_flag("--products", products, "only the 2^32 FP16 x FP16 products");
  app.add_flag("--conversions", conversions, "only the conversions");
  app.add_option("--json", json_path, "write a JSON report to this file")
      ->check(ganpu::sim::non_empty());
  try {
    app.parse(argc, argv);
  } catch (const CLI::Error &e) {
    return ganpu::sim::usage_error(app, e);
  }
  return ganpu::sim::guarded([&] { return run(products, conversions, threads, json_path); });
}
