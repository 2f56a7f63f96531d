#include "seer/captcha/label_codec.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "seer/core/error.h"
#include "test_support.h"

namespace seer::captcha {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;

TEST(LabelCodec, Sizes) {
  LabelCodec codec("0123456789", 4);
  EXPECT_EQ(codec.num_classes(), 10);
  EXPECT_EQ(codec.length(), 4);
  EXPECT_EQ(codec.vector_size(), 40);
  EXPECT_EQ(codec.charset(), "0123456789");
}

TEST(LabelCodec, LabelToIndicesAndBack) {
  LabelCodec codec("0123456789", 4);
  EXPECT_EQ(codec.to_indices("0782"), (std::vector<int64_t>{0, 7, 8, 2}));
  EXPECT_EQ(codec.from_indices({0, 7, 8, 2}), "0782");
  EXPECT_EQ(codec.from_indices(codec.to_indices("9990")), "9990");
}

TEST(LabelCodec, LabelToOneHotAndBack) {
  LabelCodec codec("0123456789", 4);
  std::vector<float> vec = codec.to_one_hot("0782");
  ASSERT_EQ(vec.size(), 40u);
  std::vector<float> expected(40, 0.0f);
  for (int i : {0, 17, 28, 32}) expected[static_cast<size_t>(i)] = 1.0f;
  EXPECT_EQ(vec, expected);
  EXPECT_EQ(codec.from_one_hot(vec), "0782");
}

TEST(LabelCodec, NonDigitCharsetUsesCharsetOrder) {
  LabelCodec codec("xyzA", 3);
  EXPECT_EQ(codec.to_indices("Axz"), (std::vector<int64_t>{3, 0, 2}));
  std::vector<float> vec = codec.to_one_hot("Axz");
  ASSERT_EQ(vec.size(), 12u);
  EXPECT_EQ(vec[3], 1.0f);
  EXPECT_EQ(vec[4], 1.0f);
  EXPECT_EQ(vec[10], 1.0f);
  EXPECT_EQ(codec.from_one_hot(vec), "Axz");
}

TEST(LabelCodec, DecodesScoresByArgmaxPerBlock) {
  LabelCodec codec("0123456789", 4);
  std::vector<float> scores(40, 0.0f);
  // Block 0: max at 5 (with negative logits around); block 1: max at 0; block 2: max at 9;
  // block 3: ties between 3 and 6 resolve to the first.
  for (int k = 0; k < 10; ++k) scores[static_cast<size_t>(k)] = -5.0f + 0.1f * k;
  scores[5] = 2.5f;
  scores[10] = 0.9f;
  scores[11] = 0.8f;
  scores[29] = 0.31f;
  scores[28] = 0.3f;
  scores[33] = 0.7f;
  scores[36] = 0.7f;
  EXPECT_EQ(codec.from_one_hot(scores), "5093");
}

TEST(LabelCodec, WrongLengthIsAnError) {
  LabelCodec codec("0123456789", 4);
  EXPECT_EQ(codec.check("078"), "label \"078\": length 3, expected 4");
  EXPECT_EQ(error_of([&] { codec.to_indices("078"); }), "label \"078\": length 3, expected 4");
  EXPECT_EQ(error_of([&] { codec.to_one_hot("07822"); }), "label \"07822\": length 5, expected 4");
}

TEST(LabelCodec, CharacterOutsideCharsetIsAnError) {
  LabelCodec codec("0123456789", 4);
  const std::string expected =
      "label \"07a2\": character 'a' at position 3 is not in charset \"0123456789\"";
  EXPECT_EQ(codec.check("07a2"), expected);
  EXPECT_EQ(error_of([&] { codec.to_indices("07a2"); }), expected);
  EXPECT_EQ(error_of([&] { codec.to_one_hot("07a2"); }), expected);
  EXPECT_EQ(codec.check("0782"), "");
}

TEST(LabelCodec, BadIndicesAndVectorsAreErrors) {
  LabelCodec codec("0123456789", 4);
  EXPECT_TRUE(Contains(error_of([&] { codec.from_indices({0, 7, 8}); }), "expected 4"));
  EXPECT_TRUE(Contains(error_of([&] { codec.from_indices({0, 7, 10, 2}); }), "value 10"));
  EXPECT_TRUE(Contains(error_of([&] { codec.from_indices({0, -1, 1, 2}); }), "value -1"));
  EXPECT_TRUE(
      Contains(error_of([&] { codec.from_one_hot(std::vector<float>(39)); }), "expected 40"));
}

TEST(LabelCodec, VaryingLengthsAreCheckedAndPadded) {
  LabelCodec codec("0123", 5, 3);
  EXPECT_FALSE(codec.fixed_length());
  EXPECT_EQ(codec.min_length(), 3);
  EXPECT_EQ(codec.check("012"), "");
  EXPECT_EQ(codec.check("01230"), "");
  EXPECT_NE(codec.check("01").find("length 2, expected 3 to 5"), std::string::npos) << codec.check("01");
  EXPECT_NE(codec.check("012301").find("expected 3 to 5"), std::string::npos);
  EXPECT_EQ(codec.to_padded_indices("312"), (std::vector<int64_t>{3, 1, 2, -1, -1}));
  EXPECT_EQ(codec.to_indices("312"), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_TRUE(LabelCodec("0123", 4).fixed_length());
  EXPECT_THROW(LabelCodec("0123", 3, 4), Error);
}

TEST(LabelCodec, BadConstructionIsAnError) {
  EXPECT_TRUE(Contains(error_of([] { LabelCodec("", 4); }), "empty"));
  EXPECT_TRUE(Contains(error_of([] { LabelCodec("0123", 0); }), "at least 1"));
  EXPECT_TRUE(Contains(error_of([] { LabelCodec("01231", 4); }), "character '1' appears twice"));
}

}  // namespace
}  // namespace seer::captcha
