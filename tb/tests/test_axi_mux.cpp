// The AXI4 interconnect (rtl/astm/ganpu_axi_mux.sv) and its share arbiter (ganpu_share_arb.sv)
// through tb/rtl/axi_mux_test_top.sv: three masters, each a read and a write DMA, against the
// C++ memory model (runtime/axi_mem_model.hpp), which checks the AXI protocol at the memory
// port. Every element read and written is checked, every beat at the memory port is traced to
// its master through the ID's index bits, and the beats each master gets under contention are
// compared with the arbiter's rule (deficit round robin by beats, Quantum beats per unit of
// share and round, share 0 counted as 1).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vaxi_mux_test_top.h"
#include "runtime/axi_mem_model.hpp"

namespace {

using ganpu::rt::AxiMemConfig;
using ganpu::rt::AxiMemModel;

constexpr unsigned kMasters = 3;
constexpr unsigned kBeatBytes = 8;  // ganpu_axi_pkg::DataW / 8
constexpr unsigned kMaxBurst = 16;  // the DMAs' MaxBurstBeats in axi_mux_test_top
constexpr unsigned kMstIdW = 4;     // ganpu_axi_pkg::MstIdW: the index sits above these bits
constexpr unsigned kQuantum = 16;   // ganpu_share_arb's Quantum in ganpu_axi_mux

// One master's ports of the Verilated top.
struct MasterIo {
  CData *rd_cmd_valid, *rd_cmd_ready;
  IData *rd_cmd_addr, *rd_cmd_len;
  CData *rd_cmd_esize, *rd_cmd_wide, *rd_elem_valid, *rd_elem_ready;
  IData *rd_elem_data;
  QData *rd_elem_vec;
  CData *rd_elem_count, *rd_elem_last, *rd_busy, *rd_err, *rd_beat;
  CData *wr_cmd_valid, *wr_cmd_ready;
  IData *wr_cmd_addr, *wr_cmd_len;
  CData *wr_cmd_esize, *wr_cmd_step, *wr_elem_valid, *wr_elem_ready;
  QData *wr_elem_data;
  CData *wr_elem_count, *wr_busy, *wr_err, *wr_beat;
};
#define GANPU_MASTER_IO(t, m)                                                                     \
  MasterIo {                                                                                      \
    &t.rd##m##_cmd_valid_i, &t.rd##m##_cmd_ready_o, &t.rd##m##_cmd_addr_i, &t.rd##m##_cmd_len_i,  \
        &t.rd##m##_cmd_esize_i, &t.rd##m##_cmd_wide_i, &t.rd##m##_elem_valid_o,                   \
        &t.rd##m##_elem_ready_i, &t.rd##m##_elem_data_o, &t.rd##m##_elem_vec_o,                   \
        &t.rd##m##_elem_count_o, &t.rd##m##_elem_last_o, &t.rd##m##_busy_o, &t.rd##m##_err_o,     \
        &t.rd##m##_beat_o, &t.wr##m##_cmd_valid_i, &t.wr##m##_cmd_ready_o, &t.wr##m##_cmd_addr_i, \
        &t.wr##m##_cmd_len_i, &t.wr##m##_cmd_esize_i, &t.wr##m##_cmd_step_i,                      \
        &t.wr##m##_elem_valid_i, &t.wr##m##_elem_ready_o, &t.wr##m##_elem_data_i,                 \
        &t.wr##m##_elem_count_i, &t.wr##m##_busy_o, &t.wr##m##_err_o, &t.wr##m##_beat_o           \
  }

struct Cmd {
  uint64_t addr;
  uint32_t len;
  unsigned esize;
  bool wide = false;  // reads: a beat's elements in one delivery
  uint64_t bytes() const { return static_cast<uint64_t>(len) << esize; }
};

// Beats of the minimal split into INCR bursts of <= kMaxBurst beats within 4 KB pages.
uint64_t beats_of(const Cmd &c) {
  if (c.len == 0) return 0;
  return (c.addr + c.bytes() - 1) / kBeatBytes - c.addr / kBeatBytes + 1;
}

uint32_t load_elem(const std::vector<uint8_t> &m, uint64_t addr, unsigned esize) {
  uint32_t v = 0;
  for (unsigned k = 0; k < (1u << esize); ++k) v |= static_cast<uint32_t>(m[addr + k]) << (8 * k);
  return v;
}
uint64_t elem_mask(unsigned esize) {
  const unsigned bits = 8u << esize;
  return bits == 32 ? 0xFFFFFFFFull : (1ull << bits) - 1;
}

// axi_mux_test_top, the memory model and the clock, in the order of axi_mem_model.hpp.
class Bench {
 public:
  explicit Bench(AxiMemConfig cfg) : ctx_(std::make_unique<VerilatedContext>()) {
    cfg.data_bytes = kBeatBytes;
    mem = std::make_unique<AxiMemModel>(cfg);
    ctx_->randReset(2);  // registers without reset start random: reset bugs show
    top_ = std::make_unique<Vaxi_mux_test_top>(ctx_.get(), "top");
    Vaxi_mux_test_top &t = *top_;
    m_ = {GANPU_MASTER_IO(t, 0), GANPU_MASTER_IO(t, 1), GANPU_MASTER_IO(t, 2)};
    for (MasterIo &m : m_) {
      *m.rd_cmd_valid = 0;
      *m.rd_cmd_wide = 0;
      *m.rd_elem_ready = 0;
      *m.wr_cmd_valid = 0;
      *m.wr_elem_valid = 0;
    }
    set_shares({1, 1, 1});
    t.clk_i = 0;
    t.m_axi_arready = 0;
    t.m_axi_rvalid = 0;
    t.m_axi_awready = 0;
    t.m_axi_wready = 0;
    t.m_axi_bvalid = 0;
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

  Vaxi_mux_test_top &io() { return *top_; }
  MasterIo &master(unsigned m) { return m_[m]; }
  uint64_t cycles() const { return cycles_; }
  void set_shares(const std::vector<unsigned> &s) {
    top_->share0_i = s[0];
    top_->share1_i = s[1];
    top_->share2_i = s[2];
  }
  void settle() { mem->tick(*top_); }
  void edge() {
    top_->clk_i = 1;
    top_->eval();
    top_->clk_i = 0;
    top_->eval();
    ++cycles_;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vaxi_mux_test_top> top_;
  std::vector<MasterIo> m_;
  uint64_t cycles_ = 0;

 public:
  std::unique_ptr<AxiMemModel> mem;
};

// What one master is asked to do.
struct Job {
  std::vector<Cmd> rd, wr;
  std::vector<uint32_t> wr_elems;  // random values: only the element's low bytes are written
  double rd_ready = 1.0;           // probability the read consumer takes a delivery
  double wr_valid = 1.0;           // probability the write producer offers one
  bool wr_full_beats = false;      // deliveries as large as they can be, else random
};

struct Result {
  uint64_t cycles = 0;
  bool timeout = false;
  uint64_t mismatches = 0;  // read elements, last flags, IDs, errors
  std::vector<std::string> notes;
  // Per master: beats at the memory port (by the ID's index bits), beat pulses of the DMAs, and
  // the cycle of each memory-port beat.
  uint64_t r_beats[kMasters] = {}, w_beats[kMasters] = {};
  uint64_t rd_pulses[kMasters] = {}, wr_pulses[kMasters] = {};
  uint64_t r_bursts[kMasters] = {}, w_bursts[kMasters] = {};
  std::vector<uint64_t> r_cycle[kMasters], w_cycle[kMasters];
  void note(const std::string &s) {
    ++mismatches;
    if (notes.size() < 8) notes.push_back(s);
  }
};

// Runs the jobs of all masters at once until everything is done.
Result run(Bench &b, const std::vector<Job> &jobs, uint64_t seed, uint64_t max_cycles = 400'000) {
  Result r;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Vaxi_mux_test_top &io = b.io();
  const std::vector<uint8_t> image = b.mem->bytes();

  struct Elem {
    uint32_t data;
    bool last;
    unsigned esize;
  };
  struct WrElem {
    uint64_t addr;
    unsigned esize;
    uint64_t left;  // elements of its command from it on
  };
  struct State {
    std::vector<Elem> expect;
    std::vector<WrElem> where;
    size_t rd_next = 0, wr_next = 0, rd_got = 0, wr_sent = 0;
    bool rd_cmd_valid = false, wr_cmd_valid = false, wr_elem_valid = false;
    unsigned wr_count = 1;
    uint64_t wr_vec = 0;
  };
  std::vector<State> st(kMasters);
  for (unsigned m = 0; m < kMasters; ++m) {
    for (const Cmd &c : jobs[m].rd) {
      for (uint32_t i = 0; i < c.len; ++i) {
        st[m].expect.push_back({load_elem(image, c.addr + (uint64_t{i} << c.esize), c.esize),
                                i + 1 == c.len, c.esize});
      }
    }
    for (const Cmd &c : jobs[m].wr) {
      for (uint32_t i = 0; i < c.len; ++i) {
        st[m].where.push_back({c.addr + (uint64_t{i} << c.esize), c.esize, c.len - i});
      }
    }
    REQUIRE(st[m].where.size() == jobs[m].wr_elems.size());
  }
  // The W order at the memory port, from its AW handshakes: master index, beats left.
  std::deque<std::pair<unsigned, unsigned>> w_order;

  uint64_t drain = 0;
  while (true) {
    // 1. The test's inputs.
    for (unsigned m = 0; m < kMasters; ++m) {
      const Job &j = jobs[m];
      State &s = st[m];
      MasterIo &p = b.master(m);
      if (!s.rd_cmd_valid && s.rd_next < j.rd.size()) s.rd_cmd_valid = true;
      if (s.rd_cmd_valid) {
        *p.rd_cmd_addr = static_cast<uint32_t>(j.rd[s.rd_next].addr);
        *p.rd_cmd_len = j.rd[s.rd_next].len;
        *p.rd_cmd_esize = j.rd[s.rd_next].esize;
        *p.rd_cmd_wide = j.rd[s.rd_next].wide;
      }
      *p.rd_cmd_valid = s.rd_cmd_valid;
      *p.rd_elem_ready = u(rng) < j.rd_ready;
      if (!s.wr_cmd_valid && s.wr_next < j.wr.size()) s.wr_cmd_valid = true;
      if (s.wr_cmd_valid) {
        *p.wr_cmd_addr = static_cast<uint32_t>(j.wr[s.wr_next].addr);
        *p.wr_cmd_len = j.wr[s.wr_next].len;
        *p.wr_cmd_esize = j.wr[s.wr_next].esize;
        *p.wr_cmd_step = 0;
      }
      *p.wr_cmd_valid = s.wr_cmd_valid;
      if (!s.wr_elem_valid && s.wr_sent < s.where.size() && u(rng) < j.wr_valid) {
        s.wr_elem_valid = true;
        // 1..n elements that stay inside their beat and their command.
        const WrElem &e = s.where[s.wr_sent];
        const uint64_t in_beat = (kBeatBytes - e.addr % kBeatBytes) >> e.esize;
        const uint64_t most = std::min<uint64_t>(in_beat, e.left);
        s.wr_count =
            j.wr_full_beats ? static_cast<unsigned>(most) : 1 + static_cast<unsigned>(rng() % most);
        s.wr_vec = 0;
        for (unsigned k = 0; k < s.wr_count; ++k) {
          s.wr_vec |= (j.wr_elems[s.wr_sent + k] & elem_mask(e.esize)) << (k * (8u << e.esize));
        }
      }
      if (s.wr_elem_valid) {
        *p.wr_elem_data = s.wr_vec;
        *p.wr_elem_count = s.wr_count;
      }
      *p.wr_elem_valid = s.wr_elem_valid;
    }

    // 2. The memory's inputs; all settles.
    b.settle();

    // 3. Handshakes: the memory port (traced to the masters by the ID), then the masters.
    const uint64_t cyc = b.cycles();
    if (io.m_axi_arvalid && io.m_axi_arready) {
      const unsigned m = io.m_axi_arid >> kMstIdW;
      if (m >= kMasters || (io.m_axi_arid & ((1u << kMstIdW) - 1)) != 0) {
        r.note("arid " + std::to_string(io.m_axi_arid));
      } else {
        ++r.r_bursts[m];
      }
    }
    if (io.m_axi_rvalid && io.m_axi_rready) {
      const unsigned m = io.m_axi_rid >> kMstIdW;
      if (m < kMasters) {
        ++r.r_beats[m];
        r.r_cycle[m].push_back(cyc);
      }
    }
    if (io.m_axi_wvalid && io.m_axi_wready) {
      if (w_order.empty()) {
        r.note("W beat before its AW at the memory port");
      } else {
        const unsigned m = w_order.front().first;
        ++r.w_beats[m];
        r.w_cycle[m].push_back(cyc);
        if (--w_order.front().second == 0) w_order.pop_front();
      }
    }
    // After W: a burst's W beats are taken from the cycle after its AW (axi_mem_model.hpp).
    if (io.m_axi_awvalid && io.m_axi_awready) {
      const unsigned m = io.m_axi_awid >> kMstIdW;
      if (m >= kMasters || (io.m_axi_awid & ((1u << kMstIdW) - 1)) != 0) {
        r.note("awid " + std::to_string(io.m_axi_awid));
      } else {
        ++r.w_bursts[m];
        w_order.emplace_back(m, io.m_axi_awlen + 1u);
      }
    }
    for (unsigned m = 0; m < kMasters; ++m) {
      const Job &j = jobs[m];
      State &s = st[m];
      MasterIo &p = b.master(m);
      if (*p.rd_cmd_valid && *p.rd_cmd_ready) {
        ++s.rd_next;
        s.rd_cmd_valid = false;
      }
      if (*p.rd_elem_valid && *p.rd_elem_ready) {
        const unsigned count = *p.rd_elem_count;
        if (count == 0) r.note("master " + std::to_string(m) + ": a delivery of 0 elements");
        for (unsigned k = 0; k < count; ++k) {
          if (s.rd_got >= s.expect.size()) {
            r.note("master " + std::to_string(m) + ": extra read element");
            break;
          }
          const Elem &e = s.expect[s.rd_got];
          const uint32_t got =
              static_cast<uint32_t>((*p.rd_elem_vec >> (k * (8u << e.esize))) & elem_mask(e.esize));
          if (got != e.data || (k == 0 && *p.rd_elem_data != e.data)) {
            r.note("master " + std::to_string(m) + ": read element " + std::to_string(s.rd_got) +
                   " got " + std::to_string(got) + " want " + std::to_string(e.data));
          }
          if ((k + 1 == count && static_cast<bool>(*p.rd_elem_last) != e.last) ||
              (k + 1 < count && e.last)) {
            r.note("master " + std::to_string(m) + ": last flag of read element " +
                   std::to_string(s.rd_got));
          }
          ++s.rd_got;
        }
      }
      if (*p.wr_cmd_valid && *p.wr_cmd_ready) {
        ++s.wr_next;
        s.wr_cmd_valid = false;
      }
      if (*p.wr_elem_valid && *p.wr_elem_ready) {
        s.wr_sent += s.wr_count;
        s.wr_elem_valid = false;
      }
      (void)j;
    }

    // 4. The clock edge, then the registered status outputs.
    b.edge();
    bool done = b.mem->idle();
    for (unsigned m = 0; m < kMasters; ++m) {
      MasterIo &p = b.master(m);
      const State &s = st[m];
      r.rd_pulses[m] += *p.rd_beat;
      r.wr_pulses[m] += *p.wr_beat;
      if (*p.rd_err || *p.wr_err) r.note("master " + std::to_string(m) + ": error flag");
      done = done && s.rd_next == jobs[m].rd.size() && s.wr_next == jobs[m].wr.size() &&
             s.rd_got == s.expect.size() && s.wr_sent == s.where.size() && !*p.rd_busy &&
             !*p.wr_busy;
    }
    if (done && ++drain > 8) break;
    if (b.cycles() > max_cycles) {
      r.timeout = true;
      r.note("timeout after " + std::to_string(max_cycles) + " cycles");
      break;
    }
  }
  r.cycles = b.cycles();
  if (!w_order.empty()) r.note("W beats missing at the memory port");
  return r;
}

// Memory after the writes of all masters (their regions are disjoint; each in command order).
std::vector<uint8_t> expected_image(std::vector<uint8_t> m, const std::vector<Job> &jobs) {
  for (const Job &j : jobs) {
    size_t k = 0;
    for (const Cmd &c : j.wr) {
      for (uint32_t i = 0; i < c.len; ++i, ++k) {
        for (unsigned b = 0; b < (1u << c.esize); ++b) {
          m[c.addr + (uint64_t{i} << c.esize) + b] = static_cast<uint8_t>(j.wr_elems[k] >> (8 * b));
        }
      }
    }
  }
  return m;
}

Cmd random_cmd(std::mt19937_64 &rng, uint64_t lo, uint64_t hi, uint32_t max_len) {
  Cmd c;
  c.esize = static_cast<unsigned>(rng() % 3);
  c.len = 1 + static_cast<uint32_t>(rng() % max_len);
  c.wide = rng() % 2;
  const uint64_t a = lo + rng() % (hi - lo - c.bytes());
  c.addr = a & ~uint64_t{(1u << c.esize) - 1};
  return c;
}

std::vector<uint32_t> random_elems(std::mt19937_64 &rng, const std::vector<Cmd> &cmds) {
  std::vector<uint32_t> v;
  for (const Cmd &c : cmds) {
    for (uint32_t i = 0; i < c.len; ++i) v.push_back(static_cast<uint32_t>(rng()));
  }
  return v;
}

void fill_random(AxiMemModel &mem, std::mt19937_64 &rng) {
  std::vector<uint8_t> v(mem.config().size);
  for (auto &x : v) x = static_cast<uint8_t>(rng());
  mem.write(0, v.data(), v.size());
}

void report(const Result &r) {
  for (const std::string &s : r.notes) UNSCOPED_INFO(s);
}

// --- (a) Concurrent random traffic ----------------------------------------------------------

struct MemCase {
  const char *name;
  unsigned latency;
  double stall;
  unsigned max_reads, max_writes;
  std::vector<unsigned> shares;
};

}  // namespace

TEST_CASE("three masters read and write their own regions at once, every element checked",
          "[axi_mux]") {
  const MemCase cases[] = {
      {"latency 1, no stalls", 1, 0.0, 16, 16, {1, 1, 1}},
      {"latency 20, 30% stalls", 20, 0.3, 16, 16, {3, 1, 2}},
      {"latency 50, 10% stalls, 2 bursts in flight", 50, 0.1, 2, 2, {0, 15, 4}},
      {"latency 5, 50% stalls, shares 0", 5, 0.5, 4, 3, {0, 0, 0}},
  };
  uint64_t seed = 11;
  for (const MemCase &mc : cases) {
    SECTION(mc.name) {
      AxiMemConfig cfg;
      cfg.size = 1u << 20;
      cfg.latency_cycles = mc.latency;
      cfg.stall_prob = mc.stall;
      cfg.max_reads = mc.max_reads;
      cfg.max_writes = mc.max_writes;
      cfg.seed = seed;
      Bench b(cfg);
      b.set_shares(mc.shares);
      std::mt19937_64 rng(seed);
      fill_random(*b.mem, rng);
      std::vector<Job> jobs(kMasters);
      uint64_t want_r[kMasters] = {}, want_w[kMasters] = {};
      for (unsigned m = 0; m < kMasters; ++m) {
        // Master m: reads in [m * 256K, +128K), writes in [m * 256K + 128K, +128K).
        const uint64_t base = uint64_t{m} << 18;
        for (int k = 0; k < 24; ++k)
          jobs[m].rd.push_back(random_cmd(rng, base, base + 0x20000, 700));
        for (int k = 0; k < 24; ++k) {
          jobs[m].wr.push_back(random_cmd(rng, base + 0x20000, base + 0x40000, 700));
        }
        jobs[m].wr_elems = random_elems(rng, jobs[m].wr);
        jobs[m].rd_ready = 0.6 + 0.2 * m;
        jobs[m].wr_valid = 0.9 - 0.2 * m;
        for (const Cmd &c : jobs[m].rd) want_r[m] += beats_of(c);
        for (const Cmd &c : jobs[m].wr) want_w[m] += beats_of(c);
      }
      const std::vector<uint8_t> want = expected_image(b.mem->bytes(), jobs);
      const Result r = run(b, jobs, seed + 1);
      report(r);
      std::printf("axi_mux: %s: %llu cycles, R beats %llu/%llu/%llu, W beats %llu/%llu/%llu\n",
                  mc.name, static_cast<unsigned long long>(r.cycles),
                  static_cast<unsigned long long>(r.r_beats[0]),
                  static_cast<unsigned long long>(r.r_beats[1]),
                  static_cast<unsigned long long>(r.r_beats[2]),
                  static_cast<unsigned long long>(r.w_beats[0]),
                  static_cast<unsigned long long>(r.w_beats[1]),
                  static_cast<unsigned long long>(r.w_beats[2]));
      CHECK_FALSE(r.timeout);
      CHECK(r.mismatches == 0);
      for (unsigned m = 0; m < kMasters; ++m) {
        INFO("master " << m);
        // Each master's beats reached the memory with its index and back to it.
        CHECK(r.r_beats[m] == want_r[m]);
        CHECK(r.rd_pulses[m] == want_r[m]);
        CHECK(r.w_beats[m] == want_w[m]);
        CHECK(r.wr_pulses[m] == want_w[m]);
      }
      const std::vector<uint8_t> got = b.mem->bytes();
      uint64_t bad = 0;
      for (size_t i = 0; i < got.size(); ++i) bad += got[i] != want[i];
      CHECK(bad == 0);
    }
    ++seed;
  }
}

// --- (b)-(d) Shares
// -------------------------------------------------------------------------------

namespace {

// A long stream per master: reads as wide deliveries (a beat a cycle), writes a beat a delivery;
// all 4 KB aligned, so every burst has kMaxBurst beats.
Job stream_job(unsigned m, uint64_t beats, bool write) {
  Job j;
  Cmd c;
  c.addr = (uint64_t{m} << 18) + (write ? 0x20000 : 0);
  c.esize = 2;
  c.len = static_cast<uint32_t>(beats * kBeatBytes / 4);
  c.wide = true;
  if (write) {
    j.wr.push_back(c);
    j.wr_elems.assign(c.len, 0);
    for (uint32_t i = 0; i < c.len; ++i) j.wr_elems[i] = 0x9E3779B9u * (i + 1) + m;
    j.wr_full_beats = true;
  } else {
    j.rd.push_back(c);
  }
  return j;
}

struct Share {
  uint64_t b0 = 0, b1 = 0;  // beats of masters 0 and 1 until the first has all of its own
  uint64_t cycles = 0;
  uint64_t first_beat = 0, last_beat = 0;  // of master 0
};

// Masters 0 and 1 (2 idle unless `lone`) stream `beats` beats each, reads or writes.
Share stream(const std::vector<unsigned> &shares, bool write, uint64_t beats, bool lone = false) {
  AxiMemConfig cfg;
  cfg.latency_cycles = 10;
  cfg.bytes_per_cycle = 8.0;  // one beat a cycle, reads and writes together
  // A write DMA buffers two bursts, so a writer is backlogged at the AW arbiter only while the
  // memory keeps at most one of its bursts: the memory takes an AW once the last is answered.
  // (With more writes in flight the grants follow W completion, not the shares.)
  if (write && !lone) cfg.max_writes = 1;
  Bench b(cfg);
  b.set_shares(shares);
  std::vector<Job> jobs(kMasters);
  jobs[0] = stream_job(0, beats, write);
  if (!lone) jobs[1] = stream_job(1, beats, write);
  const Result r = run(b, jobs, 5);
  report(r);
  REQUIRE_FALSE(r.timeout);
  REQUIRE(r.mismatches == 0);
  const auto &c0 = write ? r.w_cycle[0] : r.r_cycle[0];
  const auto &c1 = write ? r.w_cycle[1] : r.r_cycle[1];
  REQUIRE(c0.size() == beats);
  Share s;
  s.cycles = r.cycles;
  s.first_beat = c0.front();
  s.last_beat = c0.back();
  if (lone) {
    s.b0 = beats;
    return s;
  }
  REQUIRE(c1.size() == beats);
  // Until the first of the two has all its beats: both were asking all along.
  const uint64_t end = std::min(c0.back(), c1.back());
  s.b0 = static_cast<uint64_t>(std::upper_bound(c0.begin(), c0.end(), end) - c0.begin());
  s.b1 = static_cast<uint64_t>(std::upper_bound(c1.begin(), c1.end(), end) - c1.begin());
  return s;
}

// The rule's bound: after R rounds master i was granted R * share_i * Quantum - credit_i beats,
// its credit in [1 - burst, share_i * Quantum], so beats_i / share_i differ by less than
// Quantum + burst between masters (share 0 counts as 1).
void check_share(const Share &s, unsigned s0, unsigned s1) {
  const double e0 = std::max(1u, s0), e1 = std::max(1u, s1);
  const double diff = std::fabs(s.b0 / e0 - s.b1 / e1);
  const double ratio = static_cast<double>(s.b0) / static_cast<double>(s.b1);
  std::printf(
      "axi_mux: shares %u:%u -> beats %llu:%llu = %.4f (want %.4f), |b0/s0 - b1/s1| = %.1f"
      " (bound %u)\n",
      s0, s1, static_cast<unsigned long long>(s.b0), static_cast<unsigned long long>(s.b1), ratio,
      e0 / e1, diff, kQuantum + kMaxBurst);
  INFO("beats " << s.b0 << ":" << s.b1 << " ratio " << ratio);
  CHECK(diff < kQuantum + kMaxBurst);
  // The same, as a relative error of the ratio: a few percent at these lengths.
  CHECK(std::fabs(ratio / (e0 / e1) - 1.0) < 0.05);
}

constexpr uint64_t kStream = 6144;  // beats a master streams (48 KB)

}  // namespace

TEST_CASE("reads under contention get beats in proportion to the shares", "[axi_mux]") {
  SECTION("3:1") { check_share(stream({3, 1, 1}, false, kStream), 3, 1); }
  SECTION("1:3") { check_share(stream({1, 3, 1}, false, kStream), 1, 3); }
  SECTION("1:1") { check_share(stream({1, 1, 1}, false, kStream), 1, 1); }
  SECTION("5:2") { check_share(stream({5, 2, 1}, false, kStream), 5, 2); }
}

TEST_CASE("writes under contention get beats in proportion to the shares", "[axi_mux]") {
  SECTION("3:1") { check_share(stream({3, 1, 1}, true, kStream), 3, 1); }
  SECTION("1:1") { check_share(stream({1, 1, 1}, true, kStream), 1, 1); }
  SECTION("2:5") { check_share(stream({2, 5, 1}, true, kStream), 2, 5); }
}

TEST_CASE("a lone master with share 1 gets the full bandwidth (work-conserving)", "[axi_mux]") {
  for (bool write : {false, true}) {
    INFO((write ? "writes" : "reads"));
    const Share s1 = stream({1, 15, 15}, write, kStream, true);
    const Share s15 = stream({15, 1, 1}, write, kStream, true);
    const double rate =
        static_cast<double>(kStream) / static_cast<double>(s1.last_beat - s1.first_beat + 1);
    std::printf(
        "axi_mux: lone %s master, share 1: %.4f beats/cycle, %llu cycles (share 15: "
        "%llu)\n",
        write ? "write" : "read", rate, static_cast<unsigned long long>(s1.cycles),
        static_cast<unsigned long long>(s15.cycles));
    // The memory moves one beat a cycle; the share of a lone master changes nothing.
    CHECK(rate > 0.99);
    CHECK(s1.cycles == s15.cycles);
  }
}

TEST_CASE("share 0 counts as 1: never starved", "[axi_mux]") {
  SECTION("0:1 reads share equally") { check_share(stream({0, 1, 1}, false, kStream), 0, 1); }
  SECTION("3:0 reads share 3:1") { check_share(stream({3, 0, 1}, false, kStream), 3, 0); }
  SECTION("0:2 writes share 1:2") { check_share(stream({0, 2, 1}, true, kStream), 0, 2); }
  SECTION("a lone master with share 0 gets the full bandwidth") {
    const Share s0 = stream({0, 1, 1}, false, kStream, true);
    const Share s1 = stream({1, 1, 1}, false, kStream, true);
    CHECK(s0.cycles == s1.cycles);
  }
}
