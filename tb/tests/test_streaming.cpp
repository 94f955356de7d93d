// The decoupled core under memories that change which unit waits for which: no latency, long
// latency, random backpressure on every channel, and a store side slower than compute (writes
// drain slowly, so tiles pile up behind the store unit and the load unit runs ahead). Every
// result must stay bit-exact: overlap may change when things happen, never what is computed.
#include <algorithm>
#include <catch2/catch.hpp>

#include "layer_test_support.hpp"
#include "runtime/accelerator.hpp"
#include "runtime/layer_compiler.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::model::LayerSpec;
using ganpu::model::LayerType;
using ganpu::test::conv;
using ganpu::test::random_inputs;

// Layers that use every unit: gated EP/WG operands (direct and transposed mask layouts),
// several channel blocks (B prefetch), several tiles per block (accumulator banks), bias, a
// reduction split across jobs (PSUM_IN), and a linear layer.
std::vector<LayerSpec> layers() {
  std::vector<LayerSpec> l;
  l.push_back(conv(LayerType::kConv2d, 5, 9, 8, 8, 4, 2, 1, 2, Act::kLeakyRelu, true));
  l.back().negative_slope = 0x3266;
  l.push_back(conv(LayerType::kConvTranspose2d, 6, 5, 4, 4, 4, 2, 1, 2, Act::kRelu, true));
  l.push_back(conv(LayerType::kLinear, 40, 21, 1, 1, 1, 1, 0, 3, Act::kRelu, true));
  l.push_back(conv(LayerType::kConv2d, 232, 6, 4, 4, 3, 1, 1, 1, Act::kRelu, true));
  return l;
}

// 1 MiB of default memory: room for the small layers and the hand-made jobs below, which
// place their tensors at fixed_addrs().
constexpr uint64_t kRoomyBytes = 1 << 20;
std::unique_ptr<ganpu::rt::Accelerator> roomy_accelerator(const std::string &config) {
  auto mem = ganpu::test::default_memory();
  mem.size = kRoomyBytes;
  return ganpu::rt::make_accelerator(config, mem);
}
// Runs `body` on a roomy accelerator of each configuration the build has (at least one).
template <class Body>
void on_roomy_accelerators(Body &&body) {
  const auto configs = ganpu::rt::accelerator_configs();
  REQUIRE(!configs.empty());
  for (const auto &config : configs) {
    INFO(config);
    auto acc = roomy_accelerator(config);
    body(acc);
  }
}
ganpu::rt::LayerAddrs fixed_addrs() {
  ganpu::rt::LayerAddrs a;
  a.x = 0x1000, a.w = 0x20000, a.b = 0x30000, a.y = 0x40000, a.mask = 0x50000;
  a.psum = 0x60000;
  return a;
}
// `s` in the format of `acc`, with its forward jobs over fixed_addrs().
struct ForwardJobs {
  LayerSpec layer;
  std::vector<ganpu::rt::Job> jobs;
};
ForwardJobs forward_jobs(const LayerSpec &s, ganpu::rt::Accelerator &acc) {
  ForwardJobs f{s, {}};
  f.layer.format = acc.config().format;
  f.jobs =
      ganpu::rt::compile_layer(f.layer, ganpu::model::Phase::kForward, acc.config(), fixed_addrs());
  return f;
}
void run_all(const ganpu::rt::AxiMemConfig &mem) {
  uint64_t seed = 100;
  for (const auto &l : layers()) ganpu::test::on_all(l, seed++, mem);
}

}  // namespace

TEST_CASE("memory latency 1", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.latency_cycles = 1;
  run_all(mem);
}

TEST_CASE("memory latency 200", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.latency_cycles = 200;
  run_all(mem);
}

TEST_CASE("random backpressure on every AXI channel", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.stall_prob = 0.3;
  mem.seed = 7;
  run_all(mem);
}

TEST_CASE("a store side slower than compute", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.write_stall_prob = 0.8;
  mem.seed = 11;
  run_all(mem);
}

TEST_CASE("a narrow memory: 2 bytes per cycle", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.bytes_per_cycle = 2.0;
  run_all(mem);
}

