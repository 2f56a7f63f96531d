#include "seer/captcha/augment.h"

#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "seer/core/error.h"
#include "seer/core/random.h"

namespace seer::captcha {

AugmentOptions AugmentOptions::preset(const std::string& name) {
  AugmentOptions o;
  if (name == "none") return o;
  o.rotate_degrees = 4;
  o.scale = 0.08;
  o.shift_x = 0.04;
  o.shift_y = 0.04;
  if (name == "light") return o;
  if (name == "strong") {
    // Rotation tilts a wide captcha's ends up and down (3 deg is 4 px at the end of a 160 px
    // input, an eighth of its height): kept small, shear does the slanting.
    o.rotate_degrees = 3;
    o.scale = 0.08;
    o.shear = 0.2;
    o.shift_x = 0.03;
    o.shift_y = 0.06;
    o.elastic_pixels = 1.5;
    o.elastic_cell = 8;
    o.line_probability = 0.3;
    o.blur_probability = 0.3;
    o.blur_sigma = 1.0;
    o.contrast = 0.3;
    o.brightness = 0.1;
    o.noise_sigma = 0.05;
    return o;
  }
  throw Error("unknown augmentation '" + name + "' (none, light or strong)");
}

bool AugmentOptions::enabled() const {
  return rotate_degrees > 0 || scale > 0 || shear > 0 || shift_x > 0 || shift_y > 0 ||
         elastic_pixels > 0 || line_probability > 0 || blur_probability > 0 || contrast > 0 ||
         brightness > 0 || noise_sigma > 0;
}

nlohmann::json AugmentOptions::to_json() const {
  return {{"rotate_degrees", rotate_degrees}, {"scale", scale},
          {"shear", shear},                   {"shift_x", shift_x},
          {"shift_y", shift_y},               {"elastic_pixels", elastic_pixels},
          {"elastic_cell", elastic_cell},     {"line_probability", line_probability},
          {"blur_probability", blur_probability}, {"blur_sigma", blur_sigma},
          {"contrast", contrast},             {"brightness", brightness},
          {"noise_sigma", noise_sigma}};
}

AugmentOptions AugmentOptions::from_json(const nlohmann::json& j) {
  AugmentOptions o;
  auto get = [&](const char* key, double& v) {
    if (j.contains(key)) v = j.at(key).get<double>();
    if (!std::isfinite(v) || v < 0) throw Error(std::string("augmentation option ") + key + " must be finite and >= 0");
  };
  get("rotate_degrees", o.rotate_degrees);
  get("scale", o.scale);
  get("shear", o.shear);
  get("shift_x", o.shift_x);
  get("shift_y", o.shift_y);
  get("elastic_pixels", o.elastic_pixels);
  get("elastic_cell", o.elastic_cell);
  get("line_probability", o.line_probability);
  get("blur_probability", o.blur_probability);
  get("blur_sigma", o.blur_sigma);
  get("contrast", o.contrast);
  get("brightness", o.brightness);
  get("noise_sigma", o.noise_sigma);
  if (o.scale >= 1) throw Error("augmentation scale must be < 1");
  if (o.elastic_cell < 1) throw Error("augmentation elastic_cell must be >= 1");
  return o;
}

void augment_image(float* pixels, int width, int height, const AugmentOptions& o, uint64_t seed) {
  if (width < 1 || height < 1) throw Error("augment_image: empty image");
  cv::Mat img(height, width, CV_32F, pixels);
  SplitMix64 rng(mix64(seed));
  const double mean = cv::mean(img)[0];
  // The background's level (the median: most pixels of a captcha are background) and the
  // ink's (the 3rd percentile), from a sample of the pixels.
  std::vector<float> sample;
  const int n = width * height, stride = std::max(1, n / 512);
  for (int i = 0; i < n; i += stride) sample.push_back(pixels[i]);
  std::sort(sample.begin(), sample.end());
  const double background = sample[sample.size() / 2], ink = sample[sample.size() * 3 / 100];

  // Geometry: one affine map (about the centre), then the elastic field, as one remap.
  const double angle = rng.uniform(-o.rotate_degrees, o.rotate_degrees);
  const double scale = 1.0 + rng.uniform(-o.scale, o.scale);
  const double shear = rng.uniform(-o.shear, o.shear);
  const double dx = rng.uniform(-o.shift_x, o.shift_x) * width;
  const double dy = rng.uniform(-o.shift_y, o.shift_y) * height;
  const bool affine = angle != 0 || scale != 1 || shear != 0 || dx != 0 || dy != 0;
  if (affine || o.elastic_pixels > 0) {
    // Output pixel (x, y) samples the input at A^-1 (p - c - d) + c, plus the elastic offset.
    const double a = angle * M_PI / 180, ca = std::cos(a) / scale, sa = std::sin(a) / scale;
    const double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    cv::Mat map_x(height, width, CV_32F), map_y(height, width, CV_32F);
    cv::Mat ex, ey;
    if (o.elastic_pixels > 0) {
      const int gw = std::max(2, static_cast<int>(std::ceil(width / o.elastic_cell)) + 1);
      const int gh = std::max(2, static_cast<int>(std::ceil(height / o.elastic_cell)) + 1);
      cv::Mat gx(gh, gw, CV_32F), gy(gh, gw, CV_32F);
      for (int r = 0; r < gh; ++r) {
        for (int c = 0; c < gw; ++c) {
          gx.at<float>(r, c) = static_cast<float>(rng.uniform(-o.elastic_pixels, o.elastic_pixels));
          gy.at<float>(r, c) = static_cast<float>(rng.uniform(-o.elastic_pixels, o.elastic_pixels));
        }
      }
      cv::resize(gx, ex, img.size(), 0, 0, cv::INTER_CUBIC);
      cv::resize(gy, ey, img.size(), 0, 0, cv::INTER_CUBIC);
    }
    for (int y = 0; y < height; ++y) {
      float* mx = map_x.ptr<float>(y);
      float* my = map_y.ptr<float>(y);
      for (int x = 0; x < width; ++x) {
        // Undo the shift, the shear (x' = x + k y about the centre), then the rotation-scale.
        const double px = x - cx - dx, py = y - cy - dy;
        const double sx = px - shear * py;
        double ix = ca * sx - sa * py + cx;
        double iy = sa * sx + ca * py + cy;
        if (!ex.empty()) {
          ix += ex.at<float>(y, x);
          iy += ey.at<float>(y, x);
        }
        mx[x] = static_cast<float>(ix);
        my[x] = static_cast<float>(iy);
      }
    }
    cv::Mat out;
    // What moves in from outside is background (replicating the edge would smear a frame or
    // a character across the image).
    cv::remap(img, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(background));
    out.copyTo(img);
  }

  // Strokes: 1-2 lines from the left edge to the right in the ink's tone (captchas draw their
  // lines with the text's pen).
  if (o.line_probability > 0 && rng.chance(o.line_probability)) {
    const int lines = rng.chance(0.5) ? 2 : 1;
    for (int l = 0; l < lines; ++l) {
      const double y0 = rng.uniform(0.15, 0.85) * height, y1 = rng.uniform(0.15, 0.85) * height;
      const double tone = ink + rng.uniform(0.0, 0.25) * (background - ink);
      const int thickness = rng.chance(0.5) ? 2 : 1;
      cv::line(img, cv::Point(0, static_cast<int>(y0)), cv::Point(width - 1, static_cast<int>(y1)),
               cv::Scalar(tone), thickness, cv::LINE_8);
    }
  }

  if (o.blur_probability > 0 && rng.chance(o.blur_probability)) {
    const double sigma = rng.uniform(0.3, std::max(0.3, o.blur_sigma));
    cv::GaussianBlur(img, img, cv::Size(0, 0), sigma, sigma, cv::BORDER_REPLICATE);
  }

  const double contrast = 1.0 + rng.uniform(-o.contrast, o.contrast);
  const double brightness = rng.uniform(-o.brightness, o.brightness);
  const double noise = rng.uniform(0, o.noise_sigma);
  if (contrast != 1 || brightness != 0 || noise > 0) {
    for (int y = 0; y < height; ++y) {
      float* row = img.ptr<float>(y);
      for (int x = 0; x < width; ++x) {
        double v = (row[x] - mean) * contrast + mean + brightness;
        if (noise > 0) v += noise * rng.normal();
        row[x] = static_cast<float>(std::clamp(v, 0.0, 1.0));
      }
    }
  }
}

cv::Mat augmentation_preview(const std::vector<cv::Mat>& inputs, const AugmentOptions& options,
                             int variants, uint64_t seed) {
  if (inputs.empty()) throw Error("augmentation_preview: no images");
  const int w = inputs[0].cols, h = inputs[0].rows, gap = 4, cell_w = 2 * w + gap, cell_h = 2 * h + gap;
  cv::Mat sheet(static_cast<int>(inputs.size()) * cell_h + gap, (variants + 1) * cell_w + gap, CV_8U,
                cv::Scalar(255));
  for (size_t r = 0; r < inputs.size(); ++r) {
    if (inputs[r].type() != CV_32F || inputs[r].cols != w || inputs[r].rows != h)
      throw Error("augmentation_preview: inputs must be float images of one size");
    for (int v = 0; v <= variants; ++v) {
      cv::Mat img = inputs[r].clone();
      if (v > 0) augment_image(img.ptr<float>(), w, h, options, mix64(seed + r * 1000 + v));
      cv::Mat big, bytes;
      cv::resize(img, big, cv::Size(2 * w, 2 * h), 0, 0, cv::INTER_NEAREST);
      big.convertTo(bytes, CV_8U, 255);
      bytes.copyTo(sheet(cv::Rect(gap + v * cell_w, gap + static_cast<int>(r) * cell_h, 2 * w, 2 * h)));
    }
  }
  return sheet;
}

}  // namespace seer::captcha
