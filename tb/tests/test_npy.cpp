// Tests of the .npy reader and writer (runtime/npy.hpp).
//
// Two test cases talk to a real NumPy (tag [numpy]); both fail, with instructions, when the
// environment does not say where it is:
//   GANPU_NPY_FIXTURES  a folder that `npy_fixtures.py DIR` filled with files NumPy wrote
//   GANPU_PYTHON        a Python with NumPy, to run `npy_fixtures.py --verify DIR` on the files
//                       write_npy wrote (the script is found next to this source file, or at
//                       GANPU_NPY_SCRIPT if that is set)
// Without NumPy at hand: test_npy "~[numpy]".

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/npy.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using ganpu::rt::NpyArray;
using ganpu::rt::NpyError;
using ganpu::rt::read_npy;
using ganpu::rt::write_npy;
using ganpu::test::slurp;
using ganpu::test::spit;
using ganpu::test::TempDir;

// An .npy file with the given header dict text, version and data, padded like numpy's.
std::string npy_bytes(const std::string &dict, const std::string &data, int major = 1,
                      int minor = 0) {
  const size_t len_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const size_t unpadded = 8 + len_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string s = "\x93NUMPY";
  s += static_cast<char>(major);
  s += static_cast<char>(minor);
  for (size_t i = 0; i < len_bytes; ++i) s += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return s + header + data;
}

