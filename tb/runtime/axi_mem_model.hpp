// A cycle-based AXI4 slave memory for the m_axi_* ports of a Verilated model.
//
// Call order, once per clock cycle, with the clock low:
//
//   set the test's own inputs of the model (commands, stream valid/ready, ...);
//   mem.tick(io);   // 1. drives the slave's outputs for this cycle (arready, rvalid, rdata, ...)
//                   // 2. io.eval(): the master's outputs settle against them
//                   // 3. samples the handshakes of this cycle (valid && ready) and checks the
//                   //    protocol; the master sees the same handshakes at the coming edge
//   unit.tick();    // the rising edge (clk_i = 1, eval; clk_i = 0, eval), as
//                   // ClockedUnit::tick() in verilated_unit.hpp does
//
// The test may read the model's outputs (e.g. ready signals) after mem.tick(): they are settled
// and are what the edge samples. Nothing may change the model's inputs between mem.tick() and
// the edge.
//
// Memory: a flat byte array of `size` bytes at address 0. AXI accesses beyond it get SLVERR:
// per beat for reads (data 0), per burst for writes (a write burst that reaches beyond the end
// writes nothing at all). read()/write() give the test direct access.
//
// Timing: an accepted AR or AW enters a queue with its own ready time, `latency_cycles` after
// its handshake, so the latencies of queued bursts overlap. R beats of a burst start at its
// ready time, in order of acceptance; B comes at the ready time or the cycle after the last W
// beat, whichever is later.
//
// Bandwidth: a token bucket filled with `bytes_per_cycle` each cycle and holding at most
// bytes_per_cycle + data_bytes (so no fraction is lost while a beat waits), shared by reads and
// writes (one DRAM): each R or W beat takes data_bytes tokens; when both wait and only one
// beat's worth is there, they alternate. With a 64-bit bus, 8.0 is one beat per cycle in total
// (after an idle spell one cycle may carry an R and a W beat), 16.0 one read and one write beat
// per cycle, 2.0 one beat every 4 cycles.
//
// Backpressure: with `stall_prob` > 0, a seeded RNG independently lowers arready, awready and
// wready, and delays raising rvalid and bvalid, each cycle with that probability.
// `write_stall_prob` adds backpressure on the write channels only (awready, wready, bvalid):
// a memory that drains writes slower than it serves reads, so the store unit falls behind.
//
// Checks (std::logic_error): burst type other than INCR, a size other than the full bus, a
// burst crossing a 4 KB boundary, valid dropped or the payload changed before the handshake
// (AR, AW, W), wlast on the wrong beat, strobes below the start address in the first beat.
//
// Restrictions: W is accepted only after its AW (legal for a slave); all bursts are answered in
// acceptance order whatever their IDs (legal too); full-width beats only.
#pragma once

#include <verilated.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace ganpu::rt {

struct AxiMemConfig {
  uint64_t size = 1u << 20;       // bytes of memory, at address 0
  unsigned data_bytes = 8;        // bus width, DataW / 8 (a power of two)
  unsigned latency_cycles = 10;   // AR/AW handshake to the first R beat / to B (at least 1)
  double bytes_per_cycle = 8.0;   // bandwidth shared by reads and writes
  unsigned max_reads = 16;        // AR bursts accepted and not yet fully returned
  unsigned max_writes = 16;       // AW bursts accepted and not yet answered with B
  double stall_prob = 0.0;        // random backpressure, 0 = none
  double write_stall_prob = 0.0;  // extra random backpressure on AW, W and B only
  uint64_t seed = 1;
};

namespace axi_detail {

// Byte access to a Verilated port of any width (CData..QData or VlWide).
template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
inline uint8_t get_byte(const T &v, unsigned i) {
  return i < sizeof(T) ? static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)) : 0;
}
template <std::size_t N>
inline uint8_t get_byte(const VlWide<N> &v, unsigned i) {
  return i / 4 < N ? static_cast<uint8_t>(v.at(i / 4) >> (8 * (i % 4))) : 0;
}
template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
inline bool get_bit(const T &v, unsigned i) {
  return i < 8 * sizeof(T) && ((static_cast<uint64_t>(v) >> i) & 1u);
}
template <std::size_t N>
inline bool get_bit(const VlWide<N> &v, unsigned i) {
  return i / 32 < N && ((v.at(i / 32) >> (i % 32)) & 1u);
}
template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
inline void set_bytes(T &v, const uint8_t *b, unsigned n) {
  uint64_t x = 0;
  for (unsigned i = 0; i < n && i < sizeof(T); ++i) x |= static_cast<uint64_t>(b[i]) << (8 * i);
  v = static_cast<T>(x);
}
template <std::size_t N>
inline void set_bytes(VlWide<N> &v, const uint8_t *b, unsigned n) {
  for (std::size_t w = 0; w < N; ++w) {
    uint32_t x = 0;
    for (unsigned k = 0; k < 4; ++k) {
      const std::size_t i = 4 * w + k;
      if (i < n) x |= static_cast<uint32_t>(b[i]) << (8 * k);
    }
    v.at(w) = x;
  }
}

}  // namespace axi_detail

