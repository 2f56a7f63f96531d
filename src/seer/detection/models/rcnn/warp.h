// R-CNN's input: each region proposal cut out with context and warped to the network's fixed
// square input (Girshick et al. 2014, appendix A, "warp" with p = 16 pixels of context): the
// box is dilated about its centre so that, once its window is resized to size x size, the
// original box covers the central (size - 2 p) x (size - 2 p) pixels and p pixels of image
// context surround it on every side. Parts of the dilated window outside the image are filled
// with the image's mean colour (the network then sees zero after mean subtraction), as R-CNN
// does. Box conventions: detection/boxes/box.h.
#pragma once

#include <ATen/core/Tensor.h>
#include <vector>

#include <opencv2/core.hpp>

#include "seer/detection/boxes/box.h"

namespace seer::detection::models::rcnn {

struct WarpOptions {
  int size = 96;     // side of the warped window (R-CNN's AlexNet: 227)
  int context = 16;  // pixels of context around the box in the warped window (R-CNN: 16)
};

// The dilated window of `box` (may extend past the image): same centre, width and height
// times size / (size - 2 context). seer::Error unless 0 <= 2 context < size.
Box context_window(const Box& box, const WarpOptions& options);

// The same for boxes [N, 4] (a tensor expression, any device).
at::Tensor context_windows(const at::Tensor& boxes, const WarpOptions& options);

// Every box of each image with context, warped to options.size x options.size from the batch's
// normalised images [B, 3, H, W] (bilinear sampling by RoIAlign with 2 x 2 points per output
// pixel; outside the image it reads 0, the mean colour after normalisation, as R-CNN fills it):
// boxes[i] [R_i, 4] in image i's coordinates -> [sum R_i, 3, size, size].
at::Tensor warp_windows(const at::Tensor& images, const std::vector<at::Tensor>& boxes, const WarpOptions& options);

// `box` of the 8-bit BGR `image` with context, warped to options.size x options.size (bilinear;
// anisotropic, as R-CNN). seer::Error on an empty box or image.
cv::Mat warp_window(const cv::Mat& image, const Box& box, const WarpOptions& options);

}  // namespace seer::detection::models::rcnn
