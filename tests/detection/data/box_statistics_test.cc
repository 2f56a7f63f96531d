// Box statistics and anchor suggestion on hand-made datasets whose answer is known.
#include "seer/detection/data/box_statistics.h"

#include <cmath>

#include <gtest/gtest.h>

#include "seer/core/error.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;

// One image of width x height holding boxes of the given (w, h), placed at the origin.
DetectionImage image_with(int width, int height, const std::vector<std::pair<double, double>>& shapes,
                          bool difficult = false) {
  DetectionImage im;
  im.id = "im";
  im.width = width;
  im.height = height;
  for (const auto& [w, h] : shapes) {
    DetectionObject o;
    o.label = 0;
    o.difficult = difficult;
    o.box = Box{0, 0, static_cast<float>(w), static_cast<float>(h)};
    im.objects.push_back(o);
  }
  return im;
}

DetectionDataset dataset_of(std::vector<DetectionImage> images) {
  DetectionDataset d;
  d.classes = {"thing"};
  d.images = std::move(images);
  return d;
}

TEST(BoxShapes, ScaledAsTheDetectorSeesThem) {
  // 400x300 -> short side 600: x2; 1000x300 -> capped by the long side 1000: x1.
  auto d = dataset_of({image_with(400, 300, {{10, 20}}), image_with(1000, 300, {{30, 40}, {0, 5}})});
  const auto shapes = box_shapes(d, 600, 1000);
  ASSERT_EQ(shapes.size(), 2u);  // the zero-width box is left out
  EXPECT_DOUBLE_EQ(shapes[0].width, 20);
  EXPECT_DOUBLE_EQ(shapes[0].height, 40);
  EXPECT_EQ(shapes[0].image, 0u);
  EXPECT_DOUBLE_EQ(shapes[1].width, 30);
  EXPECT_EQ(shapes[1].image, 1u);
  EXPECT_DOUBLE_EQ(shapes[1].size(), std::sqrt(1200.0));
  EXPECT_DOUBLE_EQ(shapes[1].ratio(), 40.0 / 30.0);
  // short_side 0: the images' own pixels.
  EXPECT_DOUBLE_EQ(box_shapes(d, 0, 0)[0].width, 10);
}

TEST(Summary, MinMedianMax) {
  const Summary s = summarize({5, 1, 3, 2});
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.median, 2.5);
  EXPECT_EQ(s.max, 5);
  EXPECT_EQ(summarize({7, 1, 3}).median, 3);
  EXPECT_TRUE(std::isnan(summarize({}).median));
}

TEST(AnchorCoverage, PerfectAnchorsCoverEverythingAndIouIsShapeOnly) {
  // Boxes exactly of the anchors 32 / 64 x ratios 0.5 / 2 (w = s / sqrt(r), h = s * sqrt(r)).
  std::vector<std::pair<double, double>> shapes;
  for (double s : {32.0, 64.0})
    for (double r : {0.5, 2.0}) shapes.emplace_back(s / std::sqrt(r), s * std::sqrt(r));
  auto d = dataset_of({image_with(600, 600, shapes)});
  EXPECT_NEAR(anchor_coverage(d, 600, 1000, {32, 64}, {0.5, 2}), 1.0, 1e-6);
  // A 10x10 box against a 20x20 anchor: 100 / 400.
  EXPECT_DOUBLE_EQ(best_anchor_iou(10, 10, {20}, {1}), 0.25);
  // 10x40 against the square 20: inter 10 * 20, union 400 + 400 - 200.
  EXPECT_DOUBLE_EQ(best_anchor_iou(10, 40, {20}, {1}), 200.0 / 600.0);
  // Difficult boxes do not count; none left is NaN.
  auto hard = dataset_of({image_with(600, 600, {{10, 10}}, /*difficult=*/true)});
  EXPECT_TRUE(std::isnan(anchor_coverage(hard, 600, 1000, {32}, {1})));
  EXPECT_TRUE(Contains(error_of([&] { anchor_coverage(d, 600, 1000, {}, {1}); }), "no anchor sizes"));
  EXPECT_TRUE(Contains(error_of([&] { anchor_coverage(d, 600, 1000, {32}, {-1}); }), "must be positive"));
}

