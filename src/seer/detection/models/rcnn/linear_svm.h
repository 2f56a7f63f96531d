// The per-class linear SVMs of R-CNN and SPP-Net (Girshick et al. 2014, section 2.3): a window's
// class score is w . x + b on its CNN features x. Trained one class against the rest with
// liblinear (L2-regularised hinge loss, dual solver; R-CNN's settings: C = 0.001, a constant
// bias feature of 10, positives weighted 2) and hard negative mining: the negatives are a pool
// (every proposal under 0.3 IoU with the class's boxes); training starts on a random part of it,
// then repeatedly scores the whole pool, adds the negatives inside the margin (score > -1) to
// its cache, drops cached ones far outside (score < -1.2), and retrains, until no new hard
// negative is found or the rounds run out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

namespace seer::detection::models::rcnn {

struct LinearSvmOptions {
  double C = 0.001;             // liblinear's C (R-CNN's)
  double bias_feature = 10;     // the constant feature that learns the bias (R-CNN's B)
  double positive_weight = 2;   // C of the positives = positive_weight * C (R-CNN's w1)
  double epsilon = 0.01;        // liblinear's stopping tolerance
  int rounds = 4;               // hard negative mining rounds (1: the first sample only)
  int64_t first_negatives = 4000;  // random negatives of the first round
  int64_t max_cache = 20000;       // negatives kept at most (the hardest)
  double hard_score = -1.0;     // a negative scoring above this is hard (inside the margin)
  double easy_score = -1.2;     // a cached negative scoring below this is dropped
  uint64_t seed = 1;

  nlohmann::json to_json() const;
  static LinearSvmOptions from_json(const nlohmann::json& j);
};

struct LinearSvm {
  at::Tensor weights;  // [D] float
  double bias = 0;
  at::Tensor score(const at::Tensor& features) const;  // [N, D] -> [N]
};

struct LinearSvmReport {
  int rounds = 0;               // rounds run
  int64_t positives = 0, pool = 0, cached = 0;  // cached: negatives in the last training set
  int64_t pool_violations = 0;  // pool negatives still scoring above hard_score at the end
  std::string summary() const;
};

// positives [P, D], negatives [N, D] (float, CPU; P >= 1, N >= 1). seer::Error on bad shapes.
LinearSvm train_linear_svm(const at::Tensor& positives, const at::Tensor& negatives, const LinearSvmOptions& options,
                           LinearSvmReport* report = nullptr);

}  // namespace seer::detection::models::rcnn
