// `ganpu-sim bench-sparse`: dense mode against sparse mode (zero skipping, OP.SKIP) of the same
// RTL on layer data of controlled sparsity, every run checked against the golden model of its
// mode; `make bench-sparse` writes build/reports/bench_sparse.json (docs/sparsity.md).
#pragma once

#include <CLI/CLI.hpp>

namespace ganpu::sim {

void add_bench_sparse_command(CLI::App &app);

}  // namespace ganpu::sim
