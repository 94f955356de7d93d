#include "train/shapes_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "runtime/npy.hpp"
#include "train/gan_model.hpp"
#include "train/host_ops.hpp"

namespace ganpu::train {
namespace {

constexpr int kS = kImageSize;
constexpr int kPixels = kS * kS;

// Ink coverage of pixel (x, y) from a signed distance d to the shape's edge (negative inside):
// a one-pixel ramp, so edges are not aliased.
float coverage(double d) { return static_cast<float>(std::clamp(0.5 - d, 0.0, 1.0)); }

void render(Rng &rng, float *img) {
  const int kind = static_cast<int>(rng.below(5));
  const double cx = 4.0 + 8.0 * rng.uniform(), cy = 4.0 + 8.0 * rng.uniform();
  const double r = 2.5 + 2.5 * rng.uniform();
  for (int y = 0; y < kS; ++y) {
    for (int x = 0; x < kS; ++x) {
      const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      const double ax = std::fabs(dx), ay = std::fabs(dy);
      double d = 0;
      switch (kind) {
        case 0:  // disc
          d = std::hypot(dx, dy) - r;
          break;
        case 1:  // ring of width 1.5
          d = std::fabs(std::hypot(dx, dy) - r) - 0.75;
          break;
        case 2:  // square
          d = std::max(ax, ay) - r;
          break;
        case 3:  // plus, arms of half-width 1
          d = std::min(std::max(ax - r, ay - 1.0), std::max(ax - 1.0, ay - r));
          break;
        default:  // horizontal bar
          d = std::max(ax - r - 1.5, ay - 1.0);
          break;
      }
      img[y * kS + x] = 2.0f * coverage(d) - 1.0f;
    }
  }
}

}  // namespace

ImageSet shapes_dataset(int64_t count, uint64_t seed) {
  ImageSet s;
  s.count = count;
  s.pixels.resize(static_cast<size_t>(count) * kPixels);
  s.source = "shapes (seed " + std::to_string(seed) + ")";
  Rng rng(seed);
  for (int64_t i = 0; i < count; ++i) render(rng, s.pixels.data() + i * kPixels);
  return s;
}

ImageSet read_image_npy(const std::string &path) {
  rt::NpyArray a;
  try {
    a = rt::read_npy(path);
  } catch (const std::exception &e) {
    throw std::invalid_argument(std::string("--data: ") + e.what());
  }
  const std::string where = "--data " + path + ": ";
  const bool f16 = a.dtype == "<f2", f32 = a.dtype == "<f4";
  if (!f16 && !f32) {
    throw std::invalid_argument(where + "dtype " + a.dtype + ", expected float16 or float32");
  }
  const auto &sh = a.shape;
  const bool nchw = sh.size() == 4 && sh[1] == 1 && sh[2] == kS && sh[3] == kS;
  const bool nhw = sh.size() == 3 && sh[1] == kS && sh[2] == kS;
  if (!nchw && !nhw) {
    throw std::invalid_argument(where + "shape " + rt::shape_str(sh) +
                                ", expected (N, 1, 16, 16) or (N, 16, 16)");
  }
  ImageSet s;
  s.count = sh[0];
  s.source = path;
  if (s.count < 1) throw std::invalid_argument(where + "holds no image");
  s.pixels.resize(static_cast<size_t>(a.count()));
  for (size_t i = 0; i < s.pixels.size(); ++i) {
    const uint32_t b = a.bits(i);
    float v;
    if (f16) {
      v = to_float(fp::kFp16, b);
    } else {
      std::memcpy(&v, &b, sizeof v);
    }
    if (!(v >= -1.0f && v <= 1.0f)) {
      throw std::invalid_argument(where + "element " + std::to_string(i) + " is " +
                                  std::to_string(v) + ", outside [-1, 1]");
    }
    s.pixels[i] = v;
  }
  return s;
}

void write_image_npy(const std::string &path, const std::vector<float> &pixels) {
  const int64_t n = static_cast<int64_t>(pixels.size() / kPixels);
  rt::write_npy(path, "<f4", {n, 1, kS, kS}, pixels.data(), pixels.size() * sizeof(float));
}

}  // namespace ganpu::train
