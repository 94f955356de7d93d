// The multi-core top's queue programs (docs/astm.md): phases of both queues in every mode
// against the golden model, FENCE and WAIT across queues with data that flows through memory,
// the counters' invariants, and the errors a driver can provoke.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>

#include "layer_test_support.hpp"
#include "model/layer_model.hpp"
#include "runtime/accelerator.hpp"
#include "runtime/phase_program.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::model::LayerSpec;
using ganpu::model::LayerType;
using ganpu::model::Phase;
using ganpu::regs::AstmMode;
using ganpu::rt::JobError;
using ganpu::rt::LayerInputs;
using ganpu::rt::ProgramPhase;
using ganpu::rt::QueueProgram;
using ganpu::rt::StagedPhase;
using ganpu::test::conv;
using ganpu::test::random_inputs;

constexpr uint64_t kMemBytes = 8 << 20;
constexpr uint64_t kMaxCycles = 50'000'000;

std::unique_ptr<ganpu::rt::Accelerator> accelerator(const std::string &config) {
  auto mem = ganpu::test::default_memory();
  mem.size = kMemBytes;
  return ganpu::rt::make_accelerator(config, mem);
}

// Four phases, two per queue, of layers shaped like a GAN's: several jobs each, so that the
// cores share every phase.
struct Case {
  LayerSpec spec;
  Phase phase;
  int queue;
  LayerInputs in;
};
std::vector<Case> cases(ganpu::fp::Format format) {
  std::vector<Case> c;
  c.push_back({conv(LayerType::kConvTranspose2d, 8, 6, 4, 4, 4, 2, 1, 2, Act::kRelu, true),
               Phase::kForward,
               0,
               {}});
  c.push_back(
      {conv(LayerType::kConv2d, 3, 8, 8, 8, 4, 2, 1, 4, Act::kRelu, true), Phase::kForward, 1, {}});
  c.push_back({conv(LayerType::kConv2d, 6, 4, 8, 8, 3, 1, 1, 2, Act::kRelu, true),
               Phase::kErrorProp,
               0,
               {}});
  c.push_back({conv(LayerType::kLinear, 48, 10, 1, 1, 1, 1, 0, 4, Act::kRelu, true),
               Phase::kWeightGrad,
               1,
               {}});
  uint64_t seed = 700;
  for (auto &k : c) {
    k.spec.format = format;
    k.in = random_inputs(k.spec, seed++);
    // EP and WG read the mask their layer's forward pass wrote.
    k.in.mask = ganpu::model::forward(k.spec, k.in.x, k.in.w, k.spec.bias ? &k.in.b : nullptr).mask;
  }
  return c;
}

// Stages every case one after another in memory; records go after them.
struct Staged {
  std::vector<StagedPhase> phases;
  uint64_t end = 0;
};
Staged stage(ganpu::rt::Accelerator &acc, const std::vector<Case> &c) {
  Staged s;
  for (const auto &k : c) {
    // Compiled for the cores: phases of one job are cut by output channels.
    s.phases.push_back(
        ganpu::rt::stage_layer(acc, k.spec, k.phase, k.in, s.end, false, acc.cores()));
    s.end = s.phases.back().end;
  }
  s.end = (s.end + 63) & ~uint64_t{63};
  return s;
}

std::vector<ProgramPhase> independent(const Staged &s, const std::vector<Case> &c,
                                      const std::vector<uint8_t> &cores = {}) {
  std::vector<ProgramPhase> p;
  for (size_t i = 0; i < c.size(); ++i) {
    p.push_back({&s.phases[i], c[i].queue, {}, cores.empty() ? uint8_t{0} : cores[i]});
  }
  return p;
}

void check_all(ganpu::rt::Accelerator &acc, const Staged &s, const std::vector<Case> &c) {
  for (size_t i = 0; i < c.size(); ++i) {
    INFO("case " << i);
    ganpu::test::check_outputs(c[i].spec, c[i].phase, c[i].in,
                               ganpu::rt::collect_layer(acc, s.phases[i]));
  }
}

