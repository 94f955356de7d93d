// Tests of the layer job files (runtime/layer_json.hpp): valid files of every layer type and
// phase, every class of error, the slope rounding, and spec_to_json read back.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "runtime/layer_json.hpp"
#include "runtime/npy.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using ganpu::fp::Act;
using ganpu::model::LayerSpec;
using ganpu::model::LayerType;
using ganpu::model::Phase;
using ganpu::rt::LayerJob;
using ganpu::rt::parse_layer_json;
using ganpu::rt::SpecError;

using ganpu::test::TempDir;

LayerJob parse_text(const TempDir &dir, const std::string &text,
                    const std::string &name = "spec.json") {
  return parse_layer_json(dir.write(name, text));
}

// The message of the SpecError that parsing text throws; it must name the file.
std::string spec_error(const TempDir &dir, const std::string &text) {
  const std::string path = dir.write("bad.json", text);
  try {
    parse_layer_json(path);
  } catch (const SpecError &e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains(path));
    return msg;
  }
  FAIL("no SpecError for: " << text);
  return "";
}

void check_same(const LayerSpec &a, const LayerSpec &b) {
  CHECK(a.type == b.type);
  CHECK(a.batch == b.batch);
  CHECK(a.in_channels == b.in_channels);
  CHECK(a.out_channels == b.out_channels);
  CHECK(a.in_h == b.in_h);
  CHECK(a.in_w == b.in_w);
  CHECK(a.kernel_h == b.kernel_h);
  CHECK(a.kernel_w == b.kernel_w);
  CHECK(a.stride_h == b.stride_h);
  CHECK(a.stride_w == b.stride_w);
  CHECK(a.padding_h == b.padding_h);
  CHECK(a.padding_w == b.padding_w);
  CHECK(a.output_padding_h == b.output_padding_h);
  CHECK(a.output_padding_w == b.output_padding_w);
  CHECK(a.bias == b.bias);
  CHECK(a.activation == b.activation);
  CHECK(a.negative_slope == b.negative_slope);
  CHECK(a.format.exp_w == b.format.exp_w);
  CHECK(a.format.man_w == b.format.man_w);
}

// A valid conv2d FP file without its closing brace, for raw-text tests.
const char kConvOpen[] = R"({"layer": "conv2d", "phase": "fp", "batch": 2, "in_channels": 3,
    "out_channels": 8, "input_size": [9, 9], "kernel_size": 3)";

// A valid conv2d FP file with the fields in `extra` ("key": value, ...) added or replaced.
std::string conv(std::string extra = "") {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(std::string(kConvOpen) + "}");
  while (!extra.empty() && (extra.back() == ',' || extra.back() == ' ')) extra.pop_back();
  const nlohmann::ordered_json patch = nlohmann::ordered_json::parse("{" + extra + "}");
  for (const auto &item : patch.items()) j[item.key()] = item.value();
  return j.dump();
}

uint32_t h16(double v) {
  const _Float16 h = static_cast<_Float16>(v);  // libgcc's correctly rounded conversion
  uint16_t b;
  std::memcpy(&b, &h, sizeof b);
  return b;
}

uint32_t f32(double v) {
  const float x = static_cast<float>(v);  // the host's RNE conversion
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

double dbl(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// BF16 by nearest-value search among the BF16 values (bit patterns 0..0x7F7F increase with
// the value): independent of the code under test. Differences of neighbours are exact.
uint32_t bf16_oracle(double v) {
  const uint32_t sign = std::signbit(v) ? 0x8000u : 0u;
  const double a = std::fabs(v);
  const auto value = [](uint32_t bits) {
    const uint32_t f = bits << 16;
    float x;
    std::memcpy(&x, &f, sizeof x);
    return static_cast<double>(x);
  };
  uint32_t lo = 0, hi = 0x7F7F;  // largest finite BF16
  if (a >= value(hi)) {
    // Past the largest finite value: infinity from half an ulp above it (2^127 * (2 - 2^-8)).
    return sign | (a >= std::ldexp(2.0 - std::ldexp(1.0, -8), 127) ? 0x7F80u : 0x7F7Fu);
  }
  while (hi - lo > 1) {  // value(lo) <= a < value(hi)
    const uint32_t mid = (lo + hi) / 2;
    (value(mid) <= a ? lo : hi) = mid;
  }
  const double below = a - value(lo), above = value(hi) - a;
  if (below < above) return sign | lo;
  if (above < below) return sign | hi;
  return sign | ((lo & 1) == 0 ? lo : hi);
}

}  // namespace

TEST_CASE("conv2d, forward, every field", "[layer_json]") {
  TempDir dir;
  const LayerJob job = parse_text(dir, R"({
    "layer": "conv2d", "phase": "fp", "format": "fp16", "batch": 2,
    "in_channels": 3, "out_channels": 8, "input_size": [9, 10], "kernel_size": 3,
    "stride": 2, "padding": [1, 0], "output_padding": 0, "bias": true,
    "activation": "leaky_relu", "negative_slope": 0.2,
    "tensors": {"x": "x.npy", "w": "sub/w.npy", "b": "../b.npy"}})");
  LayerSpec want;
  want.type = LayerType::kConv2d;
  want.batch = 2;
  want.in_channels = 3;
  want.out_channels = 8;
  want.in_h = 9;
  want.in_w = 10;
  want.kernel_h = want.kernel_w = 3;
  want.stride_h = want.stride_w = 2;
  want.padding_h = 1;
  want.padding_w = 0;
  want.bias = true;
  want.activation = Act::kLeakyRelu;
  want.negative_slope = 0x3266;  // np.float16(0.2)
  want.format = ganpu::fp::kFp16;
  check_same(job.spec, want);
  CHECK(job.phase == Phase::kForward);
  REQUIRE(job.tensor_paths.size() == 3);
  CHECK(job.tensor_paths.at("x") == (dir.path() / "x.npy").string());
  CHECK(job.tensor_paths.at("w") == (dir.path() / "sub" / "w.npy").string());
  CHECK(job.tensor_paths.at("b") == (dir.path().parent_path() / "b.npy").string());
}

