// Argument checks and dtype handling shared by the box functions (iou, box_coder).
#pragma once

#include <utility>

#include <ATen/core/Tensor.h>

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

}  // namespace seer::detection
