// What the layer compiler asks of the hardware, job by job: EP and WG after an activation gate
// dy while staging (OP.GATE) where the mask layout allows it and fall back to MASK_GRAD jobs
// where it does not; jobs over the same A box keep it (OP.A_KEEP). The results of these jobs
// are checked bit for bit by the layer tests; here, that the cheap form is the one chosen.
#include <catch2/catch.hpp>
#include <utility>

#include "layer_test_support.hpp"
#include "runtime/layer_compiler.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::model::LayerType;
using ganpu::model::Phase;
using ganpu::test::conv;
namespace regs = ganpu::regs;

ganpu::rt::LayerAddrs addrs() {
  ganpu::rt::LayerAddrs a;
  a.x = 0x1000, a.w = 0x20000, a.b = 0x30000, a.y = 0x40000, a.mask = 0x50000;
  a.dy = 0x60000, a.dz = 0x70000, a.dx = 0x80000, a.dw = 0x90000, a.db = 0xA0000;
  a.psum = 0xB0000;
  return a;
}

size_t count_opcode(const std::vector<ganpu::rt::Job> &jobs, regs::Opcode op) {
  size_t n = 0;
  for (const auto &j : jobs) n += j.desc.op.opcode == op;
  return n;
}

size_t count_gated(const std::vector<ganpu::rt::Job> &jobs) {
  size_t n = 0;
  for (const auto &j : jobs) n += j.desc.op.gate != regs::Act::kNone;
  return n;
}

}  // namespace

TEST_CASE("EP and WG after an activation gate dy while staging", "[compiler]") {
  const ganpu::rt::HwConfig hw;
  const auto layers = {
      conv(LayerType::kConv2d, 16, 32, 16, 16, 4, 2, 1, 2, Act::kLeakyRelu, true),
      conv(LayerType::kConvTranspose2d, 32, 16, 8, 8, 4, 2, 1, 2, Act::kRelu, true),
      conv(LayerType::kLinear, 32, 1024, 1, 1, 1, 1, 0, 2, Act::kRelu, true),
      // Batch 16: EP's dz no longer fits the A buffer and is cut into feature groups.
      conv(LayerType::kLinear, 32, 1024, 1, 1, 1, 1, 0, 16, Act::kRelu, true)};
  for (const auto &l : layers) {
    for (Phase ph : {Phase::kErrorProp, Phase::kWeightGrad}) {
      INFO(to_string(l.type) << " " << to_string(ph));
      const auto jobs = ganpu::rt::compile_layer(l, ph, hw, addrs());
      CHECK(count_opcode(jobs, regs::Opcode::kMaskGrad) == 0);
      CHECK(count_gated(jobs) == jobs.size());  // every job reads dy, through the mask
      for (const auto &j : jobs) CHECK(j.desc.gm_src >= addrs().mask);
    }
  }
}

TEST_CASE("a transposed map with unequal output phases falls back to MASK_GRAD", "[compiler]") {
  const ganpu::rt::HwConfig hw;
  // 5x5 -> 9x9 (k 3, s 2, p 1): phase rows of 5 and 4 outputs, mask blocks of different sizes.
  const auto l = conv(LayerType::kConvTranspose2d, 3, 4, 5, 5, 3, 2, 1, 1, Act::kRelu, true);
  const auto jobs = ganpu::rt::compile_layer(l, Phase::kErrorProp, hw, addrs());
  CHECK(count_opcode(jobs, regs::Opcode::kMaskGrad) > 0);
  CHECK(count_gated(jobs) == 0);
}

TEST_CASE("the output phases of a transposed map stage their A box once", "[compiler]") {
  const ganpu::rt::HwConfig hw;
  const auto l = conv(LayerType::kConvTranspose2d, 32, 16, 8, 8, 4, 2, 1, 2, Act::kRelu, true);
  const auto jobs = ganpu::rt::compile_layer(l, Phase::kForward, hw, addrs());
  REQUIRE(jobs.size() == 4);  // one per output phase, the whole batch in each
  CHECK_FALSE(jobs[0].desc.op.a_keep);
  for (size_t k = 1; k < jobs.size(); ++k) CHECK(jobs[k].desc.op.a_keep);
}

