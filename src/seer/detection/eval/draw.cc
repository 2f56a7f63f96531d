#include "seer/detection/eval/draw.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"

namespace seer::detection {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// tab20 (BGR): the strong colours first, then their light partners.
const std::array<cv::Scalar, 20> kPalette = {
    cv::Scalar(180, 119, 31),  cv::Scalar(14, 127, 255),  cv::Scalar(44, 160, 44),
    cv::Scalar(40, 39, 214),   cv::Scalar(189, 103, 148), cv::Scalar(75, 86, 140),
    cv::Scalar(194, 119, 227), cv::Scalar(127, 127, 127), cv::Scalar(34, 189, 188),
    cv::Scalar(207, 190, 23),  cv::Scalar(232, 199, 174), cv::Scalar(120, 187, 255),
    cv::Scalar(138, 223, 152), cv::Scalar(150, 152, 255), cv::Scalar(213, 176, 197),
    cv::Scalar(148, 156, 196), cv::Scalar(210, 182, 247), cv::Scalar(199, 199, 199),
    cv::Scalar(141, 219, 219), cv::Scalar(229, 218, 158)};

const cv::Scalar kWhite(255, 255, 255);
const cv::Scalar kBlack(0, 0, 0);
const cv::Scalar kDifficult(170, 170, 170);

// Pixel rectangle covered by a continuous box, clipped to the image; empty when outside.
cv::Rect pixel_rect(const Box& b, const cv::Size& size, int scale) {
  const int x1 = static_cast<int>(std::floor(b.x1 * scale));
  const int y1 = static_cast<int>(std::floor(b.y1 * scale));
  const int x2 = static_cast<int>(std::ceil(b.x2 * scale));
  const int y2 = static_cast<int>(std::ceil(b.y2 * scale));
  return cv::Rect(x1, y1, std::max(0, x2 - x1), std::max(0, y2 - y1)) &
         cv::Rect(0, 0, size.width, size.height);
}

void dashed_rect(cv::Mat& img, const cv::Rect& r, const cv::Scalar& color, int thickness) {
  const int dash = 6 * thickness, gap = 4 * thickness;
  const cv::Point corners[5] = {{r.x, r.y},
                                {r.x + r.width - 1, r.y},
                                {r.x + r.width - 1, r.y + r.height - 1},
                                {r.x, r.y + r.height - 1},
                                {r.x, r.y}};
  for (int e = 0; e < 4; ++e) {
    const cv::Point a = corners[e], b = corners[e + 1];
    const double len = std::hypot(b.x - a.x, b.y - a.y);
    for (double s = 0; s < len; s += dash + gap) {
      const double t0 = s / std::max(len, 1.0), t1 = std::min(s + dash, len) / std::max(len, 1.0);
      cv::line(img, a + (b - a) * t0, a + (b - a) * t1, color, thickness, cv::LINE_8);
    }
  }
}

// A text tag with a filled background; `anchor` is its bottom-left corner (above a box) or its
// top-left corner (`below`), kept inside the image.
void tag(cv::Mat& img, const std::string& text, cv::Point anchor, bool below, double font_scale,
         const cv::Scalar& background, int thickness) {
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, kFont, font_scale, thickness, &baseline);
  const int pad = std::max(2, static_cast<int>(std::lround(3 * font_scale)));
  const int w = size.width + 2 * pad, h = size.height + baseline + 2 * pad;
  int x = anchor.x, y = below ? anchor.y : anchor.y - h;
  x = std::clamp(x, 0, std::max(0, img.cols - w));
  y = std::clamp(y, 0, std::max(0, img.rows - h));
  cv::rectangle(img, cv::Rect(x, y, w, h), background, cv::FILLED);
  // Black text on light tags, white on dark ones (perceived luminance).
  const double luminance = 0.114 * background[0] + 0.587 * background[1] + 0.299 * background[2];
  cv::putText(img, text, {x + pad, y + pad + size.height}, kFont, font_scale,
              luminance > 140 ? kBlack : kWhite, thickness, cv::LINE_AA);
}

std::string class_name(const std::vector<std::string>& classes, int label) {
  if (label >= 0 && label < static_cast<int>(classes.size())) return classes[label];
  return fmt::format("#{}", label);
}

}  // namespace

