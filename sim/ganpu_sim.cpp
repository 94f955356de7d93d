// ganpu-sim: the command-line front end of the OpenGANPU simulator.
#include <CLI/CLI.hpp>
#include <exception>

#include "bench_sparse_command.hpp"
#include "cli_common.hpp"
#include "eors_command.hpp"
#include "fp_dot_demo.hpp"
#include "layer_command.hpp"
#include "network_command.hpp"
#include "train_command.hpp"

int main(int argc, char **argv) {
  CLI::App app{
      "OpenGANPU simulator: runs work through the Verilated RTL and checks it against "
      "the golden model"};
  app.require_subcommand(1);
  ganpu::sim::add_fp_dot_command(app);
  ganpu::sim::add_layer_command(app);
  ganpu::sim::add_network_commands(app);
  ganpu::sim::add_eors_command(app);
  ganpu::sim::add_bench_sparse_command(app);
  ganpu::sim::add_train_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError &e) {
    return e.get_exit_code();  // a subcommand's own status
  } catch (const CLI::Error &e) {
    return ganpu::sim::usage_error(app, e);  // --help is success; usage errors exit 2
  } catch (const std::exception &e) {
    ganpu::sim::print_error(e.what());
    return 2;
  }
  return 0;
}
