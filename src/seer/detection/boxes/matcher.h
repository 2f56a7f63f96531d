// Assigns every prediction (anchor / proposal) to a ground-truth box or to the negative /
// ignored bands, from an IoU matrix - torchvision's detection Matcher.
//
// Given quality[g, n] (the IoU of ground truth g and prediction n), prediction n's best
// ground truth is g* = argmax_g quality[g, n] (the first maximum on ties) with value q*:
//   q* >= high_threshold                 -> g*
//   low_threshold <= q* < high_threshold -> kBetweenThresholds (-2: ignored in the loss)
//   q* < low_threshold                   -> kBelowLowThreshold (-1: background)
// With allow_low_quality_matches (Faster R-CNN's RPN rule), every ground truth g also claims
// the predictions that reach its highest IoU max_n quality[g, n] - all of them on ties - and
// each such prediction is set back to its own best ground truth g* (as torchvision does, which
// is g itself unless another ground truth overlaps the prediction more). As in torchvision,
// a ground truth that overlaps no prediction (highest IoU 0) claims every prediction it has IoU
// 0 with; callers give the RPN anchors that cover the image, where this does not arise.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>

namespace seer::detection {

struct MatcherOptions {
  double high_threshold = 0.7;  // RPN: 0.7; Fast R-CNN head: 0.5
  double low_threshold = 0.3;   // RPN: 0.3; Fast R-CNN head: 0.5 (no ignore band)
  bool allow_low_quality_matches = false;  // RPN: true
};

class Matcher {
 public:
  static constexpr int64_t kBelowLowThreshold = -1;
  static constexpr int64_t kBetweenThresholds = -2;

  // Throws seer::Error unless low_threshold <= high_threshold.
  Matcher(double high_threshold, double low_threshold, bool allow_low_quality_matches = false);
  explicit Matcher(const MatcherOptions& options);

  const MatcherOptions& options() const { return options_; }

  // quality: [G, N] (any device, floating). Returns [N] int64 on its device: the matched ground
  // truth index per prediction, or kBelowLowThreshold / kBetweenThresholds. G == 0 (an image
  // without objects) gives all kBelowLowThreshold; N == 0 gives an empty tensor. Throws
  // seer::Error when quality is not 2-D.
  at::Tensor operator()(const at::Tensor& quality) const;

 private:
  MatcherOptions options_;
};

}  // namespace seer::detection
