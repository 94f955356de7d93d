#include "network_command.hpp"

namespace ganpu::sim {

void add_network_commands(CLI::App &) {}

}  // namespace ganpu::sim
