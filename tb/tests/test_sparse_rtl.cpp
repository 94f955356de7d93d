// Zero skipping (OP.SKIP, sparse mode) on the accelerator: every layer type x phase with its
// input operand 0, 50, 90 and 100% zeros (uniform, and concentrated in a few channels or rows),
// run in dense and in sparse mode on the same data. Each run equals the golden model of its
// mode bit for bit (model::SumMode), the MACS counter equals the model's count of the terms
// it accumulates, and sparse mode never takes more MACs than dense mode.
#include <catch2/catch.hpp>
#include <string>

#include "layer_test_support.hpp"
#include "model/layer_model.hpp"
#include "runtime/layer_check.hpp"
#include "runtime/sparse_data.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::model::LayerSpec;
using ganpu::model::LayerType;
using ganpu::model::Phase;
using ganpu::rt::ZeroSpread;

struct Run {
  ganpu::rt::LayerOutputs out;
  ganpu::rt::JobStats stats;
};

// One phase in one mode, checked against the model of that mode; returns its counters.
ganpu::rt::JobStats run_checked(ganpu::rt::Accelerator &acc, const LayerSpec &s, Phase phase,
                                const ganpu::rt::LayerInputs &in, bool skip) {
  ganpu::rt::LayerRunStats st;
  const auto out = ganpu::rt::run_layer(acc, s, phase, in, &st, {}, 200'000'000, skip);
  ganpu::test::check_outputs(s, phase, in, out, skip);
  uint64_t macs = 0;
  ganpu::rt::golden_outputs(s, phase, in, ganpu::model::SumMode{skip, &macs});
  CHECK(st.total.macs == macs);
  return st.total;
}

// FP, EP and WG of s with x `sparsity` zeros and the same fraction of outputs (so of dz) zero.
void check_sparse(const LayerSpec &base, double sparsity, ZeroSpread spread, uint64_t seed) {
  for (const auto &cfg : ganpu::rt::accelerator_configs()) {
    auto acc = ganpu::rt::make_accelerator(cfg, ganpu::test::default_memory());
    LayerSpec s = base;
    s.format = acc->config().format;
    auto mem = ganpu::test::default_memory();
    mem.size = ganpu::rt::layer_memory_bytes(s, acc->config()) + 4096;
    acc = ganpu::rt::make_accelerator(cfg, mem);
    const auto d = ganpu::rt::make_sparse_layer(s, {sparsity, sparsity, spread, seed});
    ganpu::rt::LayerInputs in;
    in.x = d.x;
    in.w = d.w;
    in.b = d.b;
    in.dy = d.dy;
    in.mask = d.mask;
    INFO(cfg << " " << to_string(s.type) << " sparsity " << sparsity << " ("
             << ganpu::rt::to_string(spread) << "): x " << d.in_sparsity << ", mask "
             << d.out_sparsity);
    for (Phase phase : {Phase::kForward, Phase::kErrorProp, Phase::kWeightGrad}) {
      INFO(to_string(phase));
      const auto dense = run_checked(*acc, s, phase, in, false);
      const auto sparse = run_checked(*acc, s, phase, in, true);
      CHECK(sparse.macs <= dense.macs);
    }
  }
}

LayerSpec conv2d() {
  return ganpu::test::conv(LayerType::kConv2d, 6, 5, 8, 8, 4, 2, 1, 2, Act::kRelu, true);
}
LayerSpec conv3x3() {
  return ganpu::test::conv(LayerType::kConv2d, 4, 6, 7, 6, 3, 1, 1, 2, Act::kRelu, true);
}
LayerSpec conv_t() {
  return ganpu::test::conv(LayerType::kConvTranspose2d, 5, 4, 4, 4, 4, 2, 1, 2, Act::kRelu, true);
}
LayerSpec linear() {
  return ganpu::test::conv(LayerType::kLinear, 40, 12, 1, 1, 1, 1, 0, 5, Act::kRelu, true);
}

}  // namespace

TEST_CASE("conv2d 4x4 stride 2: sparse mode at 0, 50, 90, 100% zeros", "[sparse][conv2d]") {
  for (double s : {0.0, 0.5, 0.9, 1.0}) check_sparse(conv2d(), s, ZeroSpread::kUniform, 1);
}
TEST_CASE("conv2d 3x3 stride 1: sparse mode at 0, 50, 90, 100% zeros", "[sparse][conv2d]") {
  for (double s : {0.0, 0.5, 0.9, 1.0}) check_sparse(conv3x3(), s, ZeroSpread::kUniform, 2);
}
TEST_CASE("conv_transpose2d: sparse mode at 0, 50, 90, 100% zeros", "[sparse][convT]") {
  for (double s : {0.0, 0.5, 0.9, 1.0}) check_sparse(conv_t(), s, ZeroSpread::kUniform, 3);
}
TEST_CASE("linear: sparse mode at 0, 50, 90, 100% zeros", "[sparse][linear]") {
  for (double s : {0.0, 0.5, 0.9, 1.0}) check_sparse(linear(), s, ZeroSpread::kUniform, 4);
}
TEST_CASE("zeros concentrated in channels and in rows", "[sparse][spread]") {
  for (ZeroSpread sp : {ZeroSpread::kChannels, ZeroSpread::kRows}) {
    check_sparse(conv2d(), 0.7, sp, 5);
    check_sparse(linear(), 0.7, sp, 6);
  }
}
// Split reductions start a job's sums from the loaded partial sums (no init pass), and boxes
// larger than the A buffer come in pieces, each with its own bitmap.
TEST_CASE("sparse mode with split reductions and A boxes in pieces", "[sparse][split]") {
  using ganpu::test::conv;
  check_sparse(conv(LayerType::kConv2d, 232, 6, 4, 4, 3, 1, 1, 1, Act::kRelu, true), 0.5,
               ZeroSpread::kUniform, 7);
  check_sparse(conv(LayerType::kConv2d, 6, 232, 4, 4, 3, 1, 1, 1, Act::kRelu, true), 0.9,
               ZeroSpread::kUniform, 8);
  check_sparse(conv(LayerType::kLinear, 2100, 5, 1, 1, 1, 1, 0, 2, Act::kRelu, true), 0.5,
               ZeroSpread::kUniform, 9);
  check_sparse(conv(LayerType::kConvTranspose2d, 24, 4, 20, 20, 4, 2, 1, 1, Act::kRelu, true), 0.5,
               ZeroSpread::kRows, 10);
}