std::string dict(const std::string &descr, const std::string &shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

// The message of the NpyError that f throws (the test fails if it throws nothing).
std::string npy_error(const std::function<void()> &f) {
  try {
    f();
  } catch (const NpyError &e) {
    return e.what();
  }
  FAIL("no NpyError was thrown");
  return "";
}

std::string read_error(const std::string &path) {
  return npy_error([&] { read_npy(path); });
}

uint32_t h16(float v) {
  const _Float16 h = static_cast<_Float16>(v);
  uint16_t b;
  std::memcpy(&b, &h, sizeof b);
  return b;
}

uint32_t f32bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

uint64_t f64bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

std::vector<uint32_t> all_bits(const NpyArray &a) {
  std::vector<uint32_t> v;
  for (size_t i = 0; i < static_cast<size_t>(a.count()); ++i) v.push_back(a.bits(i));
  return v;
}

std::string shell_quote(const std::string &s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

TEST_CASE("shape_str and shape_count", "[npy]") {
  CHECK(ganpu::rt::shape_str({}) == "()");
  CHECK(ganpu::rt::shape_str({5}) == "(5,)");
  CHECK(ganpu::rt::shape_str({2, 3, 4}) == "(2, 3, 4)");
  CHECK(ganpu::rt::shape_count({}) == 1);
  CHECK(ganpu::rt::shape_count({2, 0, 4}) == 0);
  CHECK(ganpu::rt::shape_count({2, 3, 4}) == 24);
  CHECK(ganpu::rt::npy_shape_equals({2, 3}, {2, 3}));
  CHECK_FALSE(ganpu::rt::npy_shape_equals({2, 3}, {3, 2}));
  CHECK_THROWS_AS(ganpu::rt::shape_count({2, -1}), NpyError);
  CHECK_THROWS_AS(ganpu::rt::shape_count({1 << 30, 1 << 30, 1 << 30}), NpyError);
}

TEST_CASE("round trip of every dtype and shape", "[npy]") {
  TempDir dir;
  const std::vector<std::string> dtypes = {"<f2", "<f4", "<f8", "<u2", "|u1", "|b1"};
  const std::vector<std::vector<int64_t>> shapes = {{}, {5}, {2, 3, 4, 5}, {0, 3}};
  for (const std::string &dtype : dtypes) {
    for (const auto &shape : shapes) {
      const size_t item = ganpu::rt::npy_itemsize(dtype);
      const size_t n = static_cast<size_t>(ganpu::rt::shape_count(shape));
      std::vector<uint8_t> data(n * item);
      for (size_t i = 0; i < data.size(); ++i)
        data[i] =
            dtype == "|b1" ? static_cast<uint8_t>(i % 3 == 0) : static_cast<uint8_t>(i * 151 + 7);
      const std::string path = dir.file("rt.npy");
      CAPTURE(dtype, ganpu::rt::shape_str(shape));
      write_npy(path, dtype, shape, data.data(), data.size());
      CHECK_FALSE(fs::exists(path + ".tmp"));
      // The data start at a multiple of 64 bytes, right after the '\n' ending the header.
      const std::string raw = slurp(path);
      REQUIRE(raw.size() >= data.size() + 64);
      const size_t offset = raw.size() - data.size();
      CHECK(offset % 64 == 0);
      CHECK(raw[offset - 1] == '\n');
      const NpyArray a = read_npy(path);
      CHECK(a.dtype == dtype);
      CHECK(a.shape == shape);
      CHECK(a.bytes == data);
      CHECK(a.path == path);
      CHECK(a.count() == static_cast<int64_t>(n));
    }
  }
}

TEST_CASE("the header is numpy.save's, byte for byte", "[npy]") {
  TempDir dir;
  // What NumPy (1.24 and 2.3 alike) writes for np.zeros((2, 3, 4, 5), np.float16): the dict,
  // 20 spaces of room for the first dimension to grow to 21 digits, padding to 128 bytes.
  std::string expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
                         "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3, 4, 5), }";
  expected.append(127 - expected.size(), ' ');
  expected += '\n';
  const std::vector<uint8_t> zeros(240, 0);
  write_npy(dir.file("z.npy"), "<f2", {2, 3, 4, 5}, zeros.data(), zeros.size());
  const std::string raw = slurp(dir.file("z.npy"));
  REQUIRE(raw.size() == 128 + 240);
  CHECK(raw.substr(0, 128) == expected);

  // A scalar gets no growth room: np.save("s.npy", np.float32(3.25)).
  const float v = 3.25f;
  write_npy(dir.file("s.npy"), "<f4", {}, &v, sizeof v);
  const std::string s = slurp(dir.file("s.npy"));
  std::string head = std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (), }";
  head.append(127 - head.size(), ' ');
  head += '\n';
  CHECK(s.substr(0, 128) == head);
}

TEST_CASE("dtype spellings", "[npy]") {
  TempDir dir;
  const std::string p = dir.file("d.npy");
  spit(p, npy_bytes(dict("=f2", "(2,)"), std::string(4, '\0')));
  CHECK(read_npy(p).dtype == "<f2");
  spit(p, npy_bytes(dict("<u1", "(2,)"), std::string(2, '\0')));
  CHECK(read_npy(p).dtype == "|u1");
  spit(p, npy_bytes(dict("|b1", "(2,)"), std::string(2, '\1')));
  CHECK(read_npy(p).dtype == "|b1");
  // Double quotes, no trailing comma, Python 2 longs, other whitespace: all valid literals.
  spit(p, npy_bytes("{\"descr\": \"<u2\",\n 'shape': (2L,3L), 'fortran_order':False}",
                    std::string(12, '\0')));
  const NpyArray a = read_npy(p);
  CHECK(a.dtype == "<u2");
  CHECK(a.shape == std::vector<int64_t>{2, 3});
  // Fortran order is harmless with at most one dimension.
  spit(p, npy_bytes(dict("<f4", "(3,)", true), std::string(12, '\0')));
  CHECK(read_npy(p).shape == std::vector<int64_t>{3});
  // Versions 2.0 and 3.0 have a 4-byte header length.
  spit(p, npy_bytes(dict("<f2", "(1, 2)"), std::string(4, '\0'), 2));
  CHECK(read_npy(p).shape == std::vector<int64_t>{1, 2});
  spit(p, npy_bytes(dict("<f2", "(1, 2)"), std::string(4, '\0'), 3));
  CHECK(read_npy(p).shape == std::vector<int64_t>{1, 2});
  // write_npy accepts '=' too and writes '<'.
  const uint16_t one = 0x3C00;
  write_npy(p, "=f2", {1}, &one, 2);
  CHECK(read_npy(p).dtype == "<f2");
}

TEST_CASE("read errors name the file and the problem", "[npy]") {
  TempDir dir;
  const std::string p = dir.file("bad.npy");
  const std::string data6(12, '\0');  // (2, 3) float16

  SECTION("missing file") {
    const std::string msg = read_error(dir.file("nothere.npy"));
    CHECK_THAT(msg, Contains("nothere.npy") && Contains("cannot open") && Contains("No such file"));
  }
  SECTION("a directory") {
    CHECK_THAT(read_error(dir.path().string()), Contains("is a directory"));
  }
  SECTION("not an npy file") {
    spit(p, "hello, world, this is text");
    CHECK_THAT(read_error(p), Contains(p) && Contains("not an npy file"));
    spit(p, "");
    CHECK_THAT(read_error(p), Contains("not an npy file"));
    spit(p, "\x93NUMP");
    CHECK_THAT(read_error(p), Contains("not an npy file"));
  }
  SECTION("unsupported version") {
    spit(p, npy_bytes(dict("<f2", "(2, 3)"), data6, 4, 0));
    CHECK_THAT(read_error(p), Contains(p) && Contains("unsupported version 4.0"));
    spit(p, npy_bytes(dict("<f2", "(2, 3)"), data6, 1, 1));
    CHECK_THAT(read_error(p), Contains("unsupported version 1.1"));
  }
  SECTION("truncated header") {
    spit(p, std::string("\x93NUMPY\x01\x00", 8));
    CHECK_THAT(read_error(p), Contains("truncated header"));
    spit(p, npy_bytes(dict("<f2", "(2, 3)"), "").substr(0, 40));
    CHECK_THAT(read_error(p), Contains("truncated header"));
  }
  SECTION("malformed header") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{'descr': '<f2', 'fortran_order': False}", "missing key 'shape'"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", "unexpected key 'x'"},
        {"{'descr': '<f2', 'descr': '<f2', 'fortran_order': False, 'shape': (2, 3)}",
         "duplicate key 'descr'"},
        {"{'descr' '<f2', 'fortran_order': False, 'shape': (2, 3)}", "expected ':'"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3)", "expected ',' or '}'"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3)} x", "after the dictionary"},
        {"{'descr': '<f2, 'fortran_order': False, 'shape': (2, 3)}", ""},
        {"['descr', '<f2']", "expected '{'"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': [2, 3]}", "'shape' must be a tuple"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (6)}", "'shape' must be a tuple"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (2, -3)}", "non-negative"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (2, 'a')}", "non-negative"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (99999999999999999999,)}",
         "non-negative integers"},
        {"{'descr': '<f2', 'fortran_order': 0, 'shape': (2, 3)}", "True or False"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (1048576, 1048576, 1048576, "
         "1048576)}",
         "too large"},
    };
    for (const auto &[header, words] : cases) {
      CAPTURE(header);
      spit(p, npy_bytes(header, data6));
      const std::string msg = read_error(p);
      CHECK_THAT(msg, Contains(p) && Contains("malformed header") && Contains(words));
    }
  }
  SECTION("deeply nested header: an error, not a stack overflow") {
    // A 1 MB header of nested tuples (version 2.0 for the 4-byte header length).
    const size_t depth = (size_t{1} << 19) - 100;
    const std::string shape = std::string(depth, '(') + std::string(depth, ')');
    spit(p, npy_bytes("{'descr': '<f2', 'fortran_order': False, 'shape': " + shape + "}", data6, 2,
                      0));
    CHECK_THAT(read_error(p), Contains(p) && Contains("malformed header") &&
                                  Contains("nested deeper than 32 levels"));
    // 32 levels are parsed (and the shape rejected), 33 are not.
    const auto nested = [](size_t lists) {
      return "(" + std::string(lists, '[') + std::string(lists, ']') + ",)";
    };
    spit(p, npy_bytes(dict("<f2", nested(31)), data6));
    CHECK_THAT(read_error(p), Contains("'shape' must be a tuple of non-negative integers"));
    spit(p, npy_bytes(dict("<f2", nested(32)), data6));
    CHECK_THAT(read_error(p), Contains("nested deeper than 32 levels"));
  }
  SECTION("a path with a NUL byte is not read as its prefix") {
    spit(p, npy_bytes(dict("<f2", "(2, 3)"), data6));
    const std::string with_nul = p + std::string("\0junk", 5);
    CHECK_THAT(read_error(with_nul), Contains("NUL byte"));
    CHECK_THAT(npy_error([&] { write_npy(with_nul, "<f2", {1}, data6.data(), 2); }),
               Contains("NUL byte"));
  }
  SECTION("Fortran order") {
    spit(p, npy_bytes(dict("<f2", "(2, 3)", true), data6));
    CHECK_THAT(read_error(p), Contains(p) && Contains("must be C order"));
  }
  SECTION("unsupported dtype") {
    spit(p, npy_bytes(dict("<i4", "(2, 3)"), std::string(24, '\0')));
    CHECK_THAT(read_error(p), Contains(p) && Contains("unsupported dtype '<i4'") &&
                                  Contains("supported: <f2") && Contains("<f8") && Contains("|b1"));
    spit(p, npy_bytes(dict("<i2", "(2, 3)"), data6));
    CHECK_THAT(read_error(p), Contains("unsupported dtype '<i2'") && Contains("uint16"));
    spit(p, npy_bytes(dict("|f2", "(2, 3)"), data6));
    CHECK_THAT(read_error(p), Contains("unsupported dtype '|f2'"));
    spit(p, npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}",
                      std::string(8, '\0')));
    CHECK_THAT(read_error(p), Contains("unsupported dtype") && Contains("structured"));
  }
  SECTION("big-endian") {
    spit(p, npy_bytes(dict(">f2", "(2, 3)"), data6));
    CHECK_THAT(read_error(p), Contains(p) && Contains("big-endian"));
    spit(p, npy_bytes(dict(">u2", "(2, 3)"), data6));
    CHECK_THAT(read_error(p), Contains("big-endian"));
    // Byte order does not matter for one byte.
    spit(p, npy_bytes(dict(">u1", "(2, 3)"), std::string(6, '\0')));
    CHECK(read_npy(p).dtype == "|u1");
  }
  SECTION("too short") {
    spit(p, npy_bytes(dict("<f2", "(2, 3)"), std::string(10, '\0')));
    CHECK_THAT(read_error(p), Contains(p) && Contains("too short") &&
                                  Contains("expected 12 bytes of data") && Contains("found 10"));
    spit(p, npy_bytes(dict("<f4", "(1000000, 1000000)"), std::string(10, '\0')));
    CHECK_THAT(read_error(p),
               Contains("expected 4000000000000 bytes of data") && Contains("found 10"));
  }
  SECTION("trailing bytes") {
    spit(p, npy_bytes(dict("<f2", "(2, 3)"), std::string(13, '\0')));
    CHECK_THAT(read_error(p), Contains(p) && Contains("1 trailing byte"));
  }
}

