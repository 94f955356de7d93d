// The box reader (rtl/core/ganpu_box_reader.sv) on its own: random 4-D boxes of every element
// size, contiguous, partly contiguous and strided, with random back-pressure on its command
// port and garbage on its inputs in the start cycle (they describe the step only from the
// next cycle on). The commands must cover exactly the box's elements in box order, and their
// number must be the fewest the merge rule allows: with merge_i, every outer dim that
// continues the run joins it; without, one command per run.
#include <verilated.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vbox_reader.h"
#include "runtime/verilated_unit.hpp"

namespace {

struct Box {
  uint32_t base = 0;
  unsigned esize = 1;  // log2 bytes per element
  uint32_t n[3] = {1, 1, 1};
  uint32_t n3 = 1;
  int32_t s[3] = {0, 0, 0};
  int32_t s3 = 1;
};

// Byte addresses of the box's elements, dims 0..2 outer, dim 3 innermost.
std::vector<uint32_t> box_addresses(const Box &b) {
  std::vector<uint32_t> out;
  for (uint32_t i0 = 0; i0 < b.n[0]; ++i0)
    for (uint32_t i1 = 0; i1 < b.n[1]; ++i1)
      for (uint32_t i2 = 0; i2 < b.n[2]; ++i2)
        for (uint32_t i3 = 0; i3 < b.n3; ++i3) {
          const int64_t e = int64_t{b.s[0]} * i0 + int64_t{b.s[1]} * i1 + int64_t{b.s[2]} * i2 +
                            int64_t{b.s3} * i3;
          out.push_back(b.base + static_cast<uint32_t>(e << b.esize));
        }
  return out;
}

// Commands the reader should issue: with merge, the outer dims continuing the run (from dim 2
// outwards; a dim of one value always continues it) join it, as long as it fits 24 bits.
uint64_t expected_commands(const Box &b, bool merge) {
  const uint64_t elems = uint64_t{b.n[0]} * b.n[1] * b.n[2] * b.n3;
  if (b.s3 != 1) return elems;
  uint64_t outer = uint64_t{b.n[0]} * b.n[1] * b.n[2];
  if (!merge) return outer;
  uint64_t run = b.n3;
  for (int k = 2; k >= 0; --k) {
    if (b.n[k] == 1) continue;
    if (b.s[k] != static_cast<int64_t>(run) || run * b.n[k] >= (uint64_t{1} << 24)) break;
    run *= b.n[k];
    outer /= b.n[k];
  }
  return outer;
}

class Reader {
 public:
  Reader() : ctx_(std::make_unique<VerilatedContext>()) {
    top_ = std::make_unique<Vbox_reader>(ctx_.get(), "top");
    top_->start_i = 0;
    top_->abort_i = 0;
    top_->cmd_ready_i = 0;
    ganpu::rt::async_reset(*top_);
    tick();
  }
  ~Reader() { top_->final(); }
  Reader(const Reader &) = delete;
  Reader &operator=(const Reader &) = delete;

  void tick() {
    top_->clk_i = 1;
    top_->eval();
    top_->clk_i = 0;
    top_->eval();
  }

  void present(const Box &b, bool merge) {
    top_->merge_i = merge;
    top_->base_i = b.base;
    top_->esize_i = b.esize;
    for (int k = 0; k < 3; ++k) {
      top_->n_i[k] = static_cast<uint16_t>(b.n[k]);
      top_->s_i[k] = static_cast<uint32_t>(b.s[k]);
    }
    top_->n3_i = b.n3;
    top_->s3_i = static_cast<uint32_t>(b.s3);
  }

  struct Result {
    std::vector<uint32_t> addresses;  // every element the commands cover, in order
    uint64_t commands = 0;
    uint64_t first_command_cycle = 0;  // cycles from start to the first valid command
  };

