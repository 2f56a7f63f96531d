// The smooth-L1 box regression loss of Fast / Faster R-CNN, exactly as py-faster-rcnn's
// SmoothL1Loss layer computes it (inside and outside weights, sigma):
//
//   loss = reduce( w_out * f(w_in * (pred - target)) )
//   f(x) = 0.5 (sigma x)^2        if |x| < 1 / sigma^2
//        = |x| - 0.5 / sigma^2    otherwise
//
// sigma = 3 for the RPN, 1 for the Fast R-CNN head (where f is the usual smooth L1 / Huber loss
// with beta 1). The inside weights select the regressed coordinates (1 for the 4 deltas of a
// foreground RoI's class, 0 elsewhere); the outside weights normalise (py-faster-rcnn's RPN
// uses 1 / number of sampled anchors). Built from torch operations, so autograd gives the
// gradient: d loss / d pred = w_out * w_in * (sigma^2 x if |x| < 1/sigma^2 else sign(x)).
#pragma once

#include <ATen/core/Tensor.h>

namespace seer::detection {

struct SmoothL1Options {
  enum class Reduction { kNone, kSum, kMean };
  // 3 for the RPN, 1 for Fast R-CNN heads.
  double sigma = 1.0;
  // kSum (py-faster-rcnn), kMean (over all elements) or kNone (elementwise, pred's shape).
  Reduction reduction = Reduction::kSum;
  // The reduced loss is divided by this (kSum and kMean only). py-faster-rcnn's layer divides
  // its sum by the blob's first dimension (the number of images, 1 in its training) - pass
  // that here; or a count of sampled boxes when the outside weights are left at 1.
  double normalizer = 1.0;
};

// pred, target: same shape, floating, same device. inside_weights / outside_weights:
// broadcastable to pred's shape; an undefined tensor means 1. Returns a scalar (kSum, kMean)
// or pred's shape (kNone). Throws seer::Error on mismatched shapes, sigma <= 0 or
// normalizer <= 0.
at::Tensor smooth_l1_loss(const at::Tensor& pred, const at::Tensor& target,
                          const at::Tensor& inside_weights = {},
                          const at::Tensor& outside_weights = {},
                          const SmoothL1Options& options = {});

}  // namespace seer::detection