class AxiMemModel {
 public:
  static constexpr unsigned kOkay = 0;
  static constexpr unsigned kSlvErr = 2;

  explicit AxiMemModel(const AxiMemConfig &cfg = {}) : cfg_(cfg), mem_(cfg.size), rng_(cfg.seed) {
    if (cfg_.data_bytes == 0 || (cfg_.data_bytes & (cfg_.data_bytes - 1)) != 0 ||
        cfg_.data_bytes > 128) {
      throw std::invalid_argument("AxiMemModel: data_bytes must be a power of two <= 128");
    }
    if (!(cfg_.bytes_per_cycle > 0.0)) {
      throw std::invalid_argument("AxiMemModel: bytes_per_cycle must be > 0");
    }
    if (cfg_.max_reads == 0 || cfg_.max_writes == 0) {
      throw std::invalid_argument("AxiMemModel: max_reads and max_writes must be >= 1");
    }
    cap_ = cfg_.bytes_per_cycle + static_cast<double>(cfg_.data_bytes);
    tokens_ = cap_;
    size_log2_ = 0;
    while ((1u << size_log2_) < cfg_.data_bytes) ++size_log2_;
  }

  const AxiMemConfig &config() const { return cfg_; }

  // --- Direct access for the test or driver (throws std::out_of_range beyond the memory).
  void write(uint64_t addr, const void *src, std::size_t n) {
    check_range(addr, n, "write");
    if (n) std::memcpy(mem_.data() + addr, src, n);
  }
  void write(uint64_t addr, const std::vector<uint8_t> &bytes) {
    write(addr, bytes.data(), bytes.size());
  }
  void read(uint64_t addr, void *dst, std::size_t n) const {
    check_range(addr, n, "read");
    if (n) std::memcpy(dst, mem_.data() + addr, n);
  }
  std::vector<uint8_t> read(uint64_t addr, std::size_t n) const {
    std::vector<uint8_t> out(n);
    read(addr, out.data(), n);
    return out;
  }
  std::vector<uint8_t> &bytes() { return mem_; }
  const std::vector<uint8_t> &bytes() const { return mem_; }

  // --- Counters. Reads move full beats; bytes_written counts the strobed bytes that landed.
  uint64_t bytes_read() const { return bytes_read_; }            // bytes of OKAY R beats
  uint64_t bytes_written() const { return bytes_written_; }      // strobed bytes written
  uint64_t read_bursts() const { return read_bursts_; }          // AR handshakes
  uint64_t write_bursts() const { return write_bursts_; }        // AW handshakes
  uint64_t read_beats() const { return read_beats_; }            // R handshakes
  uint64_t write_beats() const { return write_beats_; }          // W handshakes
  uint64_t read_errors() const { return read_errors_; }          // R beats with SLVERR
  uint64_t write_errors() const { return write_errors_; }        // B responses with SLVERR
  unsigned max_reads_seen() const { return max_reads_seen_; }    // most AR bursts held at once
  unsigned max_writes_seen() const { return max_writes_seen_; }  // most AW bursts held at once
  unsigned reads_outstanding() const { return static_cast<unsigned>(rq_.size()); }
  unsigned writes_outstanding() const { return static_cast<unsigned>(wq_.size() + bq_.size()); }
  bool idle() const { return rq_.empty() && wq_.empty() && bq_.empty(); }
  uint64_t cycle() const { return cycle_; }

