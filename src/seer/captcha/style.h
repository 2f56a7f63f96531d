// The look of a folder of captchas, measured, and a generator fitted to it (`seer captcha
// generate --like DIR`, `seer captcha train --data generated --like DIR`): synthetic
// pretraining styled on the real images, as Ye et al. (CCS 2018) do with far more machinery.
//
// measure_style() reduces images to a few numbers a person can read (sizes, background and
// ink levels, text extent, stroke width, noise, lines, shadow, frame, blur);
// fit_generator_style() then chooses a GeneratorStyle whose images measure the same: the
// direct ones (levels, lengths, probabilities) are copied, the rest (character size, text
// width, stroke width, speck count, blur, shadow) are adjusted over a few rounds of
// generating a sample and measuring it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "seer/captcha/generator.h"

namespace seer::captcha {

// One image's measurements (luma 0..255; fractions of the image's width or height). Ink is
// what is darker than its local background by over half the way to the darkest ink.
struct ImageStyle {
  double background_left = 0, background_right = 0;  // background luma, left / right tenth
  double background_tint = 0;  // mean channel spread (max - min) of the background
  double ink_luma = 0;         // median luma of the text's core
  double ink_tint = 0;         // mean channel spread of the text's core
  double ink_fraction = 0;     // share of the inside (frame excluded) that is ink
  double text_height = 0;      // rows holding the middle 90% of the ink, / height
  double text_width = 0;       // columns holding the middle 96% of the text's ink, / width
                               // (text columns: at least max(4, height / 8) ink pixels)
  double text_left = 0;        // where those columns begin, / width
  double stroke_width = 0;     // pixels: 2 x ink area / ink boundary
  double specks = 0;           // isolated ink blobs of <= 12 pixels, per 10,000 pixels
  double midtone_fraction = 0; // share of the inside between background and ink (shadows)
  double sharpness = 0;        // mean |Laplacian| / local contrast over the ink's edges
  bool line = false;           // a straight ink segment over half the width
  bool frame = false;          // a dark one-pixel frame
};

// A folder's look: medians of the images' measurements (and ranges where they vary).
struct CaptchaStyle {
  int count = 0;                            // images measured
  int width = 0, height = 0;                // median size
  int min_length = 0, max_length = 0;       // label lengths (0: no labels given)
  std::string charset;                      // characters of the labels, sorted
  double background_min = 0, background_max = 0;  // 10th / 90th percentile of the mean background luma
  double background_gradient = 0;           // median right - left background luma
  double background_tint = 0;
  double ink_luma = 0, ink_luma_max = 0;    // median / 90th percentile
  double ink_tint = 0;
  double ink_fraction = 0;
  double text_height = 0, text_width = 0, text_left = 0;
  double stroke_width = 0;
  double specks = 0;
  double midtone_fraction = 0;
  double sharpness = 0;
  double line_fraction = 0;                 // images with a straight line
  double frame_fraction = 0;                // images with a frame

  nlohmann::json to_json() const;
};

// `images`: CV_8UC3 BGR; `labels` (optional, same count) give lengths and charset.
ImageStyle measure_image(const cv::Mat& image);
CaptchaStyle measure_style(const std::vector<cv::Mat>& images, const std::vector<std::string>& labels = {});
// Up to `limit` images of a labelled folder (spread evenly over it), as FolderDataset reads it.
CaptchaStyle measure_folder(const std::filesystem::path& dir, int limit = 300);

struct StyleFit {
  GeneratorOptions options;               // size, length, charset and style to generate with
  CaptchaStyle target;                    // what was measured on the folder
  CaptchaStyle achieved;                  // what the fitted generator's sample measures
  int rounds = 0;
  nlohmann::json to_json() const;         // {"options": ..., "target": ..., "achieved": ...}
};

// Fits a generator's options to `target` (`base` gives the seed and fonts). `sample` images are
// generated per round, `rounds` rounds.
StyleFit fit_generator_style(const CaptchaStyle& target, const GeneratorOptions& base = {},
                             int sample = 96, int rounds = 4);

nlohmann::json style_to_json(const GeneratorStyle& style);
// Unknown keys are errors (a misspelt key would otherwise be silently ignored).
GeneratorStyle style_from_json(const nlohmann::json& json);
// {"width", "height", "length", "charset", "style"} (seed and fonts are the caller's).
nlohmann::json generator_options_to_json(const GeneratorOptions& options);
// Missing keys keep `base`'s values.
GeneratorOptions generator_options_from_json(const nlohmann::json& json, GeneratorOptions base = {});
// A style file: the style.json `generate --like` writes (its "options"), or such options alone.
GeneratorOptions read_generator_options(const std::filesystem::path& file, GeneratorOptions base = {});

}  // namespace seer::captcha
