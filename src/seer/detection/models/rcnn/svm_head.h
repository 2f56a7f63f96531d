// The test-time head of R-CNN and SPP-Net (Girshick et al. 2014, sections 2.2-2.3, appendix C):
// on a window's CNN features x (the box head's fc7), one linear SVM per class scores it
// (w_c . x + b_c) and one ridge regressor per class moves it onto its object (deltas with
// BoxCoder weights 1). The weights live in buffers, so the model file carries them; `trained()`
// stays false until set_class() has filled every class (before that the detector scores its
// windows with its softmax, as during fine-tuning).
#pragma once

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "seer/detection/models/rcnn/linear_svm.h"
#include "seer/detection/models/rcnn/ridge_box_regressor.h"

namespace seer::detection::models::rcnn {

class SvmHeadImpl : public torch::nn::Module {
 public:
  SvmHeadImpl(int64_t num_classes, int64_t feature_dim);

  // Class `c` (0-based) from its trained SVM and box regressor; marks the head trained once
  // every class has been set. seer::Error on a bad class or feature size.
  void set_class(int64_t c, const LinearSvm& svm, const RidgeBoxRegressor& regressor);
  bool trained() const;

  torch::Tensor scores(const torch::Tensor& features) const;  // [R, D] -> [R, K] SVM margins
  // Each class's regressed box of every window: [R, D] features, [R, 4] windows -> [R, 4K].
  torch::Tensor boxes(const torch::Tensor& features, const torch::Tensor& windows) const;

  int64_t num_classes() const { return svm_weights_.size(0); }
  int64_t feature_dim() const { return svm_weights_.size(1); }

 private:
  torch::Tensor svm_weights_;  // [K, D]
  torch::Tensor svm_bias_;     // [K]
  torch::Tensor box_weights_;  // [K, D, 4]
  torch::Tensor box_bias_;     // [K, 4]
  torch::Tensor set_;          // [K] 1 where the class has been set
};
TORCH_MODULE(SvmHead);

}  // namespace seer::detection::models::rcnn
