// The files a command writes, all or nothing: each goes to a temporary name first and all are
// renamed together at the end. A run that fails leaves none of its files and none of the
// folders it created, and never loses the files of an earlier run that it was to replace.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ganpu::sim {

// A file about to be written (with is_dir, a folder about to be created or filled) must not
// exist as anything but a regular file (a folder), and the nearest existing folder above it
// must be a folder. Throws InputError starting with `what` (the option) and the path.
void check_target(const std::filesystem::path &p, const std::string &what, bool is_dir = false);

class OutputSet {
 public:
  OutputSet() = default;
  OutputSet(const OutputSet &) = delete;
  OutputSet &operator=(const OutputSet &) = delete;
  ~OutputSet();  // rollback() unless committed

  // Creates `dir` and its missing parents; rollback() removes the top-most one it created
  // (the folder the system created, through symlinks and "..").
  void make_dirs(const std::filesystem::path &dir, const std::string &what);

  // Registers a file; returns its temporary name (final_path + ".part"), which the caller
  // writes. Two files of the set (final or temporary names) may not be the same file: that
  // throws InputError naming both.
  std::string add(const std::filesystem::path &final_path, const std::string &what);

  // Renames every temporary file to its final name. If one rename fails, throws InputError;
  // rollback() then puts back the files the earlier renames replaced.
  void commit();

  // Removes the temporary files, this run's files and the folders it created, and restores
  // the files a failed commit() replaced. Nothing after a successful commit().
  void rollback();

  std::vector<std::string> final_paths() const;

 private:
  struct File {
    std::string what;  // the option, for messages
    std::string tmp;
    std::string final_path;
    std::string kept;      // the earlier file at final_path during commit(), or ""
    bool renamed = false;  // tmp has replaced final_path
  };
  void claim(const std::filesystem::path &p, const std::string &label, const std::string &what);
  // Keeps the file at f.final_path under a new name in its folder, for a failing commit to
  // put back: a hard link (the file stays where it is), or a copy where the file system has
  // none. Returns the name, or "" if there is no file at f.final_path.
  std::string keep_earlier(const File &f);
  std::vector<File> files_;
  std::map<std::string, std::string> names_;  // each file's identity -> what it is, for messages
  std::vector<std::filesystem::path> created_dirs_;
  bool committed_ = false;
};

// Writes `text` to the temporary file `tmp`; throws InputError "WHAT FINAL: cannot write:
// REASON" if it does not all go out (e.g. a full disk or a file size limit).
void write_text(const std::string &tmp, const std::string &text, const std::string &what,
                const std::string &final_path);

// A file on its own (a report) with the same guarantees: check_target, folders created,
// written to a temporary name and renamed; a failure leaves nothing behind and an earlier file
// of the same name as it was. Throws InputError.
void write_file(const std::string &path, const std::string &text, const std::string &what);

}  // namespace ganpu::sim
