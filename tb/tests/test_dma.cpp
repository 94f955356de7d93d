// AXI DMAs (rtl/axi/ganpu_dma_rd.sv, ganpu_dma_wr.sv) through tb/rtl/dma_test_top.sv against
// the C++ AXI memory model (runtime/axi_mem_model.hpp), and the model's own protocol checks.
// Random commands of every element size, unaligned and crossing 4 KB pages, back to back, with
// random stalls on every interface: the read stream must equal memory, writes (contiguous and
// strided runs) must land exactly with every other byte untouched, and the beat and burst
// counts must be the minimal ones.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "Vdma_test_top.h"
#include "runtime/axi_mem_model.hpp"

namespace {

using ganpu::rt::AxiMemConfig;
using ganpu::rt::AxiMemModel;

// The bus width follows the Verilated top (DataW = 32, 64, 128, ... all work); the others are
// dma_test_top's defaults.
constexpr unsigned kBeatBytes =
    sizeof(std::remove_reference_t<decltype(std::declval<Vdma_test_top &>().m_axi_rdata)>);
constexpr unsigned kMaxBurst = 16;  // MaxBurstBeats

// The bursts each DMA keeps in flight, as ganpu_top has them (rtl/common/ganpu_cfg_pkg.sv):
// read from the RTL, never restated here.
struct InFlight {
  unsigned rd;
  unsigned wr;
};
InFlight dma_in_flight() {
  VerilatedContext ctx;
  Vdma_test_top top(&ctx, "top");
  top.eval();
  const InFlight n{top.rd_max_outstanding_o, top.wr_max_outstanding_o};
  top.final();
  return n;
}

struct Cmd {
  uint64_t addr;
  uint32_t len;
  unsigned esize;
  bool wide = false;  // reads: a beat's elements in one delivery
  unsigned step = 0;  // writes: element i at addr + (i << (esize + step))
  uint64_t bytes() const { return static_cast<uint64_t>(len) << esize; }  // written
  uint64_t elem_addr(uint32_t i) const { return addr + (uint64_t{i} << (esize + step)); }
  // From the first byte to one past the last, gaps included.
  uint64_t span() const { return len == 0 ? 0 : elem_addr(len - 1) + (1u << esize) - addr; }
};
// The largest write step the DMA takes for an element size: a beat holds at least one element.
unsigned max_step(unsigned esize) {
  unsigned s = 0;
  while (s < 3 && (1u << (esize + s + 1)) <= kBeatBytes) ++s;
  return s;
}

// The minimal split into full-width INCR bursts: <= kMaxBurst beats, no 4 KB crossing.
struct Split {
  uint64_t beats = 0;
  uint64_t bursts = 0;
};
Split split(const Cmd &c) {
  Split s;
  if (c.len == 0) return s;  // dropped
  uint64_t a = c.addr & ~uint64_t{kBeatBytes - 1};
  const uint64_t end = c.addr + c.span();  // one past the last byte
  while (a < end) {
    const uint64_t to_page = (4096 - a % 4096) / kBeatBytes;
    const uint64_t left = (end - a + kBeatBytes - 1) / kBeatBytes;
    const uint64_t n = std::min<uint64_t>({kMaxBurst, to_page, left});
    s.beats += n;
    ++s.bursts;
    a += n * kBeatBytes;
  }
  return s;
}

uint32_t load_elem(const std::vector<uint8_t> &m, uint64_t addr, unsigned esize) {
  uint32_t v = 0;
  for (unsigned k = 0; k < (1u << esize); ++k) v |= static_cast<uint32_t>(m[addr + k]) << (8 * k);
  return v;
}

// dma_test_top, the memory model and the clock, in the order documented in axi_mem_model.hpp.
class Bench {
 public:
  explicit Bench(const AxiMemConfig &cfg)
      : ctx_(std::make_unique<VerilatedContext>()), mem(with_bus(cfg)) {
    ctx_->randReset(2);  // registers without reset start random: reset bugs show
    top_ = std::make_unique<Vdma_test_top>(ctx_.get(), "top");
    Vdma_test_top &t = *top_;
    t.clk_i = 0;
    t.rd_cmd_valid_i = 0;
    t.rd_cmd_wide_i = 0;  // one element per delivery unless a command says otherwise
    t.rd_elem_ready_i = 0;
    t.rd_clear_err_i = 0;
    t.wr_cmd_valid_i = 0;
    t.wr_elem_valid_i = 0;
    t.wr_clear_err_i = 0;
    t.m_axi_arready = 0;
    t.m_axi_rvalid = 0;
    t.m_axi_awready = 0;
    t.m_axi_wready = 0;
    t.m_axi_bvalid = 0;
    // The asynchronous reset needs a falling edge: the first eval() only records rst_ni.
    t.rst_ni = 1;
    t.eval();
    t.rst_ni = 0;
    t.eval();
    edge();
    t.rst_ni = 1;
    t.eval();
    edge();
  }
  Bench(const Bench &) = delete;
  Bench &operator=(const Bench &) = delete;
  ~Bench() { top_->final(); }

  Vdma_test_top &io() { return *top_; }
  uint64_t cycles() const { return cycles_; }
  static AxiMemConfig with_bus(AxiMemConfig cfg) {
    cfg.data_bytes = kBeatBytes;
    return cfg;
  }