size_t jobs_of(const Staged &s, const std::vector<Case> &c, int queue) {
  size_t n = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i].queue == queue) n += s.phases[i].jobs.size();
  }
  return n;
}

// The multi-core configurations of this build (at least one).
std::vector<std::string> multicore_configs() {
  std::vector<std::string> out;
  for (const auto &config : ganpu::rt::accelerator_configs()) {
    if (accelerator(config)->cores() >= 2) out.push_back(config);
  }
  return out;
}

uint64_t active(const ganpu::rt::ProgramStats &st, int q) { return st.cycles - st.queues[q].idle; }

}  // namespace

TEST_CASE("every configuration runs a queue program bit-exactly, in every mode", "[astm]") {
  const auto configs = ganpu::rt::accelerator_configs();
  REQUIRE(!configs.empty());
  for (const auto &config : configs) {
    for (const AstmMode mode : {AstmMode::kTemporal, AstmMode::kSpatial, AstmMode::kAdaptive}) {
      INFO(config << ", mode " << static_cast<int>(mode));
      auto acc = accelerator(config);
      const int n = acc->cores();
      REQUIRE(n >= 1);
      const auto c = cases(acc->config().format);
      const Staged s = stage(*acc, c);
      // SPATIAL: the lower half of the cores for queue 0 (with one core, queue 1 gets none,
      // so queue 0 takes it here and queue 1's phases move over).
      const uint8_t split = static_cast<uint8_t>((1u << std::max(1, n / 2)) - 1);
      std::vector<ProgramPhase> pp = independent(s, c);
      if (n == 1 && mode == AstmMode::kSpatial) {
        for (auto &p : pp) p.queue = 0;
      }
      const QueueProgram prog = ganpu::rt::build_program(pp, mode, split);
      const auto st = acc->run_program(prog, static_cast<uint32_t>(s.end), kMaxCycles);
      check_all(*acc, s, c);
      uint32_t jobs = 0;
      uint64_t macs = 0;
      for (const auto &k : st.cores) {
        jobs += k.jobs;
        macs += k.macs;
      }
      CHECK(jobs == prog.queues[0].size() + prog.queues[1].size());
      CHECK(st.queues[0].jobs == prog.queues[0].size());
      CHECK(st.queues[1].jobs == prog.queues[1].size());
      CHECK(macs == st.queues[0].macs + st.queues[1].macs);
      // The trace port saw every job; per core its spans do not overlap and add up to the
      // counters (a span runs from the cycle its start is issued to its done).
      CHECK(st.spans.size() == jobs);
      for (int k = 0; k < n; ++k) {
        uint64_t span_cycles = 0, last_end = 0;
        for (const auto &sp : st.spans) {
          if (sp.core != k) continue;
          CHECK(sp.start >= last_end);
          CHECK(sp.start >= st.start_cycle);
          span_cycles += sp.end - sp.start;
          last_end = sp.end;
        }
        CHECK(span_cycles == st.cores[k].cycles + st.cores[k].jobs);
      }
      if (mode == AstmMode::kTemporal) {
        // One queue at a time: their active spells never overlap.
        CHECK(active(st, 0) + active(st, 1) <= st.cycles);
      }
      if (mode == AstmMode::kSpatial && n >= 2) {
        // Each core served only its side of the split, and the two queues ran at once.
        uint32_t q0 = 0;
        for (int k = 0; k < n; ++k) {
          if (split >> k & 1) q0 += st.cores[k].jobs;
        }
        CHECK(q0 == st.queues[0].jobs);
        CHECK(active(st, 0) + active(st, 1) > st.cycles);
      }
      if (n >= 2) {
        for (int k = 0; k < n; ++k) CHECK(st.cores[k].jobs > 0);
      }
    }
  }
}

