// AXI4-Lite master for a Verilated model with an s_axil_* slave port (ganpu_regs and the tops
// that contain it). One transfer at a time, driven cycle by cycle: the master sets the inputs,
// calls eval() to see the slave's readies, and advances the clock with a callback that runs one
// full cycle (the rising edge samples the inputs). BREADY and RREADY are held high.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace ganpu::rt {

enum class AxiResp : uint8_t { kOkay = 0, kExOkay = 1, kSlvErr = 2, kDecErr = 3 };

inline const char *to_string(AxiResp r) {
  switch (r) {
    case AxiResp::kOkay:
      return "OKAY";
    case AxiResp::kExOkay:
      return "EXOKAY";
    case AxiResp::kSlvErr:
      return "SLVERR";
    case AxiResp::kDecErr:
      return "DECERR";
  }
  return "?";
}

struct AxilRead {
  uint32_t data = 0;
  AxiResp resp = AxiResp::kOkay;
};

// How a write presents its address (AW) and data (W) channels.
enum class WriteOrder {
  kTogether,  // both valid from the first cycle
  kAwFirst,   // W is raised only after the AW handshake (plus a gap)
  kWFirst,    // AW is raised only after the W handshake (plus a gap)
};

template <class Model>
class AxilMaster {
 public:
  // tick() advances the model by one clock cycle. A transfer that does not finish within
  // timeout_cycles throws std::runtime_error.
  AxilMaster(Model &model, std::function<void()> tick, uint64_t timeout_cycles = 1000)
      : m_(model), tick_(std::move(tick)), timeout_(timeout_cycles) {
    idle();
  }

  // Deasserts every master output.
  void idle() {
    m_.s_axil_awvalid = 0;
    m_.s_axil_wvalid = 0;
    m_.s_axil_bready = 0;
    m_.s_axil_arvalid = 0;
    m_.s_axil_rready = 0;
  }

  AxiResp write(uint32_t addr, uint32_t data, uint32_t strb = 0xF) {
    return write(addr, data, strb, WriteOrder::kTogether, 0);
  }

  // gap: idle cycles between the first channel's handshake and the second channel's valid.
  AxiResp write(uint32_t addr, uint32_t data, uint32_t strb, WriteOrder order, unsigned gap) {
    set(m_.s_axil_awaddr, addr);
    set(m_.s_axil_wdata, data);
    set(m_.s_axil_wstrb, strb);
    bool aw_done = false;
    bool w_done = false;
    uint64_t second_from = 0;  // cycle from which the second channel may be raised
    for (uint64_t n = 0; n < timeout_; ++n) {
      const bool aw_on =
          !aw_done && (order != WriteOrder::kWFirst || (w_done && cycles_ >= second_from));
      const bool w_on =
          !w_done && (order != WriteOrder::kAwFirst || (aw_done && cycles_ >= second_from));
      m_.s_axil_awvalid = aw_on;
      m_.s_axil_wvalid = w_on;
      m_.s_axil_bready = 1;
      m_.eval();
      const bool aw_hs = aw_on && m_.s_axil_awready;
      const bool w_hs = w_on && m_.s_axil_wready;
      const bool b_hs = m_.s_axil_bvalid;
      const auto resp = static_cast<AxiResp>(m_.s_axil_bresp & 3u);
      if (b_hs && !(aw_done && w_done)) {
        throw std::runtime_error("AXI4-Lite: BVALID before AW and W were both accepted");
      }
      step();
      if (aw_hs || w_hs) second_from = cycles_ + gap;
      aw_done = aw_done || aw_hs;
      w_done = w_done || w_hs;
      if (b_hs) {
        idle();
        return resp;
      }
    }
    idle();
    throw std::runtime_error("AXI4-Lite: write to " + hex(addr) + " timed out (" +
                             (aw_done ? "" : "AW ") + (w_done ? "" : "W ") + "B pending)");
  }

  AxilRead read(uint32_t addr) {
    set(m_.s_axil_araddr, addr);
    bool ar_done = false;
    for (uint64_t n = 0; n < timeout_; ++n) {
      m_.s_axil_arvalid = !ar_done;
      m_.s_axil_rready = 1;
      m_.eval();
      const bool ar_hs = !ar_done && m_.s_axil_arready;
      const bool r_hs = m_.s_axil_rvalid;
      if (r_hs && !ar_done) {
        throw std::runtime_error("AXI4-Lite: RVALID before AR was accepted");
      }
      AxilRead r;
      r.data = static_cast<uint32_t>(m_.s_axil_rdata);
      r.resp = static_cast<AxiResp>(m_.s_axil_rresp & 3u);
      step();
      ar_done = ar_done || ar_hs;
      if (r_hs) {
        idle();
        return r;
      }
    }
    idle();
    throw std::runtime_error("AXI4-Lite: read of " + hex(addr) + " timed out");
  }

  // Clock cycles this master has run.
  uint64_t cycles() const { return cycles_; }

 private:
  template <class Port>
  static void set(Port &port, uint32_t v) {
    port = static_cast<std::remove_reference_t<Port>>(v);
  }
  static std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%03x", v);
    return buf;
  }
  void step() {
    tick_();
    ++cycles_;
  }

  Model &m_;
  std::function<void()> tick_;
  uint64_t timeout_;
  uint64_t cycles_ = 0;
};

}  // namespace ganpu::rt