cv::Scalar class_color(int label) {
  const int n = static_cast<int>(kPalette.size());
  return kPalette[((label % n) + n) % n];
}

cv::Mat draw_detections(const cv::Mat& image, const std::vector<std::string>& classes,
                        const std::vector<DetectionObject>& ground_truth,
                        const std::vector<Detection>& detections, const DrawOptions& options) {
  if (image.empty()) throw Error("draw_detections: empty image");
  if (image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3 && image.channels() != 4)) {
    throw Error("draw_detections: expected an 8-bit gray, BGR or BGRA image");
  }
  cv::Mat img;
  if (image.channels() == 1) cv::cvtColor(image, img, cv::COLOR_GRAY2BGR);
  else if (image.channels() == 4) cv::cvtColor(image, img, cv::COLOR_BGRA2BGR);
  else img = image.clone();
  int scale = options.scale;
  if (scale <= 0) scale = std::min(img.cols, img.rows) < 400 ? 2 : 1;
  if (scale > 1) cv::resize(img, img, {}, scale, scale, cv::INTER_NEAREST);

  const int short_side = std::min(img.cols, img.rows);
  const double font_scale = std::clamp(short_side / 900.0, 0.4, 1.2);
  const int thickness = std::max(1, short_side / 300);
  const int text_thickness = font_scale >= 0.9 ? 2 : 1;

  if (options.ground_truth) {
    for (const auto& o : ground_truth) {
      const cv::Rect r = pixel_rect(o.box, img.size(), scale);
      if (r.empty()) continue;
      cv::rectangle(img, r, kBlack, 1);
      dashed_rect(img, r, o.difficult ? kDifficult : kWhite, thickness);
    }
  }
  // Detections drawn lowest score first, so the best boxes and tags end on top.
  std::vector<size_t> order;
  for (size_t i = 0; i < detections.size(); ++i) {
    if (detections[i].score >= options.score_threshold) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return detections[a].score < detections[b].score; });
  for (size_t i : order) {
    const Detection& d = detections[i];
    const cv::Rect r = pixel_rect(d.box, img.size(), scale);
    if (r.empty()) continue;
    cv::rectangle(img, r, class_color(d.label), thickness + 1, cv::LINE_8);
  }
  // Tags after all the boxes, so that no box crosses a tag.
  if (options.ground_truth) {
    for (const auto& o : ground_truth) {
      const cv::Rect r = pixel_rect(o.box, img.size(), scale);
      if (r.empty()) continue;
      const std::string text =
          "GT " + class_name(classes, o.label) + (o.difficult ? " (difficult)" : "");
      int baseline = 0;
      const cv::Size size = cv::getTextSize(text, kFont, font_scale * 0.85, text_thickness, &baseline);
      const int h = size.height + baseline + 2 * std::max(2, static_cast<int>(std::lround(3 * font_scale)));
      tag(img, text, {r.x, r.y + r.height - h}, true, font_scale * 0.85,
          o.difficult ? kDifficult : kWhite, text_thickness);
    }
  }
  for (size_t i : order) {
    const Detection& d = detections[i];
    const cv::Rect r = pixel_rect(d.box, img.size(), scale);
    if (r.empty()) continue;
    const std::string text = fmt::format("{} {:.2f}", class_name(classes, d.label), d.score);
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, kFont, font_scale, text_thickness, &baseline);
    const int h = size.height + baseline + 2 * std::max(2, static_cast<int>(std::lround(3 * font_scale)));
    const bool inside = r.y < h;  // no room above: put the tag inside the box's top
    tag(img, text, cv::Point(r.x, r.y), inside, font_scale,
        class_color(d.label), text_thickness);
  }
  return img;
}

void write_image_atomic(const std::filesystem::path& file, const cv::Mat& image, int jpeg_quality) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  std::vector<int> params;
  if (ext == ".jpg" || ext == ".jpeg") {
    params = {cv::IMWRITE_JPEG_QUALITY, std::clamp(jpeg_quality, 1, 100)};
  } else if (ext != ".png") {
    throw file_error(file.string(), "unsupported image format (use .png, .jpg or .jpeg)");
  }
  std::vector<uchar> bytes;
  if (!cv::imencode(ext, image, bytes, params)) throw file_error(file.string(), "cannot encode the image");
  write_file_atomic(file, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace seer::detection
