#include "runtime/mask_layout.hpp"

#include <functional>

namespace ganpu::rt {

namespace {

using model::LayerSpec;
using model::LayerType;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t phase_block_bytes(const LayerSpec &s, int64_t phy, int64_t phx) {
  return ceil_div(output_phase(s.kernel_h, s.stride_h, s.padding_h, s.out_h(), phy).count *
                      output_phase(s.kernel_w, s.stride_w, s.padding_w, s.out_w(), phx).count,
                  8);
}

// Calls f(y element index, mask bit index) for every output of the layer.
void for_each_mask_bit(const LayerSpec &s, const std::function<void(uint64_t, uint64_t)> &f) {
  const int64_t o = s.out_channels;
  if (s.type == LayerType::kLinear) {
    const int64_t row = linear_mask_row_bytes(s) * 8;
    for (int64_t n = 0; n < s.batch; ++n)
      for (int64_t q = 0; q < o; ++q) f(n * o + q, q * row + n);
    return;
  }
  const int64_t oh = s.out_h(), ow = s.out_w();
  if (s.type == LayerType::kConv2d) {
    const int64_t plane = ceil_div(oh * ow, 8) * 8;
    for (int64_t n = 0; n < s.batch; ++n)
      for (int64_t q = 0; q < o; ++q)
        for (int64_t i = 0; i < oh * ow; ++i) f((n * o + q) * oh * ow + i, (n * o + q) * plane + i);
    return;
  }
  const int64_t plane = mask_plane_bytes(s) * 8;
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t q = 0; q < o; ++q) {
      int64_t off = 0;
      for (int64_t phy = 0; phy < s.stride_h; ++phy)
        for (int64_t phx = 0; phx < s.stride_w; ++phx) {
          const OutputPhase fy = output_phase(s.kernel_h, s.stride_h, s.padding_h, oh, phy);
          const OutputPhase fx = output_phase(s.kernel_w, s.stride_w, s.padding_w, ow, phx);
          for (int64_t py = 0; py < fy.count; ++py)
            for (int64_t px = 0; px < fx.count; ++px)
              f((n * o + q) * oh * ow + (phy + s.stride_h * py) * ow + phx + s.stride_w * px,
                (n * o + q) * plane + off + py * fx.count + px);
          off += phase_block_bytes(s, phy, phx) * 8;
        }
    }
}

}  // namespace

OutputPhase output_phase(int64_t kernel, int64_t stride, int64_t padding, int64_t out_size,
                         int64_t ph) {
  OutputPhase r;
  r.ph = ph;
  r.count = (out_size > ph) ? ceil_div(out_size - ph, stride) : 0;
  r.k0 = (ph + padding) % stride;
  r.taps = (r.k0 < kernel) ? ceil_div(kernel - r.k0, stride) : 0;
  r.c = (ph + padding - r.k0) / stride;
  return r;
}

int64_t linear_mask_row_bytes(const LayerSpec &s) { return ceil_div(s.batch, 8); }

uint64_t mask_bytes(const LayerSpec &s) {
  switch (s.type) {
    case LayerType::kLinear:
      return static_cast<uint64_t>(s.out_channels) * linear_mask_row_bytes(s);
    case LayerType::kConv2d:
      return static_cast<uint64_t>(s.batch) * s.out_channels * ceil_div(s.out_h() * s.out_w(), 8);
    case LayerType::kConvTranspose2d:
      return static_cast<uint64_t>(s.batch) * s.out_channels * mask_plane_bytes(s);
  }
  return 0;
}

int64_t mask_plane_bytes(const LayerSpec &s) {
  if (s.type == LayerType::kConv2d) return ceil_div(s.out_h() * s.out_w(), 8);
  return mask_phase_offset(s, s.stride_h, 0);  // past the last phase
}

int64_t mask_phase_offset(const LayerSpec &s, int64_t phy, int64_t phx) {
  if (s.type == LayerType::kConv2d) return 0;
  int64_t off = 0;
  for (int64_t y = 0; y < s.stride_h; ++y)
    for (int64_t x = 0; x < s.stride_w; ++x) {
      if (y == phy && x == phx) return off;
      off += phase_block_bytes(s, y, x);
    }
  return off;
}

std::vector<uint8_t> unpack_mask(const LayerSpec &s, const std::vector<uint8_t> &packed) {
  std::vector<uint8_t> out(static_cast<size_t>(s.batch) * s.out_channels * s.out_h() * s.out_w());
  if (s.type == LayerType::kLinear) out.assign(static_cast<size_t>(s.batch) * s.out_channels, 0);
  for_each_mask_bit(
      s, [&](uint64_t e, uint64_t bit) { out.at(e) = (packed.at(bit / 8) >> (bit % 8)) & 1u; });
  return out;
}

std::vector<uint8_t> pack_mask(const LayerSpec &s, const std::vector<uint8_t> &per_element) {
  std::vector<uint8_t> packed(mask_bytes(s), 0);
  for_each_mask_bit(s, [&](uint64_t e, uint64_t bit) {
    if (per_element.at(e)) packed.at(bit / 8) |= static_cast<uint8_t>(1u << (bit % 8));
  });
  return packed;
}

bool conv_mask_planes(const LayerSpec &s, MaskPlanes *m) {
  const int64_t oh = s.out_h(), ow = s.out_w();
  MaskPlanes r;
  if (s.type == LayerType::kConv2d) {
    r.bytes = ceil_div(oh * ow, 8);
    r.qy = ow;
    r.qx = 1;
  } else {
    // Equal phases: every block holds (oh / sh) x (ow / sw) positions.
    if (oh % s.stride_h != 0 || ow % s.stride_w != 0) return false;
    const int64_t block = ceil_div((oh / s.stride_h) * (ow / s.stride_w), 8);
    r.bytes = s.stride_h * s.stride_w * block;
    r.py = s.stride_h;
    r.qy = ow / s.stride_w;
    r.ry = s.stride_w * block * 8;
    r.px = s.stride_w;
    r.qx = 1;
    r.rx = block * 8;
  }
  r.per_o = r.bytes;
  r.per_n = s.out_channels * r.bytes;
  *m = r;
  return true;
}

}  // namespace ganpu::rt