TEST_CASE("defaults", "[layer_json]") {
  TempDir dir;
  const LayerJob job = parse_text(dir, conv());
  LayerSpec want;
  want.batch = 2;
  want.in_channels = 3;
  want.out_channels = 8;
  want.in_h = want.in_w = 9;
  want.kernel_h = want.kernel_w = 3;
  check_same(job.spec, want);  // stride 1, padding 0, no bias, no activation, FP16
  CHECK(job.tensor_paths.empty());
  // A square input_size, and relu with a slope that is ignored.
  const LayerJob j2 = parse_text(dir, R"({"layer": "conv2d", "phase": "fp", "batch": 1,
      "in_channels": 1, "out_channels": 1, "input_size": 5, "kernel_size": [1, 3],
      "activation": "relu", "negative_slope": 0.2})");
  CHECK(j2.spec.in_h == 5);
  CHECK(j2.spec.in_w == 5);
  CHECK(j2.spec.kernel_h == 1);
  CHECK(j2.spec.kernel_w == 3);
  CHECK(j2.spec.activation == Act::kRelu);
  CHECK(j2.spec.negative_slope == 0);
  // leaky_relu's default slope is 0.01, as in PyTorch.
  CHECK(parse_text(dir, conv(R"("activation": "leaky_relu",)")).spec.negative_slope == 0x211F);
  CHECK(parse_text(dir, conv(R"("activation": "leaky_relu", "format": "bf16",)"))
            .spec.negative_slope == 0x3C24);
  CHECK(parse_text(dir, conv(R"("activation": "leaky_relu", "negative_slope": 0,)"))
            .spec.negative_slope == 0);
  CHECK(parse_text(dir, conv(R"("activation": "leaky_relu", "negative_slope": 1,)"))
            .spec.negative_slope == 0x3C00);
}

TEST_CASE("conv_transpose2d, error propagation, BF16", "[layer_json]") {
  TempDir dir;
  const LayerJob job = parse_text(dir, R"({
    "layer": "conv_transpose2d", "phase": "ep", "format": "bf16", "batch": 4,
    "in_channels": 16, "out_channels": 8, "input_size": 7, "kernel_size": [4, 3],
    "stride": [2, 1], "padding": 1, "output_padding": [1, 0],
    "activation": "leaky_relu", "negative_slope": 0.2,
    "tensors": {"dy": "/abs/dy.npy", "w": "w.npy", "mask": "m.npy"}})");
  LayerSpec want;
  want.type = LayerType::kConvTranspose2d;
  want.batch = 4;
  want.in_channels = 16;
  want.out_channels = 8;
  want.in_h = want.in_w = 7;
  want.kernel_h = 4;
  want.kernel_w = 3;
  want.stride_h = 2;
  want.stride_w = 1;
  want.padding_h = want.padding_w = 1;
  want.output_padding_h = 1;
  want.output_padding_w = 0;
  want.activation = Act::kLeakyRelu;
  want.negative_slope = 0x3E4D;  // BF16 nearest to 0.2
  want.format = ganpu::fp::kBf16;
  check_same(job.spec, want);
  CHECK(job.phase == Phase::kErrorProp);
  CHECK(job.tensor_paths.at("dy") == "/abs/dy.npy");
  CHECK(job.tensor_paths.at("mask") == (dir.path() / "m.npy").string());
}

TEST_CASE("linear, weight gradient", "[layer_json]") {
  TempDir dir;
  const LayerJob job = parse_text(dir, R"({
    "layer": "linear", "phase": "wg", "batch": 32, "in_features": 100, "out_features": 784,
    "bias": true, "tensors": {"x": "x.npy", "dy": "dy.npy", "mask": "mask.npy"}})");
  LayerSpec want;
  want.type = LayerType::kLinear;
  want.batch = 32;
  want.in_channels = 100;
  want.out_channels = 784;
  want.bias = true;
  check_same(job.spec, want);
  CHECK(job.phase == Phase::kWeightGrad);
  CHECK(job.tensor_paths.size() == 3);
  // in_channels/out_channels are accepted too, and the conv fields at their defaults.
  const LayerJob j2 = parse_text(dir, R"({"layer": "linear", "phase": "fp", "batch": 1,
      "in_channels": 4, "out_channels": 2, "input_size": 1, "kernel_size": [1, 1],
      "stride": 1, "padding": 0, "output_padding": 0})");
  CHECK(j2.spec.in_channels == 4);
  CHECK(j2.spec.out_channels == 2);
  CHECK(j2.spec.kernel_h == 1);
}

