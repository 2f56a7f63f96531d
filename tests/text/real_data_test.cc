// The readers on ../shared/data/mr and ../shared/data/trec as they are (skipped when absent).
#include <map>

#include <gtest/gtest.h>

#include "seer/text/readers.h"
#include "seer/text/vocabulary.h"
#include "test_support.h"

namespace seer::text {
namespace {

using Tokens = std::vector<std::string>;

std::vector<int> label_counts(const TextDataset& d, const std::vector<Sentence>& split) {
  std::vector<int> n(d.labels.size(), 0);
  for (const auto& s : split) ++n.at(static_cast<size_t>(s.label));
  return n;
}

TEST(MrRealData, CountsAndFirstSentences) {
  SEER_REQUIRE_DATA(dir, "mr");
  ::testing::internal::CaptureStderr();
  const TextDataset d = read_text_dataset("mr:" + dir.string());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(d.labels, (Tokens{"neg", "pos"}));
  EXPECT_EQ(d.train.size(), 10662u);
  EXPECT_EQ(label_counts(d, d.train), (std::vector<int>{5331, 5331}));
  EXPECT_TRUE(d.dev.empty());
  EXPECT_TRUE(d.test.empty());
  const Tokens first_pos(d.train[5331].tokens.begin(), d.train[5331].tokens.begin() + 6);
  EXPECT_EQ(first_pos, (Tokens{"the", "rock", "is", "destined", "to", "be"}));
  size_t tokens = 0;
  for (const auto& s : d.train) tokens += s.tokens.size();
  EXPECT_EQ(tokens, 217353u);  // 20.4 a sentence (Kim: average length 20)
  EXPECT_EQ(TextVocabulary::build(d).size(), 18766u);  // Kim's Table 1: |V| = 18765, + padding
}

TEST(TrecRealData, CountsCoarseAndFine) {
  SEER_REQUIRE_DATA(dir, "trec");
  ::testing::internal::CaptureStderr();
  TextDataset d = read_trec(dir);
  const std::string err = ::testing::internal::GetCapturedStderr();
  // The one 0xF0 byte ("sister\xf0city") of train_5500.label line 66.
  EXPECT_EQ(err, "warning: " + (dir / "train_5500.label").string() +
                     ":66: 1 line(s) with bytes that are not UTF-8 (the first here); those "
                     "bytes were read as cp1252/Latin-1\n");
  EXPECT_EQ(d.labels, (Tokens{"ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"}));
  EXPECT_EQ(d.train.size(), 5452u);
  EXPECT_EQ(d.test.size(), 500u);
  EXPECT_EQ(label_counts(d, d.train), (std::vector<int>{86, 1162, 1250, 1223, 835, 896}));
  EXPECT_EQ(label_counts(d, d.test), (std::vector<int>{9, 138, 94, 65, 81, 113}));
  EXPECT_EQ(d.train[0].tokens,
            (Tokens{"How", "did", "serfdom", "develop", "in", "and", "then", "leave", "Russia", "?"}));
  EXPECT_EQ(TextVocabulary::build(d).size(), 9593u);  // Kim's Table 1: |V| = 9592, + padding

  TextReadOptions fine;
  fine.trec_fine = true;
  ::testing::internal::CaptureStderr();
  d = read_trec(dir, fine);
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(d.labels.size(), 50u);
  EXPECT_EQ(d.test.size(), 500u);
}

}  // namespace
}  // namespace seer::text