// The stall counters say which unit the array waited for: a long memory latency before a
// long reduction shows as operand waits; a 1x1 convolution (four MACs per output) on a store
// side that barely drains, as store waits (and the last tiles' drain). (The runtime checks on
// every job that the four add up to STALL_CYCLES.)
TEST_CASE("the stall counters name the unit the array waits for", "[streaming]") {
  const LayerSpec k4 = conv(LayerType::kConv2d, 5, 9, 8, 8, 4, 2, 1, 2, Act::kRelu, true);
  // 512 positions: several tiles even on 16x16, so later tiles wait for earlier ones' writes.
  const LayerSpec k1 = conv(LayerType::kConv2d, 4, 8, 16, 16, 1, 1, 0, 2, Act::kRelu, true);
  const auto configs = ganpu::rt::accelerator_configs();
  REQUIRE(!configs.empty());
  for (const auto &config : configs) {
    const auto stats = [&](const LayerSpec &spec, const ganpu::rt::AxiMemConfig &m) {
      auto mem = m;
      auto acc = ganpu::rt::make_accelerator(config, mem);
      LayerSpec s = spec;
      s.format = acc->config().format;
      mem.size = ganpu::rt::layer_memory_bytes(s, acc->config()) + 4096;
      acc = ganpu::rt::make_accelerator(config, mem);
      const auto in = random_inputs(s, 5);
      ganpu::rt::LayerRunStats st;
      const auto out = ganpu::rt::run_layer(*acc, s, ganpu::model::Phase::kForward, in, &st);
      ganpu::test::check_outputs(s, ganpu::model::Phase::kForward, in, out);
      return st.total;
    };
    INFO(config);
    auto slow_read = ganpu::test::default_memory();
    slow_read.latency_cycles = 400;
    const auto r = stats(k4, slow_read);
    CHECK(r.stall_load > r.stall_store + r.stall_setup + r.stall_drain);
    auto slow_write = ganpu::test::default_memory();
    slow_write.write_stall_prob = 0.95;
    slow_write.seed = 3;
    const auto w = stats(k1, slow_write);
    CHECK(w.stall_store > w.stall_load + w.stall_setup);
    CHECK(w.stall_store + w.stall_drain > 4 * (w.stall_load + w.stall_setup));
  }
}

// A job repeated with OP.A_KEEP and OP.B_KEEP stages nothing: the core holds its A box and
// its one channel block's B rows and bias. Changed B rows (another B_SRC) are staged anyway.
TEST_CASE("B_KEEP and A_KEEP skip the staging of what the core holds", "[streaming]") {
  const LayerSpec s = conv(LayerType::kConvTranspose2d, 8, 3, 4, 4, 4, 2, 1, 1, Act::kRelu, true);
  on_roomy_accelerators([&](std::unique_ptr<ganpu::rt::Accelerator> &acc) {
    const auto [l, jobs] = forward_jobs(s, *acc);
    REQUIRE(!jobs.empty());
    auto d = jobs.front().desc;
    REQUIRE(d.q_count <= static_cast<uint32_t>(acc->config().pe_rows));
    const auto first = acc->run(d, 1'000'000);
    CHECK(first.rd_bytes > 0);
    d.op.a_keep = d.op.b_keep = true;
    const auto again = acc->run(d, 1'000'000);
    CHECK(again.rd_bytes == 0);
    d.b_src += 2;  // other rows: staged although B_KEEP is set
    const auto other = acc->run(d, 1'000'000);
    CHECK(other.rd_bytes > 0);
  });
}

