// word2vec.c's linear congruential generator: next = next * 25214903917 + 11 (mod 2^64).
// Cheap, and with it a seed and one thread reproduce a run exactly.
#pragma once

#include <cstdint>

namespace seer::word2vec {

struct Lcg {
  uint64_t state;
  explicit Lcg(uint64_t seed) : state(seed) {}
  uint64_t next() { return state = state * 25214903917ULL + 11ULL; }
  // The 32 good bits of the next state. An LCG modulo 2^64 has poor low bits: bit k repeats
  // with period 2^(k+1), so word2vec.c's (next & 0xFFFF) repeats every 65,536 draws. Its
  // initial vectors (100 draws per word) thus repeat every 16,384 words: words far apart in
  // the vocabulary started out identical. seer draws from bits 16..47 (as gensim does).
  uint32_t next32() { return static_cast<uint32_t>(next() >> 16); }
  // Uniform in [0, 1) from 24 good bits.
  float uniform() { return static_cast<float>(next32() >> 8) * (1.0f / 16777216.0f); }
};

}  // namespace seer::word2vec
