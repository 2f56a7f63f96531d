// RoI max pooling (Fast R-CNN), with torchvision.ops.roi_pool's exact semantics.
//
// Each RoI (batch_index, x1, y1, x2, y2) is mapped onto the feature map by rounding:
// x1' = round(x1 * spatial_scale), x2' = round(x2 * spatial_scale) (halves away from zero),
// and the cells x1' .. x2' INCLUSIVE form its window (at least 1 x 1: a malformed RoI becomes
// one cell) - the quantisation of the original Caffe layer, which torchvision keeps. The
// window of w cells is cut into pw bins, bin j covering cells floor(j * w / pw) ..
// ceil((j + 1) * w / pw) - 1 (computed in the input's floating type, as torchvision does), so
// neighbouring bins may share a cell; likewise in y. Bins are clipped to the map; an empty bin
// outputs 0. The output is each bin's maximum (NaN skipped; a bin of only -inf gives -FLT_MAX),
// and the gradient flows to the cell of that maximum (argmax saved by the forward; the first
// maximum in row-major order on ties), summed over bins and RoIs sharing a cell. Outputs and
// gradients equal torchvision's bit for bit.
//
// CPU kernels (float, double) run in parallel: the forward over RoIs, the backward over
// channels (race-free; see max_pool_bins.h). Tensors on another device (CUDA) are pooled by
// the same CPU code: copied to the CPU and the result copied back, gradient included - correct,
// not fast.
#pragma once

#include <ATen/core/Tensor.h>

namespace seer::detection::ops {

// input: [N, C, H, W] float or double. rois: [K, 5] (see rois.h), converted to input's dtype.
// output_size: {ph, pw}, both >= 1. spatial_scale: feature-map cells per input pixel (1/16
// for VGG16's conv5). Returns [K, C, ph, pw] on input's device. Throws seer::Error on a bad
// shape, dtype, non-finite RoI or batch index outside [0, N).
at::Tensor roi_pool(const at::Tensor& input, const at::Tensor& rois, at::IntArrayRef output_size,
                    double spatial_scale);

}  // namespace seer::detection::ops
