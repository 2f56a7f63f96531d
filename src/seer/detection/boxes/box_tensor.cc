#include "seer/detection/boxes/box_tensor.h"

#include <string>

#include <ATen/ATen.h>

#include "seer/core/error.h"

namespace seer::detection {

void check_boxes(const char* fn, const char* name, const at::Tensor& boxes) {
  if (!boxes.defined() || boxes.dim() != 2 || boxes.size(1) != 4)
    throw Error(std::string(fn) + ": " + name + " must be a [N, 4] tensor (x1, y1, x2, y2), got " +
                (boxes.defined() ? std::to_string(boxes.dim()) + "-D" : "an undefined tensor") +
                (boxes.defined() && boxes.dim() == 2 ? " with " + std::to_string(boxes.size(1)) +
                                                           " columns"
                                                     : ""));
}

at::Tensor as_floating(const at::Tensor& t) {
  return at::isFloatingType(t.scalar_type()) ? t : t.to(at::kFloat);
}

std::pair<at::Tensor, at::Tensor> common_floating_boxes(const char* fn, const char* name_a,
                                                        const at::Tensor& a, const char* name_b,
                                                        const at::Tensor& b) {
  check_boxes(fn, name_a, a);
  check_boxes(fn, name_b, b);
  if (a.device() != b.device())
    throw Error(std::string(fn) + ": " + name_a + " and " + name_b + " are on different devices");
  auto fa = as_floating(a);
  auto fb = as_floating(b);
  const auto dtype = at::promote_types(fa.scalar_type(), fb.scalar_type());
  return {fa.to(dtype), fb.to(dtype)};
}

at::Tensor boxes_to_tensor(const std::vector<Box>& boxes) {
  at::Tensor t = at::empty({static_cast<int64_t>(boxes.size()), 4}, at::kFloat);
  float* p = t.data_ptr<float>();
  for (const Box& b : boxes) {
    *p++ = b.x1;
    *p++ = b.y1;
    *p++ = b.x2;
    *p++ = b.y2;
  }
  return t;
}

std::vector<Box> tensor_to_boxes(const at::Tensor& boxes) {
  check_boxes("tensor_to_boxes", "boxes", boxes);
  const at::Tensor t = boxes.to(at::kCPU, at::kFloat).contiguous();
  const float* p = t.data_ptr<float>();
  std::vector<Box> out(static_cast<size_t>(t.size(0)));
  for (Box& b : out) {
    b = Box{p[0], p[1], p[2], p[3]};
    p += 4;
  }
  return out;
}

}  // namespace seer::detection
