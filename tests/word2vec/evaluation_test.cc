#include "seer/word2vec/evaluation.h"

#include <cmath>

#include <gtest/gtest.h>

#include "seer/word2vec/plot.h"
#include "test_support.h"
#include "word2vec/w2v_test_util.h"

namespace seer::word2vec {
namespace {

using seer::testing::ScratchDir;
using namespace seer::word2vec::testing;

TEST(Word2vecSpearman, AverageRanksAndTiesByHand) {
  EXPECT_EQ(average_ranks({10, 20, 20, 5, 20}), (std::vector<double>{2, 4, 4, 1, 4}));
  // x ranks 1 2.5 2.5 4, y ranks 1 2 3 4: rho = sum(dx dy) / sqrt(sum dx^2 sum dy^2)
  //   dx = -1.5 0 0 1.5, dy = -1.5 -.5 .5 1.5 -> 4.5 / sqrt(4.5 * 5)
  EXPECT_NEAR(spearman({1, 2, 2, 3}, {10, 20, 30, 40}), 4.5 / std::sqrt(4.5 * 5), 1e-12);
  EXPECT_NEAR(spearman({1, 2, 3}, {3, 2, 1}), -1.0, 1e-12);
  EXPECT_TRUE(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));
}

// Hand-made 2-D vectors where the analogies hold by construction.
WordVectors hand_vectors() {
  WordVectors v;
  v.dim = 2;
  v.words = {"man", "woman", "king", "queen", "Paris", "france", "rome", "italy", "apple"};
  v.data = {1.0f, 0.0f,  1.0f, 1.0f,   3.0f, 0.2f,  3.0f, 1.2f,  -1.0f, 0.5f,
            -1.0f, 2.0f, -1.2f, 0.45f, -1.2f, 1.95f, 0.1f, -3.0f};
  v.build_index();
  return v;
}

TEST(Word2vecAnalogy, MostSimilarAndAnalogy) {
  const auto v = hand_vectors();
  const VectorIndex index(v);
  EXPECT_EQ(analogy(index, "man", "woman", "king", 1)[0].word, "queen");
  EXPECT_EQ(nearest(index, "rome", 1)[0].word, "Paris");
  EXPECT_EQ(index.find("paris"), 4);  // case-insensitive fallback
  EXPECT_NE(error_of([&] { nearest(index, "zebra", 3); }).find("'zebra' is not in the vocabulary"), std::string::npos);
}

TEST(Word2vecAnalogy, EvaluationCountsSectionsAndUnknownWords) {
  ScratchDir dir;
  write_text(dir / "q.txt",
             ": capital-common-countries\n"
             "paris france rome italy\n"     // correct (case-insensitive)
             "Paris France Rome Italy\n"     // correct
             "paris france rome zebra\n"     // unknown word: not answered
             ": gram-family\n"
             "man woman king queen\n"        // correct
             "man woman king apple\n");      // wrong
  const auto v = hand_vectors();
  const VectorIndex index(v);
  const AnalogyResult r = evaluate_analogies(index, dir / "q.txt", 30000, 2);
  ASSERT_EQ(r.sections.size(), 2u);
  EXPECT_EQ(r.sections[0].total, 3);
  EXPECT_EQ(r.sections[0].answered, 2);
  EXPECT_EQ(r.sections[0].correct, 2);
  EXPECT_EQ(r.total, 5);
  EXPECT_EQ(r.answered, 4);
  EXPECT_EQ(r.correct, 3);
  EXPECT_DOUBLE_EQ(r.accuracy(), 0.75);
  EXPECT_DOUBLE_EQ(r.semantic(), 1.0);
  EXPECT_DOUBLE_EQ(r.syntactic(), 0.5);
  // Restricted to the 4 most frequent words, only the man/woman/king/queen questions remain.
  const AnalogyResult small = evaluate_analogies(index, dir / "q.txt", 4, 1);
  EXPECT_EQ(small.answered, 1);
  EXPECT_EQ(small.correct, 1);
}

TEST(Word2vecSimilarity, SpearmanAndCoverage) {
  ScratchDir dir;
  write_text(dir / "ws.txt", "king\tqueen\t9\r\nman\tking\t5\r\napple\tman\t1\r\nzebra\tman\t3\r\n");
  const auto v = hand_vectors();
  const VectorIndex index(v);
  const SimilarityResult r = evaluate_similarity(index, dir / "ws.txt");
  EXPECT_EQ(r.total, 4);
  EXPECT_EQ(r.found, 3);
  EXPECT_DOUBLE_EQ(r.coverage(), 0.75);
  std::vector<double> model = {index.cosine(2, 3), index.cosine(0, 2), index.cosine(8, 0)};
  EXPECT_NEAR(r.spearman, spearman({9, 5, 1}, model), 1e-12);
  write_text(dir / "bad.txt", "king queen\n");
  EXPECT_NE(error_of([&] { evaluate_similarity(index, dir / "bad.txt"); }).find("bad.txt:1:"), std::string::npos);
  write_text(dir / "nan.txt", "king queen 1\nman king nan\n");
  EXPECT_NE(error_of([&] { evaluate_similarity(index, dir / "nan.txt"); }).find("nan.txt:2: the score is not a finite"),
            std::string::npos);
}

TEST(Word2vecSimilarity, LooksUpTheMostFrequentCaseVariantAsGensim) {
  // "Paris" (more frequent) and "paris": a pair naming "paris" uses "Paris", as gensim's
  // evaluate_word_pairs(case_insensitive=True) does.
  WordVectors v;
  v.dim = 2;
  v.words = {"Paris", "france", "paris", "berlin"};
  v.data = {1, 0, 1, 0.1f, 0, 1, 0.6f, 0.8f};
  v.build_index();
  const VectorIndex index(v);
  EXPECT_EQ(index.find("paris"), 2);           // exact first for queries
  EXPECT_EQ(index.find_any_case("paris"), 0);  // most frequent variant for the word-pair test
  ScratchDir dir;
  write_text(dir / "ws.txt", "paris france 9\nparis berlin 2\nfrance berlin 4\n");
  const SimilarityResult r = evaluate_similarity(index, dir / "ws.txt");
  EXPECT_EQ(r.found, 3);
  // With "Paris": cos(Paris, france) = 0.995 > cos(france, berlin) = 0.68 > cos(Paris, berlin) = 0.6,
  // the gold order exactly: rho = 1 (with "paris" it would be -1).
  EXPECT_NEAR(r.spearman, 1.0, 1e-12);
}

TEST(Word2vecAnalogy, KBelowOneIsAnError) {
  const auto v = hand_vectors();
  const VectorIndex index(v);
  EXPECT_NE(error_of([&] { nearest(index, "king", 0); }).find("k must be at least 1"), std::string::npos);
  EXPECT_NE(error_of([&] { analogy(index, "man", "king", "woman", -3); }).find("k must be at least 1"),
            std::string::npos);
}

TEST(Word2vecPlot, WritesAPngOfThePairs) {
  ScratchDir dir;
  const auto v = hand_vectors();
  write_text(dir / "pairs.txt", "# first second\nman woman\nking queen\nzebra horse\n");
  const WordPairs pairs = load_pairs((dir / "pairs.txt").string());
  ASSERT_EQ(pairs.size(), 3u);
  const PlotResult r = plot_pairs(v, pairs, dir / "p.png");
  EXPECT_EQ(r.kept.size(), 2u);
  EXPECT_EQ(r.points.size(), 4u);
  EXPECT_GT(std::filesystem::file_size(dir / "p.png"), 1000u);
  EXPECT_EQ(load_pairs("builtin:gender")[0].first, "man");
  EXPECT_NE(error_of([] { load_pairs("builtin:nope"); }).find("unknown pair set"), std::string::npos);
}

TEST(Word2vecPlot, ParallelismIsTheMeanCosineToTheMeanDifference) {
  // Differences (-1, 1, 0) and (0, 1, -1): their mean (-0.5, 1, -0.5) is at cos sqrt(3)/2 to each.
  WordVectors v;
  v.dim = 3;
  v.words = {"a1", "b1", "a2", "b2"};
  v.data = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0};
  v.build_index();
  for (const Projection projection : {Projection::kRelation, Projection::kPca}) {
    const PlotResult r = project_pairs(v, {{"a1", "b1"}, {"a2", "b2"}}, projection);
    EXPECT_NEAR(r.parallelism, std::sqrt(3.0) / 2, 1e-9);
  }
  EXPECT_EQ(parse_projection("pca"), Projection::kPca);
  EXPECT_NE(error_of([] { parse_projection("tsne"); }).find("unknown projection"), std::string::npos);
  // Pairs that are the same word twice have no relation to draw.
  EXPECT_NE(error_of([&] { project_pairs(v, {{"a1", "a1"}, {"b2", "b2"}}); }).find("mean difference is zero"),
            std::string::npos);
}

