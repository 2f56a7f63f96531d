// A labelled sentence-classification dataset (MR, TREC, SST, TSV) as the text CNN reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace seer::text {

struct Sentence {
  std::vector<std::string> tokens;
  int label = 0;  // index into TextDataset::labels
};

struct TextDataset {
  std::string name;                         // "mr", "trec", "sst2", "sst5", "tsv"
  std::vector<std::string> labels;          // label i's name (MR {"neg","pos"}; others sorted)
  std::vector<Sentence> train, dev, test;   // dev/test empty when the format has none
};

// Moves a seeded random `fraction` of train into dev (round(fraction * train.size()) examples,
// at least 1 when fraction > 0 and train has 2+ examples); the rest of train keeps its order,
// dev keeps train's order too. No-op when dev is not empty. Same (data, fraction, seed) ->
// same split, on every platform (std::mt19937_64 and our own shuffle, no std distributions).
// Throws seer::Error when fraction is outside [0, 1).
void carve_dev(TextDataset& d, double fraction, uint64_t seed);

// The fold (0..k-1) of each of n examples: a seeded permutation dealt round-robin, so fold
// sizes differ by at most 1. Deterministic for (n, k, seed). Throws seer::Error when k < 1.
std::vector<int> cv_folds(size_t n, int k, uint64_t seed);

}  // namespace seer::text