TEST_CASE("a wide array stages a transposed map's weights once for all its phases", "[compiler]") {
  ganpu::rt::HwConfig wide;
  wide.pe_rows = wide.pe_cols = 16;
  const ganpu::rt::HwConfig narrow;
  // G.up1 of the DCGAN list: 64 -> 32 channels, 4x4 -> 8x8; its conv2d mirror for EP.
  const auto up = conv(LayerType::kConvTranspose2d, 64, 32, 4, 4, 4, 2, 1, 2, Act::kRelu, true);
  const auto down = conv(LayerType::kConv2d, 32, 64, 8, 8, 4, 2, 1, 2, Act::kRelu, true);
  for (const auto &[l, ph] : {std::pair{up, Phase::kForward}, std::pair{down, Phase::kErrorProp}}) {
    INFO(to_string(l.type) << " " << to_string(ph));
    const auto jobs = ganpu::rt::compile_layer(l, ph, wide, addrs());
    // Two blocks of 16 channels x 4 phases; each block's first phase stages, three keep.
    REQUIRE(jobs.size() == 8);
    size_t keeps = 0;
    for (const auto &j : jobs) {
      CHECK(j.desc.op.b_map);
      CHECK(j.desc.q_count == 16);
      CHECK(j.desc.b_l0 * j.desc.b_l1 * j.desc.b_l2 == 64 * 16);  // every tap of every kernel
      keeps += j.desc.op.b_keep;
    }
    CHECK(keeps == 6);
    // On 4 rows the issue hides each phase's staging: no mapping.
    for (const auto &j : ganpu::rt::compile_layer(l, ph, narrow, addrs())) {
      CHECK(!j.desc.op.b_map);
    }
  }
}

// Linear EP without an activation puts the input features on the positions (q = the batch):
// D.fc of the DCGAN list (1024 -> 1, batch 16) would otherwise issue 256 channel blocks of one
// 4-cycle step each and write dx one strided element at a time. With an activation (gated dz)
// and where the batch fills the tiles better, the batch stays on the positions.
TEST_CASE("linear EP without an activation puts the features on the positions", "[compiler]") {
  const ganpu::rt::HwConfig hw;
  const auto fc = conv(LayerType::kLinear, 1024, 1, 1, 1, 1, 1, 0, 16, Act::kNone, true);
  const auto jobs = ganpu::rt::compile_layer(fc, Phase::kErrorProp, hw, addrs());
  REQUIRE(jobs.size() == 1);
  const auto &d = jobs.front().desc;
  CHECK(d.q_count == 16);                // the batch on the rows
  CHECK(d.p_n * d.p_h * d.p_w == 1024);  // the features on the positions
  CHECK(d.r_0 * d.r_1 * d.r_2 == 1);
  CHECK(d.o_qs == 1024);  // row n of dx
  CHECK(d.o_p2s == 1);    // consecutive features
  // With ReLU: gated dz along the batch, features on the rows.
  auto relu = fc;
  relu.activation = Act::kRelu;
  for (const auto &j : ganpu::rt::compile_layer(relu, Phase::kErrorProp, hw, addrs())) {
    CHECK(j.desc.q_count == 1024);  // the features on the rows
    CHECK(j.desc.p_w == 16);        // the batch on the positions
    CHECK(j.desc.op.gate != regs::Act::kNone);
  }
  // 3 input features, batch 64: the batch fills the tiles, the features would not.
  const auto narrow = conv(LayerType::kLinear, 3, 100, 1, 1, 1, 1, 0, 64, Act::kNone, false);
  for (const auto &j : ganpu::rt::compile_layer(narrow, Phase::kErrorProp, hw, addrs())) {
    CHECK(j.desc.p_w == 64);
  }
}

// WG whose A buffer holds less than one channel of all samples (D.conv1 of the batch-16 list:
// 3 x 32 x 32 inputs of 16 samples, 16,384 elements of one channel): the samples are cut into
// reduction pieces, and each job takes all 3 channels (48 positions, one 16x16 tile), so dy
// (16 channels over the whole batch) is staged once, not once per input channel.
TEST_CASE("a WG cut over its samples takes the channels that re-read dy least", "[compiler]") {
  ganpu::rt::HwConfig wide;
  wide.pe_rows = wide.pe_cols = 16;
  const auto l = conv(LayerType::kConv2d, 3, 16, 32, 32, 4, 2, 1, 16, Act::kRelu, true);
  const auto jobs = ganpu::rt::compile_layer(l, Phase::kWeightGrad, wide, addrs());
  uint64_t dy_terms = 0;
  size_t dw_jobs = 0;
  for (const auto &j : jobs) {
    if (j.desc.op.a_one) continue;  // the bias gradient
    ++dw_jobs;
    CHECK(j.desc.p_n == 3);  // every input channel's 4 x 4 taps
    CHECK(j.desc.a_d0 * j.desc.a_d1 * j.desc.a_d2 * j.desc.a_d3 <= wide.a_depth);
    dy_terms += uint64_t{j.desc.q_count} * j.desc.r_0 * j.desc.r_1 * j.desc.r_2;
  }
  CHECK(dw_jobs == 8);                             // 2 samples a piece
  CHECK(dy_terms == uint64_t{16} * 16 * 16 * 16);  // dy staged once
}
