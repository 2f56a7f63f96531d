// The initial embedding matrix of a vocabulary from pretrained word vectors, as Kim (2014)
// builds it: a word the vectors file has gets its vector; every other word gets U[-a, a] per
// component, from a seeded generator; row 0 (padding) is zeros. The paper chooses a "such that
// the randomly initialized vectors have the same variance as the pre-trained ones" (a =
// sqrt(3 var)); its code (add_unknown_words) fixes a = 0.25, which is that for the Google News
// vectors. Other vectors have other scales (seer's 300-d skip-gram ones on the 16M-word corpus
// give a = 0.239 over MR's words, 0.282 over TREC's), hence the variance-matched a is the
// default.
#pragma once

#include <cstdint>

#include <torch/types.h>

#include "seer/text/vocabulary.h"
#include "seer/word2vec/vectors.h"

namespace seer::textcnn {

// Kim's code's bound for unknown words (and every word of the "rand" mode).
inline constexpr double kKimUnknownRange = 0.25;

struct InitialEmbeddings {
  torch::Tensor matrix;  // [vocab.size(), dim] float32
  int64_t found = 0;     // words of the vocabulary (padding excluded) that have a vector
  int64_t words = 0;     // words of the vocabulary, padding excluded
  double unknown_range = kKimUnknownRange;  // the a of the unknown words' U[-a, a]
  double coverage() const { return words == 0 ? 0.0 : static_cast<double>(found) / words; }
};

// Same (vocabulary, vectors, seed, range) -> same matrix. `unknown_range` > 0 is a fixed a
// (kKimUnknownRange: Kim's code); 0 matches the variance of the found vectors' components (the
// paper's rule; kKimUnknownRange when no word is found). A word missing as written is looked
// up lowercased (ASCII) too only when `lowercase_fallback` (Kim looks words up as they are,
// in cased vectors; `seer textcnn train` turns it on: vectors trained with --lowercase would
// otherwise miss every capitalised word of a cased dataset such as TREC).
InitialEmbeddings initial_embeddings(const text::TextVocabulary& vocab,
                                     const word2vec::WordVectors& vectors, uint64_t seed,
                                     double unknown_range = 0, bool lowercase_fallback = false);

// Random initial embeddings (the "rand" mode): every word U[-0.25, 0.25], padding zeros.
InitialEmbeddings random_embeddings(const text::TextVocabulary& vocab, int64_t dim, uint64_t seed);

}  // namespace seer::textcnn
