// The Accelerator for one Verilated top class. Included by the generated per-configuration
// translation units (accelerator_<config>.cpp, see CMakeLists.txt).
#pragma once

#include <verilated.h>

#include <optional>

#include "runtime/accelerator.hpp"
#include "runtime/fst_trace.hpp"

namespace ganpu::rt {

template <class Top>
class AcceleratorImpl final : public Accelerator {
 public:
  explicit AcceleratorImpl(const AxiMemConfig &mem_cfg)
      : ctx_(std::make_unique<VerilatedContext>()),
        top_(std::make_unique<Top>(ctx_.get(), "top")),
        mem_(mem_cfg) {
    // A falling edge of rst_ni (not just a low level at the first eval) fires the
    // asynchronous resets.
    top_->clk_i = 0;
    top_->rst_ni = 1;
    idle_inputs();
    top_->eval();
    top_->rst_ni = 0;
    top_->eval();
    top_->rst_ni = 1;
    top_->eval();
    for (int i = 0; i < 4; ++i) tick();
  }
  ~AcceleratorImpl() override {
    trace_.reset();
    top_->final();
  }

  AxiMemModel &mem() override { return mem_; }
  uint64_t cycle() const override { return cycle_; }
  void on_cycle(std::function<void(uint64_t)> hook) override { hook_ = std::move(hook); }

  void trace(const std::string &path, uint64_t start, uint64_t end) override {
    trace_.emplace(*ctx_, *top_, path, start, end);
  }

  HwConfig config() override {
    const uint32_t c = read(regs::kRegConfig);
    const uint32_t c2 = read(regs::kRegConfig2);
    const auto field = [](uint32_t word, uint32_t mask, uint32_t shift) {
      return (word & mask) >> shift;
    };
    HwConfig hw;
    hw.pe_rows = static_cast<int>(field(c, regs::kConfigPeRowsMask, regs::kConfigPeRowsShift));
    hw.pe_cols = static_cast<int>(field(c, regs::kConfigPeColsMask, regs::kConfigPeColsShift));
    hw.slots = static_cast<int>(field(c, regs::kConfigSlotsMask, regs::kConfigSlotsShift));
    hw.skip_walk = field(c, regs::kConfigSkipWalkMask, regs::kConfigSkipWalkShift) != 0;
    const auto format =
        static_cast<regs::NumFormat>(field(c, regs::kConfigFormatMask, regs::kConfigFormatShift));
    hw.format = format == regs::NumFormat::kBf16 ? fp::kBf16 : fp::kFp16;
    hw.a_depth = 1u << field(c2, regs::kConfig2ADepthLog2Mask, regs::kConfig2ADepthLog2Shift);
    hw.b_depth = 1u << field(c2, regs::kConfig2BDepthLog2Mask, regs::kConfig2BDepthLog2Shift);
    hw.gm_depth = 1u << field(c2, regs::kConfig2GmDepthLog2Mask, regs::kConfig2GmDepthLog2Shift);
    return hw;
  }

