#include "runtime/layer_runner.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "runtime/layer_compiler.hpp"
#include "runtime/mask_layout.hpp"

namespace ganpu::rt {

namespace {

using model::LayerSpec;
using model::Phase;
using model::Tensor;

uint64_t count(const std::vector<int64_t> &shape) {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

// Bump allocation of 64-byte aligned regions.
struct Layout {
  LayerAddrs a;
  uint64_t end = 64;  // keep address 0 unused: a zero address is a bug, not a tensor
  uint32_t take(uint64_t bytes) {
    const uint64_t at = end;
    end = (end + bytes + 63) & ~uint64_t{63};
    if (end > 0xFFFFFFFFull) throw std::invalid_argument("layer: tensors exceed 4 GiB");
    return static_cast<uint32_t>(at);
  }
};

Layout layout(const LayerSpec &s, uint64_t base = 0) {
  Layout l;
  l.end = std::max<uint64_t>(l.end, (base + 63) & ~uint64_t{63});
  const uint64_t nx = count(s.x_shape()), nw = count(s.w_shape()), ny = count(s.y_shape());
  const uint64_t nb = static_cast<uint64_t>(s.out_channels);
  l.a.x = l.take(2 * nx);
  l.a.w = l.take(2 * nw);
  l.a.b = l.take(2 * nb);
  l.a.y = l.take(2 * ny);
  l.a.mask = l.take(mask_bytes(s));
  l.a.dy = l.take(2 * ny);
  l.a.dz = l.take(2 * ny);
  l.a.dx = l.take(2 * nx);
  l.a.dw = l.take(4 * nw);
  l.a.db = l.take(4 * nb);
  l.a.psum = l.take(4 * std::max(nx, ny));
  return l;
}

void put16(AxiMemModel &m, uint32_t addr, const Tensor &t) {
  std::vector<uint8_t> bytes(2 * t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    bytes[2 * i] = static_cast<uint8_t>(t.data[i]);
    bytes[2 * i + 1] = static_cast<uint8_t>(t.data[i] >> 8);
  }
  m.write(addr, bytes);
}

Tensor get(AxiMemModel &m, uint32_t addr, const std::vector<int64_t> &shape, int bytes_per) {
  Tensor t;
  t.shape = shape;
  t.data.resize(count(shape));
  const std::vector<uint8_t> raw = m.read(addr, t.data.size() * bytes_per);
  for (size_t i = 0; i < t.data.size(); ++i) {
    uint32_t v = 0;
    for (int b = 0; b < bytes_per; ++b)
      v |= static_cast<uint32_t>(raw[i * bytes_per + b]) << (8 * b);
    t.data[i] = v;
  }
  return t;
}

void require(const Tensor &t, const std::vector<int64_t> &shape, const char *name) {
  if (t.shape != shape || t.data.size() != count(shape)) {
    throw std::invalid_argument(std::string(name) + ": wrong shape for this layer");
  }
}

}  // namespace

uint64_t layer_memory_bytes(const LayerSpec &s, const HwConfig &) { return layout(s).end; }

StagedPhase stage_layer(Accelerator &acc, const LayerSpec &s, Phase phase, const LayerInputs &in,
                        uint64_t base, bool skip_zeros, int cores) {
  HwConfig hw = acc.config();
  hw.cores = cores;
  const Layout l = layout(s, base);
  if (l.end > acc.mem().bytes().size()) {
    throw std::invalid_argument("layer: needs " + std::to_string(l.end) +
                                " bytes of accelerator memory, the model has " +
                                std::to_string(acc.mem().bytes().size()));
  }
  AxiMemModel &m = acc.mem();
  if (phase == Phase::kForward) {
    require(in.x, s.x_shape(), "x");
    require(in.w, s.w_shape(), "w");
    put16(m, l.a.x, in.x);
    put16(m, l.a.w, in.w);
    if (s.bias) {
      require(in.b, s.b_shape(), "b");
      put16(m, l.a.b, in.b);
    }
  } else {
    require(in.dy, s.y_shape(), "dy");
    if (in.mask.size() != count(s.y_shape())) throw std::invalid_argument("mask: wrong size");
    put16(m, l.a.dy, in.dy);
    const std::vector<uint8_t> packed = pack_mask(s, in.mask);
    m.write(l.a.mask, packed);
    if (phase == Phase::kErrorProp) {
      require(in.w, s.w_shape(), "w");
      put16(m, l.a.w, in.w);
    } else {
      require(in.x, s.x_shape(), "x");
      put16(m, l.a.x, in.x);
    }
    // No activation: the gradient passes unmasked. After one, the jobs gate dy themselves.
    if (s.activation == fp::Act::kNone) put16(m, l.a.dz, in.dy);
  }
  StagedPhase p;
  p.spec = s;
  p.phase = phase;
  p.addrs = l.a;
  p.jobs = compile_layer(s, phase, hw, l.a, skip_zeros);
  p.end = l.end;
  return p;
}

LayerOutputs collect_layer(Accelerator &acc, const StagedPhase &p) {
  AxiMemModel &m = acc.mem();
  const LayerSpec &s = p.spec;
  LayerOutputs out;
  if (p.phase == Phase::kForward) {
    out.y = get(m, p.addrs.y, s.y_shape(), 2);
    if (s.activation != fp::Act::kNone) {
      out.mask = unpack_mask(s, m.read(p.addrs.mask, mask_bytes(s)));
    }
  } else if (p.phase == Phase::kErrorProp) {
    out.dx = get(m, p.addrs.dx, s.x_shape(), 2);
  } else {
    out.dw = get(m, p.addrs.dw, s.w_shape(), 4);
    out.db = get(m, p.addrs.db, s.b_shape(), 4);
  }
  return out;
}

LayerOutputs run_layer(Accelerator &acc, const LayerSpec &s, Phase phase, const LayerInputs &in,
                       LayerRunStats *stats, const JobProgress &progress,
                       uint64_t max_cycles_per_job, bool skip_zeros) {
  const StagedPhase p = stage_layer(acc, s, phase, in, 0, skip_zeros);
  LayerRunStats st;
  for (const Job &j : p.jobs) {
    try {
      st.total += acc.run(j.desc, max_cycles_per_job);
    } catch (const JobError &e) {
      throw JobError(std::string(model::to_string(s.type)) + " " + model::to_string(phase) +
                     " job '" + j.label + "': " + e.what());
    }
    ++st.jobs;
    if (progress) progress(st.jobs, p.jobs.size());
  }
  if (stats) *stats = st;
  return collect_layer(acc, p);
}

}  // namespace ganpu::rt