// OP.SPAN: tiles take positions of the next plane, so planes smaller than a tile fill it. A
// forward conv2d with 2 x 4 output planes (8 positions, whole mask bytes) over 6 samples, and
// its weight gradient (3 x 3 kernel planes, no mask): the array issues ceil(positions / tile)
// tiles per channel block, not one per plane, and every output and mask bit stays exact. The
// core refuses SPAN where a tile could not write its mask per plane.
TEST_CASE("OP.SPAN fills tiles with the positions of several planes", "[streaming]") {
  const LayerSpec s = conv(LayerType::kConv2d, 3, 5, 4, 8, 3, 2, 1, 6, Act::kRelu, true);
  REQUIRE(s.out_h() * s.out_w() == 8);
  on_roomy_accelerators([&](std::unique_ptr<ganpu::rt::Accelerator> &acc) {
    const auto hw = acc->config();
    LayerSpec l = s;
    l.format = hw.format;
    auto in = random_inputs(l, 11);
    const int64_t blocks = (l.out_channels + hw.pe_rows - 1) / hw.pe_rows;
    const auto tiles = [&](int64_t positions) { return (positions + hw.tile() - 1) / hw.tile(); };

    ganpu::rt::LayerRunStats fp;
    const auto y = ganpu::rt::run_layer(*acc, l, ganpu::model::Phase::kForward, in, &fp);
    ganpu::test::check_outputs(l, ganpu::model::Phase::kForward, in, y);
    REQUIRE(fp.jobs == 1);
    const int64_t r_fp = l.in_channels * 9;
    CHECK(fp.total.busy_cycles ==
          static_cast<uint64_t>(blocks * tiles(l.batch * 8) * r_fp * hw.slots));

    in.mask = y.mask;
    ganpu::rt::LayerRunStats wg;
    const auto dw = ganpu::rt::run_layer(*acc, l, ganpu::model::Phase::kWeightGrad, in, &wg);
    ganpu::test::check_outputs(l, ganpu::model::Phase::kWeightGrad, in, dw);
    // dW: one job over all input channels' 3 x 3 planes (a reduction of batch x 2 x 4), then
    // the bias gradient (one position per channel).
    REQUIRE(wg.jobs == 2);
    const int64_t r_wg = l.batch * 8;
    CHECK(wg.total.busy_cycles ==
          static_cast<uint64_t>(blocks * (tiles(l.in_channels * 9) + 1) * r_wg * hw.slots));

    const auto jobs = ganpu::rt::compile_layer(l, ganpu::model::Phase::kForward, hw, fixed_addrs());
    REQUIRE(jobs.size() == 1);
    auto d = jobs.front().desc;
    CHECK(d.op.span);
    d.p_w = 3;  // 2 x 3 positions a plane: its mask is not whole bytes
    CHECK_THROWS_WITH(acc->run(d, 1'000'000),
                      Catch::Contains("error code 7 (SPAN: OP.SPAN with MASK_GRAD"));
    d = jobs.front().desc;
    d.op.opcode = ganpu::regs::Opcode::kMaskGrad;
    d.op.mask_en = false;
    CHECK_THROWS_WITH(acc->run(d, 1'000'000),
                      Catch::Contains("error code 7 (SPAN: OP.SPAN with MASK_GRAD"));
  });
}

// OP.B_STREAM: a channel block's first tile issues each reduction term as soon as every row
// holds it, so a job's first block no longer waits to be staged whole. A conv2d whose weight
// rows are runs of 512 terms (32 channels x 4 x 4), in one job: the compiler streams the rows
// in chunks of 64 terms, the results stay exact, and the same job staged whole issues as many
// cycles but waits longer for its operands. B rows of another form, or a chunk that does not
// divide the reduction, are refused (error CHUNK).
TEST_CASE("OP.B_STREAM issues a block while its rows arrive", "[streaming]") {
  const LayerSpec s = conv(LayerType::kConv2d, 32, 8, 8, 8, 4, 2, 1, 2, Act::kRelu, true);
  on_roomy_accelerators([&](std::unique_ptr<ganpu::rt::Accelerator> &acc) {
    LayerSpec l = s;
    l.format = acc->config().format;
    const auto in = random_inputs(l, 21);
    const auto y = ganpu::rt::run_layer(*acc, l, ganpu::model::Phase::kForward, in);
    ganpu::test::check_outputs(l, ganpu::model::Phase::kForward, in, y);

    const auto f = forward_jobs(s, *acc);
    REQUIRE(f.jobs.size() == 1);
    auto d = f.jobs.front().desc;
    CHECK(d.op.b_stream);
    CHECK(d.op.b_chunk_log2 == 6);
    const auto streamed = acc->run(d, 1'000'000);
    d.op.b_stream = false;
    const auto whole = acc->run(d, 1'000'000);
    CHECK(streamed.busy_cycles == whole.busy_cycles);
    CHECK(streamed.stall_load < whole.stall_load);
    CHECK(streamed.cycles < whole.cycles);

    d.op.b_stream = true;
    d.op.b_chunk_log2 = 10;  // 1,024 terms: not a divisor of 512
    CHECK_THROWS_WITH(acc->run(d, 1'000'000), Catch::Contains("error code 8 (CHUNK"));
    d.op.b_chunk_log2 = 6;
    d.b_r0s += 1;  // the rows are no longer runs of the reduction
    CHECK_THROWS_WITH(acc->run(d, 1'000'000), Catch::Contains("error code 8 (CHUNK"));
  });
}

