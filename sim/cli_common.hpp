// What every ganpu-sim command (and fp-exhaustive) shares at the command line: the error that
// means bad input, the one-line `error: ...` message, strict option values, and usage errors
// reported like every other error.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ganpu::sim {

// Bad input (options, paths, configurations, layer lists): exit status 2, with the message,
// which names the option, file or field, on one line.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string &msg) : std::runtime_error(msg) {}
};

// The message with control characters escaped (\n, \r, \t, other bytes below 0x20 and 0x7F
// as \xNN), so that it prints as one line whatever file or field name it quotes.
std::string one_line(const std::string &msg);

// Prints "error: MSG" (one_line) on stderr, after flushing stdout.
void print_error(const std::string &msg);

// Runs a command's body: InputError becomes its message (print_error) and status 2.
int guarded(const std::function<int()> &body);

// For a CLI11 error of app.parse(): 0 after --help (printed as CLI11 does), else 2 with one
// line "error: ..." naming the option.
int usage_error(const CLI::App &app, const CLI::Error &e);

// Option values, checked strictly before CLI11 converts them (its conversion takes "-1" as
// 2^64 - 1, "0x10" as 16 and "010" as 8, lets "2^64" saturate and "nan" pass a range).
// Decimal digits only, at most 2^64 - 1; normalized without leading zeros.
CLI::Validator unsigned_integer();
// A finite number in [lo, hi].
CLI::Validator finite_range(double lo, double hi);
// Not the empty string (an empty path must not mean "the default").
CLI::Validator non_empty();

// The options of the commands that run layer data of controlled sparsity (eors-census,
// bench-sparse): --layers (the layer list), --seed (of the data) and --sparsities (input and
// output sparsities to combine, in percent).
void add_sparse_data_options(CLI::App *cmd, std::string &layers, uint64_t &seed,
                             std::vector<int> &sparsities_pct);

// The memory model's options of every command that runs the accelerator: --mem-latency
// (cycles from an AXI address handshake to the first data beat, 1 to 10^6) and
// --mem-bandwidth (bytes per cycle shared by reads and writes, 0.001 to 1024).
void add_memory_options(CLI::App *cmd, unsigned &latency_cycles, double &bytes_per_cycle);

// "PREFIX: WHAT, cycle C" on stderr, rewritten in place, only if stderr is a terminal; the
// line is cleared by clear() and on destruction.
class Progress {
 public:
  explicit Progress(std::string prefix);
  ~Progress();
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;
  bool on() const { return on_; }
  void show(const std::string &what, uint64_t cycle);
  void clear();

 private:
  bool on_;
  bool shown_ = false;
  std::string prefix_;
};

}  // namespace ganpu::sim