  JobStats run(const regs::Descriptor &d, uint64_t max_cycles) override {
    for (const auto &[off, val] : d.to_writes()) write(off, val);
    write(regs::kRegIrqEnable, regs::kIrqEnableDoneMask);
    write(regs::kRegCtrl, regs::kCtrlStartMask);
    const uint64_t limit = cycle_ + max_cycles;
    while (!top_->irq_o) {
      if (cycle_ >= limit) {
        throw JobError("job did not finish within " + std::to_string(max_cycles) + " cycles");
      }
      tick();
    }
    const uint32_t status = read(regs::kRegStatus);
    JobStats s;
    s.cycles = read64(regs::kRegCyclesLo, regs::kRegCyclesHi);
    s.busy_cycles = read64(regs::kRegBusyCyclesLo, regs::kRegBusyCyclesHi);
    s.stall_cycles = read64(regs::kRegStallCyclesLo, regs::kRegStallCyclesHi);
    s.stall_load = read64(regs::kRegStallLoadLo, regs::kRegStallLoadHi);
    s.stall_store = read64(regs::kRegStallStoreLo, regs::kRegStallStoreHi);
    s.stall_setup = read64(regs::kRegStallSetupLo, regs::kRegStallSetupHi);
    s.stall_drain = read64(regs::kRegStallDrainLo, regs::kRegStallDrainHi);
    s.macs = read64(regs::kRegMacsLo, regs::kRegMacsHi);
    s.rd_bytes = read64(regs::kRegRdBytesLo, regs::kRegRdBytesHi);
    s.wr_bytes = read64(regs::kRegWrBytesLo, regs::kRegWrBytesHi);
    s.a_reads = read64(regs::kRegAReadsLo, regs::kRegAReadsHi);
    s.b_reads = read64(regs::kRegBReadsLo, regs::kRegBReadsHi);
    s.nz_reads = read64(regs::kRegNzReadsLo, regs::kRegNzReadsHi);
    s.buf_writes = read64(regs::kRegBufWritesLo, regs::kRegBufWritesHi);
    write(regs::kRegCtrl, regs::kCtrlClearMask);
    if (status & regs::kStatusErrorMask) {
      const uint32_t code = field(status, regs::kStatusErrorCodeMask, regs::kStatusErrorCodeShift);
      const char *what = regs::describe(static_cast<regs::ErrorCode>(code));
      throw JobError("job failed with error code " + std::to_string(code) + " (" +
                     (what ? what : "not in the register map") +
                     "; docs/registers.md lists the codes)");
    }
    // Every cycle is an issue or a stall, and every stall has one reason: a cheap check of the
    // counters on every job the runtime runs.
    if (s.busy_cycles + s.stall_cycles != s.cycles ||
        s.stall_load + s.stall_store + s.stall_setup + s.stall_drain != s.stall_cycles) {
      throw JobError("performance counters disagree: cycles " + std::to_string(s.cycles) +
                     ", busy " + std::to_string(s.busy_cycles) + ", stall " +
                     std::to_string(s.stall_cycles) + " = load " + std::to_string(s.stall_load) +
                     " + store " + std::to_string(s.stall_store) + " + setup " +
                     std::to_string(s.stall_setup) + " + drain " + std::to_string(s.stall_drain));
    }
    return s;
  }

  int cores() override {
    return static_cast<int>(field(read(regs::kRegAstmConfig), regs::kAstmConfigNCoresMask,
                                  regs::kAstmConfigNCoresShift));
  }