// A read or write beyond the memory (SLVERR) stops the job with error BUS, whatever the units
// were doing; the core then runs the next job as if nothing had happened.
TEST_CASE("a bus error ends the job with error BUS and the next job runs", "[streaming]") {
  const LayerSpec s = conv(LayerType::kConv2d, 5, 9, 8, 8, 4, 2, 1, 2, Act::kRelu, true);
  on_roomy_accelerators([&](std::unique_ptr<ganpu::rt::Accelerator> &acc) {
    const auto [l, jobs] = forward_jobs(s, *acc);
    REQUIRE(!jobs.empty());
    const uint32_t end = static_cast<uint32_t>(kRoomyBytes);
    for (const char *where : {"A box", "B rows", "bias", "outputs", "mask", "all"}) {
      INFO(where);
      auto d = jobs.front().desc;
      const std::string w = where;
      // The A box runs off the end; the others lie wholly beyond it.
      if (w == "A box" || w == "all") d.a_src = end - 64;
      if (w == "B rows" || w == "all") d.b_src = end + 0x1000;
      if (w == "bias" || w == "all") d.bias_src = end + 0x2000;
      if (w == "outputs" || w == "all") d.o_dst = end + 0x3000;
      if (w == "mask" || w == "all") d.m_dst = end + 0x4000;
      CHECK_THROWS_WITH(acc->run(d, 1'000'000), Catch::Contains("error code 6 (BUS: "));
    }
    const auto in = random_inputs(l, 12);
    const auto y = ganpu::rt::run_layer(*acc, l, ganpu::model::Phase::kForward, in);
    ganpu::test::check_outputs(l, ganpu::model::Phase::kForward, in, y);
  });
}

// A transposed map's output phases (stride 2): each phase writes every second element of y,
// as strided write commands (a beat carries two of a phase's 16-bit values, strobed), and
// EP and WG gate dy by the phase-blocked mask at bus width (the mask bits of a beat's dy
// values alternate between two phases' runs). Every result bit-exact; the bytes written and
// the exposed staging show the width (one element a command, or a cycle, fails both).
TEST_CASE("a transposed map's phases write strided runs and gate at bus width", "[streaming]") {
  const LayerSpec s = conv(LayerType::kConvTranspose2d, 4, 8, 8, 8, 4, 2, 1, 1, Act::kRelu, true);
  REQUIRE(s.out_h() == 16);
  on_roomy_accelerators([&](std::unique_ptr<ganpu::rt::Accelerator> &acc) {
    LayerSpec l = s;
    l.format = acc->config().format;
    auto in = random_inputs(l, 21);
    ganpu::rt::LayerRunStats fp;
    const auto y = ganpu::rt::run_layer(*acc, l, ganpu::model::Phase::kForward, in, &fp);
    ganpu::test::check_outputs(l, ganpu::model::Phase::kForward, in, y);
    // y and its mask: 8 bytes a value if each were a one-beat command; about 4 in runs of 8.
    const uint64_t values = static_cast<uint64_t>(l.batch) * l.out_channels * 16 * 16;
    CHECK(fp.total.wr_bytes < 6 * values);

    in.mask = y.mask;
    for (const auto phase : {ganpu::model::Phase::kErrorProp, ganpu::model::Phase::kWeightGrad}) {
      INFO("phase " << static_cast<int>(phase));
      const auto out = ganpu::rt::run_layer(*acc, l, phase, in);
      ganpu::test::check_outputs(l, phase, in, out);
      // Each gated job alone: its first staging step is exposed. Gated elements G at a beat
      // per cycle plus their mask bytes take about 3/8 G, one a cycle more than G.
      int gated_jobs = 0;
      for (const auto &job : ganpu::rt::compile_layer(l, phase, acc->config(), fixed_addrs())) {
        const auto &d = job.desc;
        if (d.op.gate == ganpu::regs::Act::kNone || d.gm_p3 != 2) continue;
        ++gated_jobs;
        const uint64_t a_box = uint64_t{d.a_d0} * d.a_d1 * d.a_d2 * d.a_d3;
        const uint64_t rows = std::min<uint64_t>(d.q_count, acc->config().pe_rows);
        const uint64_t b_rows = rows * d.r_0 * d.r_1 * d.r_2;
        const uint64_t g = d.op.gate_b ? b_rows : a_box;
        const uint64_t plain = (d.op.gate_b ? (d.op.a_one ? 0 : a_box) : b_rows) + rows;
        REQUIRE(g >= 1024);
        const auto st = acc->run(d, 10'000'000);
        INFO(job.label << ": " << g << " gated and " << plain << " plain elements staged, "
                       << st.stall_load << " cycles waiting for them");
        CHECK(st.stall_load < g * 7 / 10 + plain / 4 + 200);
      }
      CHECK(gated_jobs > 0);
    }
  });
}
