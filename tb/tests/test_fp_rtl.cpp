// RTL vs golden model for every FP unit and both 16-bit formats: all pairs of special values
// plus at least 1,000,000 random operand sets per operation, zero mismatches allowed.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "Vfp_act_bf16.h"
#include "Vfp_act_fp16.h"
#include "Vfp_add_fp32.h"
#include "Vfp_exp_sign_bf16.h"
#include "Vfp_exp_sign_fp16.h"
#include "Vfp_mac_bf16.h"
#include "Vfp_mac_fp16.h"
#include "Vfp_mul_bf16.h"
#include "Vfp_mul_fp16.h"
#include "Vfp_narrow_bf16.h"
#include "Vfp_narrow_fp16.h"
#include "Vfp_widen_bf16.h"
#include "Vfp_widen_fp16.h"
#include "fp_operands.hpp"
#include "model/fp_model.hpp"
#include "runtime/fp_units.hpp"
#include "runtime/verilated_unit.hpp"

namespace {

using ganpu::fp::Format;
using ganpu::fp::kBf16;
using ganpu::fp::kFp16;
using ganpu::fp::kFp32;
using ganpu::rt::ClockedUnit;
using ganpu::rt::CombUnit;
using ganpu::test::OperandGen;
using ganpu::test::special_values;

constexpr uint64_t kRandomCount = 1'000'000;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string describe(const ganpu::fp::ExactProduct &p) {
  return "{nan " + std::to_string(p.nan) + " inf " + std::to_string(p.inf) + " zero " +
         std::to_string(p.zero) + " sign " + std::to_string(p.sign) + " exp " +
         std::to_string(p.exp) + " sig " + hex(p.sig) + "}";
}

// Counts mismatches and keeps the first few for the failure message.
struct Tally {
  uint64_t checked = 0;
  uint64_t mismatches = 0;
  std::vector<std::string> first;
  void check(bool ok, const std::function<std::string()> &what) {
    ++checked;
    if (ok) return;
    if (++mismatches <= 5) first.push_back(what());
  }
  void require(uint64_t min_checked) const {
    for (const auto &m : first) UNSCOPED_INFO(m);
    INFO("checked " << checked << ", mismatches " << mismatches);
    CHECK(checked >= min_checked);
    REQUIRE(mismatches == 0);
  }
};

template <class V>
void run_mul(Format f, uint64_t seed) {
  std::vector<std::pair<uint32_t, uint32_t>> ops;
  const auto sp = special_values(f);
  for (uint32_t a : sp)
    for (uint32_t b : sp) ops.emplace_back(a, b);
  OperandGen gen(seed);
  for (uint64_t i = 0; i < kRandomCount; ++i) ops.emplace_back(gen.any(f), gen.any(f));

  ClockedUnit<V> unit;
  Tally t;
  unit.stream(
      ops.size(),
      [&](V &io, uint64_t i) {
        io.a_i = ops[i].first;
        io.b_i = ops[i].second;
      },
      [&](const V &io, uint64_t i) {
        const auto got = ganpu::rt::read_product(io);
        const auto want = ganpu::fp::mul_exact(f, ops[i].first, ops[i].second);
        t.check(got == want, [&] {
          return "a " + hex(ops[i].first) + " b " + hex(ops[i].second) + ": rtl " + describe(got) +
                 " model " + describe(want);
        });
      });
  t.require(kRandomCount);
}

template <class V>
void run_mac(Format f, uint64_t seed) {
  struct Op {
    uint32_t acc, a, b;
  };
  std::vector<Op> ops;
  const auto sp = special_values(f);
  const auto sp32 = special_values(kFp32);
  for (uint32_t acc : sp32)
    for (uint32_t a : sp)
      for (uint32_t b : sp) ops.push_back({acc, a, b});
  OperandGen gen(seed);
  for (uint64_t i = 0; i < kRandomCount; ++i) {
    const uint32_t a = gen.any(f);
    const uint32_t b = gen.any(f);
    uint32_t acc = gen.any(kFp32);
    const auto p = ganpu::fp::mul_exact(f, a, b);
    const uint32_t pick = gen.below(3);
    if (!p.zero && !p.inf && !p.nan && pick == 1) {
      // An accumulator of similar magnitude: alignment, carries, partial cancellation.
      acc = gen.near_exp(kFp32, p.exp, 30);
    } else if (!p.zero && !p.inf && !p.nan && pick == 2) {
      // The product rounded to FP32 and nudged by a few ulps: (near-)exact cancellation.
      const uint32_t r = ganpu::fp::mac(f, 0, a, b) ^ 0x80000000u;
      acc = gen.near(kFp32, r);
    }
    ops.push_back({acc, a, b});
  }

  ClockedUnit<V> unit;
  Tally t;
  unit.stream(
      ops.size(),
      [&](V &io, uint64_t i) {
        io.acc_i = ops[i].acc;
        io.a_i = ops[i].a;
        io.b_i = ops[i].b;
      },
      [&](const V &io, uint64_t i) {
        const uint32_t want = ganpu::fp::mac(f, ops[i].acc, ops[i].a, ops[i].b);
        t.check(io.acc_o == want, [&] {
          return "acc " + hex(ops[i].acc) + " a " + hex(ops[i].a) + " b " + hex(ops[i].b) +
                 ": rtl " + hex(io.acc_o) + " model " + hex(want);
        });
      });
  t.require(kRandomCount);
}

template <class V>
void run_convert(Format from, Format to, const std::vector<uint32_t> &inputs) {
  ClockedUnit<V> unit;
  Tally t;
  const bool widening = to.width() > from.width();
  unit.stream(
      inputs.size(), [&](V &io, uint64_t i) { io.x_i = inputs[i]; },
      [&](const V &io, uint64_t i) {
        const uint32_t want =
            widening ? ganpu::fp::widen(from, inputs[i]) : ganpu::fp::narrow(to, inputs[i]);
        t.check(io.x_o == want, [&] {
          return "x " + hex(inputs[i]) + ": rtl " + hex(io.x_o) + " model " + hex(want);
        });
      });
  t.require(widening ? (1u << from.width()) : kRandomCount);
}

std::vector<uint32_t> all_values(Format f) {
  std::vector<uint32_t> v(1u << f.width());
  for (uint32_t i = 0; i < v.size(); ++i) v[i] = i;
  return v;
}

std::vector<uint32_t> narrow_inputs(Format to, uint64_t seed) {
  std::vector<uint32_t> v = special_values(kFp32);
  for (uint32_t x : special_values(to)) v.push_back(ganpu::fp::widen(to, x));
  OperandGen gen(seed);
  for (uint64_t i = 0; i < kRandomCount; ++i) {
    switch (gen.below(3)) {
      case 0:
        v.push_back(gen.any(kFp32));
        break;
      // Exponents in and around the target's range: subnormal and overflow boundaries.
      case 1:
        v.push_back(gen.near_exp(kFp32, 0, to.bias() + to.man_w + 3));
        break;
      default:
        v.push_back(gen.tie(kFp32, to));
        break;
    }
  }
  return v;
}

template <class V>
void run_act(Format f, uint64_t seed) {
  struct Op {
    uint32_t mode, x, slope;
  };
  std::vector<Op> ops;
  const uint32_t n = 1u << f.width();
  for (uint32_t mode = 0; mode < 4; ++mode)
    for (uint32_t x = 0; x < n; ++x) ops.push_back({mode, x, ganpu::fp::narrow(f, 0x3C23D70Au)});
  // LeakyReLU with typical slopes (0, 0.01, 0.2, 1) over every input, then random slopes.
  for (uint32_t slope32 : {0x00000000u, 0x3C23D70Au, 0x3E4CCCCDu, 0x3F800000u})
    for (uint32_t x = 0; x < n; ++x) ops.push_back({2, x, ganpu::fp::narrow(f, slope32)});
  OperandGen gen(seed);
  for (uint64_t i = 0; i < kRandomCount; ++i) ops.push_back({2, gen.any(f), gen.any(f)});

  ClockedUnit<V> unit;
  Tally t;
  unit.stream(
      ops.size(),
      [&](V &io, uint64_t i) {
        io.mode_i = ops[i].mode;
        io.x_i = ops[i].x;
        io.slope_i = ops[i].slope;
      },
      [&](const V &io, uint64_t i) {
        const uint32_t want = ganpu::fp::activate(f, static_cast<ganpu::fp::Act>(ops[i].mode),
                                                  ops[i].x, ops[i].slope);
        t.check(io.y_o == want, [&] {
          return "mode " + std::to_string(ops[i].mode) + " x " + hex(ops[i].x) + " slope " +
                 hex(ops[i].slope) + ": rtl " + hex(io.y_o) + " model " + hex(want);
        });
      });
  t.require(kRandomCount);
}

template <class V>
void run_exp_sign(Format f) {
  CombUnit<V> unit;
  Tally t;
  for (uint32_t x = 0; x < (1u << f.width()); ++x) {
    unit.io().x_i = x;
    unit.eval();
    const auto got = ganpu::rt::read_exp_sign(unit.io());
    const auto want = ganpu::fp::exp_sign(f, x);
    t.check(got == want, [&] { return "x " + hex(x); });
  }
  t.require(1u << f.width());
}

}  // namespace

