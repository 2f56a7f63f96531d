#include "seer/text/dataset.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "seer/core/error.h"
#include "seer/core/random.h"

namespace seer::text {

void carve_dev(TextDataset& d, double fraction, uint64_t seed) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw Error("dev fraction must be in [0, 1), got " + std::to_string(fraction));
  if (!d.dev.empty() || fraction == 0.0) return;
  const size_t n = d.train.size();
  if (n < 2) return;
  size_t m = static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
  m = std::clamp<size_t>(m, 1, n - 1);
  std::mt19937_64 rng(seed);
  const std::vector<size_t> perm = shuffled_indices<size_t>(n, rng);
  std::vector<char> to_dev(n, 0);
  for (size_t i = 0; i < m; ++i) to_dev[perm[i]] = 1;
  std::vector<Sentence> train;
  train.reserve(n - m);
  d.dev.reserve(m);
  for (size_t i = 0; i < n; ++i)
    (to_dev[i] ? d.dev : train).push_back(std::move(d.train[i]));
  d.train = std::move(train);
}

std::vector<int> cv_folds(size_t n, int k, uint64_t seed) {
  if (k < 1) throw Error("the number of folds must be at least 1, got " + std::to_string(k));
  std::mt19937_64 rng(seed);
  const std::vector<size_t> perm = shuffled_indices<size_t>(n, rng);
  std::vector<int> fold(n);
  for (size_t i = 0; i < n; ++i) fold[perm[i]] = static_cast<int>(i % static_cast<size_t>(k));
  return fold;
}

}  // namespace seer::text
