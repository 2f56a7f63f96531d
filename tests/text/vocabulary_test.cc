#include "seer/text/vocabulary.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace seer::text {
namespace {

TextDataset tiny() {
  TextDataset d;
  d.labels = {"a", "b"};
  d.train = {{{"the", "cat", "sat"}, 0}, {{"the", "dog"}, 1}};
  d.dev = {{{"a", "cat"}, 0}};
  d.test = {{{"the", "bird"}, 1}};
  return d;
}

TEST(TextVocab, IdsInOrderOfFirstAppearanceOverAllSplits) {
  const TextVocabulary v = TextVocabulary::build(tiny());
  EXPECT_EQ(v.size(), 7u);  // padding + the cat sat dog a bird
  EXPECT_EQ(v.word(0), "");
  EXPECT_EQ(v.id("the"), 1);
  EXPECT_EQ(v.id("cat"), 2);
  EXPECT_EQ(v.id("sat"), 3);
  EXPECT_EQ(v.id("dog"), 4);
  EXPECT_EQ(v.id("a"), 5);
  EXPECT_EQ(v.id("bird"), 6);
  EXPECT_EQ(v.word(6), "bird");
  EXPECT_EQ(v.id("fish"), -1);
  EXPECT_EQ(v.id(""), -1);
  EXPECT_THROW(v.word(7), std::out_of_range);
  EXPECT_THROW(v.word(-1), std::out_of_range);
}

TEST(TextVocab, EncodeDropsUnknownWords) {
  const TextVocabulary v = TextVocabulary::build(tiny());
  EXPECT_EQ(v.encode({"the", "fish", "sat", "the"}), (std::vector<int>{1, 3, 1}));
  EXPECT_TRUE(v.encode({}).empty());
}

TEST(TextVocab, MinCount) {
  const TextVocabulary v = TextVocabulary::build(tiny(), 2);
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v.id("the"), 1);
  EXPECT_EQ(v.id("cat"), 2);
  EXPECT_EQ(v.id("dog"), -1);
  EXPECT_FALSE(seer::testing::error_of([] { TextVocabulary::build(tiny(), 0); }).empty());
  EXPECT_EQ(TextVocabulary().size(), 1u);
}

}  // namespace
}  // namespace seer::text
