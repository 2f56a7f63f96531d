#include "seer/captcha/augment.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "seer/core/error.h"

namespace seer::captcha {
namespace {

constexpr int kW = 160, kH = 32, kChars = 6;

// Six dark "characters" (solid 12 x 16 px blocks) on a light background, centred in six
// equal slots of the middle 80% of the width (margins of 10% and 25% of the height, as
// captchas keep), at the network's input size.
constexpr double kLeft = 16, kSlot = (kW - 2 * kLeft) / kChars;
std::vector<float> six_blocks(std::vector<double>* centres = nullptr) {
  std::vector<float> px(kW * kH, 0.9f);
  for (int c = 0; c < kChars; ++c) {
    const int cx = static_cast<int>(kLeft + kSlot * (c + 0.5));
    if (centres) centres->push_back(cx);
    for (int y = 8; y < 24; ++y)
      for (int x = cx - 6; x < cx + 6; ++x) px[y * kW + x] = 0.1f;
  }
  return px;
}

// Centroids (x) of the dark connected components, left to right, and whether any touches the
// image border.
std::vector<double> ink_centres(std::vector<float> px, bool* touches_border) {
  cv::Mat img(kH, kW, CV_32F, px.data()), mask, labels, stats, centroids;
  cv::compare(img, 0.5, mask, cv::CMP_LT);
  const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8);
  std::vector<double> xs;
  *touches_border = false;
  for (int i = 1; i < n; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_AREA) < 20) continue;  // specks
    const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
    if (x == 0 || y == 0 || x + stats.at<int>(i, cv::CC_STAT_WIDTH) == kW ||
        y + stats.at<int>(i, cv::CC_STAT_HEIGHT) == kH)
      *touches_border = true;
    xs.push_back(centroids.at<double>(i, 0));
  }
  std::sort(xs.begin(), xs.end());
  return xs;
}

TEST(Augment, NoneLeavesTheImageAlone) {
  auto px = six_blocks();
  const auto before = px;
  EXPECT_FALSE(AugmentOptions::preset("none").enabled());
  augment_image(px.data(), kW, kH, AugmentOptions::preset("none"), 7);
  EXPECT_EQ(px, before);
}

TEST(Augment, StrongKeepsEveryCharacterInsideAndInItsPlace) {
  // The label survives the distortion: over 300 draws, the six characters stay six separate
  // shapes inside the image, in the same order, each next one a slot to the right (within a
  // quarter slot: the whole line may move, scale and slant, the characters keep their places).
  // (Lines are switched off here: they join the shapes, which is their point.)
  AugmentOptions o = AugmentOptions::preset("strong");
  o.line_probability = 0;
  std::vector<double> centres;
  six_blocks(&centres);
  double worst = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    auto px = six_blocks();
    augment_image(px.data(), kW, kH, o, seed);
    bool border = false;
    auto xs = ink_centres(px, &border);
    ASSERT_EQ(xs.size(), static_cast<size_t>(kChars)) << "seed " << seed;
    EXPECT_FALSE(border) << "seed " << seed;
    for (int c = 1; c < kChars; ++c) {
      worst = std::max(worst, std::abs((xs[c] - xs[c - 1]) - (centres[c] - centres[c - 1])));
    }
  }
  EXPECT_LT(worst, kSlot / 4);
  EXPECT_GT(worst, 0.5);  // and it did move them
}

TEST(Augment, SameSeedSameImageOtherSeedAnother) {
  const auto o = AugmentOptions::preset("strong");
  auto a = six_blocks(), b = six_blocks(), c = six_blocks();
  augment_image(a.data(), kW, kH, o, 42);
  augment_image(b.data(), kW, kH, o, 42);
  augment_image(c.data(), kW, kH, o, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (float v : a) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LE(v, 1.0f);
  }
}

TEST(Augment, LinesAreDrawnAcrossTheImageInTheInksTone) {
  AugmentOptions o;
  o.line_probability = 1;
  auto px = six_blocks();  // ink 0.1 on 0.9
  augment_image(px.data(), kW, kH, o, 3);
  // A line from the left edge to the right, near the ink's tone: every column has a dark pixel.
  for (int x = 0; x < kW; ++x) {
    float darkest = 1;
    for (int y = 0; y < kH; ++y) darkest = std::min(darkest, px[y * kW + x]);
    ASSERT_LE(darkest, 0.35f) << "column " << x;
  }
}

TEST(Augment, OptionsRoundTripAndBadNamesFail) {
  const auto o = AugmentOptions::preset("strong");
  EXPECT_EQ(AugmentOptions::from_json(o.to_json()).to_json(), o.to_json());
  EXPECT_THROW(AugmentOptions::preset("heavy"), Error);
  auto j = o.to_json();
  j["noise_sigma"] = -1;
  EXPECT_THROW(AugmentOptions::from_json(j), Error);
}

}  // namespace
}  // namespace seer::captcha