  ProgramStats run_program(const QueueProgram &p, uint32_t records_addr,
                           uint64_t max_cycles) override {
    const int n_cores = cores();
    if (records_addr % 8 != 0)
      throw std::invalid_argument("run_program: records not 8-byte aligned");
    if (records_addr + program_bytes(p) > mem_.bytes().size()) {
      throw std::invalid_argument("run_program: the records do not fit the memory");
    }
    const uint32_t valid_cores = (1u << n_cores) - 1;
    if ((p.split & ~valid_cores) != 0) {
      throw std::invalid_argument("run_program: split names a core this accelerator lacks");
    }
    uint32_t addr = records_addr;
    std::array<uint32_t, kNumQueues> base{};
    for (int q = 0; q < kNumQueues; ++q) {
      base[q] = addr;
      // (A record naming a core this accelerator lacks is the hardware's to refuse: QUEUE.)
      for (const QueueJob &j : p.queues[q]) {
        const std::vector<uint32_t> words = encode_record(j);
        std::vector<uint8_t> bytes(4 * words.size());
        for (size_t i = 0; i < words.size(); ++i) {
          for (int b = 0; b < 4; ++b) bytes[4 * i + b] = static_cast<uint8_t>(words[i] >> (8 * b));
        }
        mem_.write(addr, bytes);
        addr += kRecBytes;
      }
    }
    uint32_t shares = 0;
    for (int c = 0; c < kMaxCores; ++c) shares |= (p.shares[c] & 0xFu) << (4 * c);
    write(regs::kRegQ0Base, base[0]);
    write(regs::kRegQ0Count, static_cast<uint32_t>(p.queues[0].size()));
    write(regs::kRegQ1Base, base[1]);
    write(regs::kRegQ1Count, static_cast<uint32_t>(p.queues[1].size()));
    write(regs::kRegAstmMode, (static_cast<uint32_t>(p.mode) << regs::kAstmModeModeShift) |
                                  (static_cast<uint32_t>(p.split) << regs::kAstmModeSplitShift));
    write(regs::kRegAstmShares, shares);
    write(regs::kRegIrqEnable, regs::kIrqEnableDoneMask);
    ProgramStats st;
    write(regs::kRegCtrl, regs::kCtrlRunQueuesMask);
    st.start_cycle = cycle_;
    spans_ = &st.spans;
    open_.assign(static_cast<size_t>(n_cores), JobSpan{});
    struct Detach {
      std::vector<JobSpan> **p;
      ~Detach() { *p = nullptr; }
    } detach{&spans_};
    const uint64_t limit = cycle_ + max_cycles;
    while (!top_->irq_o) {
      if (cycle_ >= limit) {
        throw JobError("queue program did not finish within " + std::to_string(max_cycles) +
                       " cycles (" + std::to_string(read(regs::kRegQ0Done)) + " and " +
                       std::to_string(read(regs::kRegQ1Done)) + " jobs of the queues done)");
      }
      tick();
    }
    const uint32_t status = read(regs::kRegStatus);
    if (status & regs::kStatusErrorMask) {
      const uint32_t code = field(status, regs::kStatusErrorCodeMask, regs::kStatusErrorCodeShift);
      const uint32_t where = read(regs::kRegQError);
      const uint32_t q = field(where, regs::kQErrorQueueMask, regs::kQErrorQueueShift);
      const uint32_t i = field(where, regs::kQErrorIndexMask, regs::kQErrorIndexShift);
      write(regs::kRegCtrl, regs::kCtrlClearMask);
      const char *what = regs::describe(static_cast<regs::ErrorCode>(code));
      const std::string job = i < p.queues[q].size() ? " '" + p.queues[q][i].label + "'" : "";
      throw JobError("queue " + std::to_string(q) + " job " + std::to_string(i) + job +
                     " failed with error code " + std::to_string(code) + " (" +
                     (what ? what : "not in the register map") +
                     "; docs/registers.md lists the codes)");
    }
    spans_ = nullptr;
    st.cycles = read64(regs::kRegProgCyclesLo, regs::kRegProgCyclesHi);
    const auto counters = [&](uint32_t sel) {
      write(regs::kRegPerfSel, sel);
      AstmCounters c;
      c.jobs = read(regs::kRegPerfJobs);
      c.cycles = read64(regs::kRegPerfCyclesLo, regs::kRegPerfCyclesHi);
      c.busy = read64(regs::kRegPerfBusyLo, regs::kRegPerfBusyHi);
      c.stall = read64(regs::kRegPerfStallLo, regs::kRegPerfStallHi);
      c.stall_mem = read64(regs::kRegPerfStallMemLo, regs::kRegPerfStallMemHi);
      c.idle = read64(regs::kRegPerfIdleLo, regs::kRegPerfIdleHi);
      c.macs = read64(regs::kRegPerfMacsLo, regs::kRegPerfMacsHi);
      c.rd_bytes = read64(regs::kRegPerfRdBytesLo, regs::kRegPerfRdBytesHi);
      c.wr_bytes = read64(regs::kRegPerfWrBytesLo, regs::kRegPerfWrBytesHi);
      return c;
    };
    for (int c = 0; c < n_cores; ++c) st.cores.push_back(counters(static_cast<uint32_t>(c)));
    for (int q = 0; q < kNumQueues; ++q) {
      st.queues[q] = counters(static_cast<uint32_t>(kMaxCores + q));
    }
    write(regs::kRegCtrl, regs::kCtrlClearMask);
    // Every core-cycle of the program is a job's or idle (a job holds its core one cycle
    // before its own count starts: the cycle its start is issued), and every job cycle issues
    // or stalls.
    for (int c = 0; c < n_cores; ++c) {
      const AstmCounters &k = st.cores[c];
      if (k.cycles + k.jobs + k.idle != st.cycles || k.busy + k.stall != k.cycles) {
        throw JobError("core " + std::to_string(c) + " counters disagree: program " +
                       std::to_string(st.cycles) + " cycles, jobs " + std::to_string(k.cycles) +
                       " + idle " + std::to_string(k.idle) + ", busy " + std::to_string(k.busy) +
                       " + stall " + std::to_string(k.stall));
      }
    }
    return st;
  }

 private:
  void idle_inputs() {
    top_->s_axil_awvalid = 0;
    top_->s_axil_wvalid = 0;
    top_->s_axil_bready = 0;
    top_->s_axil_arvalid = 0;
    top_->s_axil_rready = 0;
  }

