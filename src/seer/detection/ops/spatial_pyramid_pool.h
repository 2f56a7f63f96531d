// Spatial pyramid pooling (SPP-Net, He et al. 2014) over arbitrary windows of a feature map:
// each window is max-pooled into n x n bins for every pyramid level n, and the results are
// concatenated into one fixed-length vector, whatever the window's size.
//
// Window: a RoI (batch_index, x1, y1, x2, y2) in seer's continuous box convention (box.h)
// covers the cells it touches: columns floor(x1 * s) .. ceil(x2 * s) - 1 (at least one), with
// s = spatial_scale; likewise rows. A product within 1e-4 of an integer counts as that integer,
// so the whole-image box (0, 0, W / s, H / s) covers exactly the W x H map even when W / s * s
// rounds. (This differs on purpose from roi_pool, whose round-and-inclusive quantisation is
// torchvision's legacy; SPP-Net's own corner formula assumes its particular network's padding.)
//
// Bins: a window of h rows starting at row a is cut, for level n, into bins i = 0 .. n-1 of
// rows a + floor(i * h / n) .. a + ceil((i + 1) * h / n) - 1 (integer arithmetic) - the
// boundaries of the SPP-Net paper and of adaptive max pooling, so a whole-image window gives
// exactly at::adaptive_max_pool2d(input, {n, n}), values and gradient routing. Every bin of a
// window of at least one cell is non-empty; bins are then clipped to the map, and a bin lying
// wholly outside it outputs 0. Each bin's value is its maximum (the first on ties, NaN skipped
// unless it is the bin's first cell); the gradient flows to that cell. The pooling kernel is
// roi_pool's (max_pool_bins.h): parallel over windows forward, over channels backward.
//
// Output layout: [K, C * sum(n^2)], level by level in the order given; within a level
// channel-major, i.e. the flattened [C, n, n] block (index c * n * n + i * n + j, i the row).
// This is SPP-Net's concatenation of its flattened pooling outputs.
//
// Tensors on another device (CUDA) are pooled by the same CPU code (copied there and back,
// gradient included): correct, not fast.
#pragma once

#include <vector>

#include <ATen/core/Tensor.h>

namespace seer::detection::ops {

// input: [N, C, H, W] float or double. rois: [K, 5] (see rois.h). levels: bins per side of
// each pyramid level, e.g. {6, 3, 2, 1} (SPP-Net) or {1, 2, 4}; each >= 1, at least one.
// Returns [K, C * sum(n^2)] on input's device. Throws seer::Error on bad arguments.
at::Tensor spatial_pyramid_pool(const at::Tensor& input, const at::Tensor& rois,
                                const std::vector<int64_t>& levels, double spatial_scale);

// The length of one pooled vector: C * sum(n^2).
int64_t spatial_pyramid_pool_size(int64_t channels, const std::vector<int64_t>& levels);

}  // namespace seer::detection::ops
