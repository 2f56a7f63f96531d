#include "seer/detection/boxes/sampler.h"

#include <algorithm>
#include <string>

#include <ATen/ATen.h>

#include "seer/core/error.h"

namespace seer::detection {

BalancedPositiveNegativeSampler::BalancedPositiveNegativeSampler(int64_t batch_size_per_image,
                                                                 double positive_fraction)
    : batch_size_per_image_(batch_size_per_image), positive_fraction_(positive_fraction) {
  if (batch_size_per_image < 0)
    throw Error("BalancedPositiveNegativeSampler: batch_size_per_image must be >= 0, got " +
                std::to_string(batch_size_per_image));
  if (!(positive_fraction >= 0 && positive_fraction <= 1))
    throw Error("BalancedPositiveNegativeSampler: positive_fraction must be in [0, 1], got " +
                std::to_string(positive_fraction));
}

namespace {

// A mask [n] with `count` of the positions `candidates` (int64, on the mask's device) set,
// chosen uniformly by a CPU randperm.
at::Tensor choose(const at::Tensor& candidates, int64_t count, int64_t n,
                  const std::optional<at::Generator>& generator, const at::TensorOptions& opts) {
  auto mask = at::zeros({n}, opts.dtype(at::kBool));
  if (count <= 0) return mask;
  const int64_t m = candidates.numel();
  const c10::optional<at::Generator> gen =
      generator ? c10::optional<at::Generator>(*generator) : c10::nullopt;
  const auto perm = at::randperm(m, gen, at::TensorOptions().dtype(at::kLong))
                        .slice(0, 0, count)
                        .to(candidates.device());
  mask.index_fill_(0, candidates.index_select(0, perm), true);
  return mask;
}

}  // namespace

SampledMasks BalancedPositiveNegativeSampler::operator()(
    const at::Tensor& labels, std::optional<at::Generator> generator) const {
  if (!labels.defined() || labels.dim() != 1)
    throw Error("BalancedPositiveNegativeSampler: labels must be a 1-D tensor, got " +
                (labels.defined() ? std::to_string(labels.dim()) + "-D"
                                  : std::string("an undefined tensor")));
  const auto l = labels.detach();
  const int64_t n = l.size(0);
  const auto positive = at::nonzero(l >= 1).view({-1});
  const auto negative = at::nonzero(l == 0).view({-1});
  const int64_t max_pos = static_cast<int64_t>(batch_size_per_image_ * positive_fraction_);
  const int64_t num_pos = std::min<int64_t>(positive.numel(), max_pos);
  const int64_t num_neg = std::min<int64_t>(negative.numel(), batch_size_per_image_ - num_pos);
  SampledMasks out;
  out.positive = choose(positive, num_pos, n, generator, l.options());
  out.negative = choose(negative, num_neg, n, generator, l.options());
  return out;
}

std::vector<SampledMasks> BalancedPositiveNegativeSampler::operator()(
    const std::vector<at::Tensor>& labels, std::optional<at::Generator> generator) const {
  std::vector<SampledMasks> out;
  out.reserve(labels.size());
  for (const auto& l : labels) out.push_back((*this)(l, generator));
  return out;
}

}  // namespace seer::detection
