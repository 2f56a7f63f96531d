// Kim's clean_str / clean_str_sst, expected outputs written by hand from his regex rules.
#include "seer/text/tokenizer.h"

#include <gtest/gtest.h>

namespace seer::text {
namespace {

using Tokens = std::vector<std::string>;

TEST(CleanStr, SplitsContractionsAndPunctuation) {
  EXPECT_EQ(clean_str("It's a dog's life, isn't it?"), "it 's a dog 's life , is n't it ?");
  EXPECT_EQ(clean_str("I've, you're, he'd, we'll"), "i 've , you 're , he 'd , we 'll");
  EXPECT_EQ(clean_str("Hello... world! (really)"), "hello world ! ( really )");
  EXPECT_EQ(clean_str("!!!"), "! ! !");
}

TEST(CleanStr, DropsOtherCharacters) {
  // MR's first line: the quotes go, "'s" splits off.
  EXPECT_EQ(clean_str("the rock is destined to be the 21st century's new \" conan \" and "),
            "the rock is destined to be the 21st century 's new conan and");
  EXPECT_EQ(clean_str("jean-claud van damme : co-writer/director"),
            "jean claud van damme co writer director");
  EXPECT_EQ(clean_str("`quoted' 100%"), "`quoted' 100");
  // Every byte of a non-ASCII letter is a separator (Kim's Python 2 works on bytes).
  EXPECT_EQ(clean_str("caf\xC3\xA9 tr\xC3\xA8s bien"), "caf tr s bien");
}

TEST(CleanStr, RulesApplyInOrderLikeReSub) {
  // "n't" first, then "'d" also matches the opening quote of "'do".
  EXPECT_EQ(clean_str("he said 'don't'"), "he said 'do n't'");
  EXPECT_EQ(clean_str("'s's"), "'s 's");
}

TEST(CleanStr, WhitespaceAndCase) {
  EXPECT_EQ(clean_str("  A\t\tB \n"), "a b");
  EXPECT_EQ(clean_str(""), "");
  EXPECT_EQ(clean_str(" ... "), "");
  // TREC: Kim's clean_str(..., TREC=True) keeps the case.
  EXPECT_EQ(clean_str("How far is it from Denver to Aspen?", false),
            "How far is it from Denver to Aspen ?");
  EXPECT_EQ(clean_str("What's NASA's budget?", false), "What 's NASA 's budget ?");
}

TEST(CleanStr, SstVariantOnlyFiltersAndLowercases) {
  EXPECT_EQ(clean_str_sst("It's a dog's life, isn't it?"), "it's a dog's life, isn't it?");
  EXPECT_EQ(clean_str_sst("Hello... (World)  -- !"), "hello (world) !");
  EXPECT_EQ(clean_str_sst("  "), "");
}

TEST(CleanStr, SplitTokens) {
  EXPECT_EQ(split_tokens("it 's a dog"), (Tokens{"it", "'s", "a", "dog"}));
  EXPECT_EQ(split_tokens("  a\t b\n"), (Tokens{"a", "b"}));
  EXPECT_TRUE(split_tokens("").empty());
  EXPECT_TRUE(split_tokens(" \t ").empty());
}

}  // namespace
}  // namespace seer::text
