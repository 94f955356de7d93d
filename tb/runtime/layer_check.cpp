#include "runtime/layer_check.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "model/layer_model.hpp"
#include "model/layer_reference.hpp"

namespace ganpu::rt {
namespace {

using model::LayerSpec;
using model::Phase;
using model::Tensor;

std::string hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%08x", v);
  return b;
}

// Element by element, in order; a difference in count is one mismatch per missing or extra
// element.
template <class T>
void compare(const std::vector<T> &got, const std::vector<T> &want, OutputCheck &c) {
  const size_t n = std::min(got.size(), want.size());
  c.elements = want.size();
  for (size_t i = 0; i < n; ++i) {
    if (got[i] == want[i]) continue;
    if (c.mismatches++ == 0) {
      c.first_mismatch = c.name + "[" + std::to_string(i) + "]: accelerator " +
                         hex(static_cast<uint32_t>(got[i])) + ", golden model " +
                         hex(static_cast<uint32_t>(want[i]));
    }
  }
  if (got.size() != want.size()) {
    if (c.mismatches == 0) {
      c.first_mismatch = c.name + ": accelerator has " + std::to_string(got.size()) +
                         " elements, golden model " + std::to_string(want.size());
    }
    c.mismatches += std::max(got.size(), want.size()) - n;
  }
}

OutputCheck tensor(const char *name, const Tensor &got, const Tensor &want,
                   const model::RefTensor &ref) {
  OutputCheck c;
  c.name = name;
  compare(got.data, want.data, c);
  const model::CheckResult r = model::check(ref, got);
  c.bound_checked = r.checked;
  c.out_of_bound = r.out_of_bound;
  c.max_error_ratio = r.max_ratio;
  if (r.out_of_bound) c.first_out_of_bound = c.name + ": " + r.first_failure;
  return c;
}

OutputCheck mask(const std::vector<uint8_t> &got, const std::vector<uint8_t> &want) {
  OutputCheck c;
  c.name = "mask";
  compare(got, want, c);
  return c;
}

}  // namespace

LayerOutputs golden_outputs(const LayerSpec &s, Phase phase, const LayerInputs &in,
                            const model::SumMode &m) {
  LayerOutputs o;
  if (phase == Phase::kForward) {
    auto f = model::forward(s, in.x, in.w, s.bias ? &in.b : nullptr, m);
    o.y = std::move(f.y);
    o.mask = std::move(f.mask);
  } else if (phase == Phase::kErrorProp) {
    o.dx = model::error_prop(s, in.dy, in.w, in.mask, m);
  } else {
    auto g = model::weight_grad(s, in.x, in.dy, in.mask, m);
    o.dw = std::move(g.dw);
    o.db = std::move(g.db);
  }
  return o;
}

PhaseCheck check_phase(const LayerSpec &s, Phase phase, const LayerInputs &in,
                       const LayerOutputs &got, bool skip_zeros) {
  const LayerOutputs want = golden_outputs(s, phase, in, model::SumMode{skip_zeros, nullptr});
  PhaseCheck p;
  if (phase == Phase::kForward) {
    p.outputs.push_back(tensor("y", got.y, want.y,
                               model::reference_forward(s, in.x, in.w, s.bias ? &in.b : nullptr)));
    if (s.activation != fp::Act::kNone) p.outputs.push_back(mask(got.mask, want.mask));
  } else if (phase == Phase::kErrorProp) {
    p.outputs.push_back(
        tensor("dx", got.dx, want.dx, model::reference_error_prop(s, in.dy, in.w, in.mask)));
  } else {
    const auto ref = model::reference_weight_grad(s, in.x, in.dy, in.mask);
    p.outputs.push_back(tensor("dw", got.dw, want.dw, ref.dw));
    p.outputs.push_back(tensor("db", got.db, want.db, ref.db));
  }
  for (const OutputCheck &c : p.outputs) {
    if (c.name != "mask") p.elements += c.elements;
    p.mismatches += c.mismatches;
    p.out_of_bound += c.out_of_bound;
    p.max_error_ratio = std::max(p.max_error_ratio, c.max_error_ratio);
    if (p.first_mismatch.empty()) p.first_mismatch = c.first_mismatch;
    if (p.first_out_of_bound.empty()) p.first_out_of_bound = c.first_out_of_bound;
  }
  return p;
}

}  // namespace ganpu::rt
