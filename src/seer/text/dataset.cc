#include "seer/text/dataset.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "seer/core/error.h"

namespace seer::text {
namespace {

// Uniform in [0, bound) without modulo bias; std::uniform_int_distribution differs between
// standard libraries, this does not.
uint64_t below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = std::numeric_limits<uint64_t>::max() -
                         std::numeric_limits<uint64_t>::max() % bound;
  uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % bound;
}

// A seeded permutation of 0..n-1 (Fisher-Yates).
std::vector<size_t> permutation(size_t n, uint64_t seed) {
  std::vector<size_t> p(n);
  std::iota(p.begin(), p.end(), size_t{0});
  std::mt19937_64 rng(seed);
  for (size_t i = n; i > 1; --i) std::swap(p[i - 1], p[below(rng, i)]);
  return p;
}

}  // namespace

void carve_dev(TextDataset& d, double fraction, uint64_t seed) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw Error("dev fraction must be in [0, 1), got " + std::to_string(fraction));
  if (!d.dev.empty() || fraction == 0.0) return;
  const size_t n = d.train.size();
  if (n < 2) return;
  size_t m = static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
  m = std::clamp<size_t>(m, 1, n - 1);
  const std::vector<size_t> perm = permutation(n, seed);
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
  const std::vector<size_t> perm = permutation(n, seed);
  std::vector<int> fold(n);
  for (size_t i = 0; i < n; ++i) fold[perm[i]] = static_cast<int>(i % static_cast<size_t>(k));
  return fold;
}

}  // namespace seer::text
