// Using and judging word vectors: nearest neighbours by cosine, analogies (B - A + C), the
// Google analogy test as gensim's evaluate_word_analogies / word2vec's compute-accuracy run it,
// and word-similarity sets (WordSim-353, SimLex-999, MEN, ...) by Spearman's rho.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "seer/word2vec/vectors.h"

namespace seer::word2vec {

// The vectors scaled to unit length (zero vectors stay zero), with a case-insensitive lookup.
class VectorIndex {
 public:
  explicit VectorIndex(const WordVectors& vectors);
  const WordVectors& vectors() const { return vectors_; }
  size_t size() const { return vectors_.size(); }
  int dim() const { return vectors_.dim; }
  int stride() const { return stride_; }
  const float* unit(size_t i) const { return unit_.data() + i * stride_; }
  // Exact lookup, then (when absent) the most frequent word equal ignoring case.
  int32_t find(std::string_view word) const;
  // The most frequent word equal to `word` ignoring case, even when `word` itself is present
  // (gensim's case_insensitive lookups); -1 when none.
  int32_t find_any_case(std::string_view word) const;
  float cosine(size_t a, size_t b) const;

 private:
  const WordVectors& vectors_;
  int stride_ = 0;
  std::vector<float> unit_;
  std::unordered_map<std::string, int32_t> folded_;
};

// ASCII-and-Latin case folding used by every case-insensitive comparison here (lowercase_utf8).
std::string fold_case(std::string_view word);

struct Neighbour {
  std::string word;
  float similarity = 0;
};

// The k words closest to `query` (the positive words minus the negative ones, each unit
// length), excluding the query words. Throws seer::Error naming an unknown word.
std::vector<Neighbour> most_similar(const VectorIndex& index, const std::vector<std::string>& positive,
                                    const std::vector<std::string>& negative, int k);
std::vector<Neighbour> nearest(const VectorIndex& index, std::string_view word, int k);
// a : b :: c : ?  ->  b - a + c.
std::vector<Neighbour> analogy(const VectorIndex& index, std::string_view a, std::string_view b,
                               std::string_view c, int k);

struct AnalogySection {
  std::string name;
  int64_t total = 0;     // questions in the section
  int64_t answered = 0;  // questions whose four words are within the restricted vocabulary
  int64_t correct = 0;
  bool semantic() const;  // sections not named "gram..." (the first 5 of questions-words.txt)
};

struct AnalogyResult {
  std::vector<AnalogySection> sections;
  int64_t total = 0, answered = 0, correct = 0;
  int64_t semantic_answered = 0, semantic_correct = 0;
  int64_t syntactic_answered = 0, syntactic_correct = 0;
  double accuracy() const { return answered ? static_cast<double>(correct) / answered : 0; }
  double semantic() const { return semantic_answered ? static_cast<double>(semantic_correct) / semantic_answered : 0; }
  double syntactic() const { return syntactic_answered ? static_cast<double>(syntactic_correct) / syntactic_answered : 0; }
};

// gensim's evaluate_word_analogies(restrict_vocab, case_insensitive=True): only the first
// `restrict_vocab` words take part (as questions and as answers); a question with a word outside
// them is counted in `total` but not answered; the answer is the best of the top 5 of
// b - a + c (inputs excluded) whose case-folded form is none of the inputs.
// `threads` 0: all hardware threads.
AnalogyResult evaluate_analogies(const VectorIndex& index, const std::filesystem::path& file,
                                 int64_t restrict_vocab = 30000, int threads = 0);

struct SimilarityResult {
  double spearman = 0;   // NaN when fewer than 2 pairs are found
  int64_t found = 0, total = 0;
  double coverage() const { return total ? static_cast<double>(found) / total : 0; }
};

// "word1 word2 score" lines (tabs or spaces, CRLF ok, '#' comments); pairs with an unknown word
// are skipped. As gensim's evaluate_word_pairs (restrict_vocab=300000, case_insensitive=True):
// a word is looked up as its most frequent case variant among the first `restrict_vocab` words.
SimilarityResult evaluate_similarity(const VectorIndex& index, const std::filesystem::path& file,
                                     int64_t restrict_vocab = 300000);

// Ranks 1..n with ties given their average rank; Spearman's rho = Pearson of those ranks.
std::vector<double> average_ranks(const std::vector<double>& values);
double spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace seer::word2vec
