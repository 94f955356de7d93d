// The command line's shared pieces; see cli_common.hpp.
#include "cli_common.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <system_error>
#include <utility>

namespace ganpu::sim {

std::string one_line(const std::string &msg) {
  std::string out;
  for (const char c : msg) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", u);
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

void print_error(const std::string &msg) {
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n", one_line(msg).c_str());
}

int guarded(const std::function<int()> &body) {
  try {
    return body();
  } catch (const InputError &e) {
    print_error(e.what());
    return 2;
  }
}

int usage_error(const CLI::App &app, const CLI::Error &e) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
  print_error(e.what());
  return 2;
}

CLI::Validator unsigned_integer() {
  return CLI::Validator(
      [](std::string &s) -> std::string {
        uint64_t v = 0;
        const char *end = s.data() + s.size();
        const auto r = std::from_chars(s.data(), end, v);
        const bool digits = !s.empty() && s[0] >= '0' && s[0] <= '9';
        if (!digits || r.ptr != end || r.ec != std::errc())
          return "must be an integer from 0 to " +
                 std::to_string(std::numeric_limits<uint64_t>::max()) + ", got '" + s + "'";
        s = std::to_string(v);
        return "";
      },
      "");
}

namespace {

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

CLI::Validator finite_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string &s) -> std::string {
        char *end = nullptr;
        errno = 0;
        const double v = s.empty() ? 0.0 : std::strtod(s.c_str(), &end);
        const bool number = !s.empty() && end == s.c_str() + s.size() && errno == 0;
        if (!number || !std::isfinite(v) || v < lo || v > hi)
          return "must be a number from " + number_text(lo) + " to " + number_text(hi) + ", got '" +
                 s + "'";
        return "";
      },
      "FLOAT in [" + number_text(lo) + " - " + number_text(hi) + "]");
}

CLI::Validator non_empty() {
  return CLI::Validator(
      [](std::string &s) -> std::string { return s.empty() ? "must not be empty" : ""; }, "");
}

void add_memory_options(CLI::App *cmd, unsigned &latency_cycles, double &bytes_per_cycle) {
  cmd->add_option("--mem-latency", latency_cycles,
                  "memory model: cycles from an AXI address handshake to the first data beat")
      ->check(unsigned_integer())
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  cmd->add_option("--mem-bandwidth", bytes_per_cycle,
                  "memory model: bytes per cycle, shared by reads and writes (8 = one 64-bit "
                  "beat per cycle)")
      ->check(finite_range(0.001, 1024.0))
      ->capture_default_str();
}

void add_sparse_data_options(CLI::App *cmd, std::string &layers, uint64_t &seed,
                             std::vector<int> &sparsities_pct) {
  cmd->add_option("--layers", layers, "the layer list (JSON)")
      ->check(non_empty())
      ->capture_default_str();
  cmd->add_option("--seed", seed, "seed of the generated data")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->add_option("--sparsities", sparsities_pct,
                  "input and output sparsities to combine, in percent (comma-separated)")
      ->delimiter(',')
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
}

Progress::Progress(std::string prefix)
    : on_(::isatty(STDERR_FILENO) == 1), prefix_(std::move(prefix)) {}

Progress::~Progress() { clear(); }

void Progress::show(const std::string &what, uint64_t cycle) {
  if (!on_) return;
  std::fprintf(stderr, "\r\033[K%s: %s, cycle %llu", prefix_.c_str(), what.c_str(),
               static_cast<unsigned long long>(cycle));
  std::fflush(stderr);
  shown_ = true;
}

void Progress::clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace ganpu::sim