TEST_CASE("fp_mul FP16 exact product", "[rtl][mul]") { run_mul<Vfp_mul_fp16>(kFp16, 1); }
TEST_CASE("fp_mul BF16 exact product", "[rtl][mul]") { run_mul<Vfp_mul_bf16>(kBf16, 2); }
TEST_CASE("fp_mac FP16 into FP32", "[rtl][mac]") { run_mac<Vfp_mac_fp16>(kFp16, 3); }
TEST_CASE("fp_mac BF16 into FP32", "[rtl][mac]") { run_mac<Vfp_mac_bf16>(kBf16, 4); }

TEST_CASE("fp_add FP32", "[rtl][add]") {
  std::vector<std::pair<uint32_t, uint32_t>> ops;
  const auto sp = special_values(kFp32);
  for (uint32_t a : sp)
    for (uint32_t b : sp) ops.emplace_back(a, b);
  OperandGen gen(5);
  for (uint64_t i = 0; i < kRandomCount; ++i) {
    const uint32_t a = gen.any(kFp32);
    const uint32_t b = gen.coin() ? gen.any(kFp32) : gen.near(kFp32, a);
    ops.emplace_back(a, b);
  }
  ClockedUnit<Vfp_add_fp32> unit;
  Tally t;
  unit.stream(
      ops.size(),
      [&](Vfp_add_fp32 &io, uint64_t i) {
        io.a_i = ops[i].first;
        io.b_i = ops[i].second;
      },
      [&](const Vfp_add_fp32 &io, uint64_t i) {
        const uint32_t want = ganpu::fp::add32(ops[i].first, ops[i].second);
        t.check(io.sum_o == want, [&] {
          return "a " + hex(ops[i].first) + " b " + hex(ops[i].second) + ": rtl " + hex(io.sum_o) +
                 " model " + hex(want);
        });
      });
  t.require(kRandomCount);
}

