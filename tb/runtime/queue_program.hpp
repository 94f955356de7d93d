// A queue program: two command queues of job records that the multi-core top runs on all of
// its cores (docs/astm.md). The record is rtl/astm/ganpu_astm_pkg.sv's: a header of two words
// (FENCE, WAIT, CORES; WAIT_COUNT) and the 74 descriptor registers in offset order.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/ganpu_regs.hpp"

namespace ganpu::rt {

inline constexpr int kNumQueues = 2;      // ganpu_astm_pkg::NumQueues: 0 generator, 1 discriminator
inline constexpr int kMaxCores = 8;       // ganpu_astm_pkg::MaxCores: width of CORES
inline constexpr uint32_t kHdrWords = 2;  // ganpu_astm_pkg::HdrWords
inline constexpr uint32_t kRecWords = kHdrWords + regs::kDescNumRegs;
inline constexpr uint32_t kRecBytes = 4 * kRecWords;
// Header word 0 (ganpu_astm_pkg::hdr_t).
inline constexpr uint32_t kHdrFence = 1u << 0;
inline constexpr uint32_t kHdrWait = 1u << 1;
inline constexpr uint32_t kHdrCoresShift = 8;

struct QueueJob {
  regs::Descriptor desc;
  bool fence = false;  // wait until every earlier job of this queue has completed
  bool wait = false;   // wait until the other queue has completed wait_count jobs
  uint32_t wait_count = 0;
  uint8_t cores = 0;  // ADAPTIVE mode: the cores this job may use (bit c: core c; 0: any)
  std::string label;  // for errors and progress
};

struct QueueProgram {
  std::array<std::vector<QueueJob>, kNumQueues> queues;
  regs::AstmMode mode = regs::AstmMode::kTemporal;
  uint8_t split = 0;  // SPATIAL: bit c gives core c to queue 0, clear to queue 1
  std::array<uint8_t, kMaxCores> shares = {1, 1, 1, 1, 1, 1, 1, 1};  // bandwidth, 0..15
};

// The record of one job, kRecWords words.
std::vector<uint32_t> encode_record(const QueueJob &j);

// Bytes the records of a program take in memory (8-byte aligned queues, back to back).
uint64_t program_bytes(const QueueProgram &p);

// The ASTM counters of one core or one queue over a program (PERF_* registers).
struct AstmCounters {
  uint32_t jobs = 0;
  uint64_t cycles = 0;     // cycles of its jobs, start to done each
  uint64_t busy = 0;       // the PE array issued
  uint64_t stall = 0;      // a job ran and the array issued nothing
  uint64_t stall_mem = 0;  // of those, waiting for memory (operands or the store unit)
  uint64_t idle = 0;       // program cycles with no job (on the core / of the queue)
  uint64_t macs = 0;
  uint64_t rd_bytes = 0;
  uint64_t wr_bytes = 0;
};

// One job as a core ran it (the top's trace port): cycles of the accelerator's clock
// (Accelerator::cycle()), from the cycle its start was issued to its done.
struct JobSpan {
  int core = 0;
  int queue = 0;
  uint32_t index = 0;  // in its queue
  uint64_t start = 0, end = 0;
};

struct ProgramStats {
  uint64_t cycles = 0;       // RUN_QUEUES to DONE
  uint64_t start_cycle = 0;  // the accelerator's clock at RUN_QUEUES
  std::vector<AstmCounters> cores;
  std::array<AstmCounters, kNumQueues> queues;
  std::vector<JobSpan> spans;  // every job, in order of completion
};

}  // namespace ganpu::rt
