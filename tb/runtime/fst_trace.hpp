// Writes an FST waveform of a Verilated model built with --trace-fst, optionally only for a
// window of cycles. RAII: the file is complete when the object is destroyed.
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace ganpu::rt {

class FstTrace {
 public:
  // Traces `model` into `path`, keeping samples with start_cycle <= cycle < end_cycle.
  template <class Model>
  FstTrace(VerilatedContext &ctx, Model &model, const std::string &path, uint64_t start_cycle = 0,
           uint64_t end_cycle = UINT64_MAX)
      : fst_(std::make_unique<VerilatedFstC>()), start_(start_cycle), end_(end_cycle) {
    ctx.traceEverOn(true);
    model.trace(fst_.get(), 99);
    fst_->open(path.c_str());
    if (!fst_->isOpen()) throw std::runtime_error("cannot open trace file " + path);
  }
  FstTrace(const FstTrace &) = delete;
  FstTrace &operator=(const FstTrace &) = delete;
  ~FstTrace() { fst_->close(); }

  // Records the model's state at `time` (10 units per cycle) if it falls inside the window.
  void dump(uint64_t time) {
    const uint64_t cycle = time / 10;
    if (cycle >= start_ && cycle < end_) fst_->dump(time);
  }

 private:
  std::unique_ptr<VerilatedFstC> fst_;
  uint64_t start_;
  uint64_t end_;
};

}  // namespace ganpu::rt