TEST_CASE("tensor paths relative to the file", "[layer_json]") {
  TempDir dir;
  const LayerJob job =
      parse_text(dir, R"({"layer": "linear", "phase": "fp", "batch": 1, "in_features": 2,
               "out_features": 3, "tensors": {"x": "data/x.npy", "w": "./w.npy"}})",
                 "jobs/one/spec.json");
  CHECK(job.tensor_paths.at("x") == (dir.path() / "jobs" / "one" / "data" / "x.npy").string());
  CHECK(job.tensor_paths.at("w") == (dir.path() / "jobs" / "one" / "w.npy").string());
  // With bias, b is left out only if it is to be generated (never silently).
  const LayerJob j2 =
      parse_text(dir, R"({"layer": "linear", "phase": "fp", "batch": 1, "in_features": 2,
                          "out_features": 3, "bias": true, "tensors": {"x": "x", "w": "w"},
                          "generate": ["b"]})");
  CHECK(j2.tensor_paths.count("b") == 0);
  CHECK(j2.tensor_paths.size() == 2);
}

TEST_CASE("given tensors, a missing one is an error unless it is to be generated", "[layer_json]") {
  TempDir dir;
  const std::string fp = R"("bias": true, "tensors": {"x": "x.npy", "w": "w.npy"},)";
  CHECK_THAT(spec_error(dir, conv(fp)),
             Contains("tensors: missing tensor 'b' (phase fp reads x, w, b;") &&
                 Contains("list it in \"generate\""));
  CHECK(parse_text(dir, conv(fp + R"("generate": ["b"],)")).tensor_paths.size() == 2);
  // Any tensor may be generated; with no file at all, everything is (as without "generate").
  const LayerJob only_w =
      parse_text(dir, conv(R"("tensors": {"w": "w.npy"}, "generate": ["x"], "phase": "fp",)"));
  CHECK(only_w.tensor_paths.size() == 1);
  CHECK(parse_text(dir, conv(R"("generate": ["x", "w"],)")).tensor_paths.empty());
  CHECK_THAT(spec_error(dir, conv(R"("phase": "ep", "tensors": {"dy": "dy.npy"},
                                     "generate": ["w"], "activation": "relu",)")),
             Contains("tensors: missing tensor 'mask' (phase ep reads dy, w, mask;"));
  // (the fields, the message)
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"("generate": "b",)", "generate: expected an array of tensor names, got string"},
      {R"("generate": [1],)",
       "generate: expected an array of tensor names, got an array containing integer"},
      {R"("generate": ["b"],)", "generate: tensor 'b' given but the layer has no bias"},
      {R"("generate": ["dy"],)", "generate: unexpected tensor 'dy' for phase fp (expected x, w)"},
      {R"("generate": ["x", "x"],)", "generate: tensor 'x' listed twice"},
      {R"("tensors": {"x": "x.npy", "w": "w.npy"}, "generate": ["x"],)",
       "generate: tensor 'x' is also given as a file in 'tensors'"},
  };
  for (const auto &[fields, message] : bad) {
    CAPTURE(fields);
    CHECK_THAT(spec_error(dir, conv(fields)), Contains(message));
  }
  CHECK_THAT(spec_error(dir, conv(R"("generated": ["x"],)")),
             Contains("unknown field 'generated' (did you mean 'generate'?)"));
}

TEST_CASE("EP and WG without an activation need no mask", "[layer_json]") {
  TempDir dir;
  for (const char *phase : {"ep", "wg"}) {
    CAPTURE(phase);
    const std::string first = std::string(phase) == "ep" ? "w" : "x";
    const std::string files = R"("tensors": {"dy": "dy.npy", ")" + first + R"(": "t.npy"},)";
    const LayerJob none =
        parse_text(dir, conv(R"("phase": ")" + std::string(phase) + "\", " + files));
    CHECK(none.tensor_paths.size() == 2);
    CHECK(none.tensor_paths.count("mask") == 0);
    CHECK(parse_text(dir, conv(R"("phase": ")" + std::string(phase) +
                               R"(", "activation": "none", )" + files))
              .tensor_paths.size() == 2);
    // A mask may still be given (it is read and checked, not used), or be generated.
    const std::string with_mask =
        R"("tensors": {"dy": "dy.npy", ")" + first + R"(": "t.npy", "mask": "m.npy"},)";
    CHECK(parse_text(dir, conv(R"("phase": ")" + std::string(phase) + "\", " + with_mask))
              .tensor_paths.count("mask") == 1);
    CHECK(parse_text(dir, conv(R"("phase": ")" + std::string(phase) + "\", " + files +
                               R"("generate": ["mask"],)"))
              .tensor_paths.size() == 2);
    // After an activation the mask is needed.
    for (const char *act : {"relu", "leaky_relu"}) {
      CAPTURE(act);
      CHECK_THAT(spec_error(dir, conv(R"("phase": ")" + std::string(phase) +
                                      R"(", "activation": ")" + act + "\", " + files)),
                 Contains("tensors: missing tensor 'mask'"));
    }
  }
  using ganpu::rt::phase_tensors;
  const auto ep = phase_tensors(Phase::kErrorProp, false, Act::kNone);
  REQUIRE(ep.size() == 3);
  CHECK(ep[2].name == "mask");
  CHECK_FALSE(ep[2].needed);
  CHECK(ep[0].needed);
  CHECK(phase_tensors(Phase::kWeightGrad, true, Act::kRelu)[2].needed);
  CHECK(phase_tensors(Phase::kForward, true, Act::kNone).size() == 3);
}

