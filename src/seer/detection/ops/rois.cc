#include "seer/detection/ops/rois.h"

#include <cmath>
#include <string>

#include <ATen/ATen.h>

#include "seer/core/error.h"

namespace seer::detection::ops {

at::Tensor boxes_to_rois(const std::vector<at::Tensor>& boxes) {
  if (boxes.empty()) return at::zeros({0, 5}, at::kFloat);
  std::vector<at::Tensor> parts;
  parts.reserve(boxes.size());
  const auto& first = boxes.front();
  for (size_t i = 0; i < boxes.size(); ++i) {
    const auto& b = boxes[i];
    if (b.dim() != 2 || b.size(1) != 4)
      throw Error("boxes_to_rois: boxes[" + std::to_string(i) + "] must be [K, 4], got " +
                  std::to_string(b.dim()) + "-D");
    if (b.scalar_type() != first.scalar_type() || b.device() != first.device())
      throw Error("boxes_to_rois: boxes[" + std::to_string(i) +
                  "] differs in dtype or device from boxes[0]");
    auto index = at::full({b.size(0), 1}, static_cast<double>(i), b.options());
    parts.push_back(at::cat({index, b}, 1));
  }
  return at::cat(parts, 0);
}

namespace detail {

void check_feature_map(const char* op, const at::Tensor& input) {
  if (!input.defined() || input.dim() != 4)
    throw Error(std::string(op) + ": input must be a [N, C, H, W] tensor, got " +
                (input.defined() ? std::to_string(input.dim()) + "-D" : "an undefined tensor"));
  const auto t = input.scalar_type();
  if (t != at::kFloat && t != at::kDouble)
    throw Error(std::string(op) + ": input must be float or double, got " +
                std::string(c10::toString(t)));
}

at::Tensor checked_rois(const char* op, const at::Tensor& input, const at::Tensor& rois,
                        at::ScalarType dtype) {
  if (!rois.defined() || rois.dim() != 2 || rois.size(1) != 5)
    throw Error(std::string(op) + ": rois must be a [K, 5] tensor (batch_index, x1, y1, x2, y2)");
  if (!at::isFloatingType(rois.scalar_type()))
    throw Error(std::string(op) + ": rois must be a floating tensor, got " +
                std::string(c10::toString(rois.scalar_type())));
  auto r = rois.detach().to(at::kCPU, dtype).contiguous();
  const int64_t K = r.size(0), N = input.size(0);
  AT_DISPATCH_FLOATING_TYPES(dtype, "checked_rois", [&] {
    const scalar_t* p = r.data_ptr<scalar_t>();
    for (int64_t k = 0; k < K; ++k) {
      for (int j = 0; j < 5; ++j)
        if (!std::isfinite(static_cast<double>(p[k * 5 + j])))
          throw Error(std::string(op) + ": rois[" + std::to_string(k) + "] is not finite");
      const double b = std::trunc(static_cast<double>(p[k * 5]));
      if (b < 0 || b >= static_cast<double>(N))
        throw Error(std::string(op) + ": rois[" + std::to_string(k) + "] has batch index " +
                    std::to_string(static_cast<int64_t>(b)) + ", outside [0, " +
                    std::to_string(N) + ")");
    }
  });
  return r;
}

std::pair<int64_t, int64_t> checked_output_size(const char* op, at::IntArrayRef output_size) {
  if (output_size.size() != 2 || output_size[0] < 1 || output_size[1] < 1)
    throw Error(std::string(op) + ": output_size must be {height, width}, both >= 1");
  return {output_size[0], output_size[1]};
}

}  // namespace detail
}  // namespace seer::detection::ops
