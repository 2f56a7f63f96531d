// The RoI tensor shared by the RoI operations (roi_pool, roi_align, spatial_pyramid_pool).
//
// A RoI tensor is [K, 5] of a floating type: one row (batch_index, x1, y1, x2, y2) per region,
// the box in input-image coordinates (seer's box convention, see detection/boxes/box.h) and
// batch_index the image of the batch it lies in (a whole number, truncated to an integer as
// torchvision does). This is torchvision's "Tensor[K, 5]" format, so a detector's RoIs pass
// unchanged between the two.
#pragma once

#include <vector>

#include <ATen/core/Tensor.h>

namespace seer::detection::ops {

// Per-image boxes [K_i, 4] (x1, y1, x2, y2) -> RoIs [sum K_i, 5] with batch index i, in the
// dtype and device of the first list element (float on CPU for an empty list). Throws
// seer::Error when a tensor is not [K_i, 4] or the dtypes / devices differ.
at::Tensor boxes_to_rois(const std::vector<at::Tensor>& boxes);

namespace detail {

// Checks the feature map of an RoI op: [N, C, H, W], float or double. `op` names the
// operation in the message of the seer::Error thrown otherwise.
void check_feature_map(const char* op, const at::Tensor& input);

// Checks `rois` against the feature map `input` and returns it as a contiguous CPU tensor of
// `dtype`: [K, 5], floating, every value finite, every batch index in [0, N). Throws
// seer::Error naming `op` and the first bad row otherwise.
at::Tensor checked_rois(const char* op, const at::Tensor& input, const at::Tensor& rois,
                        at::ScalarType dtype);

// Checks an output size {ph, pw} (both >= 1) and returns it.
std::pair<int64_t, int64_t> checked_output_size(const char* op, at::IntArrayRef output_size);

}  // namespace detail
}  // namespace seer::detection::ops
