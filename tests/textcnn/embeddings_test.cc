// The initial embedding matrix from word vectors: known words copied, unknown ones
// U[-0.25, 0.25], padding zeros, coverage.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/textcnn/embeddings.h"

namespace seer::textcnn {
namespace {

TEST(TextCnnEmbeddings, KnownCopiedUnknownUniformPaddingZero) {
  text::TextDataset d;
  d.train.push_back({{"good", "bad", "movie", "plot"}, 0});
  auto vocab = text::TextVocabulary::build(d);
  word2vec::WordVectors v;
  v.words = {"movie", "good", "unused"};
  v.dim = 3;
  v.data = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  v.build_index();
  auto e = initial_embeddings(vocab, v, 11);
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
  EXPECT_TRUE(torch::equal(e.matrix, initial_embeddings(vocab, v, 11).matrix));  // seeded
  EXPECT_FALSE(torch::equal(e.matrix, initial_embeddings(vocab, v, 12).matrix));
  auto r = random_embeddings(vocab, 6, 1);
  EXPECT_TRUE(torch::equal(r.matrix[0], torch::zeros({6})));
  EXPECT_LE(r.matrix.abs().max().item<float>(), 0.25f);
}

}  // namespace
}  // namespace seer::textcnn
