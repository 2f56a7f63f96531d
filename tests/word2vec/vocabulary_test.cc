#include "seer/word2vec/vocabulary.h"

#include <cmath>

#include <gtest/gtest.h>

#include "seer/word2vec/random.h"
#include "test_support.h"
#include "word2vec/w2v_test_util.h"

namespace seer::word2vec {
namespace {

using seer::testing::ScratchDir;
using namespace seer::word2vec::testing;

TEST(Word2vecVocab, CountsSortsAndTrims) {
  ScratchDir dir;
  write_text(dir / "c.txt", "b a b c\na b b d\nc a\n");
  VocabOptions options;
  options.min_count = 2;
  const Vocabulary v = Vocabulary::build(Corpus(dir / "c.txt"), options);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].word, "</s>");
  EXPECT_EQ(v[0].count, 3);
  EXPECT_EQ(v[1].word, "b");
  EXPECT_EQ(v[1].count, 4);
  EXPECT_EQ(v[2].word, "a");  // count 3
  EXPECT_EQ(v[3].word, "c");  // count 2; d (1) dropped
  EXPECT_EQ(v.find("c"), 3);
  EXPECT_EQ(v.find("d"), -1);
  EXPECT_EQ(v.total_count(), 3 + 4 + 3 + 2);
}

TEST(Word2vecVocab, PruneKeepsFrequentWordsLikeReduceVocab) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 200; ++i) text += "rare" + std::to_string(i) + " common ";
  write_text(dir / "c.txt", text);
  VocabOptions options;
  options.min_count = 1;
  options.max_size = 50;
  const Vocabulary v = Vocabulary::build(Corpus(dir / "c.txt"), options);
  EXPECT_LE(v.size(), 51u);
  EXPECT_EQ(v[1].word, "common");
  EXPECT_EQ(v[1].count, 200);
}

TEST(Word2vecVocab, EmptyCorpusIsAClearError) {
  ScratchDir dir;
  write_text(dir / "empty.txt", "  \t ");
  const std::string msg = error_of([&] { Vocabulary::build(Corpus(dir / "empty.txt"), {}); });
  EXPECT_NE(msg.find("empty.txt: the corpus holds no word"), std::string::npos) << msg;
  write_text(dir / "few.txt", "a b c");
  const std::string msg2 = error_of([&] { Vocabulary::build(Corpus(dir / "few.txt"), {}); });
  EXPECT_NE(msg2.find("--min-count"), std::string::npos) << msg2;
}

TEST(Word2vecHuffman, CodesOfAKnownFrequencyList) {
  // counts 5 3 2 1, worked by hand through word2vec.c's CreateBinaryTree:
  // inner nodes 4 = {3,2} (6), 5 = {4,1} ... root 6 = {0,5}.
  const HuffmanTree tree({5, 3, 2, 1});
  const auto codes = [&](size_t w) {
    std::string s;
    for (int j = 0; j < tree.length(w); ++j) s += static_cast<char>('0' + tree.codes(w)[j]);
    return s;
  };
  const auto points = [&](size_t w) {
    std::vector<int> p(tree.points(w), tree.points(w) + tree.length(w));
    return p;
  };
  EXPECT_EQ(codes(0), "0");
  EXPECT_EQ(codes(1), "11");
  EXPECT_EQ(codes(2), "101");
  EXPECT_EQ(codes(3), "100");
  EXPECT_EQ(points(0), (std::vector<int>{2}));
  EXPECT_EQ(points(1), (std::vector<int>{2, 1}));
  EXPECT_EQ(points(2), (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(points(3), (std::vector<int>{2, 1, 0}));
}

TEST(Word2vecHuffman, CodesArePrefixFreeAndLengthsFollowCounts) {
  std::vector<int64_t> counts;
  for (int i = 0; i < 300; ++i) counts.push_back(100000 / (i + 1));
  const HuffmanTree tree(counts);
  std::vector<std::string> all;
  for (size_t w = 0; w < counts.size(); ++w) {
    all.emplace_back(reinterpret_cast<const char*>(tree.codes(w)), tree.length(w));
    if (w > 0) EXPECT_LE(tree.length(w - 1), tree.length(w));
    for (int j = 0; j < tree.length(w); ++j) EXPECT_LT(tree.points(w)[j], static_cast<int>(counts.size()) - 1);
  }
  for (size_t a = 0; a < all.size(); ++a) {
    for (size_t b = 0; b < all.size(); ++b) {
      if (a != b) EXPECT_FALSE(all[b].starts_with(all[a])) << a << " prefixes " << b;
    }
  }
}

TEST(Word2vecNoise, DistributionIsUnigramToThePowerThreeQuarters) {
  const std::vector<int64_t> counts = {50, 1000, 300, 30, 7, 1};
  const NoiseSampler noise(counts);
  double z = 0;
  for (auto c : counts) z += std::pow(c, 0.75);
  for (size_t w = 0; w < counts.size(); ++w) {
    EXPECT_NEAR(noise.probability(w), std::pow(counts[w], 0.75) / z, 1e-7) << w;
  }
  // Sampled frequencies; word 0 ("</s>") draws are replaced by a uniform draw of 1..V-1.
  Lcg rng(42);
  std::vector<double> hist(counts.size(), 0);
  const int n = 2'000'000;
  for (int i = 0; i < n; ++i) hist[noise.sample(rng.next())] += 1.0 / n;
  const double p0 = std::pow(counts[0], 0.75) / z;
  EXPECT_EQ(hist[0], 0.0);
  for (size_t w = 1; w < counts.size(); ++w) {
    const double expected = std::pow(counts[w], 0.75) / z + p0 / (counts.size() - 1);
    EXPECT_NEAR(hist[w], expected, 0.003) << w;
  }
}

TEST(Word2vecSubsampling, KeepProbabilityFormula) {
  // word2vec.c: (sqrt(c / (s * T)) + 1) * (s * T) / c
  EXPECT_DOUBLE_EQ(keep_probability(1000, 100000, 1e-3), (std::sqrt(1000 / 100.0) + 1) * 100 / 1000);
  EXPECT_DOUBLE_EQ(keep_probability(10, 100000, 1e-3), 1.0);  // rare words always kept
  EXPECT_DOUBLE_EQ(keep_probability(50000, 100000, 0), 1.0);  // off
  const auto t = keep_thresholds({50000, 1000, 10, 48990}, 1e-3);  // total 100000
  EXPECT_EQ(t[2], 65536u);
  EXPECT_EQ(t[1], static_cast<uint32_t>(std::floor(keep_probability(1000, 100000, 1e-3) * 65536)));
  // The sampled keep rate matches the formula.
  Lcg rng(1);
  int kept = 0;
  const int n = 400000;
  for (int i = 0; i < n; ++i) kept += (rng.next() & 0xFFFF) <= t[0];
  EXPECT_NEAR(kept / static_cast<double>(n), keep_probability(50000, 100000, 1e-3), 0.003);
}

}  // namespace
}  // namespace seer::word2vec
