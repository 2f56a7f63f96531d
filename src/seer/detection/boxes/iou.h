// Box areas and the pairwise IoU matrix, with torchvision.ops.box_area / box_iou's semantics.
//
// Boxes are [N, 4] (x1, y1, x2, y2) in seer's continuous convention (see box.h): a box covers
// [x1, x2) x [y1, y2), so area = (x2 - x1) * (y2 - y1), with no "+1". Boxes are expected to be
// well formed (x2 >= x1, y2 >= y1); like torchvision, box_area does not clamp a reversed box.
// Any device, any floating dtype (integer boxes are converted to float); both functions are
// plain tensor expressions, so they are differentiable.
#pragma once

#include <ATen/core/Tensor.h>

namespace seer::detection {

// [N, 4] -> [N]: (x2 - x1) * (y2 - y1). Throws seer::Error when `boxes` is not [N, 4].
at::Tensor box_area(const at::Tensor& boxes);

// [N, 4] x [M, 4] -> [N, M]: intersection over union of every pair, computed as torchvision
// does (inter = clamp(min(x2) - max(x1), 0) * clamp(min(y2) - max(y1), 0),
// union = area_a + area_b - inter, iou = inter / union), except that a pair whose union is
// not positive (two zero-area boxes, or degenerate input) gets IoU 0, never NaN. N or M may
// be 0. Both tensors must be on the same device; the result has their promoted floating dtype.
at::Tensor box_iou(const at::Tensor& boxes1, const at::Tensor& boxes2);

}  // namespace seer::detection
