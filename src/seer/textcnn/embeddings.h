// The initial embedding matrix of a vocabulary from pretrained word vectors, as Kim (2014)
// builds it: a word the vectors file has gets its vector; every other word gets U[-a, a] per
// component, from a seeded generator; row 0 (padding) is zeros. The paper chooses a "such that
// the randomly initialized vectors have the same variance as the pre-trained ones" (a =
// sqrt(3 var)); its code (add_unknown_words) fixes a = 0.25, which is that for the Google News
// vectors. Other vectors have other scales: seer's 300-d skip-gram ones on the 16M-word corpus
// (3 epochs) give a = 0.239 over MR's words, its 300-d CBOW ones (10 epochs) a = 1.17, 4.7
// times Google News's. Kim's hyper-parameters (conv init, Adadelta's first steps, the max-norm
// bound) were set for inputs of Google News's scale, so by default the pretrained vectors are
// first multiplied by one factor that gives their components the variance of U[-0.25, 0.25]
// (cosines, analogies and nearest neighbours unchanged), and the unknown words, matched to
// that variance, get Kim's U[-0.25, 0.25].
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
  double vectors_scale = 1;  // the factor the found vectors were multiplied by
  double vectors_range = 0;  // sqrt(3 var) of the found vectors as read (0: none found)
  double coverage() const { return words == 0 ? 0.0 : static_cast<double>(found) / words; }
};

struct EmbeddingInitOptions {
  // > 0: the found vectors are scaled by one factor so that their components have the
  // variance of U[-vectors_range, vectors_range] (kKimUnknownRange: Google News's, as Kim);
  // 0: used as they are.
  double vectors_range = 0;
  // > 0: a fixed a for the unknown words (kKimUnknownRange: Kim's code); 0: matched to the
  // variance of the found (scaled) vectors' components, the paper's rule (kKimUnknownRange
  // when no word is found).
  double unknown_range = 0;
  // A word missing as written is looked up lowercased (ASCII) too (Kim looks words up as they
  // are, in cased vectors; `seer textcnn train` turns it on: vectors trained with --lowercase
  // would otherwise miss every capitalised word of a cased dataset such as TREC).
  bool lowercase_fallback = false;
};

// Same (vocabulary, vectors, seed, options) -> same matrix.
InitialEmbeddings initial_embeddings(const text::TextVocabulary& vocab,
                                     const word2vec::WordVectors& vectors, uint64_t seed,
                                     const EmbeddingInitOptions& options = {});

// Random initial embeddings (the "rand" mode): every word U[-0.25, 0.25], padding zeros.
InitialEmbeddings random_embeddings(const text::TextVocabulary& vocab, int64_t dim, uint64_t seed);

}  // namespace seer::textcnn