TEST_CASE("ADAPTIVE runs each job only on the cores its record names", "[astm]") {
  for (const auto &config : multicore_configs()) {
    INFO(config);
    auto acc = accelerator(config);
    const auto c = cases(acc->config().format);
    const Staged s = stage(*acc, c);
    // Queue 0's phases on core 0, queue 1's on core 1; the other cores get nothing.
    std::vector<uint8_t> cores;
    for (const auto &k : c) cores.push_back(k.queue == 0 ? 0x1 : 0x2);
    const auto prog = ganpu::rt::build_program(independent(s, c, cores), AstmMode::kAdaptive);
    const auto st = acc->run_program(prog, static_cast<uint32_t>(s.end), kMaxCycles);
    check_all(*acc, s, c);
    CHECK(st.cores[0].jobs == jobs_of(s, c, 0));
    CHECK(st.cores[1].jobs == jobs_of(s, c, 1));
    for (size_t k = 2; k < st.cores.size(); ++k) {
      CHECK(st.cores[k].jobs == 0);
      CHECK(st.cores[k].idle == st.cycles);
    }
  }
}

TEST_CASE("WAIT holds a job until the other queue has written its input", "[astm]") {
  for (const auto &config : multicore_configs()) {
    for (const bool with_wait : {true, false}) {
      INFO(config << (with_wait ? ", with WAIT" : ", without WAIT"));
      auto acc = accelerator(config);
      const auto format = acc->config().format;
      // Queue 0: a linear layer; queue 1: a linear layer that reads its output from memory.
      LayerSpec a = conv(LayerType::kLinear, 64, 32, 1, 1, 1, 1, 0, 8, Act::kRelu, true);
      LayerSpec b = conv(LayerType::kLinear, 32, 16, 1, 1, 1, 1, 0, 8, Act::kNone, true);
      a.format = b.format = format;
      const LayerInputs ina = random_inputs(a, 801);
      LayerInputs inb = random_inputs(b, 802);
      const StagedPhase pa = ganpu::rt::stage_layer(*acc, a, Phase::kForward, ina, 0);
      StagedPhase pb = ganpu::rt::stage_layer(*acc, b, Phase::kForward, inb, pa.end);
      // b's jobs read a's y instead of their own x; a's y starts as NaNs, so reading it early
      // shows.
      const uint32_t delta = pa.addrs.y - pb.addrs.x;
      for (auto &j : pb.jobs) j.desc.a_src += delta;
      std::vector<uint8_t> nan(2 * 8 * 32);
      for (size_t i = 0; i < nan.size(); i += 2) nan[i] = 0x00, nan[i + 1] = 0x7E;
      acc->mem().write(pa.addrs.y, nan);
      std::vector<ProgramPhase> pp = {{&pa, 0, {}, 0}, {&pb, 1, {}, 0}};
      if (with_wait) pp[1].after = {0};
      const auto prog = ganpu::rt::build_program(pp, AstmMode::kSpatial, 0x1);
      const auto end = (pb.end + 63) & ~uint64_t{63};
      acc->run_program(prog, static_cast<uint32_t>(end), kMaxCycles);
      const auto out_a = ganpu::rt::collect_layer(*acc, pa);
      ganpu::test::check_outputs(a, Phase::kForward, ina, out_a);
      inb.x = out_a.y;  // what b must have read
      inb.x.shape = b.x_shape();
      const auto out_b = ganpu::rt::collect_layer(*acc, pb);
      if (with_wait) {
        ganpu::test::check_outputs(b, Phase::kForward, inb, out_b);
      } else {
        // Both queues start at once: b reads the NaNs a has not yet overwritten.
        const auto nan_count = std::count_if(out_b.y.data.begin(), out_b.y.data.end(),
                                             [](uint32_t v) { return (v & 0x7C00) == 0x7C00; });
        CHECK(nan_count > 0);
      }
    }
  }
}

