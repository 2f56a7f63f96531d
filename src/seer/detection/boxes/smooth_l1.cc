#include "seer/detection/boxes/smooth_l1.h"

#include <string>

#include <ATen/ATen.h>

#include "seer/core/error.h"

namespace seer::detection {

at::Tensor smooth_l1_loss(const at::Tensor& pred, const at::Tensor& target,
                          const at::Tensor& inside_weights, const at::Tensor& outside_weights,
                          const SmoothL1Options& options) {
  if (!pred.defined() || !target.defined())
    throw Error("smooth_l1_loss: pred and target must be defined tensors");
  if (pred.sizes() != target.sizes())
    throw Error("smooth_l1_loss: pred and target differ in shape");
  if (!at::isFloatingType(pred.scalar_type()))
    throw Error("smooth_l1_loss: pred must be a floating tensor");
  if (!(options.sigma > 0))
    throw Error("smooth_l1_loss: sigma must be positive, got " + std::to_string(options.sigma));
  if (!(options.normalizer > 0))
    throw Error("smooth_l1_loss: normalizer must be positive, got " +
                std::to_string(options.normalizer));
  auto check_weights = [&](const at::Tensor& w, const char* name) {
    if (!w.defined()) return;
    const auto shape = at::infer_size(w.sizes(), pred.sizes());
    if (at::IntArrayRef(shape) != pred.sizes())
      throw Error(std::string("smooth_l1_loss: ") + name + " does not broadcast to pred's shape");
  };
  try {
    check_weights(inside_weights, "inside_weights");
    check_weights(outside_weights, "outside_weights");
  } catch (const c10::Error&) {
    throw Error("smooth_l1_loss: a weight tensor does not broadcast to pred's shape");
  }

  const double sigma2 = options.sigma * options.sigma;
  auto x = pred - target;
  if (inside_weights.defined()) x = inside_weights * x;
  const auto ax = x.abs();
  // Both branches are evaluated; where() routes each element's gradient to its own branch.
  auto loss = at::where(ax < 1.0 / sigma2, (0.5 * sigma2) * x * x, ax - 0.5 / sigma2);
  if (outside_weights.defined()) loss = outside_weights * loss;
  switch (options.reduction) {
    case SmoothL1Options::Reduction::kNone:
      return loss;
    case SmoothL1Options::Reduction::kMean:
      return loss.mean() / options.normalizer;
    case SmoothL1Options::Reduction::kSum:
      break;
  }
  return loss.sum() / options.normalizer;
}

}  // namespace seer::detection
