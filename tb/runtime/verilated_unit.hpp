// Drivers for small Verilated units: a clocked pipeline with valid_i/valid_o, or a purely
// combinational block. Each owns its own VerilatedContext, so several can run in parallel threads.
#pragma once

#include <verilated.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "runtime/clock.hpp"

namespace ganpu::rt {

// Asynchronous active-low reset of a Verilated model with clk_i and rst_ni: a falling edge of
// rst_ni (so the reset processes fire) with the clock low. Set the other inputs first.
template <class Model>
void async_reset(Model &m) {
  m.clk_i = 0;
  m.rst_ni = 1;
  m.eval();
  m.rst_ni = 0;
  m.eval();
  m.rst_ni = 1;
  m.eval();
}

// A Verilated model with clk_i, rst_ni and valid_i inputs and a valid_o output.
template <class Model>
class ClockedUnit {
 public:
  ClockedUnit()
      : ctx_(std::make_unique<VerilatedContext>()),
        model_(std::make_unique<Model>(ctx_.get(), "top")) {
    reset();
  }
  ClockedUnit(const ClockedUnit &) = delete;
  ClockedUnit &operator=(const ClockedUnit &) = delete;
  ~ClockedUnit() { model_->final(); }

  Model &io() { return *model_; }
  VerilatedContext &context() { return *ctx_; }
  uint64_t cycles() const { return cycles_; }

  // Called after every eval() with the simulation time in picoseconds (runtime/clock.hpp), e.g.
  // to dump a waveform.
  void on_eval(std::function<void(uint64_t)> hook) { on_eval_ = std::move(hook); }

  // Asynchronous active-low reset (a falling edge, so the reset processes fire), then one
  // idle clock.
  void reset() {
    model_->valid_i = 0;
    async_reset(*model_);
    tick();
  }

  // One clock period: the rising edge samples the inputs; outputs are valid afterwards.
  void tick() {
    model_->clk_i = 1;
    model_->eval();
    if (on_eval_) on_eval_(rising_edge_ps(cycles_));
    model_->clk_i = 0;
    model_->eval();
    if (on_eval_) on_eval_(falling_edge_ps(cycles_));
    ++cycles_;
  }

  // Streams `count` items through the pipeline, one per cycle, in order.
  // drive(io, i) sets the operands of item i; sample(io, i) reads the result of item i.
  template <class Drive, class Sample>
  void stream(uint64_t count, Drive &&drive, Sample &&sample) {
    constexpr uint64_t kMaxLatency = 64;
    uint64_t issued = 0;
    uint64_t done = 0;
    uint64_t idle = 0;
    while (done < count) {
      if (issued < count) {
        drive(*model_, issued);
        model_->valid_i = 1;
        ++issued;
      } else {
        model_->valid_i = 0;
      }
      tick();
      if (model_->valid_o) {
        sample(static_cast<const Model &>(*model_), done);
        ++done;
        idle = 0;
      } else if (++idle > kMaxLatency) {
        throw std::runtime_error("unit produced no result for " + std::to_string(kMaxLatency) +
                                 " cycles after " + std::to_string(done) + " of " +
                                 std::to_string(count) + " results");
      }
    }
    model_->valid_i = 0;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
  uint64_t cycles_ = 0;
  std::function<void(uint64_t)> on_eval_;
};

// A combinational Verilated model: set inputs, eval, read outputs.
template <class Model>
class CombUnit {
 public:
  CombUnit()
      : ctx_(std::make_unique<VerilatedContext>()),
        model_(std::make_unique<Model>(ctx_.get(), "top")) {}
  CombUnit(const CombUnit &) = delete;
  CombUnit &operator=(const CombUnit &) = delete;
  ~CombUnit() { model_->final(); }

  Model &io() { return *model_; }
  void eval() { model_->eval(); }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
};

}  // namespace ganpu::rt
