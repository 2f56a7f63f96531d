// Truncated SVD of a fully connected layer (Fast R-CNN, section 3.1): y = W x + b with W [out, in]
// becomes two layers, y = U_r (Sigma_r V_r^T x) + b: the first [r, in] without a bias, the second
// [out, r] with the original bias, r (in + out) weights instead of in x out. For any x the
// change of the output is at most sigma_{r+1} |x| (the largest singular value left out).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <torch/nn/modules/linear.h>

namespace seer::detection::models {

struct TruncatedLinear {
  torch::nn::Linear first{nullptr};   // Sigma_r V_r^T, no bias
  torch::nn::Linear second{nullptr};  // U_r, with the bias
  double dropped_sigma = 0;           // sigma_{r+1} (0 when nothing is left out)
  double kept_energy = 1;             // sum of sigma_i^2 kept / the total
};

// seer::Error unless 1 <= rank < min(in, out).
TruncatedLinear truncated_svd(const torch::nn::Linear& layer, int64_t rank);

}  // namespace seer::detection::models
