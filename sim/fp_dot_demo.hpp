// `ganpu-sim fp-dot`: a dot product accumulated through the RTL MAC (fp_mac), each partial
// sum checked bit-exactly against the golden model, the result against a double reference.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace ganpu::sim {

struct FpDotOptions {
  std::string format = "fp16";
  uint32_t length = 256;
  uint64_t seed = 1;
  std::string json_path;
  std::string trace_path;
  uint64_t trace_start = 0;
  uint64_t trace_end = UINT64_MAX;
};

// Registers the subcommand; its callback runs the demo and exits with its status.
void add_fp_dot_command(CLI::App &app);

// Returns the process exit status: 0 when RTL and model agree, 1 otherwise, 2 on bad input
// (an unwritable --json), with one line on stderr.
int run_fp_dot(const FpDotOptions &opt);
// The same, throwing InputError on bad input.
int fp_dot(const FpDotOptions &opt);

}  // namespace ganpu::sim
