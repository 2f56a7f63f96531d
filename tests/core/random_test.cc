#include "seer/core/random.h"

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

namespace seer {
namespace {

// The Fisher-Yates loop the detection loader, the text CNN and the text folds each had before
// they shared shuffled_indices: the shared one must give the very same orders (the runs and CV
// folds in docs/BENCHMARKS.md are reproduced from their seeds).
std::vector<int64_t> modulo_fisher_yates(int64_t n, std::mt19937_64& rng) {
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng() % static_cast<uint64_t>(i + 1)]);
  return order;
}

TEST(ShuffledIndices, IsAPermutationInTheFormerOrder) {
  for (const int64_t n : {0, 1, 2, 7, 1000}) {
    for (const uint64_t seed : {0ull, 1ull, 0x9E3779B97F4A7C15ull}) {
      std::mt19937_64 a(seed), b(seed);
      const auto order = shuffled_indices(static_cast<size_t>(n), a);
      EXPECT_EQ(order, modulo_fisher_yates(n, b)) << n << " " << seed;
      auto sorted = order;
      std::sort(sorted.begin(), sorted.end());
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(sorted[i], i);
    }
  }
}

TEST(ShuffledIndices, EveryOrderOfThreeIsEquallyLikely) {
  std::mt19937_64 rng(42);
  std::map<std::vector<int>, int> counts;
  const int trials = 60000;
  for (int t = 0; t < trials; ++t) ++counts[shuffled_indices<int>(3, rng)];
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [order, count] : counts) EXPECT_NEAR(count, trials / 6.0, 0.03 * trials / 6.0);
}

TEST(UniformBelow, StaysBelowTheBoundAndCoversIt) {
  std::mt19937_64 rng(7);
  std::vector<int> seen(5, 0);
  for (int i = 0; i < 5000; ++i) {
    const uint64_t x = uniform_below(rng, 5);
    ASSERT_LT(x, 5u);
    ++seen[x];
  }
  for (int c : seen) EXPECT_NEAR(c, 1000, 120);
  EXPECT_EQ(uniform_below(rng, 1), 0u);
}

}  // namespace
}  // namespace seer
