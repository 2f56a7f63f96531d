#include "seer/detection/models/rcnn/warp.h"

#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "seer/core/error.h"
#include "seer/detection/ops/roi_align.h"
#include "seer/detection/ops/rois.h"

namespace seer::detection::models::rcnn {

Box context_window(const Box& box, const WarpOptions& o) {
  if (o.context < 0 || 2 * o.context >= o.size)
    throw Error(fmt::format("warp: context {} must be >= 0 and leave room in a {} px window", o.context, o.size));
  const double dilation = static_cast<double>(o.size) / (o.size - 2 * o.context);
  const double cx = 0.5 * (box.x1 + box.x2), cy = 0.5 * (box.y1 + box.y2);
  const double hw = 0.5 * box.width() * dilation, hh = 0.5 * box.height() * dilation;
  return Box{static_cast<float>(cx - hw), static_cast<float>(cy - hh), static_cast<float>(cx + hw),
             static_cast<float>(cy + hh)};
}

at::Tensor context_windows(const at::Tensor& boxes, const WarpOptions& o) {
  if (o.context < 0 || 2 * o.context >= o.size)
    throw Error(fmt::format("warp: context {} must be >= 0 and leave room in a {} px window", o.context, o.size));
  const double dilation = static_cast<double>(o.size) / (o.size - 2 * o.context);
  auto centre = (boxes.narrow(1, 0, 2) + boxes.narrow(1, 2, 2)) * 0.5;
  auto half = (boxes.narrow(1, 2, 2) - boxes.narrow(1, 0, 2)) * (0.5 * dilation);
  return torch::cat({centre - half, centre + half}, 1);
}

at::Tensor warp_windows(const at::Tensor& images, const std::vector<at::Tensor>& boxes, const WarpOptions& o) {
  std::vector<at::Tensor> windows;
  for (const auto& b : boxes) windows.push_back(context_windows(b.to(images.dtype()), o));
  return ops::roi_align(images, ops::boxes_to_rois(windows), {o.size, o.size}, 1.0, 2, /*aligned=*/true);
}

cv::Mat warp_window(const cv::Mat& image, const Box& box, const WarpOptions& o) {
  if (image.empty() || image.type() != CV_8UC3) throw Error("warp: needs an 8-bit colour image");
  if (!(box.width() > 0 && box.height() > 0))
    throw Error(fmt::format("warp: empty box ({}, {}, {}, {})", box.x1, box.y1, box.x2, box.y2));
  const Box w = context_window(box, o);
  // The affine map from the window to the output square: output pixel centre (u + 0.5) samples
  // the window at x1 + (u + 0.5) * width / size, which in OpenCV's pixel-centre coordinates is
  // that minus 0.5.
  const double sx = w.width() / o.size, sy = w.height() / o.size;
  cv::Mat m = (cv::Mat_<double>(2, 3) << sx, 0, w.x1 + 0.5 * sx - 0.5, 0, sy, w.y1 + 0.5 * sy - 0.5);
  cv::Mat out;
  const cv::Scalar mean = cv::mean(image);
  cv::warpAffine(image, out, m, cv::Size(o.size, o.size), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_CONSTANT, mean);
  return out;
}

}  // namespace seer::detection::models::rcnn
