#include "runtime/queue_program.hpp"

#include <stdexcept>

namespace ganpu::rt {

std::vector<uint32_t> encode_record(const QueueJob &j) {
  std::vector<uint32_t> w;
  w.reserve(kRecWords);
  w.push_back((j.fence ? kHdrFence : 0u) | (j.wait ? kHdrWait : 0u) |
              (static_cast<uint32_t>(j.cores) << kHdrCoresShift));
  w.push_back(j.wait_count);
  for (const auto &[offset, value] : j.desc.to_writes()) {
    if (offset != regs::kDescBase + 4 * (w.size() - kHdrWords)) {
      throw std::logic_error("encode_record: descriptor registers not in offset order");
    }
    w.push_back(value);
  }
  return w;
}

uint64_t program_bytes(const QueueProgram &p) {
  uint64_t n = 0;
  for (const auto &q : p.queues) n += q.size() * kRecBytes;
  return n;
}

}  // namespace ganpu::rt
