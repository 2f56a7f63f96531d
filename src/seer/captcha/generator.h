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

struct GeneratorOptions {
  int length = 4;                      // characters per captcha
  std::string charset = "0123456789";  // characters drawn uniformly
  int width = 160;                     // output image size (pixels)
  int height = 60;
  uint64_t seed = 1;
  // TrueType fonts; empty = the DejaVu fonts found in /usr/share/fonts/truetype/dejavu.
  std::vector<std::string> fonts;
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
