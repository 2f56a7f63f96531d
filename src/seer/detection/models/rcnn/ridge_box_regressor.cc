#include "seer/detection/models/rcnn/ridge_box_regressor.h"

#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::detection::models::rcnn {

at::Tensor RidgeBoxRegressor::predict(const at::Tensor& features) const {
  return features.to(weights.scalar_type()).matmul(weights.to(features.device())) + bias.to(features.device());
}

RidgeBoxRegressor fit_ridge_box_regressor(const at::Tensor& features, const at::Tensor& targets, double lambda) {
  if (features.dim() != 2 || targets.dim() != 2 || targets.size(1) != 4 || features.size(0) != targets.size(0))
    throw Error("ridge box regressor: features [N, D] and targets [N, 4] needed");
  if (features.size(0) < 1) throw Error("ridge box regressor: no training example");
  if (!(lambda >= 0)) throw Error("ridge box regressor: lambda must be >= 0");
  torch::NoGradGuard no_grad;
  // Centre features and targets: the bias is then the targets' mean minus the mean's prediction,
  // and is not regularised.
  const auto x = features.to(torch::kCPU, torch::kFloat64);
  const auto t = targets.to(torch::kCPU, torch::kFloat64);
  const auto x_mean = x.mean(0), t_mean = t.mean(0);
  const auto xc = x - x_mean, tc = t - t_mean;
  const int64_t d = x.size(1);
  const auto gram = xc.t().matmul(xc) + lambda * torch::eye(d, torch::kFloat64);
  // A tiny ridge keeps the system solvable when lambda is 0 and the features are degenerate.
  const auto w = torch::linalg::solve(gram + 1e-9 * torch::eye(d, torch::kFloat64), xc.t().matmul(tc), true);
  RidgeBoxRegressor r;
  r.weights = w.to(torch::kFloat32);
  r.bias = (t_mean - x_mean.matmul(w)).to(torch::kFloat32);
  return r;
}

}  // namespace seer::detection::models::rcnn
