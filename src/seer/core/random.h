// Portable random draws for data pipelines (generated captchas and scenes, augmentation, epoch
// orders): the same numbers with every standard library and thread count (no std
// distributions, whose algorithms differ between libraries).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace seer {

// splitmix64's step and finaliser: a strong 64-bit mixer that turns (seed, index, purpose) into
// independent-looking seeds (neighbouring inputs do not give correlated outputs).
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A splitmix64 stream: next() is mix64 of a counter.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() { return mix64(state_++ * 0x9E3779B97F4A7C15ull); }
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  bool chance(double p) { return uniform01() < p; }
  // Standard normal (Box-Muller; one of the pair).
  double normal() {
    const double u = 1.0 - uniform01(), v = uniform01();  // u in (0, 1]
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  uint64_t state_;
};

// Uniform in [0, bound) without modulo bias (bound >= 1).
inline uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % bound;
  uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % bound;
}

// 0..n-1 in the order of a Fisher-Yates shuffle driven by `rng`: position i (from n-1 down to 1)
// swaps with a uniform j in [0, i]. The one shuffle of seer's epoch orders, CV folds and splits;
// each caller seeds `rng` its own way (seed, epoch, purpose).
template <typename Index = int64_t>
std::vector<Index> shuffled_indices(size_t n, std::mt19937_64& rng) {
  std::vector<Index> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<Index>(i);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[uniform_below(rng, i)]);
  return order;
}

}  // namespace seer
