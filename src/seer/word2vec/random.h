// word2vec.c's linear congruential generator: next = next * 25214903917 + 11 (mod 2^64).
// Cheap, and with it a seed and one thread reproduce a run exactly.
#pragma once

#include <cstdint>

namespace seer::word2vec {

struct Lcg {
  uint64_t state;
  explicit Lcg(uint64_t seed) : state(seed) {}
  uint64_t next() { return state = state * 25214903917ULL + 11ULL; }
  // Uniform in [0, 1) from 16 bits, as word2vec.c draws (next & 0xFFFF) / 65536.
  float uniform16() { return static_cast<float>(next() & 0xFFFF) / 65536.0f; }
};

}  // namespace seer::word2vec
