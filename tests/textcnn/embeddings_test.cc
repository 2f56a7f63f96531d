// The initial embedding matrix from word vectors: known words copied, unknown ones
// U[-a, a] (Kim's code's a = 0.25, or the paper's variance-matched a), padding zeros, coverage.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/textcnn/embeddings.h"
#include "test_support.h"

namespace seer::textcnn {
namespace {

word2vec::WordVectors make_vectors(std::vector<std::string> words, int dim,
                                   std::vector<float> data) {
  word2vec::WordVectors v;
  v.words = std::move(words);
  v.dim = dim;
  v.data = std::move(data);
  v.build_index();
  return v;
}

EmbeddingInitOptions fixed(double unknown_range) {
  EmbeddingInitOptions o;
  o.unknown_range = unknown_range;
  return o;
}

TEST(TextCnnEmbeddings, KnownCopiedUnknownUniformPaddingZero) {
  text::TextDataset d;
  d.train.push_back({{"good", "bad", "movie", "plot"}, 0});
  auto vocab = text::TextVocabulary::build(d);
  auto v = make_vectors({"movie", "good", "unused"}, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto e = initial_embeddings(vocab, v, 11, fixed(kKimUnknownRange));
  ASSERT_EQ(e.matrix.sizes(), torch::IntArrayRef({5, 3}));
  EXPECT_EQ(e.found, 2);
  EXPECT_EQ(e.words, 4);
  EXPECT_DOUBLE_EQ(e.coverage(), 0.5);
  EXPECT_TRUE(torch::equal(e.matrix[0], torch::zeros({3})));
  EXPECT_TRUE(torch::equal(e.matrix[vocab.id("good")], torch::tensor({4.f, 5.f, 6.f})));
  EXPECT_TRUE(torch::equal(e.matrix[vocab.id("movie")], torch::tensor({1.f, 2.f, 3.f})));
  for (const char* w : {"bad", "plot"}) {
    auto row = e.matrix[vocab.id(w)];
    EXPECT_LE(row.abs().max().item<float>(), 0.25f) << w;
    EXPECT_GT(row.abs().sum().item<float>(), 0.f) << w;
  }
  EXPECT_DOUBLE_EQ(e.unknown_range, 0.25);
  EXPECT_TRUE(torch::equal(e.matrix, initial_embeddings(vocab, v, 11, fixed(0.25)).matrix));  // seeded
  EXPECT_FALSE(torch::equal(e.matrix, initial_embeddings(vocab, v, 12, fixed(0.25)).matrix));
  auto r = random_embeddings(vocab, 6, 1);
  EXPECT_TRUE(torch::equal(r.matrix[0], torch::zeros({6})));
  EXPECT_LE(r.matrix.abs().max().item<float>(), 0.25f);
}

TEST(TextCnnEmbeddings, LowercaseFallbackFindsCapitalisedWordsInLowercasedVectors) {
  text::TextDataset d;
  d.train.push_back({{"What", "is", "Denver", "Mars"}, 0});
  auto vocab = text::TextVocabulary::build(d);
  auto v = make_vectors({"what", "is", "denver"}, 2, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(initial_embeddings(vocab, v, 1, fixed(0.25)).found, 1);  // "is" only
  auto o = fixed(0.25);
  o.lowercase_fallback = true;
  auto e = initial_embeddings(vocab, v, 1, o);
  EXPECT_EQ(e.found, 3);
  EXPECT_TRUE(torch::equal(e.matrix[vocab.id("What")], torch::tensor({1.f, 2.f})));
  EXPECT_TRUE(torch::equal(e.matrix[vocab.id("Denver")], torch::tensor({5.f, 6.f})));
  EXPECT_LE(e.matrix[vocab.id("Mars")].abs().max().item<float>(), 0.25f);
}

TEST(TextCnnEmbeddings, UnknownWordsMatchTheVarianceOfThePretrainedVectors) {
  // Found components 1..6: mean 3.5, variance 17.5 / 6, so a = sqrt(3 * 17.5 / 6) = sqrt(8.75).
  text::TextDataset d;
  d.train.push_back({{"good", "movie"}, 0});
  for (int i = 0; i < 3000; ++i) {
    std::string w = std::to_string(i);  // ("w" + std::to_string(i) trips a GCC 12 false warning)
    w.append("w");
    d.train.push_back({{w}, 0});
  }
  auto vocab = text::TextVocabulary::build(d);
  auto v = make_vectors({"movie", "good"}, 3, {1, 2, 3, 4, 5, 6});
  auto e = initial_embeddings(vocab, v, 5);  // 0: matched
  EXPECT_NEAR(e.unknown_range, std::sqrt(8.75), 1e-9);
  auto unknown = e.matrix.slice(0, 3);  // ids 3..: the 3000 unknown words
  ASSERT_EQ(unknown.size(0), 3000);
  EXPECT_LE(unknown.abs().max().item<double>(), e.unknown_range);
  EXPECT_NEAR(unknown.var().item<double>(), 17.5 / 6, 0.05 * 17.5 / 6);
  EXPECT_NEAR(unknown.mean().item<double>(), 0.0, 0.05);
  // No word found: Kim's 0.25.
  auto none = make_vectors({"absent"}, 3, {1, 2, 3});
  EXPECT_DOUBLE_EQ(initial_embeddings(vocab, none, 5).unknown_range, kKimUnknownRange);
}

TEST(TextCnnEmbeddings, VectorsScaledToKimsVarianceAndUnknownWordsMatchedToIt) {
  // Found components 1..6: a = sqrt(8.75) = 2.958 as read. Scaled to the variance of
  // U[-0.25, 0.25]: factor 0.25 / sqrt(8.75) = 0.08452, so "movie" (1, 2, 3) becomes
  // (0.08452, 0.16903, 0.25355); the unknown words get U[-0.25, 0.25].
  text::TextDataset d;
  d.train.push_back({{"good", "movie", "plot"}, 0});
  auto vocab = text::TextVocabulary::build(d);
  auto v = make_vectors({"movie", "good"}, 3, {1, 2, 3, 4, 5, 6});
  EmbeddingInitOptions o;
  o.vectors_range = kKimUnknownRange;
  auto e = initial_embeddings(vocab, v, 5, o);
  EXPECT_NEAR(e.vectors_range, std::sqrt(8.75), 1e-9);
  EXPECT_NEAR(e.vectors_scale, 0.25 / std::sqrt(8.75), 1e-9);
  EXPECT_DOUBLE_EQ(e.unknown_range, 0.25);
  auto movie = e.matrix[vocab.id("movie")];
  EXPECT_NEAR(movie[0].item<double>(), 0.0845154, 1e-6);
  EXPECT_NEAR(movie[2].item<double>(), 0.2535463, 1e-6);
  auto found = torch::stack({e.matrix[vocab.id("movie")], e.matrix[vocab.id("good")]});
  EXPECT_NEAR(std::sqrt(3 * found.var(/*unbiased=*/false).item<double>()), 0.25, 1e-6);
  EXPECT_LE(e.matrix[vocab.id("plot")].abs().max().item<double>(), 0.25);
  // A fixed unknown range still applies after scaling; 0 keeps the vectors as read.
  o.unknown_range = 0.1;
  EXPECT_DOUBLE_EQ(initial_embeddings(vocab, v, 5, o).unknown_range, 0.1);
  auto raw = initial_embeddings(vocab, v, 5);
  EXPECT_DOUBLE_EQ(raw.vectors_scale, 1.0);
  EXPECT_TRUE(torch::equal(raw.matrix[vocab.id("movie")], torch::tensor({1.f, 2.f, 3.f})));
  EXPECT_TRUE(testing::Contains(testing::error_of([&] {
    EmbeddingInitOptions bad;
    bad.vectors_range = -1;
    initial_embeddings(vocab, v, 5, bad);
  }), "range must be >= 0"));
}

}  // namespace
}  // namespace seer::textcnn
