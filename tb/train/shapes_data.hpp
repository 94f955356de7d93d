// The training images: a built-in set of simple shapes rendered at 16x16 from a seed (so the
// main job needs no download), or a user's .npy file. Images are (1, 16, 16), values in
// [-1, 1] (-1 background, +1 ink), matching the generator's tanh.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganpu::train {

struct ImageSet {
  int64_t count = 0;
  std::vector<float> pixels;  // count * 16 * 16, C order
  std::string source;         // "shapes (seed S)" or the file's path
};

// count images, each a filled disc, a ring, a square, a plus or a bar at a random place and
// size, anti-aliased at the edges.
ImageSet shapes_dataset(int64_t count, uint64_t seed);

// A .npy of dtype float16 or float32, shape (N, 1, 16, 16) or (N, 16, 16), every value in
// [-1, 1]. Throws std::invalid_argument naming the file and what is wrong.
ImageSet read_image_npy(const std::string &path);

// Writes images (N, 1, 16, 16) as float32 .npy.
void write_image_npy(const std::string &path, const std::vector<float> &pixels);

}  // namespace ganpu::train