  // --- One clock cycle on a full AXI4 port (AR, R, AW, W, B). See the call order above.
  template <class Io>
  void tick(Io &io) {
    begin_cycle(true, true);
    drive_read(io);
    drive_write(io);
    io.eval();
    sample_read(io);
    sample_write(io);
    ++cycle_;
  }
  // The same for a port with only the read (AR, R) or only the write (AW, W, B) channels.
  template <class Io>
  void tick_read(Io &io) {
    begin_cycle(true, false);
    drive_read(io);
    io.eval();
    sample_read(io);
    ++cycle_;
  }
  template <class Io>
  void tick_write(Io &io) {
    begin_cycle(false, true);
    drive_write(io);
    io.eval();
    sample_write(io);
    ++cycle_;
  }

 private:
  struct ReadBurst {
    uint64_t base;  // address of the first beat, aligned to the bus
    unsigned beats;
    unsigned id;
    uint64_t ready;  // cycle of the first R beat at the earliest
    unsigned next = 0;
  };
  struct WriteBurst {
    uint64_t base;
    unsigned start_lane;  // byte lane of the start address in the first beat
    unsigned beats;
    unsigned id;
    uint64_t ready;
    unsigned next = 0;
    std::vector<uint8_t> data;
    std::vector<bool> strb;
  };
  struct Response {
    unsigned id;
    unsigned resp;
    uint64_t ready;
  };
  // A request channel's payload, to check it stays put until the handshake.
  struct Request {
    bool pending = false;
    uint64_t addr = 0;
    unsigned len = 0, size = 0, burst = 0, id = 0;
    bool operator==(const Request &o) const {
      return addr == o.addr && len == o.len && size == o.size && burst == o.burst && id == o.id;
    }
  };

  [[noreturn]] void fail(const std::string &what) const {
    throw std::logic_error("AXI protocol violation at cycle " + std::to_string(cycle_) + ": " +
                           what);
  }
  void check_range(uint64_t addr, std::size_t n, const char *op) const {
    if (addr > mem_.size() || n > mem_.size() - addr) {
      throw std::out_of_range(std::string("AxiMemModel::") + op + ": [" + std::to_string(addr) +
                              ", +" + std::to_string(n) + ") outside memory of " +
                              std::to_string(mem_.size()) + " bytes");
    }
  }
  bool stall() {
    return cfg_.stall_prob > 0.0 &&
           std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < cfg_.stall_prob;
  }
  bool write_stall() {
    return stall() || (cfg_.write_stall_prob > 0.0 && std::uniform_real_distribution<double>(
                                                          0.0, 1.0)(rng_) < cfg_.write_stall_prob);
  }
  bool in_range(uint64_t addr, uint64_t n) const {
    return addr <= mem_.size() && n <= mem_.size() - addr;
  }

