// Max pooling of regions over given integer bins: the kernel (with its autograd function) that
// roi_pool and spatial_pyramid_pool share. They differ only in where the bins lie (their own
// quantisation of a box); this pools whatever bins it is given.
//
// Bins are half-open cell ranges of the feature map, already clipped to it: rows [start, end)
// and columns [start, end). A bin with no cell (end <= start in either direction) outputs 0 and
// passes no gradient. Otherwise the output is the bin's maximum, and backward routes the
// output's gradient to the cell of that maximum (the first one, scanning row-major, when
// several cells tie), accumulating when cells are shared between bins or regions.
#pragma once

#include <ATen/core/Tensor.h>

namespace seer::detection::ops {

// Where the running maximum of a non-empty bin starts.
enum class BinMaxStart {
  // -FLT_MAX with "no argmax" (torchvision's roi_pool): a bin whose cells are all <= -FLT_MAX
  // (-inf) outputs -FLT_MAX and passes no gradient. NaN cells are skipped.
  kLowest,
  // The bin's first cell (adaptive_max_pool2d / max_pool2d): the output is always a value of
  // the bin. NaN cells other than the first are skipped.
  kFirstCell,
};

// input: [N, C, H, W] float or double, CPU. batch: [K] int64, the image of each region.
// rows: [K, P, 2] int64, cols: [K, Q, 2] int64, the bins (start, end), within [0, H] / [0, W].
// Returns [K, C, P, Q], differentiable with respect to `input` (once: the backward itself is
// not differentiable). Forward runs in parallel over regions, channels-last (the map is
// transposed to [N, H, W, C] once, so each cell of a bin is one vector compare over all
// channels); backward runs in parallel over channels.
at::Tensor max_pool_bins(const at::Tensor& input, const at::Tensor& batch, const at::Tensor& rows,
                         const at::Tensor& cols, BinMaxStart start);

}  // namespace seer::detection::ops