TEST_CASE("a queue program reports the failing job, and the core runs direct jobs after",
          "[astm]") {
  for (const auto &config : multicore_configs()) {
    INFO(config);
    auto acc = accelerator(config);
    const auto c = cases(acc->config().format);
    const Staged s = stage(*acc, c);
    const auto good = ganpu::rt::build_program(independent(s, c), AstmMode::kAdaptive);
    const uint32_t rec = static_cast<uint32_t>(s.end);

    SECTION("a job with the wrong format") {
      QueueProgram p = good;
      // The other format than the accelerator's.
      const bool fp16 = acc->config().format.exp_w == ganpu::fp::kFp16.exp_w;
      p.queues[1][2].desc.op.format =
          fp16 ? ganpu::regs::NumFormat::kBf16 : ganpu::regs::NumFormat::kFp16;
      CHECK_THROWS_WITH(acc->run_program(p, rec, kMaxCycles),
                        Catch::Contains("queue 1 job 2") && Catch::Contains("FORMAT") &&
                            Catch::Contains(p.queues[1][2].label));
    }
    SECTION("a WAIT the other queue can never meet") {
      QueueProgram p = good;
      p.queues[0][1].wait = true;
      p.queues[0][1].wait_count = 100000;
      CHECK_THROWS_WITH(acc->run_program(p, rec, kMaxCycles),
                        Catch::Contains("queue 0 job 1") && Catch::Contains("STUCK"));
    }
    SECTION("SPATIAL with no core for a queue that has jobs") {
      QueueProgram p = good;
      p.mode = AstmMode::kSpatial;
      p.split = static_cast<uint8_t>((1u << acc->cores()) - 1);  // every core to queue 0
      CHECK_THROWS_WITH(acc->run_program(p, rec, kMaxCycles), Catch::Contains("STUCK"));
    }
    SECTION("a record naming a core this accelerator lacks") {
      QueueProgram p = good;
      p.queues[0][3].cores = 0x80;
      CHECK_THROWS_WITH(acc->run_program(p, rec, kMaxCycles),
                        Catch::Contains("queue 0 job 3") && Catch::Contains("QUEUE"));
    }
    // After an error the accelerator runs the good program and a direct job again.
    acc->run_program(good, rec, kMaxCycles);
    check_all(*acc, s, c);
    const auto out = ganpu::rt::run_layer(*acc, c[0].spec, c[0].phase, c[0].in);
    ganpu::test::check_outputs(c[0].spec, c[0].phase, c[0].in, out);
  }
}

TEST_CASE("a phase compiled for several cores is cut by output channels, bit-exactly", "[astm]") {
  const auto configs = ganpu::rt::accelerator_configs();
  REQUIRE(!configs.empty());
  auto acc = accelerator(configs.front());
  const int rows = acc->config().pe_rows;
  // One job for one core (few outputs), several channel blocks: FP with bias, mask and a
  // gated EP and WG of the same layer.
  LayerSpec s = conv(LayerType::kConv2d, 3, 3 * rows, 6, 6, 3, 1, 1, 1, Act::kRelu, true);
  s.format = acc->config().format;
  LayerInputs in = random_inputs(s, 901);
  in.mask = ganpu::model::forward(s, in.x, in.w, &in.b).mask;
  for (const Phase phase : {Phase::kForward, Phase::kErrorProp, Phase::kWeightGrad}) {
    INFO(ganpu::model::to_string(phase));
    const size_t one = ganpu::rt::stage_layer(*acc, s, phase, in, 0, false, 1).jobs.size();
    const StagedPhase p = ganpu::rt::stage_layer(*acc, s, phase, in, 0, false, 3);
    if (one < 3 && phase == Phase::kForward) CHECK(p.jobs.size() > one);
    // Run one after another on core 0: the parts alone give the layer's outputs.
    for (const auto &j : p.jobs) acc->run(j.desc, kMaxCycles);
    ganpu::test::check_outputs(s, phase, in, ganpu::rt::collect_layer(*acc, p));
  }
}
