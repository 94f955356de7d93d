// The clock the Verilated models are simulated at, and the simulation time of its edges. The
// one place the clock period is defined: waveforms (fst_trace.hpp) show time at this clock.
#pragma once

#include <cstdint>

namespace ganpu::rt {

// 100 MHz.
inline constexpr uint64_t kClockPeriodPs = 10'000;

// Cycle `cycle` (counted from 0) starts with its rising edge half a period in, and ends with
// its falling edge at the end of the period; times in picoseconds.
constexpr uint64_t rising_edge_ps(uint64_t cycle) {
  return cycle * kClockPeriodPs + kClockPeriodPs / 2;
}
constexpr uint64_t falling_edge_ps(uint64_t cycle) { return (cycle + 1) * kClockPeriodPs; }

}  // namespace ganpu::rt
