// RoIAlign (Mask R-CNN), with torchvision.ops.roi_align's exact semantics.
//
// A RoI (batch_index, x1, y1, x2, y2) is mapped onto the feature map without rounding:
// x1 * spatial_scale - offset .. x2 * spatial_scale - offset, where offset is 0.5 when
// `aligned` (a cell's value then sits at its centre, so a box of seer's continuous convention
// lands where it should) and 0 otherwise (the original Mask R-CNN; the RoI is then also widened
// to at least 1 x 1 cell). The RoI is cut into ph x pw bins; each bin averages a grid of
// sampling_ratio x sampling_ratio points (sampling_ratio <= 0: ceil(roi_height / ph) x
// ceil(roi_width / pw), adaptive), evenly spaced at the centres of a sub-grid, each point read
// by bilinear interpolation of its 4 neighbour cells. Points more than one cell outside the map
// count as 0; points within clamp to the border. The backward distributes each output's
// gradient to those 4 cells with the same weights.
//
// Outputs and gradients equal torchvision's bit for bit: the kernels evaluate the same
// expressions in the same order (checked by bench/detection_roi_ops). They work channels-last:
// the feature map is transposed to [N, H, W, C] once, so every sample point reads one
// contiguous vector of C values and the inner loops vectorise over channels. Forward runs in
// parallel over RoIs; backward over channel blocks (race-free: every gradient cell belongs to
// one channel, so no two threads write the same cell, and each cell receives its adds in the
// same order as a serial loop). Float and double. Tensors on another device (CUDA) go through
// the same CPU code (copied there and back, gradient included): correct, not fast.
#pragma once

#include <ATen/core/Tensor.h>

namespace seer::detection::ops {

// input: [N, C, H, W] float or double. rois: [K, 5] (see rois.h), converted to input's dtype.
// output_size {ph, pw} (both >= 1). Returns [K, C, ph, pw] on input's device. Throws
// seer::Error on a bad shape, dtype, non-finite RoI or batch index outside [0, N).
at::Tensor roi_align(const at::Tensor& input, const at::Tensor& rois, at::IntArrayRef output_size,
                     double spatial_scale = 1.0, int64_t sampling_ratio = -1,
                     bool aligned = false);

}  // namespace seer::detection::ops