TEST(Word2vecPlot, RelationProjectionDrawsTheSharedOffsetAsParallelArrows) {
  // Five "topics" along dimensions 1-5 with different weights; each second word is its first
  // plus 0.5 along dimension 0, so the relation is a shared offset smaller than the topics'
  // spread. Their own PCA shows the topics; the relation projection runs every arrow right.
  WordVectors v;
  v.dim = 7;
  WordPairs pairs;
  for (int k = 0; k < 5; ++k) {
    const std::string a = "a" + std::to_string(k), b = "b" + std::to_string(k);
    pairs.emplace_back(a, b);
    for (const bool second : {false, true}) {
      v.words.push_back(second ? b : a);
      std::vector<float> row(7, 0.0f);
      row[1 + k] = 1.0f + 0.3f * static_cast<float>(k);
      row[6] = 0.2f * static_cast<float>(k % 2);
      if (second) row[0] = 0.5f;
      v.data.insert(v.data.end(), row.begin(), row.end());
    }
  }
  v.build_index();
  const PlotResult relation = project_pairs(v, pairs, Projection::kRelation);
  const PlotResult pca = project_pairs(v, pairs, Projection::kPca);
  EXPECT_NEAR(relation.parallelism, pca.parallelism, 1e-12);  // a property of the vectors
  EXPECT_GT(relation.parallelism, 0.8);
  EXPECT_GT(relation.picture_parallelism, 0.99);
  for (size_t p = 0; p < pairs.size(); ++p) {
    EXPECT_GT(relation.points[2 * p + 1].first, relation.points[2 * p].first) << p;
  }
  EXPECT_LT(pca.picture_parallelism, 0.7);
  EXPECT_GT(pca.explained, relation.explained);  // PCA holds the most variance a plane can
}

}  // namespace
}  // namespace seer::word2vec
