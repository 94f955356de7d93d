// `ganpu-sim train`: trains the small DCGAN of tb/train/gan_model.hpp on the Verilated
// accelerator, every layer phase checked bit for bit against the golden model; `make run`
// runs it (docs/training.md).
#pragma once

#include <CLI/CLI.hpp>

namespace ganpu::sim {

void add_train_command(CLI::App &app);

}  // namespace ganpu::sim
