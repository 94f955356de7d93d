// NumPy .npy reader and writer; see npy.hpp. The format is specified in numpy/lib/format.py:
// magic "\x93NUMPY", major and minor version bytes, the header length (2 bytes little-endian in
// version 1.0, 4 bytes in 2.0 and 3.0), then the header, a Python dict literal
// {'descr': ..., 'fortran_order': ..., 'shape': ...} padded with spaces and ended by '\n' so
// that the data start at a multiple of 64 bytes, then the data.

#include "runtime/npy.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>
#include <utility>

namespace ganpu::rt {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kAlign = 64;             // numpy's ARRAY_ALIGN
constexpr size_t kGrowthAxisDigits = 21;  // numpy's GROWTH_AXIS_MAX_DIGITS
constexpr size_t kMaxHeaderLen = 1u << 20;
// Tuples and lists nest at most this deep in a header (numpy writes 1 level, a structured
// dtype a few); the parser recurses once per level, so this also bounds its stack.
constexpr int kMaxHeaderDepth = 32;

[[noreturn]] void fail(const std::string &path, const std::string &msg) {
  throw NpyError(path + ": " + msg);
}

std::string errno_text() { return std::strerror(errno); }

// The C library takes a path as a C string: a NUL byte in it would cut it short, and another
// file would be read or written.
void check_path(const std::string &path) {
  const size_t nul = path.find('\0');
  if (nul != std::string::npos)
    fail(path.substr(0, nul) + "\\0...", "the path contains a NUL byte");
}

// ---- The header: a small parser of the Python literals numpy writes ------------------------

struct PyValue {
  enum class Kind { kStr, kInt, kBool, kNone, kTuple, kList };
  Kind kind = Kind::kNone;
  std::string str;             // kStr
  int64_t num = 0;             // kInt
  bool big = false;            // kInt that does not fit int64_t
  bool flag = false;           // kBool
  std::vector<PyValue> items;  // kTuple, kList
};

std::string describe(const PyValue &v) {
  switch (v.kind) {
    case PyValue::Kind::kStr:
      return "'" + v.str + "'";
    case PyValue::Kind::kInt:
      return v.big ? "a huge integer" : std::to_string(v.num);
    case PyValue::Kind::kBool:
      return v.flag ? "True" : "False";
    case PyValue::Kind::kNone:
      return "None";
    case PyValue::Kind::kTuple:
      return "a tuple";
    case PyValue::Kind::kList:
      return "a list";
  }
  return "?";
}

struct HeaderSyntaxError {
  std::string msg;
};

class HeaderParser {
 public:
  explicit HeaderParser(const std::string &s) : s_(s) {}

  std::vector<std::pair<std::string, PyValue>> parse_dict() {
    std::vector<std::pair<std::string, PyValue>> entries;
    skip_ws();
    expect('{');
    skip_ws();
    while (peek() != '}') {
      PyValue key = parse_value();
      if (key.kind != PyValue::Kind::kStr)
        error("dictionary key " + describe(key) + " is not a string");
      skip_ws();
      expect(':');
      entries.emplace_back(key.str, parse_value());
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        skip_ws();
      } else if (peek() != '}') {
        error("expected ',' or '}'");
      }
    }
    ++pos_;
    skip_ws();
    if (pos_ != s_.size()) error("unexpected text after the dictionary");
    return entries;
  }

