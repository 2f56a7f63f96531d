// Non-maximum suppression with torchvision.ops.nms / batched_nms's exact results.
//
// Greedy NMS: take the highest-scoring box left, keep it, drop every remaining box whose IoU
// with it exceeds the threshold (strictly: IoU > iou_threshold), repeat. Ties in score keep
// the input order (a stable sort, as torchvision's; NaN scores count as the highest, as in
// torch.sort). IoU is computed in the boxes' dtype with torchvision's expressions
// (areas (x2 - x1) * (y2 - y1) precomputed; inter = max(0, min x2 - max x1) * max(0, ...);
// iou = inter / (area_i + area_j - inter), compared in double with the threshold), so the
// kept indices are identical to torchvision's, bit for bit - including its corner cases: two
// zero-area boxes have IoU NaN, which never suppresses.
//
// The CPU kernel works on the boxes gathered into structure-of-arrays in score order; each
// kept box sweeps the boxes still in play in one branch-free loop (vectorised, with an AVX2
// clone picked at run time on x86-64 with GCC), marking the suppressed ones, and the survivors
// are compacted once enough have been suppressed, so later sweeps only visit live boxes.
// Scores are ordered by an LSD radix sort. Single-threaded, float or double.
//
// Tensors on another device (CUDA) are copied to the CPU, suppressed there, and the indices
// copied back to the boxes' device: correct, not fast (for the ~10^4 boxes of an RPN the copy
// is small next to the network).
#pragma once

#include <ATen/core/Tensor.h>

namespace seer::detection {

// boxes [N, 4] (x1, y1, x2, y2) and scores [N], both float or both double, same device.
// Returns the kept indices, int64 [K] on boxes' device, in decreasing score order. N may be 0.
// Throws seer::Error on bad shapes or dtypes.
at::Tensor nms(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold);

// NMS within each class: boxes of different class_ids ([N], an integer dtype) never suppress
// each other. Returns the kept indices, int64 [K], in decreasing score order (ties: input
// order). Computed per class on the original coordinates (no coordinate-offset trick), i.e.
// exactly what torchvision.ops.batched_nms computes on CPU above 4000 boxes; below that size
// torchvision shifts each class by a float offset and runs one nms, whose rounding can very
// rarely flip an IoU lying within float error of the threshold - seer does not reproduce
// that rounding.
at::Tensor batched_nms(const at::Tensor& boxes, const at::Tensor& scores,
                       const at::Tensor& class_ids, double iou_threshold);

}  // namespace seer::detection
