// The decoupled core under memories that change which unit waits for which: no latency, long
// latency, random backpressure on every channel, and a store side slower than compute (writes
// drain slowly, so tiles pile up behind the store unit and the load unit runs ahead). Every
// result must stay bit-exact: overlap may change when things happen, never what is computed.
#include <catch2/catch.hpp>

#include "layer_test_support.hpp"

namespace {

using ganpu::fp::Act;
using ganpu::model::LayerSpec;
using ganpu::model::LayerType;
using ganpu::test::conv;

// Layers that use every unit: gated EP/WG operands (direct and transposed mask layouts),
// several channel blocks (B prefetch), several tiles per block (accumulator banks), bias, a
// reduction split across jobs (PSUM_IN), and a linear layer.
std::vector<LayerSpec> layers() {
  std::vector<LayerSpec> l;
  l.push_back(conv(LayerType::kConv2d, 5, 9, 8, 8, 4, 2, 1, 2, Act::kLeakyRelu, true));
  l.back().negative_slope = 0x3266;
  l.push_back(conv(LayerType::kConvTranspose2d, 6, 5, 4, 4, 4, 2, 1, 2, Act::kRelu, true));
  l.push_back(conv(LayerType::kLinear, 40, 21, 1, 1, 1, 1, 0, 3, Act::kRelu, true));
  l.push_back(conv(LayerType::kConv2d, 232, 6, 4, 4, 3, 1, 1, 1, Act::kRelu, true));
  return l;
}

void run_all(const ganpu::rt::AxiMemConfig &mem) {
  uint64_t seed = 100;
  for (const auto &l : layers()) ganpu::test::on_all(l, seed++, mem);
}

}  // namespace

TEST_CASE("memory latency 1", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.latency_cycles = 1;
  run_all(mem);
}

TEST_CASE("memory latency 200", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.latency_cycles = 200;
  run_all(mem);
}

TEST_CASE("random backpressure on every AXI channel", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.stall_prob = 0.3;
  mem.seed = 7;
  run_all(mem);
}

TEST_CASE("a store side slower than compute", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.write_stall_prob = 0.8;
  mem.seed = 11;
  run_all(mem);
}

TEST_CASE("a narrow memory: 2 bytes per cycle", "[streaming]") {
  auto mem = ganpu::test::default_memory();
  mem.bytes_per_cycle = 2.0;
  run_all(mem);
}
