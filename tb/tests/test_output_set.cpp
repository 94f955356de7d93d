// Tests of the command line's all-or-nothing outputs (sim/output_set.hpp) and its shared
// pieces (sim/cli_common.hpp): a failing commit puts the earlier files back, a run's folders
// go away through symlinks and "..", two outputs cannot be one file, and option values and
// messages are strict and one line.

#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "output_set.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using ganpu::sim::InputError;
using ganpu::sim::OutputSet;
using ganpu::test::slurp;
using ganpu::test::spit;
using ganpu::test::TempDir;

std::vector<std::string> listing(const fs::path &dir) {
  std::vector<std::string> names;
  for (const auto &e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE("a commit replaces the files together", "[output_set]") {
  TempDir dir;
  spit(dir / "y.npy", "old y");
  OutputSet outs;
  spit(outs.add(dir / "y.npy", "--out"), "new y");
  spit(outs.add(dir / "report.json", "--report"), "new report");
  outs.commit();
  CHECK(slurp(dir / "y.npy") == "new y");
  CHECK(slurp(dir / "report.json") == "new report");
  CHECK(listing(dir.path()) == std::vector<std::string>{"report.json", "y.npy"});
  CHECK(outs.final_paths() ==
        std::vector<std::string>{(dir / "y.npy").string(), (dir / "report.json").string()});
}

TEST_CASE("a failing commit puts back the files it replaced", "[output_set]") {
  TempDir dir;
  spit(dir / "y.npy", "old y");
  spit(dir / "mask.npy", "old mask");
  spit(dir / "report.json", "old report");
  {
    OutputSet outs;
    spit(outs.add(dir / "y.npy", "--out"), "new y");
    spit(outs.add(dir / "mask.npy", "--out"), "new mask");
    outs.add(dir / "report.json", "--report");  // never written: its rename fails
    CHECK_THROWS_WITH(outs.commit(),
                      Contains("--report") && Contains("report.json") && Contains("cannot write"));
  }  // rollback
  CHECK(slurp(dir / "y.npy") == "old y");
  CHECK(slurp(dir / "mask.npy") == "old mask");
  CHECK(slurp(dir / "report.json") == "old report");
  CHECK(listing(dir.path()) == std::vector<std::string>{"mask.npy", "report.json", "y.npy"});

  // Where there was no earlier file, the new one goes away again.
  fs::remove(dir / "mask.npy");
  {
    OutputSet outs;
    spit(outs.add(dir / "mask.npy", "--out"), "new mask");
    outs.add(dir / "report.json", "--report");
    CHECK_THROWS_AS(outs.commit(), InputError);
  }
  CHECK(listing(dir.path()) == std::vector<std::string>{"report.json", "y.npy"});
  // A file of the earlier-file name is the user's, not ours.
  spit(dir / "y.npy.old", "the user's");
  {
    OutputSet outs;
    spit(outs.add(dir / "y.npy", "--out"), "new y");
    outs.add(dir / "report.json", "--report");
    CHECK_THROWS_AS(outs.commit(), InputError);
  }
  CHECK(slurp(dir / "y.npy") == "old y");
  CHECK(slurp(dir / "y.npy.old") == "the user's");
}

TEST_CASE("two outputs of a set cannot be the same file", "[output_set]") {
  TempDir dir;
  fs::create_directories(dir / "out");
  fs::create_directory_symlink(dir / "out", dir / "link");
  OutputSet outs;
  outs.add(dir / "out" / "y.npy", "--out");
  CHECK_THROWS_WITH(
      outs.add(dir / "out" / "y.npy", "--report"),
      Contains("--report") && Contains("the same file as --out") && Contains("y.npy"));
  CHECK_THROWS_WITH(outs.add(dir / "link" / "y.npy", "--trace"),
                    Contains("the same file as --out"));
  CHECK_THROWS_WITH(outs.add(dir / "out" / "sub" / ".." / "y.npy.part", "--trace"),
                    Contains("the same file as the temporary file of --out"));
}

TEST_CASE("the folders a failed run created are removed, through symlinks", "[output_set]") {
  TempDir dir;
  fs::create_directories(dir / "elsewhere" / "inner");
  fs::create_directory_symlink(dir / "elsewhere" / "inner", dir / "link");
  {
    OutputSet outs;
    // link/.. is elsewhere/, not dir/: the system resolves ".." after the link.
    outs.make_dirs(dir / "link" / ".." / "fresh" / "out", "--out");
    CHECK(fs::is_directory(dir / "elsewhere" / "fresh" / "out"));
    spit(outs.add(dir / "link" / ".." / "fresh" / "out" / "y.npy", "--out"), "y");
    outs.make_dirs(dir / "link" / "new", "--trace");
    CHECK(fs::is_directory(dir / "elsewhere" / "inner" / "new"));
  }  // rollback
  CHECK(listing(dir / "elsewhere") == std::vector<std::string>{"inner"});
  CHECK(fs::is_empty(dir / "elsewhere" / "inner"));
  CHECK(listing(dir.path()) == std::vector<std::string>{"elsewhere", "link"});
}

TEST_CASE("check_target refuses what cannot be replaced by a file", "[output_set]") {
  TempDir dir;
  spit(dir / "file", "x");
  CHECK_THROWS_WITH(ganpu::sim::check_target(dir.path(), "--report"),
                    Contains("--report") && Contains("is a folder"));
  CHECK_THROWS_WITH(ganpu::sim::check_target(dir / "file", "--out", true),
                    Contains("exists and is not a folder"));
  CHECK_THROWS_WITH(ganpu::sim::check_target(dir / "file" / "r.json", "--json"),
                    Contains("is not a folder"));
  CHECK_THROWS_WITH(ganpu::sim::check_target("/dev/null", "--json"),
                    Contains("exists and is not a regular file"));
  CHECK_NOTHROW(ganpu::sim::check_target(dir / "file", "--json"));
  CHECK_NOTHROW(ganpu::sim::check_target(dir / "new" / "deeper" / "r.json", "--json"));
}

// Files of this process may not grow beyond `bytes` while it lives: writes fail with EFBIG
// (SIGXFSZ ignored), as on a full disk.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit r = saved_;
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
    handler_ = std::signal(SIGXFSZ, SIG_IGN);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, handler_);
  }
  FileSizeLimit(const FileSizeLimit &) = delete;
  FileSizeLimit &operator=(const FileSizeLimit &) = delete;

 private:
  rlimit saved_{};
  void (*handler_)(int) = nullptr;
};