TEST_CASE("write_npy is atomic and checks its input", "[npy]") {
  TempDir dir;
  const uint16_t data[6] = {1, 2, 3, 4, 5, 6};

  SECTION("nonexistent directory: an error and no file") {
    const std::string p = dir.file("no/such/dir/out.npy");
    const std::string msg = npy_error([&] { write_npy(p, "<u2", {2, 3}, data, sizeof data); });
    CHECK_THAT(msg, Contains(p) && Contains("No such file"));
    CHECK_FALSE(fs::exists(p));
    CHECK_FALSE(fs::exists(p + ".tmp"));
  }
  SECTION("the target is a directory: an error, and the .tmp file is gone") {
    const std::string p = dir.file("adir");
    fs::create_directory(p);
    CHECK_THAT(npy_error([&] {
                 write_npy(p, "<u2", {2, 3}, data, sizeof data);
               }),
               Contains(p) && Contains("rename"));
    CHECK(fs::is_directory(p));
    CHECK_FALSE(fs::exists(p + ".tmp"));
  }
  SECTION("an existing file is replaced") {
    const std::string p = dir.file("f.npy");
    spit(p, "old contents");
    write_npy(p, "<u2", {6}, data, sizeof data);
    CHECK(read_npy(p).bytes.size() == sizeof data);
    CHECK_FALSE(fs::exists(p + ".tmp"));
  }
  SECTION("data that do not match the shape, or a bad dtype: an error and no file") {
    const std::string p = dir.file("g.npy");
    CHECK_THAT(npy_error([&] {
                 write_npy(p, "<u2", {2, 4}, data, sizeof data);
               }),
               Contains("do not make a <u2 array of shape (2, 4)"));
    CHECK_THAT(npy_error([&] { write_npy(p, "<i4", {3}, data, 12); }),
               Contains("cannot write dtype '<i4'"));
    CHECK_THAT(npy_error([&] { write_npy(p, "<u2", {-1, 2}, data, 0); }), Contains("negative"));
    CHECK_FALSE(fs::exists(p));
    CHECK_FALSE(fs::exists(p + ".tmp"));
  }
}

