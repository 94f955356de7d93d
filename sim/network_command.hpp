// `ganpu-sim run` and `ganpu-sim bench-dense`: the layers of a network (sim/dcgan.json) in all
// three training phases, checked against the golden model, with a table and a JSON report.
#pragma once

#include <CLI/CLI.hpp>

namespace ganpu::sim {

void add_network_commands(CLI::App &app);

}  // namespace ganpu::sim
