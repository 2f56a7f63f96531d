#include "seer/detection/data/transforms.h"

#include <algorithm>
#include <cmath>

#include "seer/core/error.h"

namespace seer::detection {
namespace {

template <typename GetBox>
double resize_impl(cv::Mat& image, size_t n, GetBox box, int short_side, int max_long_side, int interpolation) {
  if (image.empty()) throw Error("resize_short_side: empty image");
  const double scale = short_side_scale(image.size(), short_side, max_long_side);
  const int w = std::max(1, static_cast<int>(std::lround(image.cols * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(image.rows * scale)));
  if (w != image.cols || h != image.rows) {
    cv::Mat out;
    cv::resize(image, out, cv::Size(w, h), 0, 0, interpolation);
    image = out;
  }
  const float s = static_cast<float>(scale), W = static_cast<float>(w), H = static_cast<float>(h);
  for (size_t i = 0; i < n; ++i) {
    Box& b = box(i);
    b = Box{std::clamp(b.x1 * s, 0.0f, W), std::clamp(b.y1 * s, 0.0f, H), std::clamp(b.x2 * s, 0.0f, W),
            std::clamp(b.y2 * s, 0.0f, H)};
  }
  return scale;
}

}  // namespace

double short_side_scale(cv::Size size, int short_side, int max_long_side) {
  if (size.width <= 0 || size.height <= 0) throw Error("short_side_scale: empty image size");
  if (short_side <= 0) throw Error("short_side_scale: short_side must be positive");
  const double shorter = std::min(size.width, size.height), longer = std::max(size.width, size.height);
  double scale = short_side / shorter;
  if (max_long_side > 0 && std::round(scale * longer) > max_long_side) scale = max_long_side / longer;
  return scale;
}

double resize_short_side(cv::Mat& image, std::vector<DetectionObject>& objects, int short_side,
                         int max_long_side, int interpolation) {
  return resize_impl(image, objects.size(), [&](size_t i) -> Box& { return objects[i].box; }, short_side,
                     max_long_side, interpolation);
}

double resize_short_side(cv::Mat& image, std::vector<Box>& boxes, int short_side, int max_long_side,
                         int interpolation) {
  return resize_impl(image, boxes.size(), [&](size_t i) -> Box& { return boxes[i]; }, short_side,
                     max_long_side, interpolation);
}

Box flip_box(const Box& b, int width) {
  const float W = static_cast<float>(width);
  return Box{W - b.x2, b.y1, W - b.x1, b.y2};
}

void flip_horizontal(cv::Mat& image, std::vector<DetectionObject>& objects) {
  if (image.empty()) throw Error("flip_horizontal: empty image");
  cv::flip(image, image, 1);
  for (auto& o : objects) o.box = flip_box(o.box, image.cols);
}

void flip_horizontal(cv::Mat& image, std::vector<Box>& boxes) {
  if (image.empty()) throw Error("flip_horizontal: empty image");
  cv::flip(image, image, 1);
  for (auto& b : boxes) b = flip_box(b, image.cols);
}

TransformResult apply_train_transforms(cv::Mat& image, std::vector<DetectionObject>& objects,
                                       const TransformOptions& options, double random01) {
  TransformResult r;
  r.scale = resize_short_side(image, objects, options.short_side, options.max_long_side, options.interpolation);
  if (random01 < options.flip_probability) {
    flip_horizontal(image, objects);
    r.flipped = true;
  }
  return r;
}

}  // namespace seer::detection
