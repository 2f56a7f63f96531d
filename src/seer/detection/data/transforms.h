// Training transforms of the R-CNN family on an image and its boxes (box.h conventions: 0-based
// continuous coordinates, so a box scales by multiplying and flips as x1' = W - x2).
#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "seer/detection/data/dataset.h"

namespace seer::detection {

struct TransformOptions {
  int short_side = 600;        // target length of the shorter side (py-faster-rcnn's SCALES)
  int max_long_side = 1000;    // cap on the longer side (py-faster-rcnn's MAX_SIZE)
  double flip_probability = 0.5;  // horizontal flip chance (0 = never; evaluation uses 0)
  int interpolation = cv::INTER_LINEAR;
};

// The scale py-faster-rcnn uses: short_side / short, reduced to max_long_side / long when
// round(long * scale) would exceed max_long_side.
double short_side_scale(cv::Size size, int short_side = 600, int max_long_side = 1000);

// Resizes `image` by short_side_scale (new size = round(W * scale) x round(H * scale)) and
// multiplies every box by the same scale (clipped to the new image). Returns the scale.
double resize_short_side(cv::Mat& image, std::vector<DetectionObject>& objects, int short_side = 600,
                         int max_long_side = 1000, int interpolation = cv::INTER_LINEAR);
double resize_short_side(cv::Mat& image, std::vector<Box>& boxes, int short_side = 600,
                         int max_long_side = 1000, int interpolation = cv::INTER_LINEAR);

// A box in an image of width `width`, mirrored left-right: (W - x2, y1, W - x1, y2).
Box flip_box(const Box& box, int width);

// Mirrors `image` left-right, and the boxes with it. Twice is the identity.
void flip_horizontal(cv::Mat& image, std::vector<DetectionObject>& objects);
void flip_horizontal(cv::Mat& image, std::vector<Box>& boxes);

struct TransformResult {
  double scale = 1;      // image and boxes were multiplied by this
  bool flipped = false;  // then mirrored left-right
};

// resize_short_side, then a flip with probability options.flip_probability decided by
// `random01` (a number in [0, 1): flip when random01 < flip_probability), so the caller's RNG
// keeps the transform reproducible.
TransformResult apply_train_transforms(cv::Mat& image, std::vector<DetectionObject>& objects,
                                       const TransformOptions& options, double random01);

}  // namespace seer::detection
