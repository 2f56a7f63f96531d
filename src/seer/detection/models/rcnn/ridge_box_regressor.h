// R-CNN's bounding-box regression (Girshick et al. 2014, appendix C), also used by SPP-Net: per
// class, a linear map from a proposal's features to the four deltas that move it onto its
// ground-truth box, t = ((gx - px) / pw, (gy - py) / ph, log(gw / pw), log(gh / ph)) (centres
// and sizes; BoxCoder with weights 1 encodes and decodes them), fitted by ridge regression on the
// training proposals that overlap a box of the class by at least 0.6 IoU:
//   W = argmin |X W + 1 b - T|^2 + lambda |W|^2   (the bias not regularised; R-CNN's lambda 1000)
#pragma once

#include <ATen/core/Tensor.h>

namespace seer::detection::models::rcnn {

struct RidgeBoxRegressor {
  at::Tensor weights;  // [D, 4]
  at::Tensor bias;     // [4]
  at::Tensor predict(const at::Tensor& features) const;  // [N, D] -> [N, 4] deltas
};

// features [N, D], targets [N, 4] (N >= 1). Solved in double precision. seer::Error on bad
// shapes or lambda < 0.
RidgeBoxRegressor fit_ridge_box_regressor(const at::Tensor& features, const at::Tensor& targets, double lambda);

}  // namespace seer::detection::models::rcnn
