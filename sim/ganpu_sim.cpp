// ganpu-sim: the command-line front end of the OpenGANPU simulator.
#include <CLI/CLI.hpp>

#include "fp_dot_demo.hpp"

int main(int argc, char **argv) {
  CLI::App app{
      "OpenGANPU simulator: runs work through the Verilated RTL and checks it against "
      "the golden model"};
  app.require_subcommand(1);
  ganpu::sim::add_fp_dot_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Error &e) {
    // Usage errors exit 2 (CLI11 reports them); a subcommand's own status comes as RuntimeError.
    if (dynamic_cast<const CLI::RuntimeError *>(&e) != nullptr) return e.get_exit_code();
    app.exit(e);
    return 2;
  }
  return 0;
}
