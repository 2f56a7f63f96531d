// Label-keeping random distortions of captcha images, applied to the model input (a [H, W]
// float image in [0, 1]) of each training batch:
//   geometry   rotation, scale, horizontal shear and shift (one affine map), then an elastic
//              warp (a smooth random displacement field, as Simard et al. 2003)
//   strokes    random thin lines across the image (the strike-through lines captchas draw)
//   blur       a Gaussian blur, sometimes
//   photometric contrast and brightness jitter, then Gaussian pixel noise
// Every draw comes from one 64-bit seed (a hash of the run seed, step and image), so a resumed
// run sees the same batches. The distortions are kept small enough that every character stays
// inside the image and in its left-to-right place (tests/captcha/augment_test.cc checks it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

namespace seer::captcha {

struct AugmentOptions {
  double rotate_degrees = 0;    // rotation uniform in [-r, r] degrees
  double scale = 0;             // scale uniform in [1 - s, 1 + s]
  double shear = 0;             // horizontal shear (x += k * y) with k uniform in [-s, s]
  double shift_x = 0;           // translation uniform in [-s, s] x width
  double shift_y = 0;           // and [-s, s] x height
  double elastic_pixels = 0;    // elastic warp: largest displacement, in input pixels (0: off)
  double elastic_cell = 8;      // its smoothness: one random displacement per cell of this many pixels
  double line_probability = 0;  // chance of drawing 1-2 random lines
  double blur_probability = 0;  // chance of a Gaussian blur ...
  double blur_sigma = 0;        // ... with sigma uniform in [0.3, this] pixels
  double contrast = 0;          // contrast factor uniform in [1 - c, 1 + c] about the mean
  double brightness = 0;        // plus uniform in [-b, b]
  double noise_sigma = 0;       // Gaussian noise, sigma uniform in [0, this]

  // The named presets of `seer captcha train --augment`:
  //   none    no change
  //   light   the earlier default: rotation 4 deg, scale 0.08, shift 0.04
  //   strong  all of the above at sizes that keep a 6-character captcha legible (the default
  //           for labelled folders; chosen on captcha-real-6digit, docs/BENCHMARKS.md)
  static AugmentOptions preset(const std::string& name);  // seer::Error for an unknown name
  bool enabled() const;  // anything to do at all

  nlohmann::json to_json() const;
  static AugmentOptions from_json(const nlohmann::json& j);  // missing keys keep their defaults
};

// Distorts one [height, width] row-major float image in place; `seed` draws every random choice.
void augment_image(float* pixels, int width, int height, const AugmentOptions& options, uint64_t seed);

// A picture of what the augmentation does, for the run folder: one row per input (CV_32F
// [height, width] model inputs), the input then `variants` distortions of it, each drawn
// twice its size, as an 8-bit grayscale image.
cv::Mat augmentation_preview(const std::vector<cv::Mat>& inputs, const AugmentOptions& options,
                             int variants, uint64_t seed);

}  // namespace seer::captcha
