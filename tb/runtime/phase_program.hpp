// Staged layer phases as one queue program (docs/astm.md): each phase goes to a queue, after
// the phases it depends on. The dependencies become the records' FENCE and WAIT bits:
//   - a phase's first job has FENCE (a layer boundary, unless the phase says it is independent
//     of what came before), so a queue's completed-job count names the phases it has finished;
//   - inside a phase, a job after a partial sum's piece or after MASK_GRAD has FENCE (it reads
//     what those wrote);
//   - a dependency on a phase of the other queue is a WAIT for that queue's job count at the
//     producer's end.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/layer_runner.hpp"
#include "runtime/queue_program.hpp"

namespace ganpu::rt {

struct ProgramPhase {
  const StagedPhase *phase = nullptr;
  int queue = 0;              // 0 or 1
  std::vector<size_t> after;  // indices of earlier entries whose outputs it reads
  uint8_t cores = 0;          // ADAPTIVE mode: the cores its jobs may use (0: any)
  // Its first job waits for every earlier job of its queue. false: it reads nothing they
  // write, and may run beside them (a FENCE is still set where a WAIT counts on its queue).
  bool fence = true;
};

// Throws std::invalid_argument for a queue out of range or a dependency on a later entry.
QueueProgram build_program(const std::vector<ProgramPhase> &phases, regs::AstmMode mode,
                           uint8_t split = 0);

}  // namespace ganpu::rt
