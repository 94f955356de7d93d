// For the tests that write files: a fresh folder under the system's temporary directory,
// removed with its contents, and whole-file reads and writes.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace ganpu::test {

class TempDir {
 public:
  // The folder is named "ganpu_test_<random>_<n>".
  TempDir() {
    std::random_device rd;
    for (int i = 0;; ++i) {
      path_ = std::filesystem::temp_directory_path() /
              ("ganpu_test_" + std::to_string(rd()) + "_" + std::to_string(i));
      if (std::filesystem::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::filesystem::path &path() const { return path_; }
  std::filesystem::path operator/(const std::string &name) const { return path_ / name; }
  std::string file(const std::string &name) const { return (path_ / name).string(); }

  // Writes text to name (creating folders) and returns the file's path.
  std::string write(const std::string &name, const std::string &text) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// The whole contents of a file ("" if it cannot be read).
inline std::string slurp(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes bytes to a file, replacing it.
inline void spit(const std::filesystem::path &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace ganpu::test