TEST_CASE("tensors", "[npy]") {
  using ganpu::fp::kBf16;
  using ganpu::fp::kFp16;
  using ganpu::fp::kFp32;
  ganpu::model::Tensor t;
  t.shape = {2, 3};
  t.data = {0x3C00, 0xC000, 0x0001, 0x7BFF, 0x8000, 0xFFFF};

  const NpyArray f2 = ganpu::rt::npy_from_tensor(t, "<f2");
  CHECK(f2.dtype == "<f2");
  CHECK(f2.shape == t.shape);
  CHECK(f2.bytes == std::vector<uint8_t>{0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0xFF, 0x7B, 0x00, 0x80,
                                         0xFF, 0xFF});
  CHECK(ganpu::rt::tensor_from_npy(f2, kFp16, "x").data == t.data);

  const NpyArray u2 = ganpu::rt::npy_from_tensor(t, "<u2");
  CHECK(ganpu::rt::tensor_from_npy(u2, kBf16, "w").data == t.data);

  ganpu::model::Tensor g;
  g.shape = {3};
  g.data = {0x3F800000u, 0xC0490FDBu, 0x00000001u};
  const NpyArray f4 = ganpu::rt::npy_from_tensor(g, "<f4");
  CHECK(f4.bytes.size() == 12);
  CHECK(ganpu::rt::tensor_from_npy(f4, kFp32, "dw").data == g.data);

  SECTION("strict dtypes, naming the tensor and the expected dtype") {
    CHECK_THAT(npy_error([&] { ganpu::rt::tensor_from_npy(f4, kFp16, "x"); }),
               Contains("x: expected dtype <f2") && Contains("FP16") && Contains("got <f4"));
    CHECK_THAT(npy_error([&] { ganpu::rt::tensor_from_npy(u2, kFp16, "x"); }),
               Contains("expected dtype <f2") && Contains("got <u2"));
    CHECK_THAT(npy_error([&] { ganpu::rt::tensor_from_npy(f2, kBf16, "w"); }),
               Contains("w: expected dtype <u2") && Contains("torch.uint16"));
    CHECK_THAT(npy_error([&] { ganpu::rt::tensor_from_npy(f2, kFp32, "dw"); }),
               Contains("dw: expected dtype <f4"));
    NpyArray from_file = f2;
    from_file.path = "/data/x.npy";
    CHECK_THAT(npy_error([&] { ganpu::rt::tensor_from_npy(from_file, kBf16, "x"); }),
               Contains("x (/data/x.npy): expected dtype <u2"));
  }
  SECTION("values that do not fit the dtype") {
    ganpu::model::Tensor big = t;
    big.data[4] = 0x10000;
    CHECK_THAT(npy_error([&] { ganpu::rt::npy_from_tensor(big, "<f2"); }),
               Contains("0x10000") && Contains("index 4"));
    ganpu::model::Tensor wrong = t;
    wrong.shape = {7};
    CHECK_THAT(npy_error([&] { ganpu::rt::npy_from_tensor(wrong, "<f2"); }), Contains("(7,)"));
    CHECK_THAT(npy_error([&] { ganpu::rt::npy_from_tensor(t, "|b1"); }), Contains("|b1"));
  }
  SECTION("masks") {
    ganpu::model::Tensor m;
    m.shape = {2, 2};
    m.data = {1, 0, 0, 1};
    const NpyArray b1 = ganpu::rt::npy_from_tensor(m, "|b1");
    CHECK(ganpu::rt::mask_from_npy(b1, "mask").data == m.data);
    NpyArray u1 = ganpu::rt::npy_from_tensor(m, "|u1");
    CHECK(ganpu::rt::mask_from_npy(u1, "mask").data == m.data);
    u1.bytes[2] = 2;
    CHECK_THAT(npy_error([&] { ganpu::rt::mask_from_npy(u1, "mask"); }),
               Contains("mask") && Contains("not 0 or 1"));
    CHECK_THAT(npy_error([&] { ganpu::rt::mask_from_npy(f2, "mask"); }),
               Contains("mask: expected a mask of dtype |b1"));
  }
  SECTION("shapes") {
    ganpu::rt::require_shape(f2, {2, 3}, "x");
    CHECK_THAT(npy_error([&] {
                 ganpu::rt::require_shape(f2, {2, 3, 1}, "x");
               }),
               Contains("x: expected shape (2, 3, 1), got (2, 3)"));
  }
}

