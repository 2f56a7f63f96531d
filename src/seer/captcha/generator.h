// Synthetic captchas in the style of the Python `captcha` package's ImageCaptcha: TrueType
// glyphs (DejaVu fonts) with random per-character rotation, scale, colour, warp and overlap,
// noise dots and a noise curve on a random light background.
//
// Deterministic: sample(i) depends only on (options.seed, i), so an endless training stream
// can be resumed at any index and two runs with the same seed see the same images.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace seer::captcha {

// How the captchas look. The defaults are the ImageCaptcha look above; `seer captcha generate
// --like DIR` fits them to a folder of real captchas (captcha/style.h). Luma is 0..255.
struct GeneratorStyle {
  // Background: a colour per image whose channels are drawn in [background_min,
  // background_max]; background_tint 1 keeps them apart (tinted), 0 makes it grey.
  double background_min = 225, background_max = 255;
  double background_tint = 1;
  // Luma added from the left edge to the right edge (negative: darker to the right), as a
  // linear ramp centred on the drawn colour.
  double background_gradient = 0;
  // Text colours: channels drawn in 10..200, then darkened to at most ink_luma_max; ink_tint 0
  // makes them grey.
  double ink_luma_max = 110;
  double ink_tint = 1;
  // Character height as a fraction of the image height, and rotation (degrees, +-).
  double font_scale_min = 0.70, font_scale_max = 0.95;
  double rotate_degrees = 30;
  // Strokes thickened by this many pixels (0: the fonts' own).
  double boldness = 0;
  // The text fills at most this fraction of the width (1: the whole width when it is wide).
  double text_span = 1;
  // Where a text narrower than the image sits: the fraction of the free width left of it is
  // drawn in text_offset +- text_offset_jitter (clamped to 0..1; the default: anywhere).
  double text_offset = 0.5, text_offset_jitter = 0.5;
  // Between neighbouring characters, this fraction of the mean character width overlaps
  // (negative: a gap), drawn in [overlap_min, overlap_max].
  double overlap_min = -0.05, overlap_max = 0.2;
  // Noise specks per 160 x 60 pixels, drawn in [dots_min, dots_max].
  int dots_min = 20, dots_max = 40;
  // The noise line: a sine curve through the text with curve_probability, else (with
  // line_probability, of what is left) a straight line of line_width pixels across it.
  double curve_probability = 1;
  double line_probability = 0;
  double line_width = 2;
  // A drop shadow of the text: with shadow_probability, the background under the text moved
  // by shadow_offset x the height (right and down) is darkened by shadow_strength (0..1).
  double shadow_probability = 0;
  double shadow_offset = 0.06;
  double shadow_strength = 0.5;
  // A one-pixel frame in the text colour, with this probability.
  double border_probability = 0;
  // A Gaussian blur with sigma in [blur_sigma_min, blur_sigma_max], with blur_probability.
  double blur_probability = 0.7;
  double blur_sigma_min = 0.4, blur_sigma_max = 0.8;
};

struct GeneratorOptions {
  int length = 4;                      // characters per captcha
  std::string charset = "0123456789";  // characters drawn uniformly
  int width = 160;                     // output image size (pixels)
  int height = 60;
  uint64_t seed = 1;
  // TrueType fonts; empty = the DejaVu fonts found in /usr/share/fonts/truetype/dejavu.
  std::vector<std::string> fonts;
  GeneratorStyle style;
};

struct Sample {
  cv::Mat image;      // CV_8UC3, BGR, height x width
  std::string label;  // `length` characters of `charset`
};

class Generator {
 public:
  explicit Generator(GeneratorOptions options);  // throws seer::Error if no font can be loaded
  ~Generator();
  Generator(Generator&&) noexcept;
  Generator& operator=(Generator&&) noexcept;

  const GeneratorOptions& options() const { return options_; }

  // The index-th captcha of this seed's stream (random label).
  Sample sample(uint64_t index) const;
  // A captcha of a given label, randomness drawn from (seed, index).
  cv::Mat render(const std::string& label, uint64_t index) const;

  // Writes `count` PNGs `<label>_<index>.png` into `dir` (created), indices start..start+count-1,
  // using `threads` worker threads. Returns the file names written.
  std::vector<std::string> write_folder(const std::filesystem::path& dir, uint64_t count,
                                        uint64_t start = 0, int threads = 1) const;

 private:
  struct Impl;
  GeneratorOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seer::captcha