TEST_CASE("dilation, groups and padding_mode: PyTorch's defaults only", "[layer_json]") {
  TempDir dir;
  // As a torch.nn.Conv2d's attributes dump them, in both spellings.
  for (const char *fields : {R"("dilation": 1, "groups": 1, "padding_mode": "zeros",)",
                             R"("dilation": [1, 1], "groups": 1, "padding_mode": "zeros",)",
                             R"("dilation": [1, 1],)", R"("groups": 1,)"}) {
    CAPTURE(fields);
    check_same(parse_text(dir, conv(fields)).spec, parse_text(dir, conv()).spec);
  }
  const LayerJob t = parse_text(dir, R"({"layer": "conv_transpose2d", "phase": "wg", "batch": 1,
      "in_channels": 2, "out_channels": 3, "input_size": 4, "kernel_size": 4, "stride": 2,
      "padding": 1, "output_padding": [0, 0], "dilation": [1, 1], "groups": 1,
      "padding_mode": "zeros", "bias": true})");
  CHECK(t.spec.type == LayerType::kConvTranspose2d);
  const LayerJob l = parse_text(dir, R"({"layer": "linear", "phase": "fp", "batch": 1,
      "in_features": 2, "out_features": 3, "dilation": 1, "groups": 1, "padding_mode": "zeros"})");
  CHECK(l.spec.in_channels == 2);
  // (the fields, the message)
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"("dilation": 2,)", ": dilation: 2 is not supported (only 1)"},
      {R"("dilation": [1, 2],)", ": dilation: [1, 2] is not supported (only 1)"},
      {R"("dilation": [2, 2],)", ": dilation: [2, 2] is not supported (only 1)"},
      {R"("dilation": 0,)", ": dilation: must be at least 1, got 0"},
      {R"("dilation": "1",)", ": dilation: expected an integer or a pair of integers, got string"},
      {R"("groups": 3,)", ": groups: 3 is not supported (only 1)"},
      {R"("groups": 0,)", ": groups: must be at least 1, got 0"},
      {R"("groups": [1],)", ": groups: expected an integer, got array of 1 element"},
      {R"("padding_mode": "reflect",)",
       ": padding_mode: 'reflect' is not supported (only 'zeros')"},
      {R"("padding_mode": "circular",)", ": padding_mode: 'circular' is not supported"},
      {R"("padding_mode": 0,)", ": padding_mode: expected a string, got integer"},
  };
  for (const auto &[fields, message] : bad) {
    CAPTURE(fields);
    CHECK_THAT(spec_error(dir, conv(fields)), Contains(message));
  }
}

TEST_CASE("hostile files: a clear error, not a crash or a hang", "[layer_json]") {
  TempDir dir;
  // A path with a NUL byte would be opened as its prefix.
  CHECK_THAT(spec_error(dir, conv(R"("tensors": {"x": "x.npy\u0000junk", "w": "w.npy"},)")),
             Contains("tensors.x: the path contains a NUL byte"));
  // A million nested arrays: the parsed document would be copied and printed recursively.
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  CHECK_THAT(spec_error(dir, std::string(kConvOpen) + ", \"stride\": " + deep + "}"),
             Contains("malformed JSON: arrays and objects nested deeper than 32 levels"));
  // 32 levels are read (and the field refused).
  const std::string ok = std::string(31, '[') + std::string(31, ']');
  CHECK_THAT(spec_error(dir, std::string(kConvOpen) + ", \"stride\": " + ok + "}"),
             Contains("stride: expected an integer or a pair of integers"));
  // A device that never ends.
  CHECK_THROWS_WITH(ganpu::rt::read_json_file("/dev/zero"),
                    Contains("/dev/zero: larger than 16 MiB"));
  // A duplicate key is named by its place, arrays included (layer lists).
  CHECK_THROWS_WITH(ganpu::rt::read_json_file(
                        dir.write("list.json", R"({"layers": [{"n": 1}, {"n": 1, "n": 2}]})")),
                    Contains("list.json: layers[1]: duplicate field 'n'"));
}

