// Portable random draws for data pipelines (generated captchas and scenes, augmentation): the
// same numbers with every standard library and thread count, derived from (seed, index) hashes.
#pragma once

#include <cmath>
#include <cstdint>

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

}  // namespace seer
