#include "runtime/layer_compiler.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <stdexcept>

#include "runtime/mask_layout.hpp"

namespace ganpu::rt {

namespace {

using model::LayerSpec;
using model::LayerType;
using model::Phase;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Affine map of the hardware: off + sum p_k * p-loop k + sum r_k * r-loop k.
struct Affine {
  int64_t off = 0;
  int64_t p[3] = {0, 0, 0};
  int64_t r[3] = {0, 0, 0};
};

// One generalized convolution job, in plain integers; to_desc() checks the ranges.
struct Plan {
  int64_t q = 1;
  int64_t pn[3] = {1, 1, 1};
  int64_t rn[3] = {1, 1, 1};
  bool a_one = false;
  uint64_t a_src = 0;
  int64_t a_d[4] = {1, 1, 1, 1};
  int64_t a_s[3] = {0, 0, 0};
  Affine a, y, x;
  int64_t y_lim = 1, x_lim = 1;
  uint64_t b_src = 0;
  int64_t b_qs = 0, b_rs[3] = {0, 0, 0};
  bool bias = false;
  uint64_t bias_src = 0;
  uint64_t o_dst = 0;
  int64_t o_qs = 0, o_p[3] = {0, 0, 0};
  bool out_fp32 = false;
  bool activate = false;  // apply the layer's activation (forward pass only)
  bool psum_in = false;   // start from the partial sums at ps_src
  uint64_t ps_src = 0;
  bool partial = false;  // a piece of a split reduction that is not the last
  bool mask = false;
  uint64_t m_dst = 0;
  int64_t m_qs = 0, m_p0s = 0;
  // OP.GATE: the A box (or, with gate_b, the B rows) is dy, gated by the forward mask as it
  // is staged; the gm_* fields place each element's mask bit (mask_layout.hpp, MaskPlanes).
  bool gate = false, gate_b = false;
  bool a_keep = false;  // the A box is the previous job's: the core keeps it (OP.A_KEEP)
  // OP.B_MAP: B rows staged with the loops b_l (strides b_rs) and read at b_off + b_a . r;
  // OP.B_KEEP: the rows are the previous job's (the core keeps them).
  bool b_map = false, b_keep = false;
  int64_t b_l[3] = {1, 1, 1};
  int64_t b_off = 0, b_a[3] = {0, 0, 0};
  uint64_t gm_src = 0;
  int64_t gm_s0 = 0, gm_s1 = 0, gm_pb = 0, gm_off = 0;
  int64_t gm_q2 = 0, gm_r2 = 0, gm_p2 = 1, gm_q3 = 0, gm_r3 = 0, gm_p3 = 1;
  // An A box too large for the A buffer: r loop `a_loop` walks one of its dimensions (channels,
  // samples or features), and split_reduction cuts that loop into pieces of at most `a_max`
  // values, each staging only its part of the box (`narrow_a`). a_max 0: the box fits whole.
  int a_loop = -1;
  int64_t a_max = 0;
  void (*narrow_a)(Plan &p, int64_t start, int64_t size) = nullptr;
  std::string label;
};

// A phase whose dz operand cannot be gated while staged: it runs MASK_GRAD jobs first.
struct NotGateable {};

// 16-bit elements a 64-bit bus beat stages per cycle (ganpu_core_pkg::StageLanes): the cost
// estimates' staging rate.
constexpr int64_t kStageLanes = 4;

uint32_t u32(int64_t v, const char *what) {
  if (v < 0 || v > 0xFFFFFFFFll) throw std::invalid_argument(std::string(what) + " out of range");
  return static_cast<uint32_t>(v);
}
int32_t s32(int64_t v, const char *what) {
  if (v < INT32_MIN || v > INT32_MAX)
    throw std::invalid_argument(std::string(what) + " out of range");
  return static_cast<int32_t>(v);
}

// OP.SPAN: a tile takes positions of the next plane (p loop 0) instead of closing at the end
// of one, which fills the array where planes are smaller than a tile (WG's kernel planes, 4x4
// maps on 16x16). A tile writes its mask per plane, in whole bytes: with a mask every plane
// must be whole bytes.
bool spans_planes(const Plan &p) { return !p.mask || (p.pn[1] * p.pn[2]) % 8 == 0; }

// Tiles of one channel block.
int64_t plan_tiles(const Plan &p, const HwConfig &hw) {
  return spans_planes(p) ? ceil_div(p.pn[0] * p.pn[1] * p.pn[2], hw.tile())
                         : p.pn[0] * ceil_div(p.pn[1] * p.pn[2], hw.tile());
}

// OP.B_STREAM: log2 of the terms per row of a staging chunk with which a block's first tile
// can issue while its B rows arrive, or -1 where it cannot (ganpu_core_pkg::b_stream_ok).
// Rows that are runs stream in chunks of up to 64 terms (a row's chunk is one read of up to
// 16 beats; at least 16 terms, so the reads stay bursts, and at least two chunks); rows read
// across their channels term by term (a beat at least per chunk); other rows whose innermost
// staging loop is contiguous and at least 16 terms (B_MAP's kernels) one pass of that loop at
// a time (0). With B_MAP the staging loops are B_L*, which the walk reads out of order: the
// engine holds any B address not yet staged.
int b_chunk_log2(const Plan &p, const HwConfig &hw) {
  if (p.gate && p.gate_b) return -1;
  const int64_t *n = p.b_map ? p.b_l : p.rn;
  const int64_t terms = n[0] * n[1] * n[2];
  if (p.b_qs == 1 && p.b_rs[2] != 1) {
    int k = 0;
    while ((static_cast<int64_t>(hw.pe_rows) << k) < 4) ++k;
    return terms % (int64_t{1} << k) == 0 ? k : -1;
  }
  if (p.b_rs[2] == 1 && p.b_rs[1] == n[2] && p.b_rs[0] == n[1] * n[2]) {
    int k = 0;
    while ((int64_t{2} << k) <= 64 && terms % (int64_t{2} << k) == 0) ++k;
    return ((int64_t{1} << k) >= 16 && terms >= (int64_t{2} << k)) ? k : -1;
  }
  return (p.b_rs[2] == 1 && n[2] >= 16 && n[0] * n[1] >= 2) ? 0 : -1;
}

Job to_job(const Plan &p, const LayerSpec &s, const HwConfig &hw) {
  regs::Descriptor d;
  d.op.opcode = regs::Opcode::kGconv;
  // Only the forward pass applies the activation; EP and WG outputs are plain sums.
  d.op.act = p.activate ? static_cast<regs::Act>(s.activation) : regs::Act::kNone;
  d.op.out_fp32 = p.out_fp32;
  d.op.bias_en = p.bias;
  d.op.a_one = p.a_one;
  d.op.mask_en = p.mask;
  d.op.format =
      (hw.format.exp_w == fp::kBf16.exp_w) ? regs::NumFormat::kBf16 : regs::NumFormat::kFp16;
  d.slope = static_cast<uint16_t>(s.negative_slope);
  d.q_count = u32(p.q, "q_count");
  d.p_n = u32(p.pn[0], "p_n");
  d.p_h = u32(p.pn[1], "p_h");
  d.p_w = u32(p.pn[2], "p_w");
  d.r_0 = u32(p.rn[0], "r_0");
  d.r_1 = u32(p.rn[1], "r_1");
  d.r_2 = u32(p.rn[2], "r_2");
  d.a_src = u32(static_cast<int64_t>(p.a_src), "a_src");
  d.a_d0 = u32(p.a_d[0], "a_d0");
  d.a_d1 = u32(p.a_d[1], "a_d1");
  d.a_d2 = u32(p.a_d[2], "a_d2");
  d.a_d3 = u32(p.a_d[3], "a_d3");
  d.a_s0 = u32(p.a_s[0], "a_s0");
  d.a_s1 = u32(p.a_s[1], "a_s1");
  d.a_s2 = u32(p.a_s[2], "a_s2");
  d.a_off = s32(p.a.off, "a_off");
  d.a_p0 = s32(p.a.p[0], "a_p0");
  d.a_p1 = s32(p.a.p[1], "a_p1");
  d.a_p2 = s32(p.a.p[2], "a_p2");
  d.a_r0 = s32(p.a.r[0], "a_r0");
  d.a_r1 = s32(p.a.r[1], "a_r1");
  d.a_r2 = s32(p.a.r[2], "a_r2");
  d.y_off = s32(p.y.off, "y_off");
  d.y_p0 = s32(p.y.p[0], "y_p0");
  d.y_p1 = s32(p.y.p[1], "y_p1");
  d.y_p2 = s32(p.y.p[2], "y_p2");
  d.y_r0 = s32(p.y.r[0], "y_r0");
  d.y_r1 = s32(p.y.r[1], "y_r1");
  d.y_r2 = s32(p.y.r[2], "y_r2");
  d.y_lim = u32(p.y_lim, "y_lim");
  d.x_off = s32(p.x.off, "x_off");
  d.x_p0 = s32(p.x.p[0], "x_p0");
  d.x_p1 = s32(p.x.p[1], "x_p1");
  d.x_p2 = s32(p.x.p[2], "x_p2");
  d.x_r0 = s32(p.x.r[0], "x_r0");
  d.x_r1 = s32(p.x.r[1], "x_r1");
  d.x_r2 = s32(p.x.r[2], "x_r2");
  d.x_lim = u32(p.x_lim, "x_lim");
  d.b_src = u32(static_cast<int64_t>(p.b_src), "b_src");
  d.b_qs = s32(p.b_qs, "b_qs");
  d.b_r0s = s32(p.b_rs[0], "b_r0s");
  d.b_r1s = s32(p.b_rs[1], "b_r1s");
  d.b_r2s = s32(p.b_rs[2], "b_r2s");
  d.bias_src = u32(static_cast<int64_t>(p.bias_src), "bias_src");
  d.o_dst = u32(static_cast<int64_t>(p.o_dst), "o_dst");
  d.o_qs = s32(p.o_qs, "o_qs");
  d.o_p0s = s32(p.o_p[0], "o_p0s");
  d.o_p1s = s32(p.o_p[1], "o_p1s");
  d.o_p2s = s32(p.o_p[2], "o_p2s");
  d.m_dst = u32(static_cast<int64_t>(p.m_dst), "m_dst");
  d.m_qs = u32(p.m_qs, "m_qs");
  d.m_p0s = u32(p.m_p0s, "m_p0s");
  d.op.psum_in = p.psum_in;
  d.ps_src = u32(static_cast<int64_t>(p.ps_src), "ps_src");
  d.op.gate = p.gate ? static_cast<regs::Act>(s.activation) : regs::Act::kNone;
  d.op.gate_b = p.gate_b;
  d.op.a_keep = p.a_keep;
  d.op.b_map = p.b_map;
  d.op.b_keep = p.b_keep;
  d.op.span = spans_planes(p);
  if (const int k = b_chunk_log2(p, hw); k >= 0) {
    d.op.b_stream = true;
    d.op.b_chunk_log2 = static_cast<uint32_t>(k);
  }
  if (p.b_map) {
    d.b_l0 = u32(p.b_l[0], "b_l0");
    d.b_l1 = u32(p.b_l[1], "b_l1");
    d.b_l2 = u32(p.b_l[2], "b_l2");
    d.b_off = s32(p.b_off, "b_off");
    d.b_a0 = s32(p.b_a[0], "b_a0");
    d.b_a1 = s32(p.b_a[1], "b_a1");
    d.b_a2 = s32(p.b_a[2], "b_a2");
  }
  d.gm_src = u32(static_cast<int64_t>(p.gm_src), "gm_src");
  d.gm_s0 = u32(p.gm_s0, "gm_s0");
  d.gm_s1 = u32(p.gm_s1, "gm_s1");
  d.gm_pb = u32(p.gm_pb, "gm_pb");
  d.gm_off = u32(p.gm_off, "gm_off");
  d.gm_q2 = u32(p.gm_q2, "gm_q2");
  d.gm_r2 = u32(p.gm_r2, "gm_r2");
  d.gm_p2 = u32(p.gm_p2, "gm_p2");
  d.gm_q3 = u32(p.gm_q3, "gm_q3");
  d.gm_r3 = u32(p.gm_r3, "gm_r3");
  d.gm_p3 = u32(p.gm_p3, "gm_p3");
  Job j;
  j.desc = d;
  j.label = p.label;
  j.partial = p.partial;
  return j;
}

// Splits a job whose reduction is longer than the B buffer, or whose A box does not fit the A
// buffer (Plan::a_max), into pieces over consecutive ranges of the r loops, in their order, so
// every sum still adds its terms serially: piece k > 0 starts from the FP32 partial sums piece
// k - 1 wrote (PSUM_IN). Pieces before the last write raw FP32 sums: to `scratch` (same element
// indices as the output, 4 bytes each) when the final output is 16-bit, else in place.
// `out_base` is the final output's base address.
void split_reduction(const Plan &whole, const HwConfig &hw, uint64_t out_base, uint64_t scratch,
                     std::vector<Plan> &out) {
  const int64_t cap = hw.b_depth;
  const int64_t *n = whole.rn;
  int64_t lim[3] = {n[0], n[1], n[2]};  // values of each r loop one piece may hold
  const bool narrow = whole.narrow_a && whole.a_max > 0 && whole.a_max < n[whole.a_loop];
  if (narrow) lim[whole.a_loop] = whole.a_max;
  if (n[0] * n[1] * n[2] <= cap && !narrow) {
    out.push_back(whole);
    return;
  }
  // The outermost loop k whose inner loops fit whole (in the B buffer, and not limited by the
  // A box) is split in ranges; the loops outside it step one value at a time.
  int k = 0;
  auto inner = [&](int kk) {
    int64_t v = 1;
    for (int j = kk + 1; j < 3; ++j) v *= n[j];
    return v;
  };
  auto inner_whole = [&](int kk) {
    for (int j = kk + 1; j < 3; ++j)
      if (lim[j] != n[j]) return false;
    return true;
  };
  while (k < 2 && !(inner(k) <= cap && inner_whole(k))) ++k;
  int64_t step[3];
  for (int j = 0; j < 3; ++j) step[j] = j < k ? 1 : j > k ? n[j] : std::min(cap / inner(k), lim[k]);
  struct Range {
    int64_t start[3], size[3];
  };
  std::vector<Range> pieces;
  for (int64_t a = 0; a < n[0]; a += step[0])
    for (int64_t b = 0; b < n[1]; b += step[1])
      for (int64_t e = 0; e < n[2]; e += step[2])
        pieces.push_back({{a, b, e},
                          {std::min(step[0], n[0] - a), std::min(step[1], n[1] - b),
                           std::min(step[2], n[2] - e)}});
  const bool fp32_out = whole.out_fp32;
  const uint64_t elem = (whole.o_dst - out_base) / (fp32_out ? 4 : 2);
  const uint64_t scratch_dst = fp32_out ? whole.o_dst : scratch + 4 * elem;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const Range &r = pieces[i];
    Plan p = whole;
    for (int j = 0; j < 3; ++j) {
      p.rn[j] = r.size[j];
      // A narrowed box starts at the piece's first value of its loop: no offset into it.
      if (!(narrow && j == whole.a_loop)) p.a.off += r.start[j] * whole.a.r[j];
      p.y.off += r.start[j] * whole.y.r[j];
      p.x.off += r.start[j] * whole.x.r[j];
    }
    if (narrow) whole.narrow_a(p, r.start[whole.a_loop], r.size[whole.a_loop]);
    p.b_src += 2 * static_cast<uint64_t>(r.start[0] * whole.b_rs[0] + r.start[1] * whole.b_rs[1] +
                                         r.start[2] * whole.b_rs[2]);
    if (whole.gate && whole.gate_b) {
      // The gated B rows start later in the r loops: only whole planes (r_0 steps) shift.
      if (r.start[1] != 0 || r.start[2] != 0) throw NotGateable{};
      p.gm_src += static_cast<uint64_t>(r.start[0] * whole.gm_s1);
    }
    p.bias = whole.bias && i == 0;
    p.psum_in = i > 0;
    p.ps_src = scratch_dst;
    if (i + 1 < pieces.size()) {
      p.partial = true;
      p.out_fp32 = true;
      p.activate = false;
      p.mask = false;
      p.o_dst = scratch_dst;
    }
    p.label = whole.label + " (reduction piece " + std::to_string(i + 1) + " of " +
              std::to_string(pieces.size()) + ")";
    out.push_back(p);
  }
}

// Cuts a job's output channels into up to `parts` jobs of whole PE_ROWS blocks (one job if it
// has a single block). Each part reads its own B rows (and bias, and gated B mask) and writes
// its own outputs and mask; the A box is the same, so consecutive parts keep it (A_KEEP).
std::vector<Plan> split_channels(const Plan &whole, int64_t parts, const HwConfig &hw) {
  const int64_t blocks = ceil_div(whole.q, hw.pe_rows);
  parts = std::min(parts, blocks);
  if (parts <= 1) return {whole};
  std::vector<Plan> out;
  const int64_t per = ceil_div(blocks, parts) * hw.pe_rows;
  for (int64_t q0 = 0; q0 < whole.q; q0 += per) {
    Plan p = whole;
    p.q = std::min(per, whole.q - q0);
    const uint64_t q = static_cast<uint64_t>(q0);
    p.b_src += 2 * q * static_cast<uint64_t>(whole.b_qs);
    if (whole.bias) p.bias_src += 2 * q;
    p.o_dst += (whole.out_fp32 ? 4 : 2) * q * static_cast<uint64_t>(whole.o_qs);
    if (whole.mask) p.m_dst += q * static_cast<uint64_t>(whole.m_qs);
    if (whole.gate && whole.gate_b) p.gm_src += q * static_cast<uint64_t>(whole.gm_s0);
    p.label = whole.label + " channels " + std::to_string(q0) + "-" + std::to_string(q0 + p.q - 1);
    out.push_back(p);
  }
  return out;
}

// The narrow_a of the plans (see Plan::a_loop): each restricts the A box to `size` values of
// one dimension from `start`, and moves a gated box's mask planes with it (gate_plan).
// Conv FP/EP: the channels of [samples][channels][rows][width]; the sample stride shrinks.
void narrow_channels(Plan &p, int64_t start, int64_t size) {
  p.a_src += 2 * static_cast<uint64_t>(start * p.a_s[1]);
  p.a_d[1] = size;
  p.a.p[0] = size * p.a_d[2] * p.a_d[3];
  if (p.gate && !p.gate_b) p.gm_src += static_cast<uint64_t>(start * p.gm_s1);
}
// Conv WG: the samples of [samples][channels][rows][width] (the outermost dimension).
void narrow_samples(Plan &p, int64_t start, int64_t size) {
  p.a_src += 2 * static_cast<uint64_t>(start * p.a_s[0]);
  p.a_d[0] = size;
  if (p.gate && !p.gate_b) p.gm_src += static_cast<uint64_t>(start * p.gm_s0);
}
// Linear FP/EP: the features of [samples][features]; the sample stride shrinks. A gated box's
// first element moves `start` mask rows on (the whole mask is its one plane, gate_plan).
void narrow_features(Plan &p, int64_t start, int64_t size) {
  if (p.gate && !p.gate_b) p.gm_off += start * p.gm_q3;
  p.a_src += 2 * static_cast<uint64_t>(start);
  p.a_d[3] = size;
  p.a.p[2] = size;
}

// Linear EP with the features on the positions: the rows (output features o) of the box
// [O][f] of W.
void narrow_weight_rows(Plan &p, int64_t start, int64_t size) {
  p.a_src += 2 * static_cast<uint64_t>(start * p.a_s[2]);
  p.a_d[2] = size;
}

// Largest chunk of `total` rows (a multiple of `align` unless it is the whole) whose box fits
// `capacity`; 0 if none does.
int64_t largest_chunk(int64_t total, int64_t align, const std::function<int64_t(int64_t)> &box,
                      int64_t capacity) {
  for (int64_t m = total; m >= 1; --m) {
    if (m != total && m % align != 0) continue;
    if (box(m) <= capacity) return m;
  }
  return 0;
}

std::invalid_argument too_big(const char *what, int64_t elements, int64_t capacity) {
  return std::invalid_argument(std::string(what) + ": even the smallest piece of the input (" +
                               std::to_string(elements) + " elements) does not fit the A buffer (" +
                               std::to_string(capacity) + " elements)");
}

// Largest chunk of `total` rows (a multiple of `align` unless it is the whole) whose box fits.
int64_t pick_chunk(int64_t total, int64_t align, const std::function<int64_t(int64_t)> &box,
                   int64_t capacity, const char *what) {
  const int64_t m = largest_chunk(total, align, box, capacity);
  if (m == 0) throw too_big(what, box(std::min(total, align)), capacity);
  return m;
}

// The A input of one sample of a job, cut into bands of output rows: `units` channels (or
// features) of rows(y0, m) x width elements for the output rows y0 .. y0 + m - 1.
struct AInput {
  int64_t units = 1, width = 1, out_rows = 1, align = 1;
  std::function<int64_t(int64_t, int64_t)> rows;
  int64_t b_bytes = 0;     // the weights, staged again for every band
  int64_t psum_bytes = 0;  // FP32 partial sums written and read back per extra channel group
};

// Channels per A box: those of the balanced channel groups (split_reduction's pieces over the
// reduction's channel loop) with the least memory traffic, over bands that fit the A buffer.
// More groups mean fewer, taller bands: each extra band stages all weights and its halo rows
// again, each extra group writes and reads back the partial sums. Usually all channels in one
// group, unless the input of even the smallest band does not fit or the weights are large.
int64_t channels_per_box(const AInput &in, int64_t capacity) {
  int64_t best = 0, best_cost = 0, prev = 0;
  int64_t failed = 0;  // elements of the smallest band that did not fit, at the last g tried
  for (int64_t groups = 1; groups <= in.units; ++groups) {
    const int64_t g = ceil_div(in.units, groups);
    if (g == prev) continue;
    prev = g;
    int64_t bands = 0, rows = 0, y0 = 0;
    while (y0 < in.out_rows) {
      const int64_t m = largest_chunk(
          in.out_rows - y0, in.align, [&](int64_t mm) { return g * in.rows(y0, mm) * in.width; },
          capacity);
      if (m == 0) {
        failed = g * in.rows(y0, std::min(in.out_rows - y0, in.align)) * in.width;
        break;
      }
      ++bands;
      rows += in.rows(y0, m);
      y0 += m;
    }
    if (y0 < in.out_rows) continue;  // some band does not fit with g channels
    const int64_t cost = (ceil_div(in.units, g) - 1) * in.psum_bytes + bands * in.b_bytes +
                         2 * rows * in.units * in.width;
    if (best == 0 || cost < best_cost) best = g, best_cost = cost;
    if (bands == 1) break;  // more groups would only add partial sums
  }
  if (best == 0) throw too_big("layer", failed, capacity);
  return best;
}

// Rows of output chunks of a job that writes the mask keep it byte-aligned: chunk * width % 8
// == 0 (the output path writes whole mask bytes). Jobs without a mask need no alignment.
int64_t mask_align(int64_t width) {
  for (int64_t a = 1; a <= 8; ++a)
    if ((a * width) % 8 == 0) return a;
  return 8;
}

// The spatial geometry of a direct or transposed map along one axis.
struct Axis {
  int64_t k, s, p;
};

// Operands of a convolution-like job: A tensor [N][Rch][Ha][Wa], B strides for (q, r0) with
// the kernel innermost ([.][.][ky][kx]), output [N][Q][OH][OW] of 16-bit values.
struct ConvOperands {
  int64_t n, rch, ha, wa, q, oh, ow;
  Axis ay, ax;
  uint64_t a_base, b_base, out_base, bias_base, mask_base;
  int64_t b_qs, b_r0s;
  bool bias, mask;
  const LayerSpec *spec;  // the layer, for its mask layout (mask_layout.hpp)
};

// The fields a direct and a transposed job share: channel block, the A box (samples n.. of
// the batch, rows iy0.. of the input, all channels), B's channel strides, bias, the output's
// channel and sample strides, the mask's plane layout; `group`: channels per A box.
Plan conv_plan(const ConvOperands &c, int64_t samples, int64_t n, int64_t iy0, int64_t rows,
               int64_t plane_bytes, int64_t group) {
  Plan p;
  if (group < c.rch) {  // channel groups: split_reduction stages `group` channels at a time
    p.a_loop = 0;
    p.a_max = group;
    p.narrow_a = narrow_channels;
  }
  p.q = c.q;
  p.pn[0] = samples;
  p.rn[0] = c.rch;
  p.a_src = c.a_base + 2 * static_cast<uint64_t>(n * c.rch * c.ha * c.wa + iy0 * c.wa);
  p.a_d[0] = p.pn[0];
  p.a_d[1] = c.rch;
  p.a_d[2] = rows;
  p.a_d[3] = c.wa;
  p.a_s[0] = c.rch * c.ha * c.wa;
  p.a_s[1] = c.ha * c.wa;
  p.a_s[2] = c.wa;
  p.a.p[0] = c.rch * rows * c.wa;
  p.a.r[0] = rows * c.wa;
  p.y_lim = c.ha;
  p.x_lim = c.wa;
  p.b_src = c.b_base;
  p.b_qs = c.b_qs;
  p.b_rs[0] = c.b_r0s;
  p.bias = c.bias;
  p.bias_src = c.bias_base;
  p.o_qs = c.oh * c.ow;
  p.o_p[0] = c.q * c.oh * c.ow;
  p.mask = c.mask;
  p.m_qs = plane_bytes;
  p.m_p0s = c.q * plane_bytes;
  return p;
}

// Whole samples (all channels and rows of the A tensor) one job can stage: 0 if not even one.
// For several cores, at most a core's share of the batch, so that each core gets a job.
int64_t samples_per_job(const ConvOperands &c, const HwConfig &hw) {
  const int64_t per_sample = c.rch * c.ha * c.wa;
  if (per_sample > hw.a_depth) return 0;
  return std::min(
      {c.n, static_cast<int64_t>(hw.a_depth) / per_sample, ceil_div(c.n, std::max(1, hw.cores))});
}

// out[n,q,oy,ox] = sum_{r, ky, kx} A[n, r, oy*s-p+ky, ox*s-p+kx] * B[q, r, ky, kx]
void direct_jobs(const ConvOperands &c, const HwConfig &hw, std::vector<Plan> &out) {
  const int64_t plane_bytes = c.mask ? mask_plane_bytes(*c.spec) : 0;
  auto rows_for = [&](int64_t oy0, int64_t m, int64_t *iy0) {
    const int64_t lo = std::max<int64_t>(0, oy0 * c.ay.s - c.ay.p);
    const int64_t hi = std::min<int64_t>(c.ha - 1, (oy0 + m - 1) * c.ay.s - c.ay.p + c.ay.k - 1);
    *iy0 = lo;
    return std::max<int64_t>(1, hi - lo + 1);
  };
  // As many whole samples per job as their input fits the A buffer (fewer jobs: B is staged
  // once per channel block and job); else one job per sample and band of output rows, in
  // channel groups where that costs less (channels_per_box).
  const int64_t per_job = samples_per_job(c, hw);
  const bool whole = per_job > 0;
  const int64_t align = c.mask ? mask_align(c.ow) : 1;
  AInput in;
  in.units = c.rch;
  in.width = c.wa;
  in.out_rows = c.oh;
  in.align = align;
  in.rows = [&](int64_t y0, int64_t m) {
    int64_t iy0 = 0;
    return rows_for(y0, m, &iy0);
  };
  in.b_bytes = 2 * c.q * c.rch * c.ay.k * c.ax.k;
  in.psum_bytes = 8 * c.q * c.oh * c.ow;
  const int64_t group = whole ? c.rch : channels_per_box(in, hw.a_depth);
  for (int64_t n = 0; n < c.n; n += whole ? per_job : 1) {
    const int64_t samples = whole ? std::min(per_job, c.n - n) : 1;
    for (int64_t oy0 = 0; oy0 < c.oh;) {
      int64_t iy0 = 0;
      const int64_t m =
          whole ? c.oh
                : pick_chunk(
                      c.oh - oy0, align,
                      [&](int64_t mm) { return group * rows_for(oy0, mm, &iy0) * c.wa; },
                      hw.a_depth, "layer");
      int64_t rows = rows_for(oy0, m, &iy0);
      if (whole) {
        iy0 = 0;
        rows = c.ha;
      }
      Plan p = conv_plan(c, samples, n, iy0, rows, plane_bytes, group);
      p.pn[1] = m;
      p.pn[2] = c.ow;
      p.rn[1] = c.ay.k;
      p.rn[2] = c.ax.k;
      p.a.off = (oy0 * c.ay.s - c.ay.p - iy0) * c.wa - c.ax.p;
      p.a.p[1] = c.ay.s * c.wa;
      p.a.p[2] = c.ax.s;
      p.a.r[1] = c.wa;
      p.a.r[2] = 1;
      p.y.off = oy0 * c.ay.s - c.ay.p;
      p.y.p[1] = c.ay.s;
      p.y.r[1] = 1;
      p.x.off = -c.ax.p;
      p.x.p[2] = c.ax.s;
      p.x.r[2] = 1;
      p.b_rs[1] = c.ax.k;
      p.b_rs[2] = 1;
      p.o_dst = c.out_base + 2 * static_cast<uint64_t>(n * c.q * c.oh * c.ow + oy0 * c.ow);
      p.o_p[1] = c.ow;
      p.o_p[2] = 1;
      p.m_dst = c.mask_base + static_cast<uint64_t>(n * c.q * plane_bytes + oy0 * c.ow / 8);
      p.label = "n" + std::to_string(n) + " rows " + std::to_string(oy0) + "-" +
                std::to_string(oy0 + m - 1);
      out.push_back(p);
      oy0 += m;
    }
  }
}

// The output phases of a transposed map along one axis (mask_layout.hpp).
OutputPhase phase_of(const Axis &a, int64_t out_size, int64_t ph) {
  return output_phase(a.k, a.s, a.p, out_size, ph);
}

// out[n,q,oy,ox] = sum_{r, ky, kx} A[n, r, (oy+p-ky)/s, (ox+p-kx)/s] * B[q, r, ky, kx],
// one job set per output phase (oy mod s, ox mod s), so every tap of a job is a real product
// except at the borders: the inserted zeros of a transposed convolution cost no cycles.
void transposed_jobs(const ConvOperands &c, const HwConfig &hw, std::vector<Plan> &out) {
  const int64_t plane_bytes = c.mask ? mask_plane_bytes(*c.spec) : 0;
  const int64_t per_job = samples_per_job(c, hw);  // as in direct_jobs
  const bool whole = per_job > 0;
  for (int64_t n = 0; n < c.n; n += whole ? per_job : 1) {
    const int64_t samples = whole ? std::min(per_job, c.n - n) : 1;
    for (int64_t phy = 0; phy < c.ay.s; ++phy) {
      for (int64_t phx = 0; phx < c.ax.s; ++phx) {
        const OutputPhase fy = phase_of(c.ay, c.oh, phy);
        const OutputPhase fx = phase_of(c.ax, c.ow, phx);
        const int64_t phase_off = c.mask ? mask_phase_offset(*c.spec, phy, phx) : 0;
        if (fy.count == 0 || fx.count == 0) continue;
        const bool no_taps = (fy.taps == 0 || fx.taps == 0);
        const int64_t ty = std::max<int64_t>(fy.taps, 1);
        const int64_t tx = std::max<int64_t>(fx.taps, 1);
        auto rows_for = [&](int64_t py0, int64_t m, int64_t *iy0) {
          const int64_t lo = std::max<int64_t>(0, py0 - (ty - 1) + fy.c);
          const int64_t hi = std::min<int64_t>(c.ha - 1, py0 + m - 1 + fy.c);
          *iy0 = std::min(lo, c.ha - 1);
          return std::max<int64_t>(1, hi - *iy0 + 1);
        };
        const int64_t align = c.mask ? mask_align(fx.count) : 1;
        AInput in;
        in.units = c.rch;
        in.width = c.wa;
        in.out_rows = fy.count;
        in.align = align;
        in.rows = [&](int64_t y0, int64_t m) {
          int64_t iy0 = 0;
          return rows_for(y0, m, &iy0);
        };
        in.b_bytes = 2 * c.q * c.rch * ty * tx;
        in.psum_bytes = 8 * c.q * fy.count * fx.count;
        const int64_t group = whole ? c.rch : channels_per_box(in, hw.a_depth);
        for (int64_t py0 = 0; py0 < fy.count;) {
          int64_t iy0 = 0;
          const int64_t m =
              whole ? fy.count
                    : pick_chunk(
                          fy.count - py0, align,
                          [&](int64_t mm) { return group * rows_for(py0, mm, &iy0) * c.wa; },
                          hw.a_depth, "layer");
          int64_t rows = rows_for(py0, m, &iy0);
          if (whole) {
            iy0 = 0;
            rows = c.ha;
          }
          Plan p = conv_plan(c, samples, n, iy0, rows, plane_bytes, group);
          p.pn[1] = m;
          p.pn[2] = fx.count;
          p.rn[1] = ty;
          p.rn[2] = tx;
          p.a.off = (py0 + fy.c - iy0) * c.wa + fx.c;
          p.a.p[1] = c.wa;
          p.a.p[2] = 1;
          p.a.r[1] = -c.wa;
          p.a.r[2] = -1;
          p.y.off = py0 + fy.c;
          p.y.p[1] = 1;
          p.y.r[1] = -1;
          if (no_taps) p.y_lim = 0;  // no tap of this phase has a real product
          p.x.off = fx.c;
          p.x.p[2] = 1;
          p.x.r[2] = -1;
          p.b_src += 2 * static_cast<uint64_t>(no_taps ? 0 : fy.k0 * c.ax.k + fx.k0);
          p.b_rs[1] = c.ay.s * c.ax.k;
          p.b_rs[2] = c.ax.s;
          p.o_dst = c.out_base + 2 * static_cast<uint64_t>(n * c.q * c.oh * c.ow +
                                                           (phy + c.ay.s * py0) * c.ow + phx);
          p.o_p[1] = c.ay.s * c.ow;
          p.o_p[2] = c.ax.s;
          p.m_dst = c.mask_base +
                    static_cast<uint64_t>(n * c.q * plane_bytes + phase_off + py0 * fx.count / 8);
          p.label = "n" + std::to_string(n) + " phase " + std::to_string(phy) + "," +
                    std::to_string(phx) + " rows " + std::to_string(py0) + "-" +
                    std::to_string(py0 + m - 1);
          out.push_back(p);
          py0 += m;
        }
      }
    }
  }
}

// Cycles a transposed map's channel block costs, estimated from the two ways to stage its
// weights: per output phase, only that phase's taps (one strided element a read, overlapped
// with the previous phase's issue), or every phase's taps at once, contiguously, then all the
// phases' issues from it (OP.B_MAP), one job per phase with its fixed start and drain.
bool map_b_pays(const ConvOperands &c, const HwConfig &hw, const std::vector<Plan> &phases) {
  const int64_t kk = c.ay.k * c.ax.k;
  const int64_t rows = std::min<int64_t>(hw.pe_rows, c.q);
  constexpr int64_t kJobCycles = 100;  // register setup, first setup, last drain
  int64_t per_phase = 0, mapped = ceil_div(rows * c.rch * kk, kStageLanes);
  for (const Plan &p : phases) {
    const int64_t r = p.rn[0] * p.rn[1] * p.rn[2];
    const int64_t tiles = plan_tiles(p, hw);
    const int64_t issue = tiles * r * hw.slots;
    per_phase += std::max(issue, rows * r);
    mapped += issue + kJobCycles + ceil_div(rows * hw.tile(), kStageLanes);
  }
  return mapped < per_phase;
}

// The phases of one A box (a transposed map's jobs for the same samples, each a whole box):
// instead of every phase staging its own taps of all channel blocks, each channel block's
// kernels are staged once, contiguously (OP.B_MAP), and the phases' jobs follow one another
// over them (OP.B_KEEP), one job per block and phase.
std::vector<Plan> map_b_over_phases(const ConvOperands &c, const HwConfig &hw,
                                    const std::vector<Plan> &phases) {
  const int64_t kk = c.ay.k * c.ax.k;
  std::vector<Plan> out;
  for (int64_t qb = 0; qb < c.q; qb += hw.pe_rows) {
    for (const Plan &ph : phases) {
      Plan p = ph;
      p.q = std::min<int64_t>(hw.pe_rows, c.q - qb);
      p.b_map = true;
      p.b_src = c.b_base + 2 * static_cast<uint64_t>(qb * c.b_qs);
      p.b_l[0] = c.rch, p.b_l[1] = 1, p.b_l[2] = kk;
      p.b_rs[0] = c.b_r0s, p.b_rs[1] = 0, p.b_rs[2] = 1;
      // The staged rows keep the kernel's layout, so a phase reads its taps at the offsets
      // and strides it would read them in memory.
      p.b_off = static_cast<int64_t>(ph.b_src - c.b_base) / 2;
      p.b_a[0] = kk, p.b_a[1] = ph.b_rs[1], p.b_a[2] = ph.b_rs[2];
      p.bias_src = c.bias_base + 2 * static_cast<uint64_t>(qb);
      p.o_dst = ph.o_dst + 2 * static_cast<uint64_t>(qb * p.o_qs);
      p.m_dst = ph.m_dst + static_cast<uint64_t>(qb * p.m_qs);
      p.label = ph.label + " block " + std::to_string(qb / hw.pe_rows);
      out.push_back(p);
    }
  }
  return out;
}

// transposed_jobs, with the weights of all output phases staged once per channel block where
// that is cheaper: each n-chunk's phases are whole boxes (all channels, all rows) whose kernels
// fit a B row.
void transposed_jobs_mapped(const ConvOperands &c, const HwConfig &hw, std::vector<Plan> &out) {
  std::vector<Plan> plans;
  transposed_jobs(c, hw, plans);
  const int64_t kk = c.ay.k * c.ax.k;
  const bool fits = samples_per_job(c, hw) > 0 && c.rch * kk <= static_cast<int64_t>(hw.b_depth);
  for (size_t i = 0; i < plans.size();) {
    size_t j = i + 1;  // plans[i, j): one A box (its phases)
    while (j < plans.size() && plans[j].a_src == plans[i].a_src) ++j;
    const std::vector<Plan> phases(plans.begin() + static_cast<std::ptrdiff_t>(i),
                                   plans.begin() + static_cast<std::ptrdiff_t>(j));
    const bool mappable = fits && std::all_of(phases.begin(), phases.end(), [](const Plan &p) {
                            return p.a_loop < 0 && p.y_lim > 0;
                          });
    if (mappable && map_b_pays(c, hw, phases)) {
      const std::vector<Plan> mapped = map_b_over_phases(c, hw, phases);
      out.insert(out.end(), mapped.begin(), mapped.end());
    } else {
      out.insert(out.end(), phases.begin(), phases.end());
    }
    i = j;
  }
}

ConvOperands conv_operands(const LayerSpec &s) {
  ConvOperands c{};
  c.spec = &s;
  c.ay = {s.kernel_h, s.stride_h, s.padding_h};
  c.ax = {s.kernel_w, s.stride_w, s.padding_w};
  c.n = s.batch;
  return c;
}

// Weight-gradient jobs of conv2d and conv_transpose2d: p = (channel, ky, kx), r = (n, y, x).
// A is [N][CA][HA][WA] (the tensor read through the window), B(q, r) = BT[n][q][y][x].
struct WgOperands {
  int64_t n, ca, ha, wa;  // A tensor
  int64_t q, hb, wb;      // B tensor [N][Q][HB][WB]: r loops over (n, hb, wb)
  Axis ay, ax;
  uint64_t a_base, b_base, dw_base;
  int64_t o_qs;  // dW element stride per q
};

// Channels per WG job. A job of m channels stages, for each of its reduction pieces (the
// samples that fit the A buffer with m channels, and the B buffer), its A box and every
// channel block's B rows, and issues ceil(m kk / tile) tiles per block; every piece after
// the first reads back the FP32 dW of its m channels, and every piece writes it. More
// channels per job re-read B (dy or x, over the whole batch) less often and fill tiles
// better; fewer make fewer pieces. Estimated cycles per piece: its first staging step (A box
// and first block at a beat, 4 elements, per cycle), then per block the longer of issue and
// the next block's staging, then the dW traffic; summed over all pieces of all jobs.
int64_t wg_channels(const WgOperands &w, const HwConfig &hw) {
  const int64_t kk = w.ay.k * w.ax.k, plane = w.ha * w.wa, r_plane = w.hb * w.wb;
  const int64_t rows = std::min<int64_t>(hw.pe_rows, w.q), blocks = ceil_div(w.q, hw.pe_rows);
  const int64_t most = std::min<int64_t>(w.ca, hw.a_depth / plane);
  int64_t best = 1, best_cost = -1;
  for (int64_t m = 1; m <= most; ++m) {
    const int64_t fit = std::min<int64_t>(hw.a_depth / (m * plane), hw.b_depth / r_plane);
    const int64_t pieces = ceil_div(w.n, std::max<int64_t>(1, std::min(w.n, fit)));
    const int64_t r = ceil_div(w.n, pieces) * r_plane;  // a piece's reduction
    int64_t cost = 0;
    for (int64_t c0 = 0; c0 < w.ca; c0 += m) {
      const int64_t mm = std::min(m, w.ca - c0);
      const int64_t first = ceil_div(ceil_div(w.n, pieces) * mm * plane + rows * r, kStageLanes);
      const int64_t issue = ceil_div(mm * kk, hw.tile()) * r * hw.slots;
      const int64_t dw = w.q * mm * kk;  // FP32 values: 2 elements each way
      cost += pieces * (first + blocks * std::max(issue, ceil_div(rows * r, kStageLanes))) +
              (2 * pieces - 1) * ceil_div(2 * dw, kStageLanes);
    }
    if (best_cost < 0 || cost < best_cost) best = m, best_cost = cost;
  }
  return best;
}

void wg_jobs(const WgOperands &w, const HwConfig &hw, std::vector<Plan> &out) {
  const int64_t kk = w.ay.k * w.ax.k;
  // Groups of wg_channels channels; where a group of all samples does not fit the A buffer,
  // its samples (the reduction's outer loop) are cut into pieces.
  const int64_t plane = w.ha * w.wa;
  // Throws, naming the layer, if not even one sample of one channel fits.
  pick_chunk(
      w.n, 1, [&](int64_t s) { return s * plane; }, hw.a_depth, "layer");
  const int64_t group = wg_channels(w, hw);
  for (int64_t c0 = 0; c0 < w.ca;) {
    const int64_t m = std::min(group, w.ca - c0);
    Plan p;
    const int64_t samples = hw.a_depth / (m * plane);
    if (samples < w.n) {
      p.a_loop = 0;
      p.a_max = ceil_div(w.n, ceil_div(w.n, samples));  // balanced pieces
      p.narrow_a = narrow_samples;
    }
    p.q = w.q;
    p.pn[0] = m;
    p.pn[1] = w.ay.k;
    p.pn[2] = w.ax.k;
    p.rn[0] = w.n;
    p.rn[1] = w.hb;
    p.rn[2] = w.wb;
    p.a_src = w.a_base + 2 * static_cast<uint64_t>(c0 * w.ha * w.wa);
    p.a_d[0] = w.n;
    p.a_d[1] = m;
    p.a_d[2] = w.ha;
    p.a_d[3] = w.wa;
    p.a_s[0] = w.ca * w.ha * w.wa;
    p.a_s[1] = w.ha * w.wa;
    p.a_s[2] = w.wa;
    p.a.off = -w.ay.p * w.wa - w.ax.p;
    p.a.p[0] = w.ha * w.wa;
    p.a.p[1] = w.wa;
    p.a.p[2] = 1;
    p.a.r[0] = m * w.ha * w.wa;
    p.a.r[1] = w.ay.s * w.wa;
    p.a.r[2] = w.ax.s;
    p.y.off = -w.ay.p;
    p.y.p[1] = 1;
    p.y.r[1] = w.ay.s;
    p.y_lim = w.ha;
    p.x.off = -w.ax.p;
    p.x.p[2] = 1;
    p.x.r[2] = w.ax.s;
    p.x_lim = w.wa;
    p.b_src = w.b_base;
    p.b_qs = w.hb * w.wb;
    p.b_rs[0] = w.q * w.hb * w.wb;
    p.b_rs[1] = w.wb;
    p.b_rs[2] = 1;
    p.out_fp32 = true;
    p.o_dst = w.dw_base + 4 * static_cast<uint64_t>(c0 * kk);
    p.o_qs = w.o_qs;
    p.o_p[0] = kk;
    p.o_p[1] = w.ax.k;
    p.o_p[2] = 1;
    p.label = "channels " + std::to_string(c0) + "-" + std::to_string(c0 + m - 1);
    out.push_back(p);
    c0 += m;
  }
}

// db[o] = sum over (n, y, x) of dz[n][o][y][x] * 1.0.
Plan bias_grad_plan(int64_t n, int64_t q, int64_t h, int64_t w, uint64_t dz, uint64_t db) {
  Plan p;
  p.q = q;
  p.rn[0] = n;
  p.rn[1] = h;
  p.rn[2] = w;
  p.a_one = true;
  p.b_src = dz;
  p.b_qs = h * w;
  p.b_rs[0] = q * h * w;
  p.b_rs[1] = w;
  p.b_rs[2] = 1;
  p.out_fp32 = true;
  p.o_dst = db;
  p.o_qs = 1;
  p.label = "bias gradient";
  return p;
}

// Linear layers: p = batch positions n0..n0+nn-1, r = the r features of A's rows [N][r].
Plan linear_plan(int64_t n0, int64_t nn, int64_t q, int64_t r, uint64_t a, uint64_t b, int64_t b_qs,
                 int64_t b_rs) {
  Plan p;
  p.q = q;
  p.pn[2] = nn;
  p.rn[2] = r;
  p.a_src = a + 2 * static_cast<uint64_t>(n0 * r);
  p.a_d[2] = nn;
  p.a_d[3] = r;
  p.a_s[2] = r;
  p.a.p[2] = r;
  p.a.r[2] = 1;
  p.b_src = b;
  p.b_qs = b_qs;
  p.b_rs[2] = b_rs;
  return p;
}

// Linear layers with the features on the positions: p = features i0..i0+ff-1, r = the `rows`
// rows of A, an [rows][ff] box of the [rows][ci] tensor at `a` (each row's ff features).
Plan features_plan(int64_t q, int64_t i0, int64_t ff, int64_t rows, int64_t ci, uint64_t a) {
  Plan p;
  p.q = q;
  p.pn[2] = ff;
  p.rn[2] = rows;
  p.a_src = a + 2 * static_cast<uint64_t>(i0);
  p.a_d[2] = rows;
  p.a_d[3] = ff;
  p.a_s[2] = ci;
  p.a.p[2] = 1;
  p.a.r[2] = ff;
  return p;
}

// OP.GATE for a plan whose A box or B rows are dz (here: dy at `dz`), read through the
// forward mask's layout; NotGateable where the box does not have the form the walker needs.
void gate_plan(Plan &p, const LayerSpec &s, uint64_t dz, uint64_t mask) {
  const uint64_t ny = 2 * static_cast<uint64_t>(s.batch) * s.out_channels * s.out_h() * s.out_w();
  const bool on_a = !p.a_one && p.a_src >= dz && p.a_src < dz + ny;
  const bool on_b = p.b_src >= dz && p.b_src < dz + ny;
  if (on_a == on_b) throw NotGateable{};
  p.gate = true;
  p.gate_b = on_b;
  p.gm_src = mask;
  const int64_t o = s.out_channels;
  if (s.type == LayerType::kLinear) {
    const int64_t row = linear_mask_row_bytes(s);
    if (on_a) {
      // A = dz[n0 .. n0+nn][0 .. O]: one plane, the whole mask; bit o * row * 8 + n.
      const int64_t n0 = static_cast<int64_t>(p.a_src - dz) / 2 / o;
      if (p.a_d[0] != 1 || p.a_d[1] != 1 || p.a_d[3] != o || p.a_s[2] != o) throw NotGateable{};
      p.gm_pb = o * row;
      p.gm_off = n0;
      p.gm_q2 = 1;
      p.gm_q3 = row * 8;
    } else {
      // B row o = dz[.][o] over n (the r_2 loop): plane o is mask row o.
      if (p.b_src != dz || p.b_qs != 1 || p.rn[0] != 1 || p.rn[1] != 1 || p.b_rs[2] != o)
        throw NotGateable{};
      p.gm_s0 = row;
      p.gm_pb = row;
      p.gm_q3 = 1;
    }
    return;
  }
  MaskPlanes m;
  if (!conv_mask_planes(s, &m)) throw NotGateable{};
  const int64_t oh = s.out_h(), ow = s.out_w();
  p.gm_pb = m.bytes;
  p.gm_q2 = m.qy, p.gm_r2 = m.ry, p.gm_p2 = m.py;
  p.gm_q3 = m.qx, p.gm_r3 = m.rx, p.gm_p3 = m.px;
  if (on_a) {
    // A box (samples, channels, rows from y0, all columns) of dz[N][O][OH][OW].
    const int64_t e = static_cast<int64_t>(p.a_src - dz) / 2;
    const int64_t n0 = e / (o * oh * ow), c0 = e / (oh * ow) % o, y0 = e % (oh * ow) / ow;
    if (e % ow != 0 || p.a_d[3] != ow || p.a_s[0] != o * oh * ow || p.a_s[1] != oh * ow ||
        p.a_s[2] != ow || y0 % m.py != 0)
      throw NotGateable{};
    p.gm_src = mask + static_cast<uint64_t>(n0 * m.per_n + c0 * m.per_o);
    p.gm_s0 = m.per_n;
    p.gm_s1 = m.per_o;
    p.gm_off = y0 / m.py * m.qy;
  } else {
    // B rows: q = o, r = (n, oy, ox) of dz[N][O][OH][OW].
    if (p.b_src != dz || p.b_qs != oh * ow || p.b_rs[0] != o * oh * ow || p.b_rs[1] != ow ||
        p.b_rs[2] != 1 || p.rn[1] != oh || p.rn[2] != ow)
      throw NotGateable{};
    p.gm_s0 = m.per_o;
    p.gm_s1 = m.per_n;
  }
}

// Linear EP: the input features on the positions (q = n, p = i) instead of the batch (q = i,
// p = n) where the issue estimate says so, or the batch's outputs would be written one
// strided element a command (a cycle or more each). Only without an activation: the gated
// dz rows of that form (row n along o) have no form the mask walker can follow, and a
// MASK_GRAD pass first would cost more than it saves.
bool linear_ep_on_features(const LayerSpec &s, const HwConfig &hw) {
  if (s.activation != fp::Act::kNone) return false;
  const int64_t n = s.batch, ci = s.in_channels, co = s.out_channels;
  const int64_t rows = hw.pe_rows, t = hw.tile();
  const int64_t by_batch =
      ceil_div(ci, rows) * ceil_div(n, t) * co * hw.slots + (ci > 1 ? 2 * n * ci : 0);
  const int64_t by_features = ceil_div(n, rows) * ceil_div(ci, t) * co * hw.slots;
  return by_features < by_batch;
}

// The mask bytes a gated job stages at once must fit the gating-mask buffer.
void check_gate_capacity(const Plan &p, const HwConfig &hw) {
  if (!p.gate) return;
  const int64_t planes = p.gate_b ? hw.pe_rows * p.rn[0] : p.a_d[0] * p.a_d[1];
  if (planes * p.gm_pb > static_cast<int64_t>(hw.gm_depth)) throw NotGateable{};
}

// The jobs of a phase. gated: EP or WG after an activation, reading dy through OP.GATE.
std::vector<Job> compile_jobs(const LayerSpec &s, Phase phase, const HwConfig &hw, LayerAddrs addrs,
                              bool gated) {
  if (gated) addrs.dz = addrs.dy;
  std::vector<Plan> plans;
  const int64_t n = s.batch, ci = s.in_channels, co = s.out_channels;
  const int64_t kk = static_cast<int64_t>(s.kernel_h) * s.kernel_w;
  const bool act = s.activation != fp::Act::kNone;

  if (s.type == LayerType::kLinear) {
    // Batch positions in chunks that fit the A buffer (and keep the mask byte-aligned where
    // it is written), in feature groups where that costs less (channels_per_box).
    int64_t group = 0;
    auto chunks = [&](int64_t row, int64_t q, bool mask) {
      AInput in;
      in.units = row;
      in.out_rows = n;
      in.align = mask ? 8 : 1;
      in.rows = [](int64_t, int64_t m) { return m; };
      in.b_bytes = 2 * q * row;
      in.psum_bytes = 8 * q * n;
      group = channels_per_box(in, hw.a_depth);
      return pick_chunk(
          n, in.align, [&](int64_t m) { return m * group; }, hw.a_depth, "layer");
    };
    auto set_group = [&](Plan &p, int64_t row) {
      if (group >= row) return;
      p.a_loop = 2;
      p.a_max = group;
      p.narrow_a = narrow_features;
    };
    if (phase == Phase::kForward) {
      const int64_t m = chunks(ci, co, act);
      for (int64_t n0 = 0; n0 < n; n0 += m) {
        const int64_t nn = std::min(m, n - n0);
        Plan p = linear_plan(n0, nn, co, ci, addrs.x, addrs.w, ci, 1);
        set_group(p, ci);
        p.bias = s.bias;
        p.bias_src = addrs.b;
        p.o_dst = addrs.y + 2 * static_cast<uint64_t>(n0 * co);
        p.o_qs = 1;
        p.o_p[2] = co;
        p.mask = act;
        p.m_dst = addrs.mask + static_cast<uint64_t>(n0 / 8);
        p.m_qs = ceil_div(n, 8);
        p.label = "batch " + std::to_string(n0) + "-" + std::to_string(n0 + nn - 1);
        plans.push_back(p);
      }
    } else if (phase == Phase::kErrorProp && linear_ep_on_features(s, hw)) {
      // dx[n, i] = sum_o dz[n, o] W[o, i] with q = n, p = i, r = o: the input features on the
      // positions (a tile's outputs are consecutive in dx), A = W as a box [O][f] of f
      // features, B row n = dz[n][.] (contiguous). A box larger than the A buffer splits the
      // reduction over o (FP32 partial sums).
      const int64_t f = std::min<int64_t>(ci, std::max<int64_t>(hw.tile(), hw.a_depth / co));
      for (int64_t i0 = 0; i0 < ci; i0 += f) {
        const int64_t ff = std::min(f, ci - i0);
        Plan p = features_plan(n, i0, ff, co, ci, addrs.w);
        if (co * ff > static_cast<int64_t>(hw.a_depth)) {
          p.a_loop = 2;
          p.a_max = hw.a_depth / ff;
          p.narrow_a = narrow_weight_rows;
        }
        p.b_src = addrs.dz;
        p.b_qs = co;
        p.b_rs[2] = 1;
        p.o_dst = addrs.dx + 2 * static_cast<uint64_t>(i0);
        p.o_qs = ci;
        p.o_p[2] = 1;
        p.label = "features " + std::to_string(i0) + "-" + std::to_string(i0 + ff - 1);
        plans.push_back(p);
      }
    } else if (phase == Phase::kErrorProp) {
      const int64_t m = chunks(co, ci, false);
      for (int64_t n0 = 0; n0 < n; n0 += m) {
        const int64_t nn = std::min(m, n - n0);
        Plan p = linear_plan(n0, nn, ci, co, addrs.dz, addrs.w, 1, ci);
        set_group(p, co);
        p.o_dst = addrs.dx + 2 * static_cast<uint64_t>(n0 * ci);
        p.o_qs = 1;
        p.o_p[2] = ci;
        p.label = "batch " + std::to_string(n0) + "-" + std::to_string(n0 + nn - 1);
        plans.push_back(p);
      }
    } else {
      // dW[o, i] = sum_n dz[n, o] x[n, i]: p = i, r = n; A = x as an [N][C] box, in groups of
      // features (independent outputs) that fit the A buffer.
      const int64_t f = pick_chunk(
          ci, 1, [&](int64_t ff) { return n * ff; }, hw.a_depth, "layer");
      for (int64_t i0 = 0; i0 < ci; i0 += f) {
        const int64_t ff = std::min(f, ci - i0);
        Plan p = features_plan(co, i0, ff, n, ci, addrs.x);
        p.b_src = addrs.dz;
        p.b_qs = 1;
        p.b_rs[2] = co;
        p.out_fp32 = true;
        p.o_dst = addrs.dw + 4 * static_cast<uint64_t>(i0);
        p.o_qs = ci;
        p.o_p[2] = 1;
        p.label = "weights " + std::to_string(i0) + "-" + std::to_string(i0 + ff - 1);
        plans.push_back(p);
      }
      // db[o] = sum_n dz[n, o]: r = n as the innermost loop (the same order of terms).
      Plan b = bias_grad_plan(1, co, 1, n, addrs.dz, addrs.db);
      b.b_qs = 1;
      b.b_rs[0] = 0;
      b.b_rs[2] = co;
      plans.push_back(b);
    }
  } else {
    const bool transposed = s.type == LayerType::kConvTranspose2d;
    const int64_t h = s.in_h, w = s.in_w, oh = s.out_h(), ow = s.out_w();
    if (phase == Phase::kWeightGrad) {
      WgOperands g{};
      g.n = n;
      g.ay = {s.kernel_h, s.stride_h, s.padding_h};
      g.ax = {s.kernel_w, s.stride_w, s.padding_w};
      if (!transposed) {
        // dW[o,i,ky,kx] = sum dz[n,o,oy,ox] x[n,i,oy*s-p+ky, ox*s-p+kx]
        g.ca = ci, g.ha = h, g.wa = w, g.q = co, g.hb = oh, g.wb = ow;
        g.a_base = addrs.x, g.b_base = addrs.dz, g.o_qs = ci * kk;
      } else {
        // dW[i,o,ky,kx] = sum x[n,i,iy,ix] dz[n,o,iy*s-p+ky, ix*s-p+kx]
        g.ca = co, g.ha = oh, g.wa = ow, g.q = ci, g.hb = h, g.wb = w;
        g.a_base = addrs.dz, g.b_base = addrs.x, g.o_qs = co * kk;
      }
      g.dw_base = addrs.dw;
      wg_jobs(g, hw, plans);
      Plan b = bias_grad_plan(n, co, oh, ow, addrs.dz, addrs.db);
      plans.push_back(b);
    } else {
      ConvOperands c = conv_operands(s);
      if (phase == Phase::kForward) {
        c.rch = ci, c.ha = h, c.wa = w, c.q = co, c.oh = oh, c.ow = ow;
        c.a_base = addrs.x, c.out_base = addrs.y, c.b_base = addrs.w;
        c.b_qs = transposed ? kk : ci * kk;
        c.b_r0s = transposed ? co * kk : kk;
        c.bias = s.bias, c.bias_base = addrs.b;
        c.mask = act, c.mask_base = addrs.mask;
      } else {
        c.rch = co, c.ha = oh, c.wa = ow, c.q = ci, c.oh = h, c.ow = w;
        c.a_base = addrs.dz, c.out_base = addrs.dx, c.b_base = addrs.w;
        c.b_qs = transposed ? co * kk : kk;
        c.b_r0s = transposed ? kk : ci * kk;
      }
      // FP of conv2d and EP of conv_transpose2d read A through a direct window; the other two
      // through a transposed one.
      const bool use_transposed = (phase == Phase::kForward) == transposed;
      if (use_transposed) {
        transposed_jobs_mapped(c, hw, plans);
      } else {
        direct_jobs(c, hw, plans);
      }
    }
  }
  const uint64_t out_base = phase == Phase::kForward     ? addrs.y
                            : phase == Phase::kErrorProp ? addrs.dx
                                                         : 0;
  std::vector<Plan> pieces;
  // With fewer jobs than cores, each job's output channels are cut into as many parts as it
  // takes to give every core one (whole blocks of PE_ROWS channels, so no PE row idles more).
  const int64_t parts =
      plans.empty() ? 1
                    : ceil_div(static_cast<int64_t>(hw.cores), static_cast<int64_t>(plans.size()));
  for (Plan &p : plans) {
    p.activate = (phase == Phase::kForward);
    if (gated) gate_plan(p, s, addrs.dz, addrs.mask);
    for (const Plan &part : split_channels(p, parts, hw)) {
      split_reduction(part, hw, part.out_fp32 ? part.o_dst : out_base, addrs.psum, pieces);
    }
  }
  // Consecutive jobs over the same A box (the output phases of a transposed map, the pieces of
  // a split reduction) stage it once.
  for (size_t k = 1; k < pieces.size(); ++k) {
    const Plan &a = pieces[k - 1], &b = pieces[k];
    pieces[k].a_keep = !a.a_one && !b.a_one && a.a_src == b.a_src &&
                       std::equal(a.a_d, a.a_d + 4, b.a_d) && std::equal(a.a_s, a.a_s + 3, b.a_s) &&
                       a.gate == b.gate && (a.gate && !a.gate_b) == (b.gate && !b.gate_b) &&
                       a.gm_src == b.gm_src && a.gm_pb == b.gm_pb;
  }
  // Consecutive one-block jobs that stage the same B rows (the phases of a mapped transposed
  // map, the sample chunks of a layer with few channels) stage them once.
  for (size_t k = 1; k < pieces.size(); ++k) {
    const Plan &a = pieces[k - 1], &b = pieces[k];
    const auto loops = [](const Plan &p) {
      return p.b_map ? std::array<int64_t, 3>{p.b_l[0], p.b_l[1], p.b_l[2]}
                     : std::array<int64_t, 3>{p.rn[0], p.rn[1], p.rn[2]};
    };
    const bool gated_b = (a.gate && a.gate_b) || (b.gate && b.gate_b);
    pieces[k].b_keep = !gated_b && a.q == b.q && b.q <= hw.pe_rows && a.b_src == b.b_src &&
                       a.b_qs == b.b_qs && std::equal(a.b_rs, a.b_rs + 3, b.b_rs) &&
                       loops(a) == loops(b) && a.bias == b.bias && a.bias_src == b.bias_src;
  }
  std::vector<Job> jobs;
  for (const Plan &p : pieces) {
    check_gate_capacity(p, hw);
    jobs.push_back(to_job(p, s, hw));
  }
  return jobs;
}

// MASK_GRAD jobs: dz = mask ? dy : (ReLU: +0, LeakyReLU: dy * slope), for the phases whose
// dz cannot be gated while staged.
std::vector<Job> masked_grad_jobs(const LayerSpec &s, const HwConfig &hw, const LayerAddrs &addrs);
std::vector<Job> compile_phase(const LayerSpec &s, Phase phase, const HwConfig &hw,
                               const LayerAddrs &addrs);

}  // namespace