TEST_CASE("spec_to_json reads back to the same spec", "[layer_json]") {
  TempDir dir;
  const std::vector<std::string> files = {
      conv(R"("activation": "leaky_relu", "negative_slope": 0.3, "bias": true,)"),
      R"({"layer": "conv_transpose2d", "phase": "ep", "format": "bf16", "batch": 4,
          "in_channels": 16, "out_channels": 8, "input_size": [7, 5], "kernel_size": [4, 3],
          "stride": [2, 1], "padding": 1, "output_padding": [1, 0],
          "activation": "leaky_relu", "negative_slope": 0.1})",
      R"({"layer": "linear", "phase": "wg", "batch": 3, "in_features": 5,
          "out_features": 7, "activation": "relu"})",
  };
  for (const std::string &text : files) {
    const LayerJob a = parse_text(dir, text);
    const nlohmann::json j = ganpu::rt::spec_to_json(a.spec, a.phase);
    CAPTURE(j.dump());
    const LayerJob b = parse_text(dir, j.dump(2), "back.json");
    check_same(a.spec, b.spec);
    CHECK(a.phase == b.phase);
  }
  const LayerJob lin = parse_text(dir, files[2]);
  const nlohmann::json j = ganpu::rt::spec_to_json(lin.spec, lin.phase);
  CHECK(j.at("layer") == "linear");
  CHECK(j.at("phase") == "wg");
  CHECK(j.at("in_features") == 5);
  CHECK_FALSE(j.contains("kernel_size"));
  const nlohmann::json c = ganpu::rt::spec_to_json(parse_text(dir, files[0]).spec, Phase::kForward);
  CHECK(c.at("negative_slope") == 0.300048828125);  // np.float16(0.3) = 0x34CD, exactly
  CHECK(c.at("stride") == nlohmann::json::array({1, 1}));
}

