#include "runtime/phase_program.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ganpu::rt {

QueueProgram build_program(const std::vector<ProgramPhase> &phases, regs::AstmMode mode,
                           uint8_t split) {
  QueueProgram prog;
  prog.mode = mode;
  prog.split = split;
  std::vector<uint32_t> end_count(phases.size(), 0);  // its queue's job count at its end
  for (size_t i = 0; i < phases.size(); ++i) {
    const ProgramPhase &pp = phases[i];
    if (pp.queue < 0 || pp.queue >= kNumQueues || pp.phase == nullptr) {
      throw std::invalid_argument("build_program: entry " + std::to_string(i) +
                                  " has no phase or a queue other than 0 and 1");
    }
    uint32_t wait_count = 0;
    bool wait = false;
    for (size_t d : pp.after) {
      if (d >= i) {
        throw std::invalid_argument("build_program: entry " + std::to_string(i) +
                                    " depends on a later entry " + std::to_string(d));
      }
      if (phases[d].queue != pp.queue) {
        wait = true;
        wait_count = std::max(wait_count, end_count[d]);
      }
    }
    auto &q = prog.queues[pp.queue];
    const std::string name = std::string(model::to_string(pp.phase->spec.type)) + " " +
                             model::to_string(pp.phase->phase) + " (entry " + std::to_string(i) +
                             ")";
    for (size_t k = 0; k < pp.phase->jobs.size(); ++k) {
      const Job &j = pp.phase->jobs[k];
      QueueJob qj;
      qj.desc = j.desc;
      qj.cores = pp.cores;
      qj.label = name + " job '" + j.label + "'";
      if (k == 0) {
        qj.fence = pp.fence;
        qj.wait = wait;
        qj.wait_count = wait_count;
      } else {
        const Job &prev = pp.phase->jobs[k - 1];
        const bool mask_grad_before = prev.desc.op.opcode == regs::Opcode::kMaskGrad &&
                                      j.desc.op.opcode != regs::Opcode::kMaskGrad;
        qj.fence = prev.partial || mask_grad_before;
      }
      q.push_back(std::move(qj));
    }
    end_count[i] = static_cast<uint32_t>(q.size());
  }
  // A WAIT for a count means exactly the jobs before it only if the job after them waits for
  // them all.
  for (size_t i = 0; i < phases.size(); ++i) {
    for (size_t d : phases[i].after) {
      auto &q = prog.queues[phases[d].queue];
      if (phases[d].queue != phases[i].queue && end_count[d] < q.size()) {
        q[end_count[d]].fence = true;
      }
    }
  }
  return prog;
}

}  // namespace ganpu::rt