namespace {

// An array of dtype <f4 or <f8 holding `values`.
template <typename T>
NpyArray float_array(const std::vector<T> &values) {
  NpyArray a;
  a.dtype = sizeof(T) == 4 ? "<f4" : "<f8";
  a.shape = {static_cast<int64_t>(values.size())};
  a.bytes.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}

uint32_t h16d(double v) {
  const _Float16 h = static_cast<_Float16>(v);  // libgcc's correctly rounded conversion
  uint16_t b;
  std::memcpy(&b, &h, sizeof b);
  return b;
}

}  // namespace

TEST_CASE("float32 and float64 tensors rounded to FP16 and BF16", "[npy]") {
  using ganpu::fp::kBf16;
  using ganpu::fp::kFp16;
  using ganpu::fp::kFp32;
  using ganpu::rt::NpyConversion;
  using ganpu::rt::tensor_from_npy_rounded;
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> f = {1.0f, 0.1f, 65504.0f, 65520.0f,        1e-8f, -0.0f,
                                -inf, nan,  0x1p-24f, 1.0f + 0x1p-11f, -3.0f, -0x1p-25f};

  SECTION("float32 to FP16: fp::narrow, counted") {
    NpyConversion c;
    const auto t = tensor_from_npy_rounded(float_array(f), kFp16, "x", &c);
    std::vector<uint32_t> want;
    for (float v : f) want.push_back(v != v ? 0x7E00u : h16(v));
    CHECK(t.data == want);
    CHECK(t.shape == std::vector<int64_t>{12});
    CHECK(c.dtype == "<f4");
    CHECK(c.rounded);
    CHECK(c.values == 12);
    CHECK(c.inexact == 5);      // 0.1, 65520, 1e-8, 1 + 2^-11 (a tie, to even), -2^-25 (a tie)
    CHECK(c.to_infinity == 1);  // 65520 (half an ulp above the largest, so a tie, to even)
    CHECK(c.to_zero == 2);      // 1e-8 and -2^-25 (a tie between -0 and -2^-24)
    CHECK(c.nan == 1);
    CHECK(t.data[11] == 0x8000);  // the sign of a value rounded to zero is kept
  }
  SECTION("float32 to BF16") {
    NpyConversion c;
    const auto t = tensor_from_npy_rounded(float_array(f), kBf16, "w", &c);
    for (size_t i = 0; i < f.size(); ++i) {
      const uint32_t u = f32bits(f[i]);
      const uint32_t want = f[i] != f[i] ? 0x7FC0u : (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
      CAPTURE(i);
      CHECK(t.data[i] == want);
    }
    CHECK(c.inexact == 5);  // 0.1, 65504 and 65520 (11 and 12 bits), 1e-8, 1 + 2^-11
    CHECK(c.to_infinity == 0);
    CHECK(c.to_zero == 0);
  }
  SECTION("float64: one rounding, never through FP32") {
    std::vector<double> d;
    std::mt19937_64 rng(42);
    for (int i = 0; i < 20000; ++i) {
      // Half of them next to an FP16 tie: a random FP16 value plus half an ulp, nudged by a
      // little less than FP32 can see (where rounding through FP32 would hit the tie).
      const uint32_t h = static_cast<uint32_t>(rng() % 0x7BFF);
      const double a = static_cast<double>(static_cast<float>([](uint32_t b) {
        const uint16_t b16 = static_cast<uint16_t>(b);
        _Float16 x;
        std::memcpy(&x, &b16, sizeof x);
        return x;
      }(h)));
      const double ulp = std::ldexp(1.0, std::max(std::ilogb(a == 0 ? 0x1p-14 : a), -14) - 10);
      const double nudge = ulp * std::ldexp(1.0, -20) * (rng() & 1 ? 1 : -1);
      const double v = (i % 2 == 0) ? a + ulp / 2 + nudge
                                    : std::ldexp(static_cast<double>(rng() >> 11), -53) *
                                          std::ldexp(1.0, static_cast<int>(rng() % 50) - 30);
      d.push_back(rng() & 1 ? -v : v);
    }
    d.push_back(1.0 + 0x1p-11 + 0x1p-40);  // FP32 would round it to the tie, then to 1.0
    NpyConversion c;
    const auto t = tensor_from_npy_rounded(float_array(d), kFp16, "dy", &c);
    uint64_t inexact = 0, through_fp32_differs = 0;
    for (size_t i = 0; i < d.size(); ++i) {
      CAPTURE(i, d[i]);
      REQUIRE(t.data[i] == h16d(d[i]));
      const uint16_t b16 = static_cast<uint16_t>(t.data[i]);
      _Float16 x;
      std::memcpy(&x, &b16, sizeof x);
      inexact += static_cast<double>(x) != d[i] ? 1 : 0;
      through_fp32_differs += h16(static_cast<float>(d[i])) != t.data[i] ? 1 : 0;
    }
    CHECK(t.data.back() == 0x3C01);
    CHECK(c.dtype == "<f8");
    CHECK(c.inexact == inexact);
    CHECK(through_fp32_differs > 1000);
    // BF16 likewise: 1 + 2^-8 + 2^-40 is above the tie 1 + 2^-8.
    const auto b = tensor_from_npy_rounded(
        float_array(std::vector<double>{1.0 + 0x1p-8 + 0x1p-40, 1.0 + 0x1p-8, 1e300}), kBf16, "x",
        &c);
    CHECK(b.data == std::vector<uint32_t>{0x3F81, 0x3F80, 0x7F80});
    CHECK(c.to_infinity == 1);
  }
  SECTION("the format's own dtype is taken as it is; other dtypes are refused") {
    ganpu::model::Tensor h;
    h.shape = {3};
    h.data = {0x3C00, 0x7E01, 0x0001};
    NpyConversion c;
    CHECK(tensor_from_npy_rounded(ganpu::rt::npy_from_tensor(h, "<f2"), kFp16, "x", &c).data ==
          h.data);
    CHECK_FALSE(c.rounded);
    CHECK(c.dtype == "<f2");
    CHECK(c.values == 3);
    CHECK(tensor_from_npy_rounded(ganpu::rt::npy_from_tensor(h, "<u2"), kBf16, "w").data == h.data);
    CHECK_THAT(npy_error([&] {
                 tensor_from_npy_rounded(ganpu::rt::npy_from_tensor(h, "<u2"), kFp16, "x");
               }),
               Contains("x: expected dtype <f2 for a FP16 tensor (or <f4, <f8: rounded to FP16), "
                        "got <u2"));
    NpyArray from_file = ganpu::rt::npy_from_tensor(h, "<f2");
    from_file.path = "/data/w.npy";
    CHECK_THAT(npy_error([&] { tensor_from_npy_rounded(from_file, kBf16, "w"); }),
               Contains("w (/data/w.npy): expected dtype <u2 for a BF16 tensor") &&
                   Contains("got <f2") && Contains("torch.uint16"));
    ganpu::model::Tensor m;
    m.shape = {2};
    m.data = {0, 1};
    CHECK_THAT(npy_error([&] {
                 tensor_from_npy_rounded(ganpu::rt::npy_from_tensor(m, "|u1"), kFp16, "x");
               }),
               Contains("got |u1"));
    // FP32 tensors are not rounded from anything.
    CHECK_THAT(npy_error([&] {
                 tensor_from_npy_rounded(float_array(std::vector<double>{1.0}), kFp32, "dw");
               }),
               Contains("dw: expected dtype <f4") && Contains("got <f8"));
    NpyArray short_data = float_array(std::vector<double>{1.0, 2.0});
    short_data.bytes.resize(12);
    CHECK_THAT(npy_error([&] { tensor_from_npy_rounded(short_data, kFp16, "x"); }),
               Contains("12 bytes of data do not match shape (2,)"));
    // A tensor holds patterns of at most 32 bits: no <f8 tensor to write.
    CHECK_THAT(npy_error([&] { ganpu::rt::npy_from_tensor(h, "<f8"); }),
               Contains("<f8 cannot hold a tensor"));
  }
}

TEST_CASE("files written by NumPy", "[npy][numpy]") {
  const char *env = std::getenv("GANPU_NPY_FIXTURES");
  if (env == nullptr || *env == '\0')
    FAIL(
        "GANPU_NPY_FIXTURES is not set. CTest sets it; to run this test by hand: "
        "python3 tb/tests/npy_fixtures.py DIR (needs NumPy), then GANPU_NPY_FIXTURES=DIR "
        "test_npy; or skip it with test_npy \"~[numpy]\"");
  const fs::path dir(env);
  const auto file = [&](const char *name) { return (dir / name).string(); };
  REQUIRE(fs::is_directory(dir));

  SECTION("float16, 4-D") {
    const NpyArray a = read_npy(file("f16_4d.npy"));
    CHECK(a.dtype == "<f2");
    CHECK(a.shape == std::vector<int64_t>{2, 3, 4, 5});
    std::vector<uint32_t> want;
    for (int i = 0; i < 120; ++i) want.push_back(h16(static_cast<float>(i) * 0.25f - 15.0f));
    CHECK(all_bits(a) == want);
    const auto t = ganpu::rt::tensor_from_npy(a, ganpu::fp::kFp16, "x");
    CHECK(t.data == want);
  }
  SECTION("float16 special values") {
    const NpyArray a = read_npy(file("f16_special.npy"));
    CHECK(all_bits(a) == std::vector<uint32_t>{0x0000, 0x8000, 0x3C00, 0xC000, 0x7BFF, 0x7C00,
                                               0xFC00, 0x0001, 0x7E00});
  }
  SECTION("float32") {
    const NpyArray a = read_npy(file("f32_2d.npy"));
    CHECK(a.dtype == "<f4");
    CHECK(a.shape == std::vector<int64_t>{3, 4});
    std::vector<uint32_t> want;
    for (int i = 0; i < 12; ++i) want.push_back(f32bits(static_cast<float>(i) * 0.5f - 1.0f));
    CHECK(all_bits(a) == want);
  }
  SECTION("uint16 bfloat16 bit patterns") {
    const NpyArray a = read_npy(file("bf16_u2.npy"));
    CHECK(a.dtype == "<u2");
    CHECK(a.shape == std::vector<int64_t>{7});
    CHECK(ganpu::rt::tensor_from_npy(a, ganpu::fp::kBf16, "w").data ==
          std::vector<uint32_t>{0x3F80, 0xC020, 0x3E4D, 0x0000, 0x8000, 0x7F80, 0xFFFF});
  }
  SECTION("masks") {
    const NpyArray b = read_npy(file("mask_b1.npy"));
    CHECK(b.dtype == "|b1");
    CHECK(b.shape == std::vector<int64_t>{2, 3});
    CHECK(ganpu::rt::mask_from_npy(b, "mask").data == std::vector<uint32_t>{1, 0, 1, 0, 1, 0});
    const NpyArray u = read_npy(file("mask_u1.npy"));
    CHECK(u.dtype == "|u1");
    CHECK(ganpu::rt::mask_from_npy(u, "mask").data == std::vector<uint32_t>{0, 1, 1, 0});
  }
  SECTION("scalar and empty arrays") {
    const NpyArray s = read_npy(file("scalar_f4.npy"));
    CHECK(s.shape.empty());
    CHECK(all_bits(s) == std::vector<uint32_t>{f32bits(3.25f)});
    const NpyArray e = read_npy(file("empty_f2.npy"));
    CHECK(e.shape == std::vector<int64_t>{0, 4});
    CHECK(e.bytes.empty());
  }
  SECTION("float64") {
    const NpyArray a = read_npy(file("f64.npy"));
    CHECK(a.dtype == "<f8");
    CHECK(a.shape == std::vector<int64_t>{4});
    CHECK(a.bits64(2) == f64bits(0.1));
    CHECK(a.bits64(3) == f64bits(1e300));
    CHECK_THAT(npy_error([&] { a.bits(0); }), Contains("64 bits"));
    // Rounded to FP16 once: 0.1 -> 0x2E66, 1e300 -> infinity.
    ganpu::rt::NpyConversion c;
    const auto t = ganpu::rt::tensor_from_npy_rounded(a, ganpu::fp::kFp16, "x", &c);
    CHECK(t.data == std::vector<uint32_t>{0x0000, 0xBE00, 0x2E66, 0x7C00});
    CHECK(c.inexact == 2);
    CHECK(c.to_infinity == 1);
  }
  SECTION("versions 2.0 and 3.0") {
    for (const char *name : {"v2_f2.npy", "v3_f2.npy"}) {
      const NpyArray a = read_npy(file(name));
      CHECK(a.shape == std::vector<int64_t>{2, 2});
      CHECK(all_bits(a) == std::vector<uint32_t>{0x0000, 0x3C00, 0x4000, 0x4200});
    }
  }
  SECTION("write_npy writes the same bytes as numpy.save") {
    TempDir tmp;
    for (const char *name :
         {"f16_4d.npy", "f16_special.npy", "f32_2d.npy", "bf16_u2.npy", "mask_b1.npy",
          "mask_u1.npy", "scalar_f4.npy", "empty_f2.npy", "f64.npy"}) {
      CAPTURE(name);
      write_npy(tmp.file(name), read_npy(file(name)));
      CHECK(slurp(tmp.file(name)) == slurp(file(name)));
    }
  }
  SECTION("files NumPy wrote that must be rejected") {
    CHECK_THAT(read_error(file("fortran_f2.npy")), Contains("must be C order"));
    CHECK_THAT(read_error(file("bigendian_f4.npy")), Contains("big-endian"));
    CHECK_THAT(read_error(file("i16.npy")), Contains("unsupported dtype '<i2'"));
    CHECK_THAT(read_error(file("structured.npy")), Contains("unsupported dtype"));
  }
}

TEST_CASE("files written by write_npy load in NumPy", "[npy][numpy]") {
  const char *python = std::getenv("GANPU_PYTHON");
  if (python == nullptr || *python == '\0')
    FAIL(
        "GANPU_PYTHON is not set. CTest sets it to a Python with NumPy; by hand: "
        "GANPU_PYTHON=python3 test_npy (NumPy must be installed), or skip it with "
        "test_npy \"~[numpy]\"");
  const char *script_env = std::getenv("GANPU_NPY_SCRIPT");
  const fs::path script = script_env != nullptr && *script_env != '\0'
                              ? fs::path(script_env)
                              : fs::path(__FILE__).parent_path() / "npy_fixtures.py";
  if (!fs::exists(script))
    FAIL("cannot find npy_fixtures.py at " + script.string() + "; set GANPU_NPY_SCRIPT");

  // The arrays npy_fixtures.py's written_by_cpp() expects.
  TempDir dir;
  std::vector<uint16_t> f2(120);
  for (size_t i = 0; i < f2.size(); ++i) f2[i] = static_cast<uint16_t>(0x3C00 + 97 * i);
  write_npy(dir.file("out_f2.npy"), "<f2", {2, 3, 4, 5}, f2.data(), f2.size() * 2);
  std::vector<float> f4(12);
  for (size_t i = 0; i < f4.size(); ++i) f4[i] = static_cast<float>(i) * 0.5f - 1.0f;
  write_npy(dir.file("out_f4.npy"), "<f4", {3, 4}, f4.data(), f4.size() * 4);
  std::vector<uint16_t> u2(7);
  for (size_t i = 0; i < u2.size(); ++i) u2[i] = static_cast<uint16_t>(0x3F80 + 3 * i);
  write_npy(dir.file("out_u2.npy"), "<u2", {7}, u2.data(), u2.size() * 2);
  const uint8_t u1[4] = {0, 1, 254, 255};
  write_npy(dir.file("out_u1.npy"), "|u1", {4}, u1, 4);
  std::vector<uint8_t> b1(12);
  for (size_t i = 0; i < b1.size(); ++i) b1[i] = i % 3 == 0;
  write_npy(dir.file("out_b1.npy"), "|b1", {2, 2, 3}, b1.data(), b1.size());
  const float scalar = 3.25f;
  write_npy(dir.file("out_scalar.npy"), "<f4", {}, &scalar, 4);
  const double f8[3] = {0.1, -2.0, 1e-310};
  write_npy(dir.file("out_f8.npy"), "<f8", {3}, f8, sizeof f8);
  write_npy(dir.file("out_empty.npy"), "<f2", {0, 4}, nullptr, 0);
  write_npy(dir.file("out_wide.npy"), "|u1", {1234567, 0}, nullptr, 0);

  const std::string cmd = shell_quote(python) + " " + shell_quote(script.string()) + " --verify " +
                          shell_quote(dir.path().string());
  INFO("command: " << cmd);
  CHECK(std::system(cmd.c_str()) == 0);
}
