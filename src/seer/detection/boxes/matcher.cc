#include "seer/detection/boxes/matcher.h"

#include <string>

#include <ATen/ATen.h>

#include "seer/core/error.h"

namespace seer::detection {

Matcher::Matcher(double high_threshold, double low_threshold, bool allow_low_quality_matches)
    : Matcher(MatcherOptions{high_threshold, low_threshold, allow_low_quality_matches}) {}

Matcher::Matcher(const MatcherOptions& options) : options_(options) {
  if (!(options_.low_threshold <= options_.high_threshold))
    throw Error("Matcher: low_threshold (" + std::to_string(options_.low_threshold) +
                ") must not exceed high_threshold (" + std::to_string(options_.high_threshold) +
                ")");
}

at::Tensor Matcher::operator()(const at::Tensor& quality) const {
  if (!quality.defined() || quality.dim() != 2)
    throw Error("Matcher: the quality matrix must be [G, N] (ground truths x predictions), got " +
                (quality.defined() ? std::to_string(quality.dim()) + "-D"
                                   : std::string("an undefined tensor")));
  const auto q = quality.detach();
  const int64_t n = q.size(1);
  const auto long_opts = q.options().dtype(at::kLong);
  if (q.size(0) == 0) return at::full({n}, kBelowLowThreshold, long_opts);
  if (n == 0) return at::empty({0}, long_opts);

  auto [best, matches] = q.max(0);  // per prediction: its best IoU and ground truth
  const auto all_matches = options_.allow_low_quality_matches ? matches.clone() : at::Tensor();
  const auto below = best < options_.low_threshold;
  const auto between = at::logical_and(best >= options_.low_threshold,
                                       best < options_.high_threshold);
  matches.masked_fill_(below, kBelowLowThreshold);
  matches.masked_fill_(between, kBetweenThresholds);

  if (options_.allow_low_quality_matches) {
    // Every ground truth's best predictions (all of them on ties) keep their match.
    const auto highest = std::get<0>(q.max(1, /*keepdim=*/true));  // [G, 1]
    const auto claimed = (q == highest).any(0);                     // [N]
    matches = at::where(claimed, all_matches, matches);
  }
  return matches;
}

}  // namespace seer::detection
