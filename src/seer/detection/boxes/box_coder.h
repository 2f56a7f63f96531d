// The R-CNN box parametrisation (Girshick et al.): a box as offsets (dx, dy, dw, dh) from a
// reference box (anchor or proposal), with torchvision's BoxCoder semantics; plus the two box
// clean-ups that follow decoding in a region proposal network (clip to the image, drop tiny
// boxes).
//
// For a reference box P (width pw = x2 - x1, centre px = x1 + 0.5 pw; likewise in y) and a
// target box G, with weights (wx, wy, ww, wh):
//   dx = wx (gx - px) / pw    dy = wy (gy - py) / ph
//   dw = ww log(gw / pw)      dh = wh log(gh / ph)
// Decoding inverts this, after dividing by the weights and clamping dw, dh at `clip`
// (log(1000 / 16) by default) so that exp() cannot overflow on a wild prediction; the decoded
// box is (cx - 0.5 w, cy - 0.5 h, cx + 0.5 w, cy + 0.5 h). Boxes follow box.h (continuous
// coordinates, width = x2 - x1). All functions are tensor expressions: any device, any
// floating dtype, differentiable.
#pragma once

#include <array>
#include <cmath>

#include <ATen/core/Tensor.h>

namespace seer::detection {

struct BoxCoderOptions {
  // (wx, wy, ww, wh). 1, 1, 1, 1 for the RPN; Fast R-CNN heads use 10, 10, 5, 5 (the
  // reciprocals of the standard deviations py-faster-rcnn normalises its targets with).
  std::array<double, 4> weights = {1.0, 1.0, 1.0, 1.0};
  // Upper bound on dw / ww and dh / wh before exp() in decode(): a box grows at most 1000/16
  // = 62.5 times its reference in each direction.
  double clip = std::log(1000.0 / 16.0);
};

class BoxCoder {
 public:
  BoxCoder() = default;
  explicit BoxCoder(const BoxCoderOptions& options);
  // Shorthand for BoxCoderOptions{{wx, wy, ww, wh}} (the default clip).
  BoxCoder(double wx, double wy, double ww, double wh);

  const BoxCoderOptions& options() const { return options_; }

  // reference_boxes (the targets, e.g. matched ground truth) and proposals (the references,
  // e.g. anchors): both [N, 4], same device. Returns the deltas [N, 4] (dx, dy, dw, dh) in
  // their promoted floating dtype. A proposal of zero width or height gives inf / NaN deltas,
  // as in torchvision: remove such boxes first. Throws seer::Error on bad shapes.
  at::Tensor encode(const at::Tensor& reference_boxes, const at::Tensor& proposals) const;

  // deltas [N, 4K] (K = 1, or one group of 4 per class as a Fast R-CNN head predicts them) and
  // boxes [N, 4] (the references). Returns the decoded boxes [N, 4K] in deltas' dtype, group k
  // decoded from deltas[:, 4k:4k+4]. Throws seer::Error on bad shapes.
  at::Tensor decode(const at::Tensor& deltas, const at::Tensor& boxes) const;

 private:
  BoxCoderOptions options_;
};

// Clamps x coordinates to [0, width] and y coordinates to [0, height] (torchvision's
// clip_boxes_to_image). boxes: [..., 2n] with alternating x, y columns ([N, 4] or the
// [N, 4K] of decode()); returns a new tensor of the same shape.
at::Tensor clip_boxes_to_image(const at::Tensor& boxes, double height, double width);

// Indices (int64, ascending, on boxes' device) of the boxes [N, 4] whose width and height are
// both >= min_size (torchvision's remove_small_boxes).
at::Tensor remove_small_boxes(const at::Tensor& boxes, double min_size);

}  // namespace seer::detection