  // The test's inputs are set; the model drives its own, everything settles, handshakes are
  // decided. The caller samples its handshakes, then calls edge().
  void settle() { mem.tick(*top_); }
  void edge() {
    top_->clk_i = 1;
    top_->eval();
    top_->clk_i = 0;
    top_->eval();
    ++cycles_;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vdma_test_top> top_;
  uint64_t cycles_ = 0;

 public:
  AxiMemModel mem;
};

// Random traffic for both DMAs at once, and everything checked at the end.
struct Traffic {
  std::vector<Cmd> rd_cmds, wr_cmds;
  std::vector<uint32_t> wr_elems;  // random 32-bit values: only the low bytes may be written
  double cmd_gap = 0.0;            // probability a command source idles a cycle
  double rd_ready = 1.0;           // probability the read consumer is ready
  double wr_valid = 1.0;           // probability the write producer offers an element
  unsigned wr_group = 1;           // up to this many elements a delivery (within one beat)
  bool wr_group_random = true;     // a random count up to that, else as many as fit
  uint64_t seed = 1;
};

struct Result {
  uint64_t cycles = 0;
  uint64_t done_cycle = 0;  // first cycle after which everything was finished
  uint64_t rd_elems = 0, rd_mismatches = 0, rd_last_mismatches = 0;
  uint64_t rd_beat_pulses = 0, wr_beat_pulses = 0;
  uint64_t busy_violations = 0;
  uint64_t first_rd_elem_cycle = 0, last_rd_elem_cycle = 0;
  uint64_t first_wr_elem_cycle = 0, last_wr_elem_cycle = 0;
  std::vector<std::string> first_errors;
  void note(const std::string &s) {
    if (first_errors.size() < 5) first_errors.push_back(s);
  }
};

// Calls f(command, index, address) for every element of the commands, in order.
template <typename F>
void for_each_elem(const std::vector<Cmd> &cmds, F f) {
  for (const Cmd &c : cmds) {
    for (uint32_t i = 0; i < c.len; ++i) f(c, i, c.elem_addr(i));
  }
}

Result run(Bench &b, const Traffic &t, uint64_t max_cycles = 2'000'000) {
  Result r;
  std::mt19937_64 rng(t.seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Vdma_test_top &io = b.io();
  const std::vector<uint8_t> image = b.mem.bytes();  // reads see memory as it was

  // Expected read stream.
  struct Elem {
    uint32_t data;
    bool last;
    unsigned esize;
  };
  std::vector<Elem> expect;
  for_each_elem(t.rd_cmds, [&](const Cmd &c, uint32_t i, uint64_t addr) {
    expect.push_back({load_elem(image, addr, c.esize), i + 1 == c.len, c.esize});
  });
  uint64_t wr_total = 0;
  for (const Cmd &c : t.wr_cmds) wr_total += c.len;
  if (t.wr_elems.size() != wr_total) throw std::invalid_argument("wr_elems size");

  // Where each write element goes: its address, size and how many of its command remain.
  struct WrElem {
    uint64_t addr;
    unsigned esize;
    unsigned step;
    uint64_t left;
  };
  std::vector<WrElem> wr_where;
  for_each_elem(t.wr_cmds, [&](const Cmd &c, uint32_t i, uint64_t addr) {
    wr_where.push_back({addr, c.esize, c.step, c.len - i});
  });
  unsigned wr_count = 1;
  uint64_t wr_vec = 0;

  size_t rd_next = 0, wr_next = 0, wr_elem_next = 0;
  bool rd_cmd_valid = false, wr_cmd_valid = false, wr_elem_valid = false;
  uint64_t rd_accepted_elems = 0;  // elements of the read commands accepted so far
  uint64_t wr_accepted_elems = 0;

  uint64_t drain = 0;
  while (true) {
    // 1. The test's inputs.
    if (!rd_cmd_valid && rd_next < t.rd_cmds.size() && u(rng) >= t.cmd_gap) rd_cmd_valid = true;
    if (rd_cmd_valid) {
      io.rd_cmd_addr_i = static_cast<uint32_t>(t.rd_cmds[rd_next].addr);
      io.rd_cmd_len_i = t.rd_cmds[rd_next].len;
      io.rd_cmd_esize_i = t.rd_cmds[rd_next].esize;
      io.rd_cmd_wide_i = t.rd_cmds[rd_next].wide;
    }
    io.rd_cmd_valid_i = rd_cmd_valid;
    io.rd_elem_ready_i = u(rng) < t.rd_ready;
    if (!wr_cmd_valid && wr_next < t.wr_cmds.size() && u(rng) >= t.cmd_gap) wr_cmd_valid = true;
    if (wr_cmd_valid) {
      io.wr_cmd_addr_i = static_cast<uint32_t>(t.wr_cmds[wr_next].addr);
      io.wr_cmd_len_i = t.wr_cmds[wr_next].len;
      io.wr_cmd_esize_i = t.wr_cmds[wr_next].esize;
      io.wr_cmd_step_i = t.wr_cmds[wr_next].step;
    }
    io.wr_cmd_valid_i = wr_cmd_valid;
    if (!wr_elem_valid && wr_elem_next < t.wr_elems.size() && u(rng) < t.wr_valid) {
      wr_elem_valid = true;
      // A delivery of 1..wr_group elements that stays inside its beat and its command.
      const WrElem &e = wr_where[wr_elem_next];
      const unsigned in_beat =
          ((kBeatBytes - e.addr % kBeatBytes - (1u << e.esize)) >> (e.esize + e.step)) + 1;
      const unsigned most = std::min<uint64_t>({t.wr_group, in_beat, e.left});
      wr_count = t.wr_group_random ? 1 + static_cast<unsigned>(rng() % most) : most;
      uint64_t vec = 0;
      const unsigned bits = 8u << e.esize;
      for (unsigned j = 0; j < wr_count; ++j) {
        const uint64_t v =
            t.wr_elems[wr_elem_next + j] & (bits == 32 ? 0xFFFFFFFFull : (1ull << bits) - 1);
        vec |= v << (j * bits);
      }
      wr_vec = vec;
    }
    if (wr_elem_valid) {
      io.wr_elem_data_i = wr_vec;
      io.wr_elem_count_i = wr_count;
    }
    io.wr_elem_valid_i = wr_elem_valid;

    // 2. The memory's inputs; all settles.
    b.settle();

    // 3. This cycle's handshakes on the test's side.
    if (io.rd_cmd_valid_i && io.rd_cmd_ready_o) {
      rd_accepted_elems += t.rd_cmds[rd_next].len;
      ++rd_next;
      rd_cmd_valid = false;
    }
    if (io.rd_elem_valid_o && io.rd_elem_ready_i) {
      // One delivery: elem_count_o elements of elem_vec_o, the first also on elem_data_o.
      const unsigned count = io.rd_elem_count_o;
      if (count == 0) {
        ++r.rd_mismatches;
        r.note("a delivery of 0 elements");
      }
      for (unsigned j = 0; j < count; ++j) {
        if (r.rd_elems >= expect.size()) {
          ++r.rd_mismatches;
          r.note("extra read element " + std::to_string(io.rd_elem_data_o));
          break;
        }
        const Elem &e = expect[r.rd_elems];
        const unsigned bits = 8u << e.esize;
        const uint64_t vec = static_cast<uint64_t>(io.rd_elem_vec_o);
        const uint32_t got = static_cast<uint32_t>(
            (vec >> (j * bits)) & (bits == 32 ? 0xFFFFFFFFull : (1ull << bits) - 1));
        if (got != e.data || (j == 0 && io.rd_elem_data_o != e.data)) {
          ++r.rd_mismatches;
          r.note("read element " + std::to_string(r.rd_elems) + ": got " + std::to_string(got) +
                 " (first lane " + std::to_string(io.rd_elem_data_o) + "), want " +
                 std::to_string(e.data));
        }
        // The delivery's last flag belongs to its last element.
        if ((j + 1 == count && static_cast<bool>(io.rd_elem_last_o) != e.last) ||
            (j + 1 < count && e.last)) {
          ++r.rd_last_mismatches;
          r.note("read element " + std::to_string(r.rd_elems) + ": last flag wrong");
        }
        if (r.rd_elems == 0) r.first_rd_elem_cycle = b.cycles();
        r.last_rd_elem_cycle = b.cycles();
        ++r.rd_elems;
      }
    }
    if (io.wr_cmd_valid_i && io.wr_cmd_ready_o) {
      wr_accepted_elems += t.wr_cmds[wr_next].len;
      ++wr_next;
      wr_cmd_valid = false;
    }
    if (io.wr_elem_valid_i && io.wr_elem_ready_o) {
      if (wr_elem_next == 0) r.first_wr_elem_cycle = b.cycles();
      r.last_wr_elem_cycle = b.cycles();
      wr_elem_next += wr_count;
      wr_elem_valid = false;
    }

    // 4. The clock edge, then the registered status outputs.
    b.edge();
    r.rd_beat_pulses += io.rd_beat_o;
    r.wr_beat_pulses += io.wr_beat_o;
    // busy: high while any accepted read element is undelivered; low only when every accepted
    // write element is taken and the memory has answered every write burst.
    if (!io.rd_busy_o && r.rd_elems < rd_accepted_elems) {
      ++r.busy_violations;
      r.note("rd_busy_o low with " + std::to_string(rd_accepted_elems - r.rd_elems) +
             " elements undelivered at cycle " + std::to_string(b.cycles()));
    }
    if (!io.wr_busy_o && (wr_elem_next < wr_accepted_elems || b.mem.writes_outstanding() != 0)) {
      ++r.busy_violations;
      r.note("wr_busy_o low with work pending at cycle " + std::to_string(b.cycles()));
    }

    const bool done = rd_next == t.rd_cmds.size() && wr_next == t.wr_cmds.size() &&
                      r.rd_elems >= expect.size() && wr_elem_next == t.wr_elems.size() &&
                      !io.rd_busy_o && !io.wr_busy_o && b.mem.idle();
    // A few idle cycles more: late beat pulses, stray elements.
    if (done && drain == 0) r.done_cycle = b.cycles();
    if (done && ++drain > 8) break;
    if (b.cycles() > max_cycles) {
      r.note("timeout after " + std::to_string(max_cycles) +
             " cycles: " + std::to_string(r.rd_elems) + "/" + std::to_string(expect.size()) +
             " read elements, " + std::to_string(wr_elem_next) + "/" +
             std::to_string(t.wr_elems.size()) + " write elements");
      r.cycles = b.cycles();
      return r;
    }
  }
  r.cycles = b.cycles();
  return r;
}

// Memory image after the write commands, applied in order.
void apply_writes(std::vector<uint8_t> &m, const Traffic &t) {
  size_t k = 0;
  for (const Cmd &c : t.wr_cmds) {
    for (uint32_t i = 0; i < c.len; ++i, ++k) {
      const uint64_t a = c.elem_addr(i);
      for (unsigned j = 0; j < (1u << c.esize); ++j) {
        m[a + j] = static_cast<uint8_t>(t.wr_elems[k] >> (8 * j));
      }
    }
  }
}

// A command in [lo, hi): len 1..max_len, element aligned, often ending just past a 4 KB page;
// with `strided`, half of them with a random step.
Cmd random_cmd(std::mt19937_64 &rng, uint64_t lo, uint64_t hi, uint32_t max_len,
               bool strided = false) {
  Cmd c;
  c.esize = static_cast<unsigned>(rng() % 3);
  c.len = 1 + static_cast<uint32_t>(rng() % max_len);
  if (strided && rng() % 2) c.step = static_cast<unsigned>(rng() % (max_step(c.esize) + 1));
  const uint64_t span = hi - lo - c.span();
  uint64_t a;
  if (rng() % 2) {
    // Straddle a page boundary somewhere inside the range.
    const uint64_t page = (lo + 4096 + rng() % span) & ~uint64_t{4095};
    a = page - std::min<uint64_t>(page - lo, rng() % (c.span() + 1));
    if (a + c.span() > hi) a = hi - c.span();
  } else {
    a = lo + rng() % span;
  }
  c.addr = a & ~uint64_t{(1u << c.esize) - 1};
  return c;
}

std::vector<uint8_t> random_bytes(std::mt19937_64 &rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto &x : v) x = static_cast<uint8_t>(rng());
  return v;
}

// Bytes that differ, and where the first one is; empty if none.
std::string memory_diff(const std::vector<uint8_t> &got, const std::vector<uint8_t> &want) {
  uint64_t n = 0, first = 0;
  for (uint64_t a = 0; a < got.size() && a < want.size(); ++a) {
    if (got[a] != want[a] && n++ == 0) first = a;
  }
  if (n == 0 && got.size() == want.size()) return "";
  char buf[96];
  std::snprintf(buf, sizeof buf, "%llu bytes differ, the first at 0x%llx",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(first));
  return buf;
}

void require_clean(const Result &r) {
  for (const auto &m : r.first_errors) UNSCOPED_INFO(m);
  REQUIRE(r.rd_mismatches == 0);
  REQUIRE(r.rd_last_mismatches == 0);
  REQUIRE(r.busy_violations == 0);
  REQUIRE(r.first_errors.empty());
}

// ---------------------------------------------------------------------------------------------
// The memory model alone, driven by hand through a plain struct with the AXI port's fields.

struct FakeIo {
  uint8_t m_axi_arvalid = 0, m_axi_arready = 0, m_axi_arid = 0;
  uint32_t m_axi_araddr = 0;
  uint8_t m_axi_arlen = 0, m_axi_arsize = 3, m_axi_arburst = 1;
  uint8_t m_axi_rvalid = 0, m_axi_rready = 0, m_axi_rid = 0;
  uint64_t m_axi_rdata = 0;
  uint8_t m_axi_rresp = 0, m_axi_rlast = 0;
  uint8_t m_axi_awvalid = 0, m_axi_awready = 0, m_axi_awid = 0;
  uint32_t m_axi_awaddr = 0;
  uint8_t m_axi_awlen = 0, m_axi_awsize = 3, m_axi_awburst = 1;
  uint8_t m_axi_wvalid = 0, m_axi_wready = 0;
  uint64_t m_axi_wdata = 0;
  uint8_t m_axi_wstrb = 0, m_axi_wlast = 0;
  uint8_t m_axi_bvalid = 0, m_axi_bready = 0, m_axi_bid = 0, m_axi_bresp = 0;
  void eval() {}
};

// Ticks until the AR handshake, then clears arvalid.
void issue_ar(AxiMemModel &m, FakeIo &io, uint32_t addr, uint8_t len) {
  io.m_axi_arvalid = 1;
  io.m_axi_araddr = addr;
  io.m_axi_arlen = len;
  for (int i = 0; i < 100; ++i) {
    m.tick(io);
    if (io.m_axi_arready) {
      io.m_axi_arvalid = 0;
      return;
    }
  }
  throw std::runtime_error("AR never accepted");
}

std::string what_of(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::logic_error &e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("memory model: R latency and bandwidth", "[axi_mem]") {
  for (double bpc : {8.0, 2.0, 3.0}) {
    AxiMemConfig cfg;
    cfg.size = 8192;
    cfg.latency_cycles = 7;
    cfg.bytes_per_cycle = bpc;
    AxiMemModel m(cfg);
    std::vector<uint8_t> data(256);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + 1);
    m.write(0x100, data);
    FakeIo io;
    io.m_axi_rready = 1;
    const uint64_t t0 = m.cycle();  // the handshake tick
    issue_ar(m, io, 0x100, 31);
    std::vector<uint64_t> at;
    while (at.size() < 32 && m.cycle() < t0 + 1000) {
      m.tick(io);
      if (io.m_axi_rvalid) {
        uint64_t want = 0;
        for (unsigned k = 0; k < 8; ++k) want |= uint64_t{data[at.size() * 8 + k]} << (8 * k);
        REQUIRE(io.m_axi_rdata == want);
        REQUIRE(io.m_axi_rresp == 0);
        REQUIRE(static_cast<bool>(io.m_axi_rlast) == (at.size() == 31));
        at.push_back(m.cycle() - 1 - t0);
      }
    }
    INFO("bytes_per_cycle " << bpc);
    REQUIRE(at.size() == 32);
    CHECK(at.front() == 7);
    // 32 beats of 8 bytes at bpc bytes per cycle, the bucket starting full.
    const double span = static_cast<double>(at.back() - at.front());
    CHECK(span >= 31 * 8 / bpc - 1);
    CHECK(span <= 31 * 8 / bpc + 1);
    CHECK(m.read_beats() == 32);
    CHECK(m.bytes_read() == 256);
    CHECK(m.read_bursts() == 1);
  }
}

TEST_CASE("memory model: protocol violations throw", "[axi_mem]") {
  AxiMemConfig cfg;
  cfg.size = 65536;
  SECTION("WRAP burst") {
    AxiMemModel m(cfg);
    FakeIo io;
    io.m_axi_arburst = 2;
    CHECK_THAT(what_of([&] { issue_ar(m, io, 0x100, 3); }), Catch::Contains("INCR"));
  }
  SECTION("narrow beats") {
    AxiMemModel m(cfg);
    FakeIo io;
    io.m_axi_arsize = 2;
    CHECK_THAT(what_of([&] { issue_ar(m, io, 0x100, 3); }), Catch::Contains("full-width"));
  }
  SECTION("4 KB crossing") {
    AxiMemModel m(cfg);
    FakeIo io;
    CHECK_THAT(what_of([&] { issue_ar(m, io, 0xff8, 1); }), Catch::Contains("4 KB"));
    CHECK(what_of([&] { issue_ar(m, io, 0xf80, 15); }).empty());  // ends at 0xfff: fine
  }
  SECTION("arvalid dropped before arready") {
    cfg.stall_prob = 1.0;  // arready never rises
    AxiMemModel m(cfg);
    FakeIo io;
    io.m_axi_arvalid = 1;
    m.tick(io);
    io.m_axi_arvalid = 0;
    CHECK_THAT(what_of([&] { m.tick(io); }), Catch::Contains("arvalid dropped"));
  }
  SECTION("AW payload changed before awready") {
    cfg.stall_prob = 1.0;
    AxiMemModel m(cfg);
    FakeIo io;
    io.m_axi_awvalid = 1;
    m.tick(io);
    io.m_axi_awaddr = 0x40;
    CHECK_THAT(what_of([&] { m.tick(io); }), Catch::Contains("AW payload changed"));
  }
  SECTION("wlast early and late") {
    for (int early = 0; early < 2; ++early) {
      AxiMemModel m(cfg);
      FakeIo io;
      io.m_axi_awvalid = 1;
      io.m_axi_awlen = 1;  // two beats
      m.tick(io);
      REQUIRE(io.m_axi_awready);
      io.m_axi_awvalid = 0;
      io.m_axi_wvalid = 1;
      io.m_axi_wstrb = 0xff;
      io.m_axi_wlast = early;
      std::string w;  // early: wlast on beat 0 of 2; late: wlast on neither beat
      for (int i = 0; i < 4 && w.empty(); ++i) w = what_of([&] { m.tick(io); });
      CHECK_THAT(w, Catch::Contains("wlast"));
    }
  }
  SECTION("direct access out of range") {
    AxiMemModel m(cfg);
    CHECK_THROWS_AS(m.write(65535, std::vector<uint8_t>(2)), std::out_of_range);
    CHECK_THROWS_AS(m.read(65536, 1), std::out_of_range);
    CHECK_NOTHROW(m.read(65534, 2));
  }
}

TEST_CASE("random reads and writes with stalls, latencies and bandwidths", "[dma]") {
  constexpr uint64_t kMem = 256 * 1024;
  constexpr uint64_t kRdLo = 0, kRdHi = 112 * 1024;           // reads here,
  constexpr uint64_t kWrLo = 128 * 1024, kWrHi = 240 * 1024;  // writes here: no races
  constexpr int kRounds = 96;
  const InFlight kInFlight = dma_in_flight();
  uint64_t total_rd = 0, total_wr = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::mt19937_64 rng(0x5eed0000u + static_cast<unsigned>(round));
    AxiMemConfig cfg;
    cfg.size = kMem;
    cfg.latency_cycles = 1 + static_cast<unsigned>(rng() % 40);
    const double bws[] = {1.0, 2.0, 3.5, 8.0, 8.0, 16.0};
    cfg.bytes_per_cycle = bws[rng() % 6];
    cfg.stall_prob = (round % 3 == 0) ? 0.0 : 0.05 * static_cast<double>(rng() % 10);
    // The memory accepts from 1 up to twice as many bursts as the DMAs issue: some rounds are
    // limited by the memory, the others by the DMAs.
    cfg.max_reads = 1 + static_cast<unsigned>(rng() % (2 * kInFlight.rd));
    cfg.max_writes = 1 + static_cast<unsigned>(rng() % (2 * kInFlight.wr));
    cfg.seed = rng();
    Traffic t;
    t.seed = rng();
    t.cmd_gap = (round % 4 == 0) ? 0.0 : 0.1 * static_cast<double>(rng() % 6);
    t.rd_ready = (round % 3 == 0) ? 1.0 : 0.3 + 0.1 * static_cast<double>(rng() % 8);
    t.wr_valid = (round % 3 == 0) ? 1.0 : 0.3 + 0.1 * static_cast<double>(rng() % 8);
    t.wr_group = (round % 2 == 0) ? 1 : kBeatBytes;  // half the rounds write groups
    const int mode = round % 3;                      // 0: both, 1: reads only, 2: writes only
    const int n = 30;
    for (int i = 0; i < n; ++i) {
      if (mode != 2) {
        t.rd_cmds.push_back(random_cmd(rng, kRdLo, kRdHi, 300));
        t.rd_cmds.back().wide = (i + round) % 2 == 1;  // half the reads deliver whole beats
      }
      if (mode != 1) t.wr_cmds.push_back(random_cmd(rng, kWrLo, kWrHi, 300, true));
    }
    for (const Cmd &c : t.wr_cmds) {
      for (uint32_t i = 0; i < c.len; ++i) t.wr_elems.push_back(static_cast<uint32_t>(rng()));
    }

    Bench b(cfg);
    b.mem.write(0, random_bytes(rng, kMem));  // data to read, and the guard around writes
    std::vector<uint8_t> want = b.mem.bytes();
    apply_writes(want, t);

    INFO("round " << round << ": latency " << cfg.latency_cycles << ", bytes/cycle "
                  << cfg.bytes_per_cycle << ", stall " << cfg.stall_prob << ", consumer ready "
                  << t.rd_ready << ", producer valid " << t.wr_valid << ", write group "
                  << t.wr_group << ", command gap " << t.cmd_gap);
    const Result r = run(b, t);
    require_clean(r);

    Split rd, wr;
    uint64_t rd_elems = 0, wr_bytes = 0;
    for (const Cmd &c : t.rd_cmds) {
      const Split s = split(c);
      rd.beats += s.beats;
      rd.bursts += s.bursts;
      rd_elems += c.len;
    }
    for (const Cmd &c : t.wr_cmds) {
      const Split s = split(c);
      wr.beats += s.beats;
      wr.bursts += s.bursts;
      wr_bytes += c.bytes();
    }
    REQUIRE(r.rd_elems == rd_elems);
    // Every byte of memory: written ranges hold the elements, all else is untouched.
    REQUIRE(memory_diff(b.mem.bytes(), want) == "");
    CHECK(b.mem.read_beats() == rd.beats);
    CHECK(b.mem.read_bursts() == rd.bursts);
    CHECK(b.mem.bytes_read() == rd.beats * kBeatBytes);
    CHECK(r.rd_beat_pulses == rd.beats);
    CHECK(b.mem.write_beats() == wr.beats);
    CHECK(b.mem.write_bursts() == wr.bursts);
    CHECK(b.mem.bytes_written() == wr_bytes);
    CHECK(r.wr_beat_pulses == wr.beats);
    CHECK(b.mem.read_errors() == 0);
    CHECK(b.mem.write_errors() == 0);
    CHECK(!b.io().rd_err_o);
    CHECK(!b.io().wr_err_o);
    // Never more than MaxOutstanding bursts in flight per direction.
    CHECK(b.mem.max_reads_seen() <= kInFlight.rd);
    CHECK(b.mem.max_writes_seen() <= kInFlight.wr);
    total_rd += r.rd_elems;
    total_wr += t.wr_elems.size();
  }
  std::printf("dma random: %d rounds, %llu read and %llu written elements checked\n", kRounds,
              static_cast<unsigned long long>(total_rd), static_cast<unsigned long long>(total_wr));
}

TEST_CASE("short, empty and page-edge commands", "[dma]") {
  // Every element size at every offset of a beat and of the bytes around a page boundary,
  // one element long and a few elements long, contiguous and strided, back to back; empty
  // commands (len 0) in between must be dropped without a trace.
  AxiMemConfig cfg;
  cfg.size = 64 * 1024;
  cfg.latency_cycles = 3;
  std::mt19937_64 rng(42);
  Traffic t;
  for (unsigned es = 0; es < 3; ++es) {
    for (uint64_t base : {uint64_t{0x1000} - 24, uint64_t{0x3000} - 8, uint64_t{0x5000}}) {
      for (uint64_t off = 0; off < 24; off += (1u << es)) {
        for (uint32_t len : {1u, 2u, 0u, 3u, 9u}) {
          t.rd_cmds.push_back({base + off, len, es});
          t.wr_cmds.push_back({base + 0x8000 + off, len, es});
        }
        // Strided runs of every step from the same offsets, across the same page edge (the
        // writes overlap: they land in command order).
        for (unsigned st = 1; st <= max_step(es); ++st) {
          for (uint32_t len : {1u, 2u, 5u}) {
            Cmd c{base + 0x9000 + off, len, es};
            c.step = st;
            t.wr_cmds.push_back(c);
          }
        }
      }
    }
  }
  for (const Cmd &c : t.wr_cmds) {
    for (uint32_t i = 0; i < c.len; ++i) t.wr_elems.push_back(static_cast<uint32_t>(rng()));
  }
  Bench b(cfg);
  b.mem.write(0, random_bytes(rng, cfg.size));
  std::vector<uint8_t> want = b.mem.bytes();
  apply_writes(want, t);
  const Result r = run(b, t);
  require_clean(r);
  REQUIRE(memory_diff(b.mem.bytes(), want) == "");
  uint64_t rd_beats = 0, wr_beats = 0;
  for (const Cmd &c : t.rd_cmds) rd_beats += split(c).beats;
  for (const Cmd &c : t.wr_cmds) wr_beats += split(c).beats;
  CHECK(b.mem.read_beats() == rd_beats);
  CHECK(b.mem.write_beats() == wr_beats);
}

TEST_CASE("error responses set err_o until cleared", "[dma]") {
  // Memory ends 100 bytes past a page: the burst starting at that page reaches past the end.
  AxiMemConfig cfg;
  cfg.size = 0x10000 + 100;
  cfg.latency_cycles = 5;
  std::mt19937_64 rng(7);

  SECTION("read") {
    Bench b(cfg);
    b.mem.write(0, random_bytes(rng, cfg.size));
    const std::vector<uint8_t> image = b.mem.bytes();
    // Bytes 0xffe0..0x1009f: the beats that reach past the end (0x10064) get SLVERR. All 192
    // elements still arrive; those in the other beats must be memory.
    Vdma_test_top &io = b.io();
    io.rd_cmd_valid_i = 1;
    io.rd_cmd_addr_i = 0xffe0;
    io.rd_cmd_len_i = 192;
    io.rd_cmd_esize_i = 0;
    io.rd_elem_ready_i = 1;
    uint64_t got = 0, wrong = 0;
    for (int c = 0; c < 500; ++c) {
      b.settle();
      const bool accepted = io.rd_cmd_valid_i && io.rd_cmd_ready_o;
      if (io.rd_elem_valid_o) {
        const bool in_range = ((0xffe0 + got) & ~uint64_t{kBeatBytes - 1}) + kBeatBytes <= cfg.size;
        if (in_range && io.rd_elem_data_o != image[0xffe0 + got]) ++wrong;
        if (static_cast<bool>(io.rd_elem_last_o) != (got == 191)) ++wrong;
        ++got;
      }
      b.edge();
      if (accepted) io.rd_cmd_valid_i = 0;
    }
    CHECK(got == 192);
    CHECK(wrong == 0);
    CHECK(!io.rd_busy_o);
    uint64_t bad_beats = 0;  // beats from 0x10000 to 0x100a0 reaching past the end
    for (uint64_t a = 0x10000; a < 0x100a0; a += kBeatBytes) bad_beats += a + kBeatBytes > cfg.size;
    CHECK(b.mem.read_errors() == bad_beats);
    REQUIRE(io.rd_err_o);
    // Sticky through a good command, cleared by clear_err_i.
    Traffic t;
    t.rd_cmds.push_back({0x100, 16, 2});
    require_clean(run(b, t));
    CHECK(io.rd_err_o);
    io.rd_clear_err_i = 1;
    b.settle();
    b.edge();
    io.rd_clear_err_i = 0;
    CHECK(!io.rd_err_o);
    CHECK(!io.wr_err_o);
  }

  SECTION("write") {
    cfg.size = 0x10000 + 0x20;
    Bench b(cfg);
    b.mem.write(0, random_bytes(rng, cfg.size));
    const std::vector<uint8_t> before = b.mem.bytes();
    // Bytes 0xfff0..0x1002f: the burst from 0x10000 (48 bytes, one burst for any bus width up
    // to MaxBurstBeats) reaches beyond the end (0x10020).
    Traffic t;
    t.wr_cmds.push_back({0xfff0, 32, 1});
    for (int i = 0; i < 32; ++i) t.wr_elems.push_back(0xabcd0000u + static_cast<uint32_t>(i));
    const Result r = run(b, t);
    require_clean(r);
    Vdma_test_top &io = b.io();
    REQUIRE(io.wr_err_o);
    CHECK(b.mem.write_errors() == 1);
    // The first burst (below 0x10000) landed; the failed one wrote nothing, not even the bytes
    // of it that exist.
    std::vector<uint8_t> want = before;
    for (int i = 0; i < 8; ++i) {
      want[0xfff0 + 2 * i] = static_cast<uint8_t>(i);
      want[0xfff0 + 2 * i + 1] = 0x00;  // bits 15:8 of 0xabcd00ii
    }
    CHECK(memory_diff(b.mem.bytes(), want) == "");
    io.wr_clear_err_i = 1;
    b.settle();
    b.edge();
    io.wr_clear_err_i = 0;
    CHECK(!io.wr_err_o);
    CHECK(!io.rd_err_o);
  }
}

TEST_CASE("each DMA keeps exactly its MaxOutstanding bursts in flight", "[dma]") {
  // A latency far above a burst's transfer time, and a memory that accepts twice as many
  // bursts as the DMAs issue: each DMA fills its own limit, and never exceeds it.
  const InFlight n = dma_in_flight();
  AxiMemConfig cfg;
  cfg.size = 256 * 1024;
  cfg.latency_cycles = 1000;
  cfg.bytes_per_cycle = 8.0;
  cfg.max_reads = 2 * n.rd;
  cfg.max_writes = 2 * n.wr;
  // 32-bit elements, each DMA 4 x its limit of full bursts.
  const uint32_t rd_len = 4 * n.rd * kMaxBurst * kBeatBytes / 4;
  const uint32_t wr_len = 4 * n.wr * kMaxBurst * kBeatBytes / 4;
  std::mt19937_64 rng(77);
  Bench b(cfg);
  b.mem.write(0, random_bytes(rng, cfg.size));
  Traffic t;
  t.rd_cmds.push_back({0, rd_len, 2});
  t.wr_cmds.push_back({128 * 1024, wr_len, 2});
  for (uint32_t i = 0; i < wr_len; ++i) t.wr_elems.push_back(static_cast<uint32_t>(rng()));
  std::vector<uint8_t> want = b.mem.bytes();
  apply_writes(want, t);
  const Result r = run(b, t);
  require_clean(r);
  REQUIRE(memory_diff(b.mem.bytes(), want) == "");
  INFO("DMA limits: " << n.rd << " reads, " << n.wr << " writes");
  CHECK(b.mem.max_reads_seen() == n.rd);
  CHECK(b.mem.max_writes_seen() == n.wr);
}

TEST_CASE("throughput at 8 bytes per cycle and latency 20", "[dma][perf]") {
  AxiMemConfig cfg;
  cfg.size = 256 * 1024;
  cfg.latency_cycles = 20;
  cfg.bytes_per_cycle = 8.0;
  // The memory accepts more than the DMAs issue: what limits the overlap is the DMAs' own count.
  const InFlight n = dma_in_flight();
  cfg.max_reads = 2 * n.rd;
  cfg.max_writes = 2 * n.wr;
  for (unsigned es = 0; es < 3; ++es) {
    constexpr uint32_t kLen = 16384;
    std::mt19937_64 rng(es + 100);
    {
      Bench b(cfg);
      b.mem.write(0, random_bytes(rng, cfg.size));
      Traffic t;
      t.rd_cmds.push_back({0x40, kLen, es});
      const uint64_t start = b.cycles();
      const Result r = run(b, t);
      require_clean(r);
      const double per_cycle =
          static_cast<double>(kLen) / static_cast<double>(r.last_rd_elem_cycle - start + 1);
      const double streaming = static_cast<double>(kLen - 1) /
                               static_cast<double>(r.last_rd_elem_cycle - r.first_rd_elem_cycle);
      std::printf(
          "read  esize %u: %u elements, %.4f elements/cycle from the command, %.4f "
          "once streaming (first element after %llu cycles)\n",
          es, kLen, per_cycle, streaming,
          static_cast<unsigned long long>(r.first_rd_elem_cycle - start));
      CHECK(streaming > 0.99);
      CHECK(b.mem.max_reads_seen() == n.rd);  // all the DMA's bursts in flight: overlap
    }
    {
      Bench b(cfg);
      Traffic t;
      t.wr_cmds.push_back({0x40, kLen, es});
      for (uint32_t i = 0; i < kLen; ++i) t.wr_elems.push_back(static_cast<uint32_t>(rng()));
      std::vector<uint8_t> want = b.mem.bytes();
      apply_writes(want, t);
      const uint64_t start = b.cycles();
      const Result r = run(b, t);
      require_clean(r);
      REQUIRE(memory_diff(b.mem.bytes(), want) == "");
      const double taken = static_cast<double>(kLen - 1) /
                           static_cast<double>(r.last_wr_elem_cycle - r.first_wr_elem_cycle);
      const double to_idle = static_cast<double>(kLen) / static_cast<double>(r.done_cycle - start);
      std::printf(
          "write esize %u: %u elements, %.4f elements/cycle taken, %.4f including the "
          "drain to !busy\n",
          es, kLen, taken, to_idle);
      CHECK(taken > 0.99);
    }
    {
      // Whole beats a delivery (the core's store path): a beat per cycle.
      Bench b(cfg);
      Traffic t;
      t.wr_cmds.push_back({0x40, kLen, es});
      t.wr_group = kBeatBytes >> es;
      t.wr_group_random = false;
      for (uint32_t i = 0; i < kLen; ++i) t.wr_elems.push_back(static_cast<uint32_t>(rng()));
      std::vector<uint8_t> want = b.mem.bytes();
      apply_writes(want, t);
      const uint64_t start = b.cycles();
      const Result r = run(b, t);
      require_clean(r);
      REQUIRE(memory_diff(b.mem.bytes(), want) == "");
      const double bytes = static_cast<double>(uint64_t{kLen} << es);
      const double per_cycle = bytes / static_cast<double>(r.done_cycle - start);
      std::printf("write esize %u in whole beats: %.3f bytes/cycle to !busy\n", es, per_cycle);
      CHECK(per_cycle > 0.95 * kBeatBytes);
    }
  }
  // Short commands back to back (16-bit elements, contiguous): the latency is hidden only as
  // far as MaxOutstanding bursts reach, so short commands run slower. Reported, not checked.
  for (uint32_t len : {4u, 16u, 64u}) {
    std::mt19937_64 rng(len);
    Bench b(cfg);
    b.mem.write(0, random_bytes(rng, cfg.size));
    Traffic t;
    for (uint32_t i = 0; i < 512; ++i) {
      t.rd_cmds.push_back({0x40 + 2 * uint64_t{len} * i, len, 1});
      t.wr_cmds.push_back({0x20000 + 2 * uint64_t{len} * i, len, 1});
    }
    for (uint32_t i = 0; i < 512 * len; ++i) t.wr_elems.push_back(static_cast<uint32_t>(rng()));
    const Result r = run(b, t);
    require_clean(r);
    const double rd = static_cast<double>(512 * len - 1) /
                      static_cast<double>(r.last_rd_elem_cycle - r.first_rd_elem_cycle);
    const double wr = static_cast<double>(512 * len - 1) /
                      static_cast<double>(r.last_wr_elem_cycle - r.first_wr_elem_cycle);
    std::printf(
        "512 commands of %u 16-bit elements, reads and writes together: %.4f and %.4f "
        "elements/cycle\n",
        len, rd, wr);
  }
  // Both at once, sharing the 8 bytes per cycle: 16-bit elements need half of it, 32-bit all.
  for (unsigned es = 1; es < 3; ++es) {
    constexpr uint32_t kLen = 16384;
    std::mt19937_64 rng(es + 200);
    Bench b(cfg);
    b.mem.write(0, random_bytes(rng, cfg.size));
    Traffic t;
    t.rd_cmds.push_back({0x40, kLen, es});
    t.wr_cmds.push_back({0x20000, kLen, es});
    for (uint32_t i = 0; i < kLen; ++i) t.wr_elems.push_back(static_cast<uint32_t>(rng()));
    std::vector<uint8_t> want = b.mem.bytes();
    apply_writes(want, t);
    const Result r = run(b, t);
    require_clean(r);
    REQUIRE(memory_diff(b.mem.bytes(), want) == "");
    const double rd = static_cast<double>(kLen - 1) /
                      static_cast<double>(r.last_rd_elem_cycle - r.first_rd_elem_cycle);
    const double wr = static_cast<double>(kLen - 1) /
                      static_cast<double>(r.last_wr_elem_cycle - r.first_wr_elem_cycle);
    std::printf("read and write together, esize %u: %.4f and %.4f elements/cycle\n", es, rd, wr);
    if (es == 1) {
      CHECK(rd > 0.99);
      CHECK(wr > 0.99);
    }
  }
}
