#include "seer/detection/models/rcnn/svm_head.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "seer/core/error.h"
#include "seer/detection/boxes/box_coder.h"
#include "seer/nn/bf16_autocast.h"

namespace seer::detection::models::rcnn {

SvmHeadImpl::SvmHeadImpl(int64_t num_classes, int64_t feature_dim) {
  if (num_classes < 1 || feature_dim < 1) throw Error("svm head: at least one class and one feature needed");
  svm_weights_ = register_buffer("svm_weights", torch::zeros({num_classes, feature_dim}));
  svm_bias_ = register_buffer("svm_bias", torch::zeros({num_classes}));
  box_weights_ = register_buffer("box_weights", torch::zeros({num_classes, feature_dim, 4}));
  box_bias_ = register_buffer("box_bias", torch::zeros({num_classes, 4}));
  set_ = register_buffer("set", torch::zeros({num_classes}));
}

void SvmHeadImpl::set_class(int64_t c, const LinearSvm& svm, const RidgeBoxRegressor& regressor) {
  if (c < 0 || c >= num_classes()) throw Error(fmt::format("svm head: class {} out of range", c));
  if (svm.weights.numel() != feature_dim() || regressor.weights.size(0) != feature_dim())
    throw Error(fmt::format("svm head: class {} has features of size {}, the head {}", c, svm.weights.numel(),
                            feature_dim()));
  torch::NoGradGuard no_grad;
  const auto device = svm_weights_.device();
  svm_weights_[c].copy_(svm.weights.to(device, torch::kFloat32).view(-1));
  svm_bias_[c].fill_(svm.bias);
  box_weights_[c].copy_(regressor.weights.to(device, torch::kFloat32));
  box_bias_[c].copy_(regressor.bias.to(device, torch::kFloat32).view(-1));
  set_[c].fill_(1.0);
}

bool SvmHeadImpl::trained() const { return set_.min().item<float>() > 0.5f; }

torch::Tensor SvmHeadImpl::scores(const torch::Tensor& features) const {
  const seer::nn::AutocastOff fp32;
  return torch::addmm(svm_bias_, seer::nn::full_precision(features), svm_weights_.t());
}

torch::Tensor SvmHeadImpl::boxes(const torch::Tensor& features, const torch::Tensor& windows) const {
  const int64_t k = num_classes(), d = feature_dim();
  // [R, D] x [D, K*4]: every class's deltas at once.
  auto w = box_weights_.permute({1, 0, 2}).reshape({d, 4 * k});
  const seer::nn::AutocastOff fp32;
  auto deltas = torch::addmm(box_bias_.reshape({4 * k}), seer::nn::full_precision(features), w);
  return BoxCoder().decode(deltas, windows.to(deltas.dtype()));
}

}  // namespace seer::detection::models::rcnn
