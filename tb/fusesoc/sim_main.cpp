// The FuseSoC `sim` target's program (ganpu.core): builds the Verilated ganpu_top on its own,
// resets it and reads the ID and VERSION registers over AXI4-Lite. A smoke test that the IP
// package builds and runs; the project's testbench is the C++ runtime (make test).
#include <cstdint>
#include <cstdio>
#include <memory>

#include "Vganpu_top.h"
#include "runtime/ganpu_regs.hpp"
#include "verilated.h"

namespace {

class Top {
 public:
  Top() : top_(std::make_unique<Vganpu_top>()) {
    top_->clk_i = 0;
    top_->rst_ni = 0;
    for (int i = 0; i < 4; ++i) tick();
    top_->rst_ni = 1;
    tick();
  }
  ~Top() { top_->final(); }

  void tick() {
    top_->clk_i = 1;
    top_->eval();
    top_->clk_i = 0;
    top_->eval();
  }

  // One AXI4-Lite read; false if no reply within 100 cycles.
  bool read(uint32_t addr, uint32_t &data) {
    top_->s_axil_araddr = addr;
    top_->s_axil_arvalid = 1;
    top_->s_axil_rready = 1;
    for (int i = 0; i < 100; ++i) {
      top_->eval();
      const bool taken = top_->s_axil_arready;
      const bool replied = top_->s_axil_rvalid;
      data = top_->s_axil_rdata;
      tick();
      if (taken) top_->s_axil_arvalid = 0;
      if (replied) return true;
    }
    return false;
  }

 private:
  std::unique_ptr<Vganpu_top> top_;
};

}  // namespace

int main(int argc, char **argv) {
  Verilated::commandArgs(argc, argv);
  Top top;
  uint32_t id = 0, version = 0;
  if (!top.read(ganpu::regs::kRegId, id) || !top.read(ganpu::regs::kRegVersion, version)) {
    std::fprintf(stderr, "sim_main: no AXI4-Lite read reply\n");
    return 1;
  }
  std::printf("ganpu_top: ID 0x%08X, VERSION 0x%08X\n", id, version);
  if (id != ganpu::regs::kRegIdReset) {
    std::fprintf(stderr, "sim_main: ID should be 0x%08X\n", ganpu::regs::kRegIdReset);
    return 1;
  }
  return 0;
}
