// Seeded layer data with controlled input and output sparsity, for the sparse benchmarks.
//
// Sparsity is meant as in ../shared/brief/measuring.md ("Sparsity"): s_in is the fraction of
// zeros in the FP activation x, s_out the fraction of the layer's outputs that are zero after
// ReLU when computed exactly, here: whose FP32 sum z (model::forward's mask) is <= 0.
//
// What make_sparse_layer() builds, from one seed (std::mt19937_64; each tensor has its own
// stream, derived from the seed and the tensor's name, so w and dy do not change with the
// requested sparsities, nor x's non-zero values with the zero positions):
//   x   x_shape(): |N(0, 1)| rounded to spec.format, redrawn where that rounds to +0 (subnormals
//       are kept: they are non-zero operands), then exactly round(in_sparsity * numel)
//       elements set to +0, placed as `spread` says.
//   w   w_shape(): N(0, 1/sqrt(fan_in)) rounded to spec.format, fan_in = the most terms any FP
//       output sums (model::term_counts: in_channels * kernel_h * kernel_w for an interior
//       conv2d output), so that z has a spread of order 1.
//   b   b_shape() (empty iff !spec.bias), spec.format: chosen per output channel so that the
//       fraction of that channel's outputs with z <= 0 is out_sparsity (see below).
//   dy  y_shape(): N(0, 1) rounded to spec.format, no zeros forced.
//
// The bias search. Channel o has M = batch * out_h * out_w outputs; its target is k_o zeros,
// k_o = round(s_out * M * (o + 1)) - round(s_out * M * o), within one element of s_out * M and
// summing to round(s_out * numel(y)) over the channels (so that tiny channels, e.g. of a linear
// layer with a small batch, still give the right total). The sums with bias +0 are taken in
// double (model::reference_forward), the first guess of b_o is minus the midpoint between the
// k_o-th and (k_o+1)-th smallest of them, rounded to the format. model::forward then gives the
// true mask (the bias is the initial value of the serial FP32 sum, so z(b) is not exactly
// z(0) + b). A channel's count is accepted if it is k_o or, for 0 < s_out < 1, within half a
// percentage point of s_out * M; any other channel is searched over the representable values
// of the format. Its count of zeros is monotone in b_o (every FP32 rounding step is), so a
// galloping search from the guess (1, 2, 4, ... values away) brackets the target and bisection
// narrows the bracket, up to the first accepted value or, if there is none, to two adjacent
// values between which the count jumps over k_o, of which the closer is taken. Each round is
// one model::forward call on a layer made of the channels still searching (their slices of w);
// galloping and bisection take at most ~16 rounds each, but the guess is right for nearly
// every channel (the benchmark conv2d of the tests needs one or two rounds; its generation
// takes 0.4-1.1 s, nearly all in the one forward pass over the whole layer). s_out = 0 gives no
// zero at all, s_out = 1 all zeros.
//
// Limits: what is reachable depends on the data. Outputs whose terms are all zero (x = 0 over
// the whole receptive field, e.g. in_sparsity = 1, or zero planes covering a whole sample with
// kChannels) all have z = b_o exactly and switch together, and with BF16's 8-bit significand
// several sums can lie between two adjacent biases; a channel's count then jumps and the
// generator takes the closest count it can reach. The achieved values are returned; benchmarks
// must check them against the request (measuring.md asks for 1 percentage point).
#pragma once

#include <cstdint>
#include <vector>

#include "spec/layer_spec.hpp"

namespace ganpu::rt {

// Where x's zeros go. In each case a random order of "groups" (seeded) is filled with zeros
// group after group; the last group is filled partially, at random positions within it.
//   kUniform:  groups are single elements: a uniformly random set of positions.
//   kChannels: groups are the (n, c) planes of the map (H * W elements), so the zeros sit in few
//              channels of each sample; for linear, the feature columns x[:, c] (batch elements:
//              feature c is zero for the whole batch).
//   kRows:     groups are the rows (n, c, y) of the map (W elements); for linear the same as
//              kChannels (there are no rows).
enum class ZeroSpread { kUniform, kChannels, kRows };

struct SparsityRequest {
  double in_sparsity = 0.0;  // fraction of x's elements that are +0 (x is ReLU-like: >= 0)
  // Fraction of FP outputs whose exact FP32 sum z is <= 0 (mask 0), reached through the bias:
  // needs spec.bias unless 0. Without a bias, 0 means "not controlled": the mask is what the
  // data gives, and SparseLayerData::out_sparsity reports it.
  double out_sparsity = 0.0;
  ZeroSpread spread = ZeroSpread::kUniform;  // where x's zeros go
  uint64_t seed = 1;
};

struct SparseLayerData {
  model::Tensor x, w, b, dy;  // b is empty iff !spec.bias
  std::vector<uint8_t> mask;  // model::forward(spec, x, w, b).mask, one per y element
  double in_sparsity = 0.0;   // achieved: fraction of x's elements that are +0
  double out_sparsity = 0.0;  // achieved: fraction of mask elements that are 0
};

// Layer data for spec hitting the request as described above. Throws std::invalid_argument
// naming the field for an invalid spec, a sparsity outside [0, 1] (or NaN), an unknown spread,
// or out_sparsity > 0 on a layer without bias.
SparseLayerData make_sparse_layer(const model::LayerSpec &s, const SparsityRequest &r);

const char *to_string(ZeroSpread spread);  // "uniform", "channels", "rows"

// 1 / (d_in * d_out) for sparsities in percent (d = 1 - pct / 100): the ideal speedup of
// skipping zero inputs and zero outputs (measuring.md); 0 if nothing is left to compute.
double ideal_sparse_speedup(double in_pct, double out_pct);

namespace detail {
// For tests of the search: kZero starts every channel at b = +0 instead of the quantile guess,
// so that the galloping search and the bisection alone must find the bias.
enum class BiasStart { kQuantile, kZero };
SparseLayerData make_sparse_layer(const model::LayerSpec &s, const SparsityRequest &r,
                                  BiasStart start);
}  // namespace detail

}  // namespace ganpu::rt
