#include "seer/word2vec/trainer.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "seer/word2vec/evaluation.h"
#include "test_support.h"
#include "word2vec/w2v_test_util.h"

namespace seer::word2vec {
namespace {

using seer::testing::ScratchDir;
using namespace seer::word2vec::testing;

// Ten planted pairs (aN, bN): both words of a pair appear in exactly the same contexts (words
// drawn from the pair's own context set), so training must make them each other's neighbours.
std::string planted_corpus(int sentences_per_pair, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string text;
  for (int s = 0; s < sentences_per_pair * 10; ++s) {
    const int pair = static_cast<int>(rng() % 10);
    for (int i = 0; i < 7; ++i) {
      if (i == 3) text += (rng() % 2 ? "a" : "b") + std::to_string(pair);
      else text += "c" + std::to_string(pair) + "_" + std::to_string(rng() % 6);
      text += i == 6 ? "\n" : " ";
    }
  }
  return text;
}

TrainOptions small_options(Model model, Loss loss) {
  TrainOptions o;
  o.model = model;
  o.loss = loss;
  o.dim = 24;
  o.window = 3;
  o.negative = 5;
  o.sample = 0;
  o.epochs = model == Model::kSkipGram ? 5 : 10;
  o.threads = 1;
  o.seed = 3;
  o.progress = false;
  o.vocab.min_count = 1;
  return o;
}

class Word2vecPlanted : public ::testing::TestWithParam<std::tuple<Model, Loss>> {};

TEST_P(Word2vecPlanted, PairsComeOutNearestToEachOther) {
  ScratchDir dir;
  write_text(dir / "corpus.txt", planted_corpus(300, 11));
  const auto [model, loss] = GetParam();
  TrainOptions o = small_options(model, loss);
  o.threads = 2;  // also exercises the byte-range split
  TrainStats stats;
  const WordVectors v = train(Corpus(dir / "corpus.txt"), o, &stats);
  EXPECT_EQ(v.size(), 1u + 20u + 60u);
  EXPECT_GT(stats.words, 0);
  const VectorIndex index(v);
  int hits = 0;
  for (int p = 0; p < 10; ++p) {
    const auto a = "a" + std::to_string(p), b = "b" + std::to_string(p);
    const auto n = nearest(index, a, 1);
    hits += n[0].word == b;
  }
  EXPECT_GE(hits, 9);
}

INSTANTIATE_TEST_SUITE_P(
    Models, Word2vecPlanted,
    ::testing::Values(std::make_tuple(Model::kSkipGram, Loss::kNegativeSampling),
                      std::make_tuple(Model::kCbow, Loss::kNegativeSampling),
                      std::make_tuple(Model::kSkipGram, Loss::kHierarchicalSoftmax),
                      std::make_tuple(Model::kCbow, Loss::kHierarchicalSoftmax)));

TEST(Word2vecTrainer, OneThreadAndASeedAreDeterministic) {
  ScratchDir dir;
  write_text(dir / "corpus.txt", planted_corpus(50, 5));
  for (const Model model : {Model::kSkipGram, Model::kCbow}) {
    TrainOptions o = small_options(model, Loss::kNegativeSampling);
    o.epochs = 2;
    o.sample = 1e-2;
    const Corpus corpus(dir / "corpus.txt");
    const WordVectors a = train(corpus, o), b = train(corpus, o);
    EXPECT_EQ(a.data, b.data);
    o.seed = 4;
    const WordVectors c = train(corpus, o);
    EXPECT_NE(a.data, c.data);
  }
}

// word2vec.c drew the initial vectors from the LCG's low 16 bits, which repeat every 65,536
// draws: with dim 100 the rows of words 16,384 apart came out identical. seer's must not repeat,
// and must keep word2vec.c's distribution: uniform in [-0.5, 0.5) / dim.
TEST(Word2vecTrainer, InitialVectorsDoNotRepeatAndAreUniform) {
  const size_t words = 16384 * 2 + 778, dim = 100, stride = 104;  // rows 777 + 2 x 16384 exist
  std::vector<float> syn0(words * stride, 7.0f);
  initial_vectors(syn0.data(), words, dim, stride, 1);
  double sum = 0, sum_sq = 0;
  float lo = 1, hi = -1;
  for (size_t w = 0; w < words; ++w) {
    for (size_t d = 0; d < dim; ++d) {
      const float x = syn0[w * stride + d] * dim;
      sum += x;
      sum_sq += static_cast<double>(x) * x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    EXPECT_EQ(syn0[w * stride + dim], 7.0f);  // the padding is not written
  }
  const double n = static_cast<double>(words * dim);
  EXPECT_NEAR(sum / n, 0.0, 0.002);
  EXPECT_NEAR(sum_sq / n, 1.0 / 12, 0.002);  // the variance of U[-0.5, 0.5)
  EXPECT_GE(lo, -0.5f);
  EXPECT_LT(hi, 0.5f);
  for (size_t w : {size_t{0}, size_t{1}, size_t{777}}) {
    for (size_t other : {w + 16384, w + 2 * 16384}) {
      int same = 0;
      for (size_t d = 0; d < dim; ++d) same += syn0[w * stride + d] == syn0[other * stride + d];
      EXPECT_LT(same, 3) << "rows " << w << " and " << other;
    }
  }
  std::vector<float> again(words * stride, 7.0f);
  initial_vectors(again.data(), words, dim, stride, 1);
  EXPECT_EQ(syn0, again);
}

TEST(Word2vecTrainer, BadInputGivesClearErrors) {
  ScratchDir dir;
  EXPECT_NE(error_of([&] { train(Corpus(dir / "none.txt"), small_options(Model::kCbow, Loss::kNegativeSampling)); })
                .find("none.txt: no such corpus file or folder"),
            std::string::npos);
  write_text(dir / "empty.txt", "\n\n");
  EXPECT_NE(error_of([&] { train(Corpus(dir / "empty.txt"), small_options(Model::kCbow, Loss::kNegativeSampling)); })
                .find("empty.txt: "),
            std::string::npos);
  write_text(dir / "bad.txt", "fine words\nmore \xFE words\n");
  const std::string msg =
      error_of([&] { train(Corpus(dir / "bad.txt"), small_options(Model::kCbow, Loss::kNegativeSampling)); });
  EXPECT_NE(msg.find("bad.txt:2: invalid UTF-8 at byte offset 16"), std::string::npos) << msg;
  write_text(dir / "ok.txt", planted_corpus(5, 1));
  TrainOptions o = small_options(Model::kCbow, Loss::kNegativeSampling);
  o.dim = 0;
  EXPECT_NE(error_of([&] { train(Corpus(dir / "ok.txt"), o); }).find("--dim"), std::string::npos);
}

TEST(Word2vecTrainer, LearningRateFallsLinearlyToEndAlpha) {
  ScratchDir dir;
  write_text(dir / "corpus.txt", planted_corpus(40, 5));
  for (const double end : {0.0, 1e-4, 0.25, 1.0}) {
    for (const int threads : {1, 2}) {
      TrainOptions o = small_options(Model::kCbow, Loss::kNegativeSampling);
      o.end_alpha = end;
      o.threads = threads;
      o.epochs = 2;
      TrainStats stats;
      train(Corpus(dir / "corpus.txt"), o, &stats);
      EXPECT_DOUBLE_EQ(stats.start_alpha, static_cast<float>(default_alpha(Model::kCbow)));
      // The last rate is set after the last word: alpha (1 - (1 - end) W / (W + 1)).
      const double expected = end > 0 ? end : default_end_alpha(Model::kCbow);  // 0: the default
      EXPECT_NEAR(stats.final_alpha / stats.start_alpha, expected, 2e-4) << end << " " << threads;
    }
  }
}

TEST(Word2vecTrainer, OptionsOutOfRangeAreRefusedBeforeReading) {
  const auto msg = [](auto change) {
    TrainOptions o = small_options(Model::kCbow, Loss::kNegativeSampling);
    change(o);
    return error_of([&] { validate(o); });
  };
  EXPECT_EQ(msg([](TrainOptions&) {}), "");
  EXPECT_NE(msg([](TrainOptions& o) { o.sample = -1; }).find("--sample"), std::string::npos);
  EXPECT_NE(msg([](TrainOptions& o) { o.alpha = -0.1; }).find("--alpha"), std::string::npos);
  EXPECT_NE(msg([](TrainOptions& o) { o.alpha = std::nan(""); }).find("--alpha"), std::string::npos);
  EXPECT_NE(msg([](TrainOptions& o) { o.threads = -2; }).find("--threads"), std::string::npos);
  EXPECT_NE(msg([](TrainOptions& o) { o.vocab.min_count = 0; }).find("--min-count"), std::string::npos);
  EXPECT_NE(msg([](TrainOptions& o) { o.window = 0; }).find("--window"), std::string::npos);
  EXPECT_NE(msg([](TrainOptions& o) { o.end_alpha = -0.1; }).find("--end-alpha"), std::string::npos);
  EXPECT_NE(msg([](TrainOptions& o) { o.end_alpha = 1.5; }).find("--end-alpha"), std::string::npos);
  // train() checks them before the vocabulary pass: a missing corpus is not even opened.
  ScratchDir dir;
  write_text(dir / "ok.txt", "a b c\n");
  TrainOptions o = small_options(Model::kCbow, Loss::kNegativeSampling);
  o.sample = -1;
  EXPECT_NE(error_of([&] { train(Corpus(dir / "ok.txt"), o); }).find("--sample"), std::string::npos);
}

}  // namespace
}  // namespace seer::word2vec