TEST_CASE("slope rounding is one correct RNE", "[layer_json]") {
  using ganpu::fp::kBf16;
  using ganpu::fp::kFp16;
  using ganpu::fp::kFp32;
  using ganpu::rt::round_double_to_format;
  const double one = 1.0;
  const std::vector<double> cases = {
      0.0,
      -0.0,
      0.01,
      0.2,
      1.0,
      -3.5,
      65504.0,
      65519.99,
      65520.0,
      1e300,
      -1e300,
      one + std::ldexp(1.0, -11),                         // FP16 tie: to even, 1.0
      one + 3 * std::ldexp(1.0, -11),                     // FP16 tie: to even, up
      one + std::ldexp(1.0, -11) + std::ldexp(1.0, -40),  // just above a tie: up (a double
                                                          // rounding through FP32 would tie)
      one + std::ldexp(1.0, -8),                          // BF16 tie
      one + std::ldexp(1.0, -8) + std::ldexp(1.0, -40),   // just above a BF16 tie
      one + std::ldexp(1.0, -24) + std::ldexp(1.0, -60),  // just above an FP32 tie
      std::ldexp(1.0, -25),
      std::ldexp(1.0, -25) + std::ldexp(1.0, -70),  // FP16 subnormals
      std::ldexp(1.0, -24),
      std::ldexp(3.0, -26),
      std::ldexp(1.0, -14),
      std::ldexp(1.0, -14) - std::ldexp(1.0, -26),  // rounds up to the smallest normal
      std::ldexp(1.0, -134),
      std::ldexp(1.0, -134) + std::ldexp(1.0, -170),  // BF16 ones
      std::ldexp(1.0, -133),
      std::ldexp(1.0, -127),
      std::ldexp(1.0, -149),
      std::ldexp(1.0, -150),
      std::ldexp(1.0, -150) + std::ldexp(1.0, -200),
      5e-324,
      -5e-324,
      2.2250738585072009e-308,  // the largest subnormal double
      std::ldexp(1.0, 128),
      std::ldexp(2.0 - std::ldexp(1.0, -8), 127),
      std::ldexp(2.0 - std::ldexp(1.0, -9), 127),
      std::ldexp(2.0 - std::ldexp(1.0, -24), 127),  // FP32's overflow threshold (a tie)
      std::ldexp(2.0 - std::ldexp(1.0, -25), 127),
      std::numeric_limits<double>::max(),
      std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(),
  };
  for (double v : cases) {
    CAPTURE(v);
    CHECK(round_double_to_format(kFp16, v) == h16(v));
    CHECK(round_double_to_format(kBf16, v) == bf16_oracle(v));
    CHECK(round_double_to_format(kFp32, v) == f32(v));
  }
  std::mt19937_64 rng(0x5851F42D4C957F2Dull);
  for (int i = 0; i < 200000; ++i) {
    // Random signs, exponents around both formats' ranges, and mantissas that sit near the
    // formats' rounding points more often than uniform bits would.
    const uint64_t sign = (rng() & 1) << 63;
    const uint64_t exp = 1023 - 160 + rng() % 320;
    uint64_t man = rng() & ((uint64_t{1} << 52) - 1);
    if (rng() & 1) man &= ~((uint64_t{1} << (28 + rng() % 24)) - 1) | (rng() & 1);
    const double v = dbl(sign | (exp << 52) | man);
    CAPTURE(v);
    REQUIRE(round_double_to_format(kFp16, v) == h16(v));
    REQUIRE(round_double_to_format(kBf16, v) == bf16_oracle(v));
    REQUIRE(round_double_to_format(kFp32, v) == f32(v));
  }
  // NaN: the canonical NaN, as fp::narrow; its sign and payload are not kept.
  for (uint64_t nan : {0x7FF8000000000000ull, 0xFFF8000000000000ull, 0x7FF0000000000001ull}) {
    bool inexact = true;
    CHECK(round_double_to_format(kFp16, dbl(nan), &inexact) == 0x7E00);
    CHECK_FALSE(inexact);
    CHECK(round_double_to_format(kBf16, dbl(nan)) == 0x7FC0);
    CHECK(round_double_to_format(kFp32, dbl(nan)) == 0x7FC00000u);
  }
  CHECK_THROWS_AS(round_double_to_format(ganpu::fp::Format{12, 10}, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(round_double_to_format(ganpu::fp::Format{8, 24}, 1.0), std::invalid_argument);
}

TEST_CASE("double rounding: every midpoint of FP16 and BF16, and its neighbours", "[layer_json]") {
  using ganpu::fp::kBf16;
  using ganpu::fp::kFp16;
  using ganpu::rt::round_double_to_format;
  const auto fp16_value = [](uint32_t b) {
    const uint16_t h16b = static_cast<uint16_t>(b);
    _Float16 h;
    std::memcpy(&h, &h16b, sizeof h);
    return static_cast<double>(h);
  };
  const auto bf16_value = [](uint32_t b) {
    const uint32_t w = b << 16;
    float x;
    std::memcpy(&x, &w, sizeof x);
    return static_cast<double>(x);
  };
  struct Case {
    ganpu::fp::Format f;
    uint32_t largest;  // the largest finite pattern
    double (*value)(uint32_t);
    uint32_t (*oracle)(double);
  };
  const Case formats[] = {
      {kFp16, 0x7BFF, +fp16_value, +[](double v) { return h16(v); }},
      {kBf16, 0x7F7F, +bf16_value, +[](double v) { return bf16_oracle(v); }},
  };
  uint64_t checked = 0, double_rounding_differs = 0;
  for (const Case &c : formats) {
    // Between each pair of neighbours a < b (and above the largest, towards infinity):
    // the tie, one double ulp either side of it, and points a little further away, which
    // FP32 would round onto the tie (where a rounding through FP32 goes wrong).
    for (uint32_t p = 0; p <= c.largest; ++p) {
      const double a = c.value(p);
      const double b = p < c.largest ? c.value(p + 1) : a + (a - c.value(p - 1));
      const double mid = a + (b - a) / 2;  // exact: both are far from the double's limits
      const double tiny = (b - a) * std::ldexp(1.0, -30);
      for (double v : {a, mid, std::nextafter(mid, 0.0), std::nextafter(mid, 1e300), mid - tiny,
                       mid + tiny, b}) {
        for (double sv : {v, -v}) {
          bool inexact = false;
          const uint32_t got = round_double_to_format(c.f, sv, &inexact);
          if (got != c.oracle(sv)) {
            CAPTURE(c.f.man_w, p, sv);
            REQUIRE(got == c.oracle(sv));
          }
          const bool exact = sv == a || sv == -a || (sv == b || sv == -b);
          if (inexact == exact && !(p == c.largest && (sv == b || sv == -b))) {
            CAPTURE(c.f.man_w, p, sv);
            REQUIRE(inexact != exact);
          }
          // Through FP32 first (RNE twice): wrong for the points that FP32 rounds to the tie.
          const float through = static_cast<float>(sv);
          if (c.oracle(static_cast<double>(through)) != got) ++double_rounding_differs;
          ++checked;
        }
      }
    }
  }
  CHECK(checked == 2 * 7 * (0x7BFF + 1 + 0x7F7F + 1));
  CHECK(double_rounding_differs > 0);  // the test does reach the case it is about
}

TEST_CASE("errors name the file and the field", "[layer_json]") {
  TempDir dir;

  SECTION("unreadable or malformed files") {
    CHECK_THROWS_WITH(parse_layer_json((dir.path() / "none.json").string()),
                      Contains("none.json") && Contains("cannot open"));
    CHECK_THAT(spec_error(dir, R"({"layer": "conv2d",})"),
               Contains("malformed JSON at byte 20") && Contains("line 1, column 20"));
    CHECK_THAT(spec_error(dir, "{\"layer\": \"conv2d\" // comment\n}"), Contains("malformed JSON"));
    CHECK_THAT(spec_error(dir, std::string(kConvOpen) + R"(, "negative_slope": 1e400})"),
               Contains("malformed JSON") && Contains("1e400"));
    CHECK_THAT(spec_error(dir, ""), Contains("malformed JSON"));
    CHECK_THAT(spec_error(dir, R"([{"layer": "conv2d"}])"),
               Contains("top level must be a JSON object, got array"));
    CHECK_THAT(spec_error(dir, std::string(kConvOpen) + R"(, "stride": 1, "stride": 2})"),
               Contains("duplicate field 'stride'"));
    CHECK_THAT(
        spec_error(dir, std::string(kConvOpen) + R"(, "tensors": {"x": "a", "x": "b", "w": "c"}})"),
        Contains("tensors: duplicate field 'x'"));
  }
  SECTION("unknown fields, with a suggestion") {
    CHECK_THAT(spec_error(dir, conv(R"("kernel": 3,)")),
               Contains("unknown field 'kernel' (did you mean 'kernel_size'?)"));
    CHECK_THAT(spec_error(dir, conv(R"("strides": 3,)")),
               Contains("unknown field 'strides' (did you mean 'stride'?)"));
    CHECK_THAT(spec_error(dir, conv(R"("Padding": 3,)")),
               Contains("unknown field 'Padding' (did you mean 'padding'?)"));
    CHECK_THAT(spec_error(dir, conv(R"("ceil_mode": false,)")),
               Contains("unknown field 'ceil_mode'") && !Contains("did you mean"));
    CHECK_THAT(spec_error(dir, conv(R"("group": 1,)")),
               Contains("unknown field 'group' (did you mean 'groups'?)"));
    CHECK_THAT(spec_error(dir, conv(R"("in": 2,)")), !Contains("did you mean"));
  }
  SECTION("wrong types") {
    CHECK_THAT(spec_error(dir, conv(R"("stride": "2",)")),
               Contains("stride: expected an integer or a pair of integers, got string"));
    CHECK_THAT(spec_error(dir, conv(R"("stride": [1, 2, 3],)")),
               Contains("stride: expected an integer or a pair of integers, got array of 3"));
    CHECK_THAT(spec_error(dir, conv(R"("padding": [1, "a"],)")),
               Contains("padding: expected an integer or a pair of integers, got an array "
                        "containing string"));
    CHECK_THAT(spec_error(dir, conv(R"("input_size": 9.5,)")),
               Contains("input_size: expected an integer or a pair of integers, got "
                        "non-integer number 9.5"));
    CHECK_THAT(spec_error(dir, R"({"layer": "linear", "phase": "fp", "batch": 2.0,
                                   "in_features": 1, "out_features": 1})"),
               Contains("batch: expected an integer, got non-integer number"));
    CHECK_THAT(spec_error(dir, conv(R"("bias": 1,)")),
               Contains("bias: expected true or false, got integer"));
    CHECK_THAT(spec_error(dir, R"({"layer": 2})"),
               Contains("layer: expected a string, got integer"));
    CHECK_THAT(spec_error(dir, conv(R"("activation": null,)")),
               Contains("activation: expected a string, got null"));
    CHECK_THAT(spec_error(dir, conv(R"("negative_slope": "0.2", "activation": "leaky_relu",)")),
               Contains("negative_slope: expected a number, got string"));
    CHECK_THAT(spec_error(dir, conv(R"("tensors": ["x.npy"],)")),
               Contains("tensors: expected an object"));
    CHECK_THAT(spec_error(dir, conv(R"("tensors": {"x": 1, "w": "w"},)")),
               Contains("tensors.x: expected a file path"));
    CHECK_THAT(spec_error(dir, conv(R"("tensors": {"x": "", "w": "w"},)")),
               Contains("tensors.x: expected a file path") && Contains("empty string"));
  }
  SECTION("missing fields") {
    CHECK_THAT(spec_error(dir, R"({"layer": "conv2d", "phase": "fp", "batch": 2,
                                   "in_channels": 3, "input_size": 9, "kernel_size": 3})"),
               Contains("missing field 'out_channels'"));
    CHECK_THAT(spec_error(dir, R"({"layer": "conv2d", "phase": "fp", "batch": 2,
                                   "in_channels": 3, "out_channels": 3, "kernel_size": 3})"),
               Contains("missing field 'input_size'"));
    CHECK_THAT(spec_error(dir, R"({"layer": "linear", "phase": "fp", "batch": 2,
                                   "in_features": 3})"),
               Contains("missing field 'out_features' (or 'out_channels')"));
    CHECK_THAT(spec_error(dir, R"({"phase": "fp"})"), Contains("missing field 'layer'"));
    CHECK_THAT(spec_error(dir, R"({"layer": "linear"})"), Contains("missing field 'phase'"));
    CHECK_THAT(spec_error(dir, R"({"layer": "linear", "phase": "fp", "in_features": 3,
                                   "out_features": 3})"),
               Contains("missing field 'batch'"));
  }
  SECTION("invalid values") {
    CHECK_THAT(spec_error(dir, R"({"layer": "conv3d"})"),
               Contains("layer: unknown layer type 'conv3d' (expected conv2d, conv_transpose2d, "
                        "linear)"));
    CHECK_THAT(spec_error(dir, conv(R"("phase": "bp",)")),
               Contains("phase: unknown phase 'bp' (expected fp, ep, wg)"));
    CHECK_THAT(spec_error(dir, conv(R"("format": "fp32",)")),
               Contains("format: unknown format 'fp32' (expected fp16, bf16)"));
    CHECK_THAT(spec_error(dir, conv(R"("activation": "gelu",)")),
               Contains("activation: unknown activation 'gelu' (expected none, relu, leaky_relu)"));
    CHECK_THAT(spec_error(dir, conv(R"("batch": 0,)")),
               Contains("batch: must be at least 1, got 0"));
    CHECK_THAT(spec_error(dir, conv(R"("stride": [1, 0],)")),
               Contains("stride: must be at least 1, got 0"));
    CHECK_THAT(spec_error(dir, conv(R"("padding": -1,)")),
               Contains("padding: must not be negative, got -1"));
    CHECK_THAT(spec_error(dir, conv(R"("out_channels": 3000000000,)")),
               Contains("out_channels: 3000000000 is out of range"));
    CHECK_THAT(spec_error(dir, conv(R"("batch": -3000000000,)")),
               Contains("batch: must be at least 1"));
    CHECK_THAT(spec_error(dir, conv(R"("activation": "leaky_relu", "negative_slope": 1e6,)")),
               Contains("negative_slope: overflows fp16"));
  }
  SECTION("fields that do not belong to the layer type") {
    CHECK_THAT(spec_error(dir, R"({"layer": "linear", "phase": "fp", "batch": 1,
                                   "in_features": 3, "out_features": 3, "kernel_size": 3})"),
               Contains("kernel_size: not used by a linear layer"));
    CHECK_THAT(spec_error(dir, R"({"layer": "linear", "phase": "fp", "batch": 1,
                                   "in_features": 3, "out_features": 3, "input_size": [4, 4]})"),
               Contains("input_size: not used by a linear layer"));
    CHECK_THAT(spec_error(dir, R"({"layer": "linear", "phase": "fp", "batch": 1,
                                   "in_features": 3, "in_channels": 3, "out_features": 3})"),
               Contains("in_features: given together with 'in_channels'"));
    CHECK_THAT(spec_error(dir, conv(R"("in_features": 3,)")),
               Contains("in_features: only for linear layers"));
    CHECK_THAT(spec_error(dir, conv(R"("output_padding": 1,)")),
               Contains("output_padding: only for conv_transpose2d layers"));
  }
  SECTION("tensors the phase does not read, or leaves out") {
    CHECK_THAT(spec_error(dir, conv(R"("tensors": {"x": "x", "w": "w", "dy": "dy"},)")),
               Contains("tensors: unexpected tensor 'dy' for phase fp (expected x, w)"));
    CHECK_THAT(spec_error(dir, conv(R"("tensors": {"x": "x", "w": "w", "b": "b"},)")),
               Contains("tensors: tensor 'b' given but the layer has no bias"));
    CHECK_THAT(
        spec_error(dir, conv(R"("phase": "ep", "tensors": {"dy": "d", "w": "w", "x": "x"},)")),
        Contains("unexpected tensor 'x' for phase ep (expected dy, w, mask)"));
    CHECK_THAT(
        spec_error(dir, conv(R"("phase": "wg", "tensors": {"x": "x", "dy": "d", "w": "w"},)")),
        Contains("unexpected tensor 'w' for phase wg (expected x, dy, mask)"));
    CHECK_THAT(spec_error(dir, conv(R"("phase": "wg", "tensors": {"x": "x", "dy": "d"},
                                       "activation": "leaky_relu",)")),
               Contains("tensors: missing tensor 'mask'"));
    CHECK_THAT(spec_error(dir, conv(R"("tensors": {"x": "x", "weights": "w"},)")),
               Contains("unexpected tensor 'weights'"));
  }
  SECTION("LayerSpec::validate") {
    // Passes the per-field checks; the kernel does not fit the input.
    const std::string text = R"({"layer": "conv2d", "phase": "fp", "batch": 1,
        "in_channels": 1, "out_channels": 1, "input_size": 2, "kernel_size": 5})";
    LayerSpec s;
    s.in_h = s.in_w = 2;
    s.kernel_h = s.kernel_w = 5;
    const std::string problem = s.validate();
    REQUIRE_FALSE(problem.empty());
    CHECK_THAT(spec_error(dir, text), Contains(problem));
  }
}

