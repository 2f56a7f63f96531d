#include "seer/detection/boxes/iou.h"

#include <string>

#include <ATen/ATen.h>

#include "seer/core/error.h"

namespace seer::detection {

namespace {

void check_boxes(const char* fn, const char* name, const at::Tensor& boxes) {
  if (!boxes.defined() || boxes.dim() != 2 || boxes.size(1) != 4)
    throw Error(std::string(fn) + ": " + name + " must be a [N, 4] tensor (x1, y1, x2, y2), got " +
                (boxes.defined() ? std::to_string(boxes.dim()) + "-D" : "an undefined tensor") +
                (boxes.defined() && boxes.dim() == 2 ? " with " + std::to_string(boxes.size(1)) +
                                                           " columns"
                                                     : ""));
}

at::Tensor floating(const at::Tensor& t) {
  return at::isFloatingType(t.scalar_type()) ? t : t.to(at::kFloat);
}

}  // namespace

at::Tensor box_area(const at::Tensor& boxes) {
  check_boxes("box_area", "boxes", boxes);
  const auto b = floating(boxes);
  return (b.select(1, 2) - b.select(1, 0)) * (b.select(1, 3) - b.select(1, 1));
}

at::Tensor box_iou(const at::Tensor& boxes1, const at::Tensor& boxes2) {
  check_boxes("box_iou", "boxes1", boxes1);
  check_boxes("box_iou", "boxes2", boxes2);
  if (boxes1.device() != boxes2.device())
    throw Error("box_iou: boxes1 and boxes2 are on different devices");
  auto a = floating(boxes1);
  auto b = floating(boxes2);
  const auto dtype = at::promote_types(a.scalar_type(), b.scalar_type());
  a = a.to(dtype);
  b = b.to(dtype);
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
