// The vocabulary of a corpus (word counts, word2vec.c order) and the tables training derives
// from it: the Huffman tree of hierarchical softmax, the unigram^0.75 noise distribution of
// negative sampling and the subsampling keep probabilities.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "seer/word2vec/text_reader.h"

namespace seer::word2vec {

struct VocabOptions {
  int64_t min_count = 5;  // words seen fewer times are dropped ("</s>" is always kept)
  // Word types held while counting; past it the rarest are pruned and the pruning threshold
  // grows, exactly like word2vec.c's ReduceVocab (it uses 21M). Memory stays ~ vocabulary.
  int64_t max_size = 10'000'000;
  TextOptions text;
};

struct VocabWord {
  std::string word;
  int64_t count = 0;
};

class Vocabulary {
 public:
  Vocabulary();  // holds "</s>" (count 0) as word 0

  // Streams the corpus once (validating UTF-8), counts, prunes, sorts. `progress` (may be
  // empty) gets the number of tokens read so far, every 2^20 tokens. Throws seer::Error for an
  // empty result.
  static Vocabulary build(const Corpus& corpus, const VocabOptions& options,
                          const std::function<void(int64_t tokens)>& progress = {});

  // Adds `count` to `word` (inserting it). Used while counting and by tests.
  void add(std::string_view word, int64_t count = 1);
  // word2vec.c's SortVocab: "</s>" first, then by count descending (ties keep first-seen
  // order), words under `min_count` dropped.
  void sort_and_trim(int64_t min_count);
  // word2vec.c's ReduceVocab: drops words with count <= min_reduce (not "</s>").
  void prune(int64_t min_reduce);

  int32_t find(std::string_view word) const;  // -1 when absent
  size_t size() const { return words_.size(); }
  const VocabWord& operator[](size_t i) const { return words_[i]; }
  const std::vector<VocabWord>& words() const { return words_; }
  int64_t total_count() const;  // sum of the counts: word2vec.c's train_words

 private:
  void rehash(size_t capacity);
  std::vector<VocabWord> words_;
  std::vector<uint32_t> hashes_;
  std::vector<int32_t> table_;  // open addressing, -1 empty; capacity a power of two
};

// Hierarchical softmax codes, built exactly as word2vec.c's CreateBinaryTree (which assumes
// counts sorted descending). For word w: codes(w)[j] is the bit at depth j (root first) and
// points(w)[j] the inner node (0 .. V-2) whose output vector predicts it.
class HuffmanTree {
 public:
  explicit HuffmanTree(const std::vector<int64_t>& counts);
  size_t size() const { return offsets_.size() - 1; }
  int length(size_t w) const { return static_cast<int>(offsets_[w + 1] - offsets_[w]); }
  const uint8_t* codes(size_t w) const { return codes_.data() + offsets_[w]; }
  const int32_t* points(size_t w) const { return points_.data() + offsets_[w]; }

 private:
  std::vector<uint64_t> offsets_;
  std::vector<uint8_t> codes_;
  std::vector<int32_t> points_;
};

// Negative samples drawn with probability count^power / sum (word2vec.c's unigram table
// distribution, power 0.75), by Walker's alias method: exact, one LCG step per draw, and memory
// ~ vocabulary (word2vec.c's 1e8-entry table would take 400 MB and miss the caches).
// As in word2vec.c, a draw of word 0 ("</s>") is replaced by a uniform draw of 1 .. V-1.
class NoiseSampler {
 public:
  explicit NoiseSampler(const std::vector<int64_t>& counts, double power = 0.75);
  // `random` is one LCG output.
  int32_t sample(uint64_t random) const {
    const uint64_t x = random >> 16;  // the LCG's good 48 bits
    const unsigned __int128 scaled = static_cast<unsigned __int128>(x) * size_;
    const uint32_t bucket = static_cast<uint32_t>(scaled >> 48);
    const uint32_t fraction = static_cast<uint32_t>(static_cast<uint64_t>(scaled) >> 16);
    const Cell& cell = cells_[bucket];
    int32_t w = fraction < cell.threshold ? static_cast<int32_t>(bucket) : cell.alias;
    if (w == 0 && size_ > 1) w = static_cast<int32_t>(random % (size_ - 1) + 1);
    return w;
  }
  // The probability the alias table gives word w (before the "</s>" replacement); for tests.
  double probability(size_t w) const;

 private:
  struct Cell {
    uint32_t threshold;  // keep the bucket when fraction (32 bits) < threshold
    int32_t alias;
  };
  std::vector<Cell> cells_;
  uint64_t size_ = 0;
};

// word2vec.c's subsampling: a word of count c among `total` is kept with probability
// (sqrt(c / (s * total)) + 1) * (s * total) / c (capped at 1); s <= 0 keeps everything.
double keep_probability(int64_t count, int64_t total, double sample);

// The same as 16-bit thresholds: keep when (random & 0xFFFF) <= threshold (65536: always).
std::vector<uint32_t> keep_thresholds(const std::vector<int64_t>& counts, double sample);

}  // namespace seer::word2vec