 private:
  [[noreturn]] void error(const std::string &msg) {
    throw HeaderSyntaxError{msg + " at offset " + std::to_string(pos_)};
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  void expect(char c) {
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }
  bool word(const char *w) {
    const size_t n = std::strlen(w);
    if (s_.compare(pos_, n, w) != 0) return false;
    const char next = pos_ + n < s_.size() ? s_[pos_ + n] : '\0';
    if (std::isalnum(static_cast<unsigned char>(next)) || next == '_') return false;
    pos_ += n;
    return true;
  }

  PyValue parse_value() {
    skip_ws();
    PyValue v;
    const char c = peek();
    if (c == '\'' || c == '"') {
      v.kind = PyValue::Kind::kStr;
      ++pos_;
      while (peek() != c) {
        if (pos_ >= s_.size() || peek() == '\n') error("unterminated string");
        if (peek() == '\\') ++pos_;
        if (pos_ >= s_.size()) error("unterminated string");
        v.str += s_[pos_++];
      }
      ++pos_;
    } else if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
      v.kind = PyValue::Kind::kInt;
      bool neg = false;
      if (c == '-' || c == '+') {
        neg = c == '-';
        ++pos_;
        skip_ws();
      }
      if (!(peek() >= '0' && peek() <= '9')) error("expected a digit");
      uint64_t mag = 0;
      while (peek() >= '0' && peek() <= '9') {
        const uint64_t d = static_cast<uint64_t>(s_[pos_++] - '0');
        if (mag > (std::numeric_limits<uint64_t>::max() - d) / 10) v.big = true;
        mag = mag * 10 + d;
      }
      if (peek() == 'L' || peek() == 'l') ++pos_;  // Python 2 long, as old writers emitted
      if (mag > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) v.big = true;
      if (!v.big) v.num = neg ? -static_cast<int64_t>(mag) : static_cast<int64_t>(mag);
    } else if (c == '(' || c == '[') {
      const char close = c == '(' ? ')' : ']';
      v.kind = c == '(' ? PyValue::Kind::kTuple : PyValue::Kind::kList;
      if (depth_ == kMaxHeaderDepth)
        error("tuples and lists nested deeper than " + std::to_string(kMaxHeaderDepth) + " levels");
      ++depth_;
      ++pos_;
      skip_ws();
      bool comma = false;
      while (peek() != close) {
        v.items.push_back(parse_value());
        skip_ws();
        comma = false;
        if (peek() == ',') {
          ++pos_;
          comma = true;
          skip_ws();
        } else if (peek() != close) {
          error(std::string("expected ',' or '") + close + "'");
        }
      }
      ++pos_;
      --depth_;
      // "(5)" is the integer 5 in Python, not a tuple.
      if (c == '(' && v.items.size() == 1 && !comma) return v.items[0];
    } else if (word("True")) {
      v.kind = PyValue::Kind::kBool;
      v.flag = true;
    } else if (word("False")) {
      v.kind = PyValue::Kind::kBool;
    } else if (word("None")) {
      v.kind = PyValue::Kind::kNone;
    } else {
      error("unexpected character");
    }
    return v;
  }

  const std::string &s_;
  size_t pos_ = 0;
  int depth_ = 0;  // tuples and lists open at pos_
};

// ---- dtypes ------------------------------------------------------------------------------------

struct DtypeInfo {
  const char *code;  // without the byte order
  size_t itemsize;
  const char *name;
};

constexpr DtypeInfo kDtypes[] = {
    {"f2", 2, "float16"}, {"f4", 4, "float32"}, {"f8", 8, "float64"},
    {"u2", 2, "uint16"},  {"u1", 1, "uint8"},   {"b1", 1, "bool"},
};

const DtypeInfo *find_code(const std::string &code) {
  for (const DtypeInfo &d : kDtypes)
    if (code == d.code) return &d;
  return nullptr;
}

std::string supported_list() {
  return "<f2 (float16), <f4 (float32), <f8 (float64), <u2 (uint16, bfloat16 bit patterns), "
         "|u1 (uint8), |b1 (bool)";
}

// Splits a descr into byte order ('=' if none is given) and type code.
std::pair<char, std::string> split_descr(const std::string &descr) {
  if (!descr.empty() && (descr[0] == '<' || descr[0] == '>' || descr[0] == '=' || descr[0] == '|'))
    return {descr[0], descr.substr(1)};
  return {'=', descr};
}

