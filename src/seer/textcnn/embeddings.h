// The initial embedding matrix of a vocabulary from pretrained word vectors, as Kim's
// process_data.py builds it: a word the vectors file has gets its vector; every other word
// (add_unknown_words) gets U[-0.25, 0.25] per component, from a seeded generator; row 0
// (padding) is zeros.
#pragma once

#include <cstdint>
#include <filesystem>

#include <torch/types.h>

#include "seer/text/vocabulary.h"
#include "seer/word2vec/vectors.h"

namespace seer::textcnn {

struct InitialEmbeddings {
  torch::Tensor matrix;  // [vocab.size(), dim] float32
  int64_t found = 0;     // words of the vocabulary (padding excluded) that have a vector
  int64_t words = 0;     // words of the vocabulary, padding excluded
  double coverage() const { return words == 0 ? 0.0 : static_cast<double>(found) / words; }
};

// `dim` must match the vectors' (seer::Error otherwise). Same (vocabulary, vectors, seed) ->
// same matrix. A word missing as written is looked up lowercased too only when
// `lowercase_fallback` (off: Kim looks words up as they are).
InitialEmbeddings initial_embeddings(const text::TextVocabulary& vocab,
                                     const word2vec::WordVectors& vectors, uint64_t seed,
                                     bool lowercase_fallback = false);

// Random initial embeddings (the "rand" mode): every word U[-0.25, 0.25], padding zeros.
InitialEmbeddings random_embeddings(const text::TextVocabulary& vocab, int64_t dim, uint64_t seed);

// Loads the vectors file (word2vec .bin or .txt, seer::word2vec::load_vectors) and builds the
// matrix.
InitialEmbeddings load_initial_embeddings(const text::TextVocabulary& vocab,
                                          const std::filesystem::path& vectors_file,
                                          uint64_t seed);

}  // namespace seer::textcnn