  // Runs one box: start with `garbage` on the inputs, then the box, ready with probability
  // `ready_p` each cycle.
  Result run(const Box &b, bool merge, const Box &garbage, double ready_p, std::mt19937 &rng) {
    Result r;
    present(garbage, !merge);
    top_->start_i = 1;
    top_->cmd_ready_i = 0;
    top_->eval();
    tick();
    top_->start_i = 0;
    present(b, merge);
    std::bernoulli_distribution ready(ready_p);
    const uint64_t limit = 64 + 16 * box_addresses(b).size();
    for (uint64_t cycle = 1;; ++cycle) {
      top_->cmd_ready_i = ready(rng);
      top_->eval();
      if (top_->done_o) break;
      REQUIRE(cycle < limit);
      if (top_->cmd_valid_o) {
        if (r.commands == 0 && r.first_command_cycle == 0) r.first_command_cycle = cycle;
        if (top_->cmd_ready_i) {
          ++r.commands;
          for (uint32_t i = 0; i < top_->cmd_len_o; ++i)
            r.addresses.push_back(top_->cmd_addr_o + (i << b.esize));
        }
      }
      tick();
    }
    return r;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vbox_reader> top_;
};

Box random_box(std::mt19937 &rng) {
  auto pick = [&](uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng);
  };
  Box b;
  b.esize = pick(0, 2);
  b.base = pick(0, 1u << 16) << b.esize;
  for (auto &n : b.n) n = pick(0, 3) == 0 ? 1 : pick(1, 5);
  b.n3 = pick(1, 3) == 0 ? 1 : pick(1, 24);
  b.s3 = pick(0, 4) == 0 ? static_cast<int32_t>(pick(2, 3)) : 1;
  // Each outer dim continues the one inside it, or leaves a gap, or steps back (negative).
  int64_t inner = int64_t{b.n3} * b.s3;
  for (int k = 2; k >= 0; --k) {
    const uint32_t kind = pick(0, 5);
    int64_t s = inner;
    if (kind == 4) s = inner + pick(1, 7);
    if (kind == 5) s = -static_cast<int64_t>(pick(1, 40));
    b.s[k] = static_cast<int32_t>(s);
    inner = std::max<int64_t>(s, 1) * b.n[k];
  }
  b.base += 4096u << b.esize;  // room for negative strides
  return b;
}

}  // namespace

TEST_CASE("commands cover the box in order, as few as the merge rule allows", "[box_reader]") {
  std::mt19937 rng(7);
  Reader reader;
  uint64_t merged_boxes = 0;
  for (int i = 0; i < 3000; ++i) {
    const Box b = random_box(rng);
    const Box garbage = random_box(rng);
    const bool merge = (i % 3) != 0;
    const double ready_p = (i % 4 == 0) ? 1.0 : 0.4;
    INFO("box " << i << ": n " << b.n[0] << "," << b.n[1] << "," << b.n[2] << "," << b.n3 << " s "
                << b.s[0] << "," << b.s[1] << "," << b.s[2] << "," << b.s3 << " esize " << b.esize
                << " merge " << merge);
    const auto r = reader.run(b, merge, garbage, ready_p, rng);
    REQUIRE(r.addresses == box_addresses(b));
    REQUIRE(r.commands == expected_commands(b, merge));
    // Deciding the merge: a cycle after the start cycle, plus one per further outer dim that
    // joined.
    REQUIRE(r.first_command_cycle >= 2);
    REQUIRE(r.first_command_cycle <= 4);
    if (merge && r.commands < expected_commands(b, false)) ++merged_boxes;
  }
  // The random boxes do exercise the merge.
  CHECK(merged_boxes > 500);
}

TEST_CASE("a contiguous block of weight rows is one command", "[box_reader]") {
  // B rows of a 16-row block of conv2d weights [Q][C][K][K] (C = 32, K = 4): 8,192
  // consecutive elements, formerly 2,048 commands of one beat.
  std::mt19937 rng(1);
  Reader reader;
  Box b;
  b.esize = 1;
  b.base = 0x1000;
  b.n[0] = 16, b.n[1] = 32, b.n[2] = 4, b.n3 = 4;
  b.s[0] = 512, b.s[1] = 16, b.s[2] = 4;
  const auto r = reader.run(b, true, Box{}, 1.0, rng);
  CHECK(r.commands == 1);
  CHECK(r.addresses == box_addresses(b));
  const auto unmerged = reader.run(b, false, Box{}, 1.0, rng);
  CHECK(unmerged.commands == 16 * 32 * 4);
  CHECK(unmerged.addresses == box_addresses(b));
}

TEST_CASE("a run never exceeds 24 bits", "[box_reader]") {
  std::mt19937 rng(2);
  Reader reader;
  Box b;
  b.esize = 0;
  b.n[0] = 1, b.n[1] = 2, b.n[2] = 1 << 10;  // 2 x 1024 x 8192 = 2^24 contiguous bytes
  b.n3 = 1 << 13;
  b.s[1] = 1 << 23, b.s[2] = 1 << 13;
  // Dim 2 joins (a run of 2^23); dim 1 would make it 2^24, one past the command's length.
  CHECK(expected_commands(b, true) == 2);
  const auto r = reader.run(b, true, Box{}, 1.0, rng);
  CHECK(r.commands == 2);
  CHECK(r.addresses == box_addresses(b));
}
