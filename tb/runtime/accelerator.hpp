// The accelerator as the runtime sees it: a Verilated ganpu_top with its memory (the AXI
// memory model) and its control registers (AXI4-Lite). Programs one job at a time, waits for
// the interrupt (with a cycle limit) and returns the performance counters.
#pragma once

#include <verilated.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "runtime/axi_mem_model.hpp"
#include "runtime/ganpu_regs.hpp"
#include "runtime/layer_compiler.hpp"
#include "runtime/queue_program.hpp"

namespace ganpu::rt {

// Counters of one job, from the registers (cycles of the RTL clock).
struct JobStats {
  uint64_t cycles = 0;        // start to done
  uint64_t busy_cycles = 0;   // cycles the PE array issued MACs
  uint64_t stall_cycles = 0;  // cycles the array issued nothing: the sum of the four below
  uint64_t stall_load = 0;    // waiting for operands (A box, B block, partial sums)
  uint64_t stall_store = 0;   // waiting for the store unit (a free accumulator bank)
  uint64_t stall_setup = 0;   // tile setup not hidden behind issue
  uint64_t stall_drain = 0;   // after the last issue: the last tiles written
  uint64_t macs = 0;          // multiply-accumulates on real operands
  uint64_t rd_bytes = 0;      // AXI data bytes read (full beats)
  uint64_t wr_bytes = 0;      // AXI data bytes written (full beats)
  // Buffer accesses (the energy estimate's events, runtime/energy.hpp).
  uint64_t a_reads = 0;     // A elements read
  uint64_t b_reads = 0;     // B elements read
  uint64_t nz_reads = 0;    // non-zero bitmap windows read (zero skipping)
  uint64_t buf_writes = 0;  // elements and bitmap words written into the buffer copies
  JobStats &operator+=(const JobStats &o) {
    cycles += o.cycles;
    busy_cycles += o.busy_cycles;
    stall_cycles += o.stall_cycles;
    stall_load += o.stall_load;
    stall_store += o.stall_store;
    stall_setup += o.stall_setup;
    stall_drain += o.stall_drain;
    macs += o.macs;
    rd_bytes += o.rd_bytes;
    wr_bytes += o.wr_bytes;
    a_reads += o.a_reads;
    b_reads += o.b_reads;
    nz_reads += o.nz_reads;
    buf_writes += o.buf_writes;
    return *this;
  }
};

class JobError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Type-erased access to one Verilated configuration of ganpu_top.
class Accelerator {
 public:
  virtual ~Accelerator() = default;
  virtual AxiMemModel &mem() = 0;
  virtual HwConfig config() = 0;
  // Runs one job to completion on core 0; throws JobError on an error status or after
  // max_cycles.
  virtual JobStats run(const regs::Descriptor &d, uint64_t max_cycles) = 0;
  // Cores of the multi-core top (ASTM_CONFIG.N_CORES).
  virtual int cores() = 0;
  // Writes the program's records to memory from records_addr (8-byte aligned,
  // program_bytes(p) bytes), runs it on every core and returns its counters; throws JobError
  // naming the failed job (its label) on an error status or after max_cycles.
  virtual ProgramStats run_program(const QueueProgram &p, uint32_t records_addr,
                                   uint64_t max_cycles) = 0;
  virtual uint64_t cycle() const = 0;
  // Called after every clock edge with the cycle number (waveforms, progress).
  virtual void on_cycle(std::function<void(uint64_t)> hook) = 0;
  // Starts an FST trace of cycles [start, end); the file is complete when the Accelerator is
  // destroyed. Only models built with tracing support it.
  virtual void trace(const std::string &path, uint64_t start, uint64_t end) = 0;
};

// Creates the accelerator of a named configuration (e.g. "4x4_fp16"); the names are those of
// rtl/configs.txt without the "ganpu_" prefix. Throws std::invalid_argument for an unknown one.
std::unique_ptr<Accelerator> make_accelerator(const std::string &config, const AxiMemConfig &mem);

// The configuration names this build has.
std::vector<std::string> accelerator_configs();

}  // namespace ganpu::rt
