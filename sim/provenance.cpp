#include "provenance.hpp"

#include <cstdio>
#include <filesystem>

namespace ganpu::sim {

namespace fs = std::filesystem;

std::string command_line(const std::string &cmd) {
  FILE *p = popen(cmd.c_str(), "r");
  if (!p) return "";
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  if (pclose(p) != 0) return "";
  const size_t nl = out.find('\n');
  if (nl != std::string::npos) out.resize(nl);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\r' || out.back() == '\t'))
    out.pop_back();
  return out;
}

GitState git_state() {
  const auto git = [](const std::string &dir, const std::string &args) {
    std::string cmd = "git --no-optional-locks";
    if (!dir.empty()) {
      std::string quoted = "'";
      for (char c : dir) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
      cmd += " -C " + quoted + "'";
    }
    return command_line(cmd + " " + args + " 2>/dev/null");
  };
  std::string dir;
  const fs::path src = fs::path(__FILE__).parent_path();
  std::error_code ec;
  if (src.is_absolute() && fs::is_directory(src, ec)) dir = src.string();
  GitState g;
  std::string c = git(dir, "rev-parse --short HEAD");
  if (c.empty() && !dir.empty()) c = git(dir = "", "rev-parse --short HEAD");
  if (c.empty()) return g;
  g.commit = c;
  g.dirty = !git(dir, "status --porcelain --untracked-files=no").empty();
  return g;
}

}  // namespace ganpu::sim
