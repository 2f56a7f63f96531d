// The word2vec trainer: CBOW and skip-gram, negative sampling and hierarchical softmax, with the
// original word2vec.c semantics (random window shrink, subsampling, unigram^0.75 noise, Huffman
// tree, linear learning-rate decay, sentences cut at "</s>" and 1000 words)
// in plain multithreaded C++ (Hogwild, like the original).
//
// Speed: skip-gram processes a whole window at once, pWord2Vec style (Ji et al. 2016): the
// negative samples (or the Huffman path) of the centre word are shared by all the window's
// context words, so the updates become small dense matrix products
// (context words x (1 + K outputs)) on rows padded to 8 floats and 32-byte aligned, compiled for
// AVX2+FMA with a portable fallback chosen at run time. CBOW follows word2vec.c's loop with the
// same vector kernels. Threads read their own byte range of the input and own their scratch.
#pragma once

#include <cstdint>
#include <vector>

#include "seer/word2vec/text_reader.h"
#include "seer/word2vec/vectors.h"
#include "seer/word2vec/vocabulary.h"

namespace seer::word2vec {

enum class Model { kCbow, kSkipGram };
enum class Loss { kNegativeSampling, kHierarchicalSoftmax };

struct TrainOptions {
  Model model = Model::kCbow;
  Loss loss = Loss::kNegativeSampling;
  int dim = 100;        // vector size
  int window = 5;       // max context distance (each word draws its own shrink b)
  int negative = 5;     // negative samples per target (NS)
  double sample = 1e-3; // subsampling threshold; 0 keeps every word
  int epochs = 5;
  // Initial learning rate; 0: default_alpha (skip-gram 0.025, as word2vec.c; CBOW 0.075).
  double alpha = 0;
  // The learning rate falls linearly with the words processed (all threads, all epochs) from
  // alpha to alpha * end_alpha at the last word; 0: default_end_alpha (skip-gram 1e-4; CBOW
  // 1/6). word2vec.c falls towards 0 and stops at alpha * 1e-4: end_alpha 1e-4 is within
  // alpha * 1e-4 of it at every word. word2vec.c's CBOW is alpha 0.05 and end_alpha 1e-4: the CBOW
  // defaults gave better vectors at the same speed (docs/BENCHMARKS.md, "CBOW-NS quality").
  double end_alpha = 0;
  int threads = 0;      // 0: all hardware threads
  uint64_t seed = 1;    // thread t starts its LCG at seed + t (word2vec.c: t)
  int max_sentence = 1000;  // word2vec.c's MAX_SENTENCE_LENGTH
  bool progress = true;     // progress bar on stderr
  VocabOptions vocab;       // min count, lowercase, normaliser
};

struct TrainStats {
  double vocab_seconds = 0;
  double train_seconds = 0;
  int64_t words = 0;             // words processed (all epochs, before subsampling)
  double words_per_second = 0;   // all threads together
  std::vector<double> thread_words_per_second;
  int64_t vocab_size = 0;
  int64_t train_words = 0;       // words per epoch (sum of the vocabulary counts)
  double start_alpha = 0;        // the learning rate at the first word
  double final_alpha = 0;        // and at the last (the lowest of the threads')
};

double default_alpha(Model model);
double default_end_alpha(Model model);

constexpr int kMaxThreads = 1024;

// Throws seer::Error naming the option (as its command-line flag) that is out of range; train()
// calls it before reading the corpus.
void validate(const TrainOptions& options);

// The input vectors' initial values: `words` rows of `dim` floats (row stride `stride`),
// uniform in [-0.5, 0.5) / dim, a function of the seed only.
void initial_vectors(float* syn0, size_t words, int dim, size_t stride, uint64_t seed);

// Builds the vocabulary (one streaming pass) and trains.
WordVectors train(const Corpus& corpus, const TrainOptions& options, TrainStats* stats = nullptr);
// Trains with a given vocabulary (sorted as Vocabulary::sort_and_trim leaves it).
WordVectors train(const Corpus& corpus, const Vocabulary& vocab, const TrainOptions& options,
                  TrainStats* stats = nullptr);

}  // namespace seer::word2vec
