// Picks the anchors / proposals that enter a detector's loss: a fixed-size minibatch per
// image with at most a given fraction of positives - torchvision's
// BalancedPositiveNegativeSampler (py-faster-rcnn's RPN: 256 anchors, half positive; Fast
// R-CNN: 128 RoIs, a quarter positive).
//
// From labels (>= 1 positive: 1, or a class index; 0 negative; < 0 ignored), it samples
// uniformly without replacement min(#positives, floor(batch * fraction)) positives and then
// min(#negatives, batch - sampled positives) negatives, so a short supply of positives is made
// up with negatives. Randomness: torch::randperm on the CPU from the given generator, or from
// the global CPU generator (so torch::manual_seed makes it deterministic, on every device).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace seer::detection {

struct SampledMasks {
  at::Tensor positive;  // [N] bool, on labels' device
  at::Tensor negative;  // [N] bool
};

class BalancedPositiveNegativeSampler {
 public:
  // Throws seer::Error unless batch_size_per_image >= 0 and 0 <= positive_fraction <= 1.
  BalancedPositiveNegativeSampler(int64_t batch_size_per_image, double positive_fraction);

  int64_t batch_size_per_image() const { return batch_size_per_image_; }
  double positive_fraction() const { return positive_fraction_; }

  // labels: [N] integer or floating tensor of one image. Throws seer::Error when it is not 1-D.
  SampledMasks operator()(const at::Tensor& labels,
                          std::optional<at::Generator> generator = std::nullopt) const;
  // One SampledMasks per image, drawn in order from the same generator.
  std::vector<SampledMasks> operator()(const std::vector<at::Tensor>& labels,
                                       std::optional<at::Generator> generator = std::nullopt) const;

 private:
  int64_t batch_size_per_image_;
  double positive_fraction_;
};

}  // namespace seer::detection
