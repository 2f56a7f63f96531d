// The detector's input: images as normalised tensors, padded into one batch.
//
// An image (8-bit BGR, as OpenCV reads it) becomes a float tensor [3, H, W] of RGB values in
// [0, 1], minus a per-channel mean, divided by a per-channel standard deviation (by default
// ImageNet's, which torchvision's pretrained backbones expect, so a --init from them sees the
// input they were trained on). A batch pads every image with zeros at the right and bottom to
// the largest height and width, rounded up to a multiple of the backbone stride, and records
// each image's own size: anchors and proposals outside it are ignored or clipped.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

namespace seer::detection::models {

struct InputOptions {
  int short_side = 600;      // test-time length of the shorter side (py-faster-rcnn's SCALES)
  int max_long_side = 1000;  // cap on the longer side (py-faster-rcnn's MAX_SIZE)
  std::array<double, 3> mean = {0.485, 0.456, 0.406};  // RGB, of values in [0, 1]
  std::array<double, 3> std = {0.229, 0.224, 0.225};

  nlohmann::json to_json() const;
  static InputOptions from_json(const nlohmann::json& j);
};

// [3, H, W] float, normalised (see above). `bgr`: 8-bit, 3 channels (seer::Error otherwise).
at::Tensor image_to_tensor(const cv::Mat& bgr, const InputOptions& input);

struct ImageBatch {
  at::Tensor images;                            // [N, 3, H, W], zero padded
  std::vector<std::array<int64_t, 2>> sizes;    // each image's (height, width) before padding
  int64_t size() const { return static_cast<int64_t>(sizes.size()); }
};

// Pads [3, H_i, W_i] images into one batch whose H and W are multiples of `size_divisible`.
ImageBatch batch_images(const std::vector<at::Tensor>& images, int64_t size_divisible);

}  // namespace seer::detection::models