TEST_CASE("fp_convert FP16 -> FP32, every input", "[rtl][convert]") {
  run_convert<Vfp_widen_fp16>(kFp16, kFp32, all_values(kFp16));
}
TEST_CASE("fp_convert BF16 -> FP32, every input", "[rtl][convert]") {
  run_convert<Vfp_widen_bf16>(kBf16, kFp32, all_values(kBf16));
}
TEST_CASE("fp_convert FP32 -> FP16", "[rtl][convert]") {
  run_convert<Vfp_narrow_fp16>(kFp32, kFp16, narrow_inputs(kFp16, 6));
}
TEST_CASE("fp_convert FP32 -> BF16", "[rtl][convert]") {
  run_convert<Vfp_narrow_bf16>(kFp32, kBf16, narrow_inputs(kBf16, 7));
}
TEST_CASE("fp_act FP16 ReLU and LeakyReLU", "[rtl][act]") { run_act<Vfp_act_fp16>(kFp16, 8); }
TEST_CASE("fp_act BF16 ReLU and LeakyReLU", "[rtl][act]") { run_act<Vfp_act_bf16>(kBf16, 9); }
TEST_CASE("fp_exp_sign FP16, every input", "[rtl][exp_sign]") {
  run_exp_sign<Vfp_exp_sign_fp16>(kFp16);
}
TEST_CASE("fp_exp_sign BF16, every input", "[rtl][exp_sign]") {
  run_exp_sign<Vfp_exp_sign_bf16>(kBf16);
}
