// The energy estimate of a run: its event counts (the performance counters) times one table of
// per-event energies. The table is Horowitz, "Computing's energy problem (and what we can do
// about it)", ISSCC 2014, 45 nm, as docs/sparsity.md quotes it:
//   - a MAC: an FP16 multiply (1.1 pJ) and an FP32 add (0.9 pJ);
//   - an SRAM access: 10 pJ, the 64-bit access of an 8 KB array; every buffer RAM of the core
//     is 8 KB or smaller (an A bank 4 KB, a B row bank 2 KB, a bitmap bank 512 B on 4x4), so
//     this is an upper bound per element or bitmap word;
//   - DRAM: 1.3-2.6 nJ per 64-bit access; the midpoint, 2.0 nJ, per 8 bytes moved.
// Leakage, control, the accumulators (registers) and the wires are not counted.
#pragma once

#include <cstdint>

#include "runtime/accelerator.hpp"

namespace ganpu::rt {

struct EnergyTable {
  double mac_pj = 1.1 + 0.9;
  double sram_access_pj = 10.0;
  double dram_8_bytes_pj = 2000.0;
};

struct EnergyEstimate {
  double mac_pj = 0, sram_pj = 0, dram_pj = 0;
  double total_pj() const { return mac_pj + sram_pj + dram_pj; }
};

// dram_bytes: the bytes moved over the memory port (read + written).
inline EnergyEstimate energy_estimate(const JobStats &s, uint64_t dram_bytes,
                                      const EnergyTable &t = {}) {
  EnergyEstimate e;
  e.mac_pj = t.mac_pj * static_cast<double>(s.macs);
  e.sram_pj =
      t.sram_access_pj * static_cast<double>(s.a_reads + s.b_reads + s.nz_reads + s.buf_writes);
  e.dram_pj = t.dram_8_bytes_pj * static_cast<double>(dram_bytes) / 8.0;
  return e;
}

}  // namespace ganpu::rt
