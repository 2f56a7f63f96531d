// Argument checks and dtype handling shared by the box functions (iou, box_coder), and boxes
// between std::vector<Box> and tensors.
#pragma once

#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "seer/detection/boxes/box.h"

namespace seer::detection {

// seer::Error "<fn>: <name> must be a [N, 4] tensor (x1, y1, x2, y2), got ..." unless `boxes`
// is a defined 2-D tensor with 4 columns.
void check_boxes(const char* fn, const char* name, const at::Tensor& boxes);

// `t` itself when it is floating point, else `t` as float32.
at::Tensor as_floating(const at::Tensor& t);

// Both box sets checked, on one device (else seer::Error), as floating tensors of one dtype.
std::pair<at::Tensor, at::Tensor> common_floating_boxes(const char* fn, const char* name_a,
                                                        const at::Tensor& a, const char* name_b,
                                                        const at::Tensor& b);

// [N, 4] float32 on the CPU (N may be 0), and back.
at::Tensor boxes_to_tensor(const std::vector<Box>& boxes);
std::vector<Box> tensor_to_boxes(const at::Tensor& boxes);

}  // namespace seer::detection
