// `ganpu-sim layer SPEC.json`: one layer phase from a JSON spec and .npy tensors.
#pragma once

#include <CLI/CLI.hpp>

namespace ganpu::sim {

void add_layer_command(CLI::App &app);

}  // namespace ganpu::sim
