// What produced a report: the commit of the source tree, for every command's JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ganpu::sim {

// First line of a shell command's output, trimmed; "" if it fails.
std::string command_line(const std::string &cmd);

// The short commit of the source tree this program was built from (else of the current
// directory's repository), "unknown" without git or a repository; dirty: tracked files
// changed since (read only, no index refresh), null if unknown.
struct GitState {
  std::string commit = "unknown";
  nlohmann::ordered_json dirty = nullptr;
};
GitState git_state();

}  // namespace ganpu::sim