  // One clock cycle: the memory answers, then the rising edge.
  void tick() {
    mem_.tick(*top_);
    top_->clk_i = 1;
    top_->eval();
    if (trace_) trace_->dump(rising_edge_ps(cycle_));
    top_->clk_i = 0;
    top_->eval();
    if (trace_) trace_->dump(falling_edge_ps(cycle_));
    ++cycle_;
    if (spans_) sample_trace();
    if (hook_) hook_(cycle_);
  }

  // The trace port after an edge: a job whose bit 31 rose started in the cycle before, one
  // whose bit fell completed then.
  void sample_trace() {
    for (size_t c = 0; c < open_.size(); ++c) {
      uint32_t w = 0;
      for (unsigned b = 0; b < 4; ++b) {
        w |= static_cast<uint32_t>(axi_detail::get_byte(top_->trace_o, 4 * c + b)) << (8 * b);
      }
      const bool run = (w >> 31) & 1u;
      JobSpan &o = open_[c];
      if (run && o.start == 0) {
        o.core = static_cast<int>(c);
        o.queue = static_cast<int>((w >> 30) & 1u);
        o.index = w & 0xFFFFFFu;
        o.start = cycle_ - 1;
      } else if (!run && o.start != 0) {
        o.end = cycle_ - 1;
        spans_->push_back(o);
        o = JobSpan{};
      }
    }
  }

  // AXI4-Lite transactions, one at a time.
  void write(uint32_t addr, uint32_t data) {
    top_->s_axil_awvalid = 1;
    top_->s_axil_awaddr = addr;
    top_->s_axil_wvalid = 1;
    top_->s_axil_wdata = data;
    top_->s_axil_wstrb = 0xF;  // all four bytes of the 32-bit register
    bool aw = false, w = false;
    for (int i = 0; !(aw && w); ++i) {
      if (i > 1000) throw JobError("AXI4-Lite write to " + std::to_string(addr) + " hangs");
      top_->eval();
      const bool aw_fire = top_->s_axil_awvalid && top_->s_axil_awready;
      const bool w_fire = top_->s_axil_wvalid && top_->s_axil_wready;
      tick();
      if (aw_fire) {
        aw = true;
        top_->s_axil_awvalid = 0;
      }
      if (w_fire) {
        w = true;
        top_->s_axil_wvalid = 0;
      }
    }
    top_->s_axil_bready = 1;
    for (int i = 0;; ++i) {
      if (i > 1000) throw JobError("AXI4-Lite write response missing");
      top_->eval();
      const bool b_fire = top_->s_axil_bvalid;
      const uint32_t resp = top_->s_axil_bresp;
      tick();
      if (b_fire) {
        if (resp != 0) {
          top_->s_axil_bready = 0;
          throw JobError("register write at offset " + std::to_string(addr) + " refused");
        }
        break;
      }
    }
    top_->s_axil_bready = 0;
  }

  uint32_t read(uint32_t addr) {
    top_->s_axil_arvalid = 1;
    top_->s_axil_araddr = addr;
    for (int i = 0;; ++i) {
      if (i > 1000) throw JobError("AXI4-Lite read hangs");
      top_->eval();
      const bool fire = top_->s_axil_arready;
      tick();
      if (fire) break;
    }
    top_->s_axil_arvalid = 0;
    top_->s_axil_rready = 1;
    uint32_t data = 0;
    for (int i = 0;; ++i) {
      if (i > 1000) throw JobError("AXI4-Lite read data missing");
      top_->eval();
      const bool fire = top_->s_axil_rvalid;
      data = top_->s_axil_rdata;
      tick();
      if (fire) break;
    }
    top_->s_axil_rready = 0;
    return data;
  }

  // A 64-bit counter, read while the core is idle (it holds the last job's value).
  uint64_t read64(uint32_t lo, uint32_t hi) {
    const uint64_t l = read(lo);
    return l | (static_cast<uint64_t>(read(hi)) << 32);
  }

  // A bit field of a register word, by the generated mask (in place) and shift.
  static constexpr uint32_t field(uint32_t word, uint32_t mask, uint32_t shift) {
    return (word & mask) >> shift;
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Top> top_;
  AxiMemModel mem_;
  uint64_t cycle_ = 0;
  std::function<void(uint64_t)> hook_;
  std::vector<JobSpan> *spans_ = nullptr;  // while a program runs
  std::vector<JobSpan> open_;              // per core: the job it runs
  std::optional<FstTrace> trace_;
};

}  // namespace ganpu::rt