TEST(SuggestAnchors, TwoSizesGiveThoseSizes) {
  // Squares of side 20 and 80 (at scale 1: the image is 600 px on its short side).
  std::vector<std::pair<double, double>> shapes;
  for (int i = 0; i < 30; ++i) shapes.emplace_back(20, 20);
  for (int i = 0; i < 10; ++i) shapes.emplace_back(80, 80);
  auto d = dataset_of({image_with(600, 800, shapes)});
  const AnchorSuggestion a = suggest_anchors(d, 600, 1000, 2, 1);
  ASSERT_EQ(a.sizes.size(), 2u);
  EXPECT_NEAR(a.sizes[0], 20, 1e-9);
  EXPECT_NEAR(a.sizes[1], 80, 1e-9);
  ASSERT_EQ(a.ratios.size(), 1u);
  EXPECT_NEAR(a.ratios[0], 1, 1e-12);
  EXPECT_NEAR(a.mean_best_iou, 1, 1e-9);
  // Asking for more sizes than the data has distinct values gives the distinct ones.
  const AnchorSuggestion b = suggest_anchors(d, 600, 1000, 3, 3);
  ASSERT_EQ(b.sizes.size(), 2u);
  EXPECT_NEAR(b.sizes[1], 80, 1e-9);
  EXPECT_EQ(b.ratios.size(), 1u);
  // Scaled: the same image at short side 300 halves everything.
  const AnchorSuggestion c = suggest_anchors(d, 300, 1000, 2, 1);
  EXPECT_NEAR(c.sizes[0], 10, 1e-9);
  EXPECT_NEAR(c.sizes[1], 40, 1e-9);
}

TEST(SuggestAnchors, KnownRatiosAreRecoveredAndTheResultIsDeterministic) {
  // Three ratio groups (0.5, 1, 3) with some spread in size and a little in ratio.
  std::vector<std::pair<double, double>> shapes;
  const double ratios[] = {0.5, 1.0, 3.0};
  for (int g = 0; g < 3; ++g) {
    for (int i = 0; i < 20; ++i) {
      const double s = 40 + 4 * i;
      const double r = ratios[g] * (i % 2 ? 1.02 : 1 / 1.02);
      shapes.emplace_back(s / std::sqrt(r), s * std::sqrt(r));
    }
  }
  auto d = dataset_of({image_with(600, 600, shapes)});
  const AnchorSuggestion a = suggest_anchors(d, 600, 1000, 3, 3, 5);
  ASSERT_EQ(a.ratios.size(), 3u);
  // (float boxes: a ratio is exact to about 1e-7)
  for (int g = 0; g < 3; ++g) EXPECT_NEAR(a.ratios[g], ratios[g], 1e-5) << g;
  ASSERT_EQ(a.sizes.size(), 3u);
  EXPECT_TRUE(a.sizes[0] < a.sizes[1] && a.sizes[1] < a.sizes[2]);
  EXPECT_GT(a.sizes[0], 40);
  EXPECT_LT(a.sizes[2], 40 + 4 * 19);
  EXPECT_GT(a.mean_best_iou, 0.8);  // sizes spread evenly over 40..116: about 0.84
  EXPECT_NEAR(a.mean_best_iou, anchor_coverage(d, 600, 1000, a.sizes, a.ratios), 1e-12);
  // The paper's anchors suit these small boxes less well.
  EXPECT_LT(anchor_coverage(d, 600, 1000, {128, 256, 512}, {0.5, 1, 2}), a.mean_best_iou);
  const AnchorSuggestion again = suggest_anchors(d, 600, 1000, 3, 3, 5);
  EXPECT_EQ(again.sizes, a.sizes);
  EXPECT_EQ(again.ratios, a.ratios);
}

TEST(SuggestAnchors, Errors) {
  auto empty = dataset_of({image_with(100, 100, {})});
  EXPECT_TRUE(Contains(error_of([&] { suggest_anchors(empty, 600, 1000); }), "no (non-difficult) boxes"));
  auto d = dataset_of({image_with(100, 100, {{5, 5}})});
  EXPECT_TRUE(Contains(error_of([&] { suggest_anchors(d, 600, 1000, 0, 3); }), "at least one size"));
}

}  // namespace
}  // namespace seer::detection