TEST_CASE("a parsed object: the same spec and messages, addressed by `where`", "[layer_json]") {
  const TempDir dir;
  const std::string text = R"({"layer": "conv2d", "phase": "wg", "batch": 2, "in_channels": 3,
      "out_channels": 8, "input_size": [9, 7], "kernel_size": 3, "stride": 2, "padding": 1,
      "bias": true, "activation": "leaky_relu", "negative_slope": 0.2,
      "tensors": {"x": "in/x.npy", "dy": "dy.npy", "mask": "/abs/mask.npy"}})";
  const LayerJob from_file = parse_text(dir, text);
  const LayerJob from_object = ganpu::rt::parse_layer_json_object(
      nlohmann::ordered_json::parse(text), "list.json: layers[0] (L)", "base");
  CHECK(ganpu::rt::spec_to_json(from_object.spec, from_object.phase) ==
        ganpu::rt::spec_to_json(from_file.spec, from_file.phase));
  CHECK(from_object.tensor_paths.at("x") == (fs::path("base") / "in/x.npy").string());
  CHECK(from_object.tensor_paths.at("mask") == "/abs/mask.npy");

  const auto message = [](const std::string &json) {
    try {
      ganpu::rt::parse_layer_json_object(nlohmann::ordered_json::parse(json), "list.json: L");
    } catch (const SpecError &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message(R"({"layer": "conv2d", "phase": "fp", "batch": 1, "in_channels": 1,
      "out_channels": 1, "input_size": 4, "kernel_size": "3"})") ==
        "list.json: L: kernel_size: expected an integer or a pair of integers, got string");
  CHECK(message(R"({"layer": "linear", "phase": "fp", "batch": 1, "in_features": 1,
      "out_features": 1, "strides": 2})") ==
        "list.json: L: unknown field 'strides' (did you mean 'stride'?)");
  CHECK(message("[1]") ==
        "list.json: L: the top level must be a JSON object, got array of 1 element");
}
