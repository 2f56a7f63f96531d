#include "seer/detection/boxes/iou.h"

#include <string>

#include <ATen/ATen.h>

#include "seer/detection/boxes/box_tensor.h"

namespace seer::detection {

at::Tensor box_area(const at::Tensor& boxes) {
  check_boxes("box_area", "boxes", boxes);
  const auto b = as_floating(boxes);
  return (b.select(1, 2) - b.select(1, 0)) * (b.select(1, 3) - b.select(1, 1));
}

at::Tensor box_iou(const at::Tensor& boxes1, const at::Tensor& boxes2) {
  const auto [a, b] = common_floating_boxes("box_iou", "boxes1", boxes1, "boxes2", boxes2);
  const auto area_a = box_area(a);
  const auto area_b = box_area(b);
  const auto lt = at::max(a.slice(1, 0, 2).unsqueeze(1), b.slice(1, 0, 2).unsqueeze(0));  // [N,M,2]
  const auto rb = at::min(a.slice(1, 2, 4).unsqueeze(1), b.slice(1, 2, 4).unsqueeze(0));
  const auto wh = (rb - lt).clamp_min(0);
  const auto inter = wh.select(2, 0) * wh.select(2, 1);
  const auto uni = area_a.unsqueeze(1) + area_b.unsqueeze(0) - inter;
  // where() rather than a NaN fix-up afterwards: the masked branch gets no gradient either.
  const auto positive = uni > 0;
  return at::where(positive, inter / at::where(positive, uni, at::ones_like(uni)),
                   at::zeros_like(uni));
}

}  // namespace seer::detection