TEST_CASE("write_file: an earlier file stays whole when writing fails", "[output_set]") {
  TempDir dir;
  const fs::path report = dir / "reports" / "r.json";
  ganpu::sim::write_file(report.string(), "first\n", "--json");
  CHECK(slurp(report) == "first\n");
  ganpu::sim::write_file(report.string(), "second\n", "--json");
  CHECK(slurp(report) == "second\n");
  CHECK(listing(dir / "reports") == std::vector<std::string>{"r.json"});
  {
    const FileSizeLimit limit(4);
    CHECK_THROWS_WITH(ganpu::sim::write_file(report.string(), "third\n", "--json"),
                      Contains("--json") && Contains("r.json") && Contains("cannot write") &&
                          Contains("File too large"));
    // The folders it created go away again.
    CHECK_THROWS_AS(
        ganpu::sim::write_file((dir / "new" / "deep" / "x.json").string(), "12345", "--json"),
        InputError);
  }
  CHECK(slurp(report) == "second\n");
  CHECK(listing(dir / "reports") == std::vector<std::string>{"r.json"});
  CHECK(listing(dir.path()) == std::vector<std::string>{"reports"});
  // Something at the temporary name is not ours: the write fails and leaves it alone.
  fs::create_directory(dir / "reports" / "r.json.part");
  CHECK_THROWS_WITH(ganpu::sim::write_file(report.string(), "third\n", "--json"),
                    Contains("cannot write"));
  CHECK(slurp(report) == "second\n");
  CHECK(fs::is_directory(dir / "reports" / "r.json.part"));
}

TEST_CASE("one_line escapes control characters", "[cli_common]") {
  CHECK(ganpu::sim::one_line("a\nb\r\tc") == "a\\nb\\r\\tc");
  CHECK(ganpu::sim::one_line(std::string("x\0y\x1b\x7f", 5)) == "x\\x00y\\x1B\\x7F");
  CHECK(ganpu::sim::one_line("caf\xc3\xa9 ok") == "caf\xc3\xa9 ok");
}

// The validator's message for `value`, or "" if it is accepted (value then normalized).
std::string check(const CLI::Validator &v, std::string &value) { return v(value); }

TEST_CASE("option values are checked strictly", "[cli_common]") {
  const CLI::Validator u = ganpu::sim::unsigned_integer();
  for (std::string bad : {"-1", "18446744073709551616", "0x10", "+5", " 5", "5 ", "", "1e3", "a"}) {
    CAPTURE(bad);
    CHECK_THAT(check(u, bad), Contains("must be an integer from 0 to 18446744073709551615"));
  }
  std::string v = "18446744073709551615";
  CHECK(check(u, v).empty());
  v = "010";
  CHECK(check(u, v).empty());
  CHECK(v == "10");  // decimal, not octal

  const CLI::Validator r = ganpu::sim::finite_range(0.001, 1024.0);
  for (std::string bad : {"nan", "NaN", "inf", "-inf", "0", "1025", "", "8x", "1e400"}) {
    CAPTURE(bad);
    CHECK_THAT(check(r, bad), Contains("must be a number from 0.001 to 1024"));
  }
  for (std::string good : {"8", "0.001", "1024", "2.5e1"}) {
    CAPTURE(good);
    CHECK(check(r, good).empty());
  }
  std::string empty;
  CHECK(check(ganpu::sim::non_empty(), empty) == "must not be empty");
}

}  // namespace