std::vector<Job> compile_layer(const LayerSpec &s, Phase phase, const HwConfig &hw,
                               const LayerAddrs &addrs, bool skip_zeros) {
  std::vector<Job> jobs = compile_phase(s, phase, hw, addrs);
  for (Job &j : jobs) {
    j.desc.op.skip = skip_zeros && j.desc.op.opcode == regs::Opcode::kGconv;
  }
  return jobs;
}

namespace {

std::vector<Job> compile_phase(const LayerSpec &s, Phase phase, const HwConfig &hw,
                               const LayerAddrs &addrs) {
  const std::string bad = s.validate();
  if (!bad.empty()) throw std::invalid_argument(bad);
  if (s.format.exp_w != hw.format.exp_w || s.format.man_w != hw.format.man_w) {
    throw std::invalid_argument("format: the layer's format differs from the hardware's");
  }
  if (phase == Phase::kForward || s.activation == fp::Act::kNone) {
    return compile_jobs(s, phase, hw, addrs, false);
  }
  try {
    return compile_jobs(s, phase, hw, addrs, true);
  } catch (const NotGateable &) {
  }
  std::vector<Job> jobs = masked_grad_jobs(s, hw, addrs);
  const std::vector<Job> rest = compile_jobs(s, phase, hw, addrs, false);
  jobs.insert(jobs.end(), rest.begin(), rest.end());
  return jobs;
}

std::vector<Job> masked_grad_jobs(const LayerSpec &s, const HwConfig &hw, const LayerAddrs &addrs) {
  // The same positions, tiles and mask layout as the forward jobs, with dz where y was:
  // each job gates dy[q, p] by the mask bit the forward pass wrote for that output.
  LayerAddrs fwd = addrs;
  fwd.y = addrs.dz;
  LayerSpec no_bias = s;
  no_bias.bias = false;
  std::vector<Job> all = compile_jobs(no_bias, Phase::kForward, hw, fwd, false);
  std::vector<Job> jobs;
  for (const Job &j : all)
    if (!j.partial) jobs.push_back(j);
  for (Job &j : jobs) {
    regs::Descriptor &d = j.desc;
    d.op.opcode = regs::Opcode::kMaskGrad;
    d.op.act = static_cast<regs::Act>(s.activation);
    d.op.out_fp32 = false;
    d.op.bias_en = false;
    d.op.mask_en = false;
    d.op.a_one = true;
    d.op.psum_in = false;
    d.op.span = false;  // gates by the tile's mask bytes of one plane
    d.r_0 = d.r_1 = d.r_2 = 1;
    d.g_src = addrs.dy + (d.o_dst - addrs.dz);
    j.label = "masked gradient " + j.label;
  }
  return jobs;
}

}  // namespace

}  // namespace ganpu::rt
