// `ganpu-sim eors-census`: how well the EORS predictor (model/eors.hpp) separates ReLU zeros
// on layer data of controlled sparsity, across its margin: golden model only, no RTL. The
// figures choose the predictor's default margin (docs/sparsity.md).
#pragma once

#include <CLI/CLI.hpp>

namespace ganpu::sim {

void add_eors_command(CLI::App &app);

}  // namespace ganpu::sim