bool host_little_endian() {
  const uint16_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

// The canonical dtype of a header descr, or a NpyError.
std::string checked_dtype(const std::string &path, const std::string &descr) {
  const auto [order, code] = split_descr(descr);
  const DtypeInfo *info = find_code(code);
  if (info == nullptr) {
    std::string msg = "unsupported dtype '" + descr + "' (supported: " + supported_list() + ")";
    if (code == "i2")
      msg +=
          "; save bfloat16 bit patterns as uint16: t.view(torch.uint16).numpy() or "
          "a.view(np.uint16)";
    fail(path, msg);
  }
  if (info->itemsize == 1) return std::string("|") + info->code;
  if (order == '>' || (order == '=' && !host_little_endian()))
    fail(path, "big-endian data (dtype '" + descr +
                   "') is not supported: save it little-endian, "
                   "e.g. a.astype('<" +
                   code + "')");
  if (order == '|')
    fail(path, "unsupported dtype '" + descr +
                   "' ('|' is for 1-byte types; supported: " + supported_list() + ")");
  return std::string("<") + info->code;
}

// ---- Files -------------------------------------------------------------------------------------

struct FileCloser {
  void operator()(std::FILE *f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// Reads up to n bytes; returns how many were read.
size_t read_some(std::FILE *f, void *dst, size_t n) { return std::fread(dst, 1, n, f); }

uint64_t le(const uint8_t *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

std::string format_name(fp::Format f) {
  if (f.exp_w == fp::kFp16.exp_w && f.man_w == fp::kFp16.man_w) return "FP16";
  if (f.exp_w == fp::kBf16.exp_w && f.man_w == fp::kBf16.man_w) return "BF16";
  if (f.exp_w == fp::kFp32.exp_w && f.man_w == fp::kFp32.man_w) return "FP32";
  return "E" + std::to_string(f.exp_w) + "M" + std::to_string(f.man_w);
}

std::string tensor_label(const NpyArray &a, const std::string &what) {
  return a.path.empty() ? what : what + " (" + a.path + ")";
}

// The double of bit pattern d rounded to f (see round_double_to_format, which checks f);
// `inexact` receives whether the value changed. Integer arithmetic on the bits only, so the
// host's rounding mode and excess precision play no part: value = sig * 2^lsb, and the one
// rounding keeps sig's bits from the result's quantum up, to nearest, ties to even.
uint32_t round_double_bits(fp::Format f, uint64_t d, bool &inexact) {
  inexact = false;
  const uint32_t sign = static_cast<uint32_t>(d >> 63) << (f.width() - 1);
  const int biased = static_cast<int>((d >> 52) & 0x7FF);
  const uint64_t frac = d & ((uint64_t{1} << 52) - 1);
  const uint64_t inf = static_cast<uint64_t>((1u << f.exp_w) - 1u) << f.man_w;
  if (biased == 0x7FF) return frac != 0 ? f.canonical_nan() : sign | static_cast<uint32_t>(inf);
  if (biased == 0 && frac == 0) return sign;  // +-0
  // A subnormal double has no hidden bit and the smallest normal's LSB exponent.
  const uint64_t sig = biased != 0 ? (uint64_t{1} << 52) | frac : frac;
  const int lsb = (biased != 0 ? biased : 1) - 1023 - 52;
  int msb = 52;
  while (((sig >> msb) & 1) == 0) --msb;
  const int top = lsb + msb;  // exponent of the value's leading bit
  // The result's quantum: man_w bits below the leading bit, never below f's subnormal quantum.
  const int q = std::max(top, f.emin()) - f.man_w;
  // At least 1: f has fewer mantissa bits than a double and no smaller exponents.
  const int drop = q - lsb;
  uint64_t k = 0;  // the kept bits: sig in units of 2^q, truncated
  bool half = false, rest = false;
  if (drop <= 53) {  // sig < 2^53
    k = sig >> drop;
    half = ((sig >> (drop - 1)) & 1) != 0;
    rest = (sig & ((uint64_t{1} << (drop - 1)) - 1)) != 0;
  } else {
    rest = true;  // below a quarter of the quantum: rounds to zero
  }
  inexact = half || rest;
  if (half && (rest || (k & 1) != 0)) ++k;
  // For a normal result k has the hidden bit at bit man_w, so adding it to the exponent field
  // less one makes the encoding; a carry out of the mantissa (1.11..1 rounding up) moves into
  // the exponent, and a subnormal (field 0) rounding up to 2^man_w becomes the smallest normal.
  const uint64_t field = static_cast<uint64_t>(q + f.man_w - f.emin());  // 0 if subnormal
  const uint64_t mag = (field << f.man_w) + k;
  if (mag >= inf) {
    inexact = true;
    return sign | static_cast<uint32_t>(inf);
  }
  return sign | static_cast<uint32_t>(mag);
}

}  // namespace

// ---- NpyArray and helpers ----------------------------------------------------------------------

int64_t NpyArray::count() const { return shape_count(shape); }

size_t NpyArray::itemsize() const { return npy_itemsize(dtype); }

uint32_t NpyArray::bits(size_t i) const {
  if (itemsize() > 4)
    throw NpyError("element of dtype " + dtype + " has " + std::to_string(8 * itemsize()) +
                   " bits (read it with bits64)");
  return static_cast<uint32_t>(bits64(i));
}

uint64_t NpyArray::bits64(size_t i) const {
  const size_t n = itemsize();
  if (n == 0) throw NpyError("unsupported dtype '" + dtype + "'");
  if ((i + 1) * n > bytes.size())
    throw NpyError("element " + std::to_string(i) + " is out of range (" +
                   std::to_string(bytes.size() / n) + " elements)");
  return le(bytes.data() + i * n, n);
}

const std::vector<std::string> &npy_supported_dtypes() {
  static const std::vector<std::string> list = {"<f2", "<f4", "<f8", "<u2", "|u1", "|b1"};
  return list;
}

size_t npy_itemsize(const std::string &dtype) {
  for (const std::string &d : npy_supported_dtypes())
    if (d == dtype) return find_code(d.substr(1))->itemsize;
  return 0;
}

std::string npy_canonical_dtype(const std::string &dtype) {
  const auto [order, code] = split_descr(dtype);
  const DtypeInfo *info = find_code(code);
  if (info == nullptr) return dtype;
  if (info->itemsize == 1) return std::string("|") + info->code;
  if (order == '<' || (order == '=' && host_little_endian())) return std::string("<") + info->code;
  return dtype;
}

std::string shape_str(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

bool npy_shape_equals(const std::vector<int64_t> &a, const std::vector<int64_t> &b) {
  return a == b;
}

int64_t shape_count(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw NpyError("negative dimension in shape " + shape_str(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      throw NpyError("shape " + shape_str(shape) + " is too large");
    n *= d;
  }
  return n;
}

void require_shape(const NpyArray &a, const std::vector<int64_t> &expected,
                   const std::string &what) {
  if (a.shape != expected)
    throw NpyError(tensor_label(a, what) + ": expected shape " + shape_str(expected) + ", got " +
                   shape_str(a.shape));
}

// ---- Reading -----------------------------------------------------------------------------------

NpyArray read_npy(const std::string &path) {
  check_path(path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "cannot open: is a directory");
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) fail(path, "cannot open: " + errno_text());
  std::FILE *f = file.get();

  uint8_t pre[12];
  const size_t got = read_some(f, pre, 8);
  if (got < kMagicLen || std::memcmp(pre, kMagic, kMagicLen) != 0)
    fail(path, "not an npy file (bad magic: it does not start with \\x93NUMPY)");
  if (got < 8) fail(path, "truncated header (the file ends after the magic string)");
  const int major = pre[6], minor = pre[7];
  if (!((major == 1 || major == 2 || major == 3) && minor == 0))
    fail(path, "unsupported version " + std::to_string(major) + "." + std::to_string(minor) +
                   " (supported: 1.0, 2.0, 3.0)");
  const size_t len_bytes = major == 1 ? 2 : 4;
  if (read_some(f, pre + 8, len_bytes) != len_bytes)
    fail(path, "truncated header (the file ends inside the header length)");
  const uint64_t header_len = le(pre + 8, len_bytes);
  if (header_len > kMaxHeaderLen)
    fail(path,
         "malformed header: header length " + std::to_string(header_len) + " is implausibly large");
  std::string header(header_len, '\0');
  const size_t header_got = read_some(f, header.data(), header_len);
  if (header_got != header_len)
    fail(path, "truncated header: expected " + std::to_string(header_len) +
                   " bytes of header, found " + std::to_string(header_got));

  std::vector<std::pair<std::string, PyValue>> entries;
  try {
    entries = HeaderParser(header).parse_dict();
  } catch (const HeaderSyntaxError &e) {
    fail(path, "malformed header: " + e.msg);
  }
  const PyValue *descr = nullptr, *fortran = nullptr, *shape = nullptr;
  for (const auto &[key, value] : entries) {
    const PyValue **slot = key == "descr"           ? &descr
                           : key == "fortran_order" ? &fortran
                           : key == "shape"         ? &shape
                                                    : nullptr;
    if (slot == nullptr) fail(path, "malformed header: unexpected key '" + key + "'");
    if (*slot != nullptr) fail(path, "malformed header: duplicate key '" + key + "'");
    *slot = &value;
  }
  for (const auto &[name, value] :
       {std::pair{"descr", descr}, std::pair{"fortran_order", fortran}, std::pair{"shape", shape}})
    if (value == nullptr) fail(path, std::string("malformed header: missing key '") + name + "'");

  NpyArray a;
  a.path = path;
  if (shape->kind != PyValue::Kind::kTuple)
    fail(path, "malformed header: 'shape' must be a tuple of integers, got " + describe(*shape));
  for (const PyValue &d : shape->items) {
    if (d.kind != PyValue::Kind::kInt || d.big || d.num < 0)
      fail(path, "malformed header: 'shape' must be a tuple of non-negative integers, got " +
                     describe(d) + " in it");
    a.shape.push_back(d.num);
  }
  if (fortran->kind != PyValue::Kind::kBool)
    fail(path,
         "malformed header: 'fortran_order' must be True or False, got " + describe(*fortran));
  if (descr->kind != PyValue::Kind::kStr)
    fail(path, "unsupported dtype: a structured dtype (descr " + describe(*descr) +
                   "); supported: " + supported_list());
  a.dtype = checked_dtype(path, descr->str);
  // With at most one dimension the two orders lay the data out identically.
  if (fortran->flag && a.shape.size() > 1)
    fail(path, "fortran_order is True: the array must be C order (save np.ascontiguousarray(a))");

  int64_t count = 0;
  try {
    count = shape_count(a.shape);
  } catch (const NpyError &e) {
    fail(path, std::string("malformed header: ") + e.what());
  }
  const size_t item = a.itemsize();
  if (static_cast<uint64_t>(count) > std::numeric_limits<size_t>::max() / item)
    fail(path, "malformed header: shape " + shape_str(a.shape) + " is too large");
  const size_t expected = static_cast<size_t>(count) * item;

  // Read in chunks, so that a header claiming a huge shape fails on the data actually present.
  constexpr size_t kChunk = size_t{1} << 24;
  size_t have = 0;
  while (have < expected) {
    const size_t want = std::min(kChunk, expected - have);
    a.bytes.resize(have + want);
    const size_t n = read_some(f, a.bytes.data() + have, want);
    have += n;
    if (n < want) break;
  }
  if (std::ferror(f)) fail(path, "read error: " + errno_text());
  if (have < expected)
    fail(path, "file too short: expected " + std::to_string(expected) + " bytes of data for " +
                   a.dtype + " shape " + shape_str(a.shape) + ", found " + std::to_string(have));
  uint64_t trailing = 0;
  uint8_t buf[4096];
  for (size_t n; (n = read_some(f, buf, sizeof buf)) > 0;) trailing += n;
  if (std::ferror(f)) fail(path, "read error: " + errno_text());
  if (trailing > 0)
    fail(path, std::to_string(trailing) + " trailing byte(s) after the " +
                   std::to_string(expected) + " bytes of data for " + a.dtype + " shape " +
                   shape_str(a.shape));
  return a;
}

// ---- Writing -----------------------------------------------------------------------------------

void write_npy(const std::string &path, const std::string &dtype, const std::vector<int64_t> &shape,
               const void *data, size_t bytes) {
  check_path(path);
  const std::string dt = npy_canonical_dtype(dtype);
  const size_t item = npy_itemsize(dt);
  if (item == 0)
    fail(path, "cannot write dtype '" + dtype + "' (supported: " + supported_list() + ")");
  int64_t count = 0;
  try {
    count = shape_count(shape);
  } catch (const NpyError &e) {
    fail(path, e.what());
  }
  if (static_cast<uint64_t>(count) > std::numeric_limits<size_t>::max() / item ||
      static_cast<size_t>(count) * item != bytes)
    fail(path, "cannot write: " + std::to_string(bytes) + " bytes of data do not make a " + dt +
                   " array of shape " + shape_str(shape));
  if (bytes > 0 && data == nullptr) fail(path, "cannot write: no data");

  // As numpy.lib.format._write_array_header: the dict repr with sorted keys, spare room for
  // the first dimension to grow to 21 digits, then spaces and '\n' up to a multiple of 64.
  std::string header =
      "{'descr': '" + dt + "', 'fortran_order': False, 'shape': " + shape_str(shape) + ", }";
  if (!shape.empty()) {
    const size_t digits = std::to_string(shape[0]).size();
    if (digits < kGrowthAxisDigits) header.append(kGrowthAxisDigits - digits, ' ');
  }
  const size_t hlen = header.size() + 1;
  const size_t padlen = kAlign - (kMagicLen + 2 + 2 + hlen) % kAlign;
  const size_t total = hlen + padlen;
  if (total > 0xFFFF) fail(path, "cannot write: header too long for format version 1.0");
  header.append(padlen, ' ');
  header += '\n';

  std::string prefix(kMagic, kMagicLen);
  prefix += '\x01';
  prefix += '\x00';
  prefix += static_cast<char>(total & 0xFF);
  prefix += static_cast<char>(total >> 8);

  const std::string tmp = path + ".tmp";
  std::string error;
  {
    File file(std::fopen(tmp.c_str(), "wb"));
    if (!file) fail(path, "cannot create '" + tmp + "': " + errno_text());
    std::FILE *f = file.get();
    if (std::fwrite(prefix.data(), 1, prefix.size(), f) != prefix.size() ||
        std::fwrite(header.data(), 1, header.size(), f) != header.size() ||
        (bytes > 0 && std::fwrite(data, 1, bytes, f) != bytes) || std::fflush(f) != 0)
      error = "cannot write '" + tmp + "': " + errno_text();
    if (std::fclose(file.release()) != 0 && error.empty())
      error = "cannot write '" + tmp + "': " + errno_text();
  }
  if (error.empty() && std::rename(tmp.c_str(), path.c_str()) != 0)
    error = "cannot rename '" + tmp + "' to it: " + errno_text();
  if (!error.empty()) {
    std::remove(tmp.c_str());
    fail(path, error);
  }
}

void write_npy(const std::string &path, const NpyArray &a) {
  write_npy(path, a.dtype, a.shape, a.bytes.data(), a.bytes.size());
}

// ---- Tensors -----------------------------------------------------------------------------------

std::string npy_dtype_for(fp::Format f) {
  const std::string name = format_name(f);
  if (name == "FP16") return "<f2";
  if (name == "BF16") return "<u2";
  if (name == "FP32") return "<f4";
  throw NpyError("no .npy dtype for format " + name);
}

model::Tensor tensor_from_npy(const NpyArray &a, fp::Format f, const std::string &what) {
  const std::string want = npy_dtype_for(f);
  const std::string name = format_name(f);
  if (a.dtype != want) {
    std::string msg = tensor_label(a, what) + ": expected dtype " + want + " for a " + name +
                      " tensor, got " + a.dtype;
    if (name == "BF16")
      msg += " (BF16 tensors are exchanged as uint16 bit patterns: t.view(torch.uint16).numpy())";
    if (name == "FP16") msg += " (float16: t.half().numpy() or a.astype(np.float16))";
    throw NpyError(msg);
  }
  model::Tensor t;
  t.shape = a.shape;
  const int64_t count = a.count();
  const size_t item = a.itemsize();
  if (static_cast<uint64_t>(count) * item != a.bytes.size())
    throw NpyError(tensor_label(a, what) + ": " + std::to_string(a.bytes.size()) +
                   " bytes of data do not match shape " + shape_str(a.shape));
  t.data.resize(static_cast<size_t>(count));
  for (size_t i = 0; i < t.data.size(); ++i)
    t.data[i] = static_cast<uint32_t>(le(a.bytes.data() + i * item, item));
  return t;
}

uint32_t round_double_to_format(fp::Format f, double v, bool *inexact) {
  if (f.exp_w < 2 || f.exp_w > 11 || f.man_w < 1 || f.man_w > 51 || f.width() > 32)
    throw std::invalid_argument("round_double_to_format: format " + format_name(f) +
                                " is not one of at most 32 bits with exp_w <= 11, man_w <= 51");
  uint64_t d;
  std::memcpy(&d, &v, sizeof d);
  bool lost = false;
  const uint32_t bits = round_double_bits(f, d, lost);
  if (inexact != nullptr) *inexact = lost;
  return bits;
}

model::Tensor tensor_from_npy_rounded(const NpyArray &a, fp::Format f, const std::string &what,
                                      NpyConversion *conv) {
  NpyConversion c;
  c.dtype = a.dtype;
  const std::string own = npy_dtype_for(f);
  const std::string name = format_name(f);
  const bool f4 = a.dtype == "<f4", f8 = a.dtype == "<f8";
  if (f.width() > 16 || a.dtype == own || !(f4 || f8)) {
    if (f.width() <= 16 && a.dtype != own) {
      std::string msg = tensor_label(a, what) + ": expected dtype " + own + " for a " + name +
                        " tensor (or <f4, <f8: rounded to " + name + "), got " + a.dtype;
      if (name == "BF16")
        msg += " (BF16 bit patterns travel as uint16: t.view(torch.uint16).numpy())";
      throw NpyError(msg);
    }
    model::Tensor t = tensor_from_npy(a, f, what);
    c.values = t.data.size();
    if (conv != nullptr) *conv = c;
    return t;
  }
  const int64_t count = a.count();
  const size_t item = a.itemsize();
  if (static_cast<uint64_t>(count) * item != a.bytes.size())
    throw NpyError(tensor_label(a, what) + ": " + std::to_string(a.bytes.size()) +
                   " bytes of data do not match shape " + shape_str(a.shape));
  model::Tensor t;
  t.shape = a.shape;
  t.data.resize(static_cast<size_t>(count));
  c.rounded = true;
  c.values = t.data.size();
  const uint32_t inf = ((1u << f.exp_w) - 1u) << f.man_w;
  const uint32_t magnitude = (1u << (f.width() - 1)) - 1u;
  // The file format's fields, to classify each input: sign bit, mantissa bits, exponent mask.
  const int sign_bit = f4 ? 31 : 63, man = f4 ? 23 : 52;
  const uint64_t exp_all = ((uint64_t{1} << (sign_bit - man)) - 1) << man;
  for (size_t i = 0; i < t.data.size(); ++i) {
    const uint64_t v = le(a.bytes.data() + i * item, item);
    const bool finite = (v & exp_all) != exp_all;
    const bool nan = !finite && (v & ((uint64_t{1} << man) - 1)) != 0;
    const bool zero = (v & ((uint64_t{1} << sign_bit) - 1)) == 0;
    uint32_t r;
    bool inexact;
    if (f4) {
      const uint32_t x32 = static_cast<uint32_t>(v);
      r = fp::narrow(f, x32);
      inexact = !nan && fp::widen(f, r) != x32;
    } else {
      r = round_double_bits(f, v, inexact);
    }
    t.data[i] = r;
    c.nan += nan ? 1 : 0;
    c.inexact += inexact ? 1 : 0;
    c.to_infinity += finite && (r & magnitude) == inf ? 1 : 0;
    c.to_zero += !zero && finite && (r & magnitude) == 0 ? 1 : 0;
  }
  if (conv != nullptr) *conv = c;
  return t;
}

model::Tensor mask_from_npy(const NpyArray &a, const std::string &what) {
  if (a.dtype != "|b1" && a.dtype != "|u1")
    throw NpyError(tensor_label(a, what) +
                   ": expected a mask of dtype |b1 (bool) or |u1 (uint8), got " + a.dtype);
  const int64_t count = a.count();
  if (static_cast<uint64_t>(count) != a.bytes.size())
    throw NpyError(tensor_label(a, what) + ": " + std::to_string(a.bytes.size()) +
                   " bytes of data do not match shape " + shape_str(a.shape));
  model::Tensor t;
  t.shape = a.shape;
  t.data.resize(a.bytes.size());
  for (size_t i = 0; i < a.bytes.size(); ++i) {
    if (a.bytes[i] > 1)
      throw NpyError(tensor_label(a, what) + ": mask value " + std::to_string(a.bytes[i]) +
                     " at flat index " + std::to_string(i) + " is not 0 or 1");
    t.data[i] = a.bytes[i];
  }
  return t;
}

NpyArray npy_from_tensor(const model::Tensor &t, const std::string &dtype) {
  NpyArray a;
  a.dtype = npy_canonical_dtype(dtype);
  const size_t item = npy_itemsize(a.dtype);
  if (item == 0)
    throw NpyError("unsupported dtype '" + dtype + "' (supported: " + supported_list() + ")");
  if (item > 4)
    throw NpyError("dtype " + a.dtype + " cannot hold a tensor (its values are bit patterns of " +
                   "at most 32 bits)");
  a.shape = t.shape;
  const int64_t count = shape_count(t.shape);
  if (static_cast<uint64_t>(count) != t.data.size())
    throw NpyError("tensor of shape " + shape_str(t.shape) + " has " +
                   std::to_string(t.data.size()) + " values, expected " + std::to_string(count));
  const uint32_t max = a.dtype == "|b1" ? 1u : item == 4 ? 0xFFFFFFFFu : (1u << (8 * item)) - 1u;
  a.bytes.resize(t.data.size() * item);
  for (size_t i = 0; i < t.data.size(); ++i) {
    const uint32_t v = t.data[i];
    if (v > max)
      throw NpyError("value 0x" +
                     [v] {
                       char buf[16];
                       std::snprintf(buf, sizeof buf, "%X", v);
                       return std::string(buf);
                     }() +
                     " at flat index " + std::to_string(i) + " does not fit dtype " + a.dtype);
    for (size_t k = 0; k < item; ++k) a.bytes[i * item + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  return a;
}

}  // namespace ganpu::rt
