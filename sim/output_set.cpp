// Output files, all or nothing; see output_set.hpp.
#include "output_set.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "cli_common.hpp"

namespace ganpu::sim {

namespace fs = std::filesystem;

namespace {

// The top-most folder of `dir` (dir itself or one above it) that does not exist, found by
// walking up the path as written, so that the system resolves "link/.." through the link;
// empty if dir exists. Throws InputError if the nearest existing one is not a folder.
fs::path highest_missing(const fs::path &dir, const std::string &what, const fs::path &shown) {
  std::error_code ec;
  fs::path top;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p, ec)) {
      if (!fs::is_directory(p, ec))
        throw InputError(what + " " + shown.string() + ": " + p.string() + " is not a folder");
      break;
    }
    top = p;
    if (p == p.parent_path()) break;
  }
  return top;
}

// What a path names once the system resolves it: its existing part canonical (symlinks and
// ".." followed), the rest normalized. Two paths of the same identity are the same file.
std::string identity(const fs::path &p) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(p, ec);
  const fs::path resolved = fs::weakly_canonical(absolute, ec);
  return (ec ? absolute.lexically_normal() : resolved).string();
}

}  // namespace

void check_target(const fs::path &p, const std::string &what, bool is_dir) {
  std::error_code ec;
  const fs::file_status st = fs::status(p, ec);
  if (is_dir && fs::exists(st) && !fs::is_directory(st))
    throw InputError(what + " " + p.string() + ": exists and is not a folder");
  if (!is_dir && fs::is_directory(st))
    throw InputError(what + " " + p.string() + ": is a folder, expected a file name");
  if (!is_dir && fs::exists(st) && !fs::is_regular_file(st))
    throw InputError(what + " " + p.string() + ": exists and is not a regular file");
  (void)highest_missing(fs::absolute(p, ec).parent_path(), what, p);
}

OutputSet::~OutputSet() { rollback(); }

void OutputSet::make_dirs(const fs::path &dir, const std::string &what) {
  if (dir.empty()) return;
  const fs::path top = highest_missing(dir, what, dir);
  if (top.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw InputError(what + " " + dir.string() + ": cannot create the folder: " + ec.message());
  const fs::path created = fs::canonical(top, ec);
  created_dirs_.push_back(ec ? fs::absolute(top) : created);
}

void OutputSet::claim(const fs::path &p, const std::string &label, const std::string &what) {
  const auto [it, fresh] = names_.emplace(identity(p), label);
  if (!fresh)
    throw InputError(what + " " + p.string() + ": the same file as " + it->second +
                     " (each output needs its own file)");
}

std::string OutputSet::add(const fs::path &final_path, const std::string &what) {
  const std::string final_name = final_path.string(), tmp = final_name + ".part";
  claim(final_path, what + " " + final_name, what);
  claim(tmp, "the temporary file of " + what + " " + final_name, what);
  files_.push_back({what, tmp, final_name, "", false});
  return tmp;
}

std::string OutputSet::keep_earlier(const File &f) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(f.final_path, ec))) return "";
  for (int i = 0; i < 100; ++i) {
    const std::string kept = f.final_path + ".old" + (i ? std::to_string(i) : "");
    if (names_.count(identity(kept))) continue;  // another file of this set
    fs::create_hard_link(f.final_path, kept, ec);
    if (ec && ec != std::errc::file_exists) fs::copy_file(f.final_path, kept, ec);
    if (ec == std::errc::file_exists) continue;
    if (ec) break;
    names_.emplace(identity(kept), "the earlier " + f.final_path);
    return kept;
  }
  throw InputError(f.what + " " + f.final_path + ": cannot keep the earlier file until the " +
                   "new one is in place: " + (ec ? ec.message() : std::string("no free name")));
}

void OutputSet::commit() {
  for (File &f : files_) f.kept = keep_earlier(f);
  for (File &f : files_) {
    std::error_code ec;
    fs::rename(f.tmp, f.final_path, ec);
    if (ec) throw InputError(f.what + " " + f.final_path + ": cannot write: " + ec.message());
    f.renamed = true;
  }
  committed_ = true;
  for (const File &f : files_) {
    std::error_code ec;
    if (!f.kept.empty()) fs::remove(f.kept, ec);
  }
}

void OutputSet::rollback() {
  if (committed_) return;
  std::error_code ec;
  for (const File &f : files_) {
    if (!fs::is_directory(fs::symlink_status(f.tmp, ec))) fs::remove(f.tmp, ec);  // else not ours
    if (f.renamed && !f.kept.empty())
      fs::rename(f.kept, f.final_path, ec);  // the earlier run's file, back in place
    else if (f.renamed)
      fs::remove(f.final_path, ec);
    else if (!f.kept.empty())
      fs::remove(f.kept, ec);  // the earlier file never left
  }
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) fs::remove_all(*it, ec);
  files_.clear();
  names_.clear();
  created_dirs_.clear();
}

std::vector<std::string> OutputSet::final_paths() const {
  std::vector<std::string> v;
  for (const File &f : files_) v.push_back(f.final_path);
  return v;
}

void write_text(const std::string &tmp, const std::string &text, const std::string &what,
                const std::string &final_path) {
  std::ofstream f(tmp, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw InputError(what + " " + final_path + ": cannot write: " + std::strerror(errno));
}

void write_file(const std::string &path, const std::string &text, const std::string &what) {
  check_target(path, what);
  OutputSet outs;
  outs.make_dirs(fs::path(path).parent_path(), what);
  write_text(outs.add(path, what), text, what, path);
  outs.commit();
}

}  // namespace ganpu::sim