  // Validates a burst request at its handshake; returns the address of its first beat.
  uint64_t check_request(const Request &r, const char *ch) const {
    const std::string c(ch);
    if (r.burst != 1) {
      fail(c + "burst = " + std::to_string(r.burst) + ", only INCR (1) is supported");
    }
    if (r.size != size_log2_) {
      fail(c + "size = " + std::to_string(r.size) + ", only full-width beats (" +
           std::to_string(size_log2_) + ") are supported");
    }
    const uint64_t base = r.addr & ~static_cast<uint64_t>(cfg_.data_bytes - 1);
    const uint64_t last = base + static_cast<uint64_t>(r.len + 1) * cfg_.data_bytes - 1;
    if ((r.addr >> 12) != (last >> 12)) {
      fail(c + "addr 0x" + hex(r.addr) + " len " + std::to_string(r.len) +
           " crosses a 4 KB boundary");
    }
    return base;
  }
  static std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
    return buf;
  }
  template <class Io>
  static Request ar_request(const Io &io) {
    Request r;
    r.addr = static_cast<uint64_t>(io.m_axi_araddr);
    r.len = io.m_axi_arlen;
    r.size = io.m_axi_arsize;
    r.burst = io.m_axi_arburst;
    r.id = io.m_axi_arid;
    return r;
  }
  template <class Io>
  static Request aw_request(const Io &io) {
    Request r;
    r.addr = static_cast<uint64_t>(io.m_axi_awaddr);
    r.len = io.m_axi_awlen;
    r.size = io.m_axi_awsize;
    r.burst = io.m_axi_awburst;
    r.id = io.m_axi_awid;
    return r;
  }

  // Refills the bucket and decides which beats this cycle may move.
  void begin_cycle(bool rd, bool wr) {
    tokens_ = std::min(tokens_ + cfg_.bytes_per_cycle, cap_);
    const double beat = cfg_.data_bytes;
    const bool r_want = rd && !r_valid_ && !rq_.empty() && rq_.front().ready <= cycle_ && !stall();
    const bool w_want = wr && !wq_.empty() && !write_stall();
    r_grant_ = w_grant_ = false;
    if (r_want && w_want && tokens_ < 2 * beat) {
      // Only one fits: alternate.
      if (tokens_ >= beat) (w_first_ ? w_grant_ : r_grant_) = true;
      w_first_ = !w_first_;
    } else {
      r_grant_ = r_want && tokens_ >= beat;
      w_grant_ = w_want && tokens_ >= beat;
    }
    if (r_grant_) tokens_ -= beat;  // a W beat pays only if it is taken
  }

  template <class Io>
  void drive_read(Io &io) {
    io.m_axi_arready = rq_.size() < cfg_.max_reads && !stall();
    if (r_grant_) {
      const ReadBurst &b = rq_.front();
      const uint64_t addr = b.base + static_cast<uint64_t>(b.next) * cfg_.data_bytes;
      r_valid_ = true;
      r_last_ = b.next + 1 == b.beats;
      r_id_ = b.id;
      r_resp_ = in_range(addr, cfg_.data_bytes) ? kOkay : kSlvErr;
      std::fill(r_data_, r_data_ + sizeof r_data_, 0);
      if (r_resp_ == kOkay) std::memcpy(r_data_, mem_.data() + addr, cfg_.data_bytes);
    }
    io.m_axi_rvalid = r_valid_;
    io.m_axi_rlast = r_last_;
    io.m_axi_rid = r_id_;
    io.m_axi_rresp = r_resp_;
    axi_detail::set_bytes(io.m_axi_rdata, r_data_, cfg_.data_bytes);
  }

  template <class Io>
  void drive_write(Io &io) {
    io.m_axi_awready = wq_.size() + bq_.size() < cfg_.max_writes && !write_stall();
    io.m_axi_wready = w_grant_;
    if (!b_valid_ && !bq_.empty() && bq_.front().ready <= cycle_ && !write_stall()) b_valid_ = true;
    io.m_axi_bvalid = b_valid_;
    io.m_axi_bid = b_valid_ ? bq_.front().id : 0;
    io.m_axi_bresp = b_valid_ ? bq_.front().resp : 0;
  }

  template <class Io>
  void sample_read(Io &io) {
    // AR
    const bool arvalid = io.m_axi_arvalid;
    const Request ar = ar_request(io);
    if (ar_.pending && !arvalid) fail("arvalid dropped before arready");
    if (ar_.pending && !(ar == ar_)) fail("AR payload changed before arready");
    const bool ar_hs = arvalid && io.m_axi_arready;
    if (ar_hs) {
      const uint64_t base = check_request(ar, "ar");
      rq_.push_back(ReadBurst{base, ar.len + 1, ar.id, cycle_ + std::max(1u, cfg_.latency_cycles)});
      ++read_bursts_;
      max_reads_seen_ = std::max(max_reads_seen_, static_cast<unsigned>(rq_.size()));
    }
    ar_ = ar;
    ar_.pending = arvalid && !ar_hs;
    // R
    if (r_valid_ && io.m_axi_rready) {
      ReadBurst &b = rq_.front();
      ++read_beats_;
      if (r_resp_ == kOkay) {
        bytes_read_ += cfg_.data_bytes;
      } else {
        ++read_errors_;
      }
      r_valid_ = false;
      if (++b.next == b.beats) rq_.pop_front();
    }
  }

  template <class Io>
  void sample_write(Io &io) {
    // AW
    const bool awvalid = io.m_axi_awvalid;
    const Request aw = aw_request(io);
    if (aw_.pending && !awvalid) fail("awvalid dropped before awready");
    if (aw_.pending && !(aw == aw_)) fail("AW payload changed before awready");
    const bool aw_hs = awvalid && io.m_axi_awready;
    aw_ = aw;
    aw_.pending = awvalid && !aw_hs;
    // W: only for a burst accepted in an earlier cycle (wready was decided before this AW).
    const bool wvalid = io.m_axi_wvalid;
    const bool wlast = io.m_axi_wlast;
    if (w_pending_) {
      if (!wvalid) fail("wvalid dropped before wready");
      bool same = wlast == w_prev_last_;
      for (unsigned i = 0; i < cfg_.data_bytes; ++i) {
        same = same && axi_detail::get_byte(io.m_axi_wdata, i) == w_prev_data_[i] &&
               axi_detail::get_bit(io.m_axi_wstrb, i) == w_prev_strb_[i];
      }
      if (!same) fail("W payload changed before wready");
    }
    const bool w_hs = wvalid && w_grant_;
    if (w_hs) {
      WriteBurst &b = wq_.front();
      const bool expect_last = b.next + 1 == b.beats;
      if (wlast != expect_last) {
        fail("wlast " + std::to_string(wlast) + " on beat " + std::to_string(b.next) + " of " +
             std::to_string(b.beats) + " (awaddr 0x" + hex(b.base) + ")");
      }
      for (unsigned i = 0; i < cfg_.data_bytes; ++i) {
        const bool s = axi_detail::get_bit(io.m_axi_wstrb, i);
        if (s && b.next == 0 && i < b.start_lane) {
          fail("wstrb lane " + std::to_string(i) + " below the start address 0x" +
               hex(b.base + b.start_lane));
        }
        const std::size_t k = static_cast<std::size_t>(b.next) * cfg_.data_bytes + i;
        b.data[k] = axi_detail::get_byte(io.m_axi_wdata, i);
        b.strb[k] = s;
      }
      tokens_ -= cfg_.data_bytes;
      ++write_beats_;
      if (++b.next == b.beats) {
        const uint64_t n = static_cast<uint64_t>(b.beats) * cfg_.data_bytes;
        unsigned resp = kSlvErr;
        if (in_range(b.base, n)) {
          resp = kOkay;
          for (uint64_t k = 0; k < n; ++k) {
            if (b.strb[k]) {
              mem_[b.base + k] = b.data[k];
              ++bytes_written_;
            }
          }
        } else {
          ++write_errors_;
        }
        bq_.push_back(Response{b.id, resp, std::max(b.ready, cycle_ + 1)});
        wq_.pop_front();
      }
    }
    w_pending_ = wvalid && !w_hs;
    w_prev_last_ = wlast;
    for (unsigned i = 0; i < cfg_.data_bytes; ++i) {
      w_prev_data_[i] = axi_detail::get_byte(io.m_axi_wdata, i);
      w_prev_strb_[i] = axi_detail::get_bit(io.m_axi_wstrb, i);
    }
    // After W, so a burst's W beats are taken from the next cycle on.
    if (aw_hs) {
      const uint64_t base = check_request(aw, "aw");
      WriteBurst b;
      b.base = base;
      b.start_lane = static_cast<unsigned>(aw.addr - base);
      b.beats = aw.len + 1;
      b.id = aw.id;
      b.ready = cycle_ + std::max(1u, cfg_.latency_cycles);
      b.data.assign(static_cast<std::size_t>(b.beats) * cfg_.data_bytes, 0);
      b.strb.assign(b.data.size(), false);
      wq_.push_back(std::move(b));
      ++write_bursts_;
      max_writes_seen_ = std::max(max_writes_seen_, writes_outstanding());
    }
    // B
    if (b_valid_ && io.m_axi_bready) {
      bq_.pop_front();
      b_valid_ = false;
    }
  }

  AxiMemConfig cfg_;
  std::vector<uint8_t> mem_;
  std::mt19937_64 rng_;
  double cap_ = 0.0, tokens_ = 0.0;
  unsigned size_log2_ = 0;
  uint64_t cycle_ = 0;
  bool r_grant_ = false, w_grant_ = false, w_first_ = false;

  std::deque<ReadBurst> rq_;
  Request ar_;
  bool r_valid_ = false, r_last_ = false;
  unsigned r_id_ = 0, r_resp_ = 0;
  uint8_t r_data_[128] = {};

  std::deque<WriteBurst> wq_;
  std::deque<Response> bq_;
  Request aw_;
  bool b_valid_ = false;
  bool w_pending_ = false, w_prev_last_ = false;
  uint8_t w_prev_data_[128] = {};
  bool w_prev_strb_[128] = {};

  uint64_t bytes_read_ = 0, bytes_written_ = 0, read_bursts_ = 0, write_bursts_ = 0;
  uint64_t read_beats_ = 0, write_beats_ = 0, read_errors_ = 0, write_errors_ = 0;
  unsigned max_reads_seen_ = 0, max_writes_seen_ = 0;
};

}  // namespace ganpu::rt
