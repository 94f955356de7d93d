// Writes an FST waveform of a Verilated model built with --trace-fst, optionally only for a
// window of cycles. RAII: the file is complete when the object is destroyed. Times are in
// picoseconds at the clock of clock.hpp, so a viewer shows one cycle as kClockPeriodPs.
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "runtime/clock.hpp"

namespace ganpu::rt {

class FstTrace {
 public:
  // Traces `model` into `path`, keeping samples with start_cycle <= cycle < end_cycle.
  template <class Model>
  FstTrace(VerilatedContext &ctx, Model &model, const std::string &path, uint64_t start_cycle = 0,
           uint64_t end_cycle = UINT64_MAX)
      : fst_(std::make_unique<VerilatedFstC>()), start_(start_cycle), end_(end_cycle) {
    // The file's time unit is the model's time precision (1 ps unless built with --timescale).
    const int precision = ctx.timeprecision();
    if (precision > -12) throw std::runtime_error("trace: model time precision coarser than 1 ps");
    for (int p = precision; p < -12; ++p) units_per_ps_ *= 10;
    ctx.traceEverOn(true);
    model.trace(fst_.get(), 99);
    fst_->open(path.c_str());
    if (!fst_->isOpen()) throw std::runtime_error("cannot open trace file " + path);
  }
  FstTrace(const FstTrace &) = delete;
  FstTrace &operator=(const FstTrace &) = delete;
  ~FstTrace() { fst_->close(); }

  // Records the model's state at `time_ps` (rising_edge_ps(), falling_edge_ps()) if it falls
  // inside the window.
  void dump(uint64_t time_ps) {
    const uint64_t cycle = time_ps / kClockPeriodPs;
    if (cycle >= start_ && cycle < end_) fst_->dump(time_ps * units_per_ps_);
  }

 private:
  std::unique_ptr<VerilatedFstC> fst_;
  uint64_t start_;
  uint64_t end_;
  uint64_t units_per_ps_ = 1;
};

}  // namespace ganpu::rt
