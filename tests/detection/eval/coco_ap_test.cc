// COCO-style AP@[.5:.95] (pycocotools' accumulation) on hand-made cases.
#include <cmath>

#include <gtest/gtest.h>

#include "detection/eval/eval_test_util.h"
#include "seer/detection/eval/voc_ap.h"

namespace seer::detection {
namespace {

using testing::dataset;
using testing::detection;
using testing::object;

const Box kG0{0, 0, 100, 100};
const Box kG1{200, 200, 300, 300};

TEST(CocoAp, Thresholds) {
  auto gt = dataset({"a"}, 1);
  const auto r = coco_ap(gt, {});
  ASSERT_EQ(r.iou_thresholds.size(), 10u);
  ASSERT_EQ(r.recall_thresholds.size(), 101u);
  EXPECT_DOUBLE_EQ(r.iou_thresholds.front(), 0.5);
  EXPECT_DOUBLE_EQ(r.iou_thresholds.back(), 0.95);
  EXPECT_NEAR(r.iou_thresholds[5], 0.75, 1e-15);
  EXPECT_DOUBLE_EQ(r.recall_thresholds[50], 0.5);
  EXPECT_DOUBLE_EQ(r.recall_thresholds.back(), 1.0);
  EXPECT_TRUE(std::isnan(r.map));  // no ground truth at all
}

TEST(CocoAp, PerfectIsOne) {
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, kG0)};
  const auto r = coco_ap(gt, {detection("img1", 0, 0.9f, kG0)});
  EXPECT_DOUBLE_EQ(r.map, 1.0);
  EXPECT_DOUBLE_EQ(r.map50, 1.0);
  EXPECT_DOUBLE_EQ(r.map75, 1.0);
}

// IoU .62 (a 100x62 box inside the 100x100 object): a match at .50, .55, .60, not above ->
// AP per threshold 1, 1, 1, 0 x 7 -> AP@[.5:.95] = .3, AP50 = 1, AP75 = 0.
TEST(CocoAp, AveragesOverIouThresholds) {
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, kG0)};
  const auto r = coco_ap(gt, {detection("img1", 0, 0.9f, Box{0, 0, 100, 62})});
  EXPECT_NEAR(r.map, 0.3, 1e-12);
  EXPECT_DOUBLE_EQ(r.map50, 1.0);
  EXPECT_DOUBLE_EQ(r.map75, 0.0);
}

// pycocotools matches at IoU >= threshold (VOC needs > .5): IoU exactly .5 is a match at .50.
TEST(CocoAp, IouAtThresholdMatches) {
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, Box{0, 0, 10, 10})};
  const auto r = coco_ap(gt, {detection("img1", 0, 0.9f, Box{0, 0, 10, 5})});
  EXPECT_DOUBLE_EQ(r.map50, 1.0);
  EXPECT_NEAR(r.map, 0.1, 1e-12);
}

// Two objects; d0 (0.9) on g0, d1 (0.8) duplicate of g0, d2 (0.7) on g1, at every threshold:
// TP FP TP -> recall .5 .5 1, precision 1 .5 2/3, made monotone: 1 2/3 2/3.
// 101 recall points: 0 .. .50 (51 points) -> first index with recall >= r is 0 -> 1;
// .51 .. 1 (50 points) -> index 2 -> 2/3. AP = (51 + 50 * 2/3) / 101 = 253/303.
TEST(CocoAp, DuplicateAndInterpolation) {
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, kG0), object(0, kG1)};
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, kG0),
                                       detection("img1", 0, 0.8f, kG0),
                                       detection("img1", 0, 0.7f, kG1)};
  const auto r = coco_ap(gt, dets);
  EXPECT_NEAR(r.map, 253.0 / 303, 1e-12);
  EXPECT_NEAR(r.per_class[0].precision[0][50], 1.0, 1e-12);
  EXPECT_NEAR(r.per_class[0].precision[0][51], 2.0 / 3, 1e-12);
}

// Difficult objects are ignored: a detection on one is neither TP nor FP, npos excludes them.
TEST(CocoAp, DifficultIsIgnored) {
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, kG0), object(0, kG1, true)};
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, kG1),
                                       detection("img1", 0, 0.8f, kG0)};
  const auto r = coco_ap(gt, dets);
  EXPECT_EQ(r.per_class[0].npos, 1);
  EXPECT_DOUBLE_EQ(r.map, 1.0);
}

// At most max_dets detections per image and class, the best scores. FP (0.9) then TP (0.5):
// recall 0 1, precision 0 .5 -> monotone .5 .5 -> .5 at every recall point: AP .5.
// With max_dets 1 only the FP stays: AP 0.
TEST(CocoAp, MaxDetsPerImage) {
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, kG0)};
  const std::vector<Detection> dets = {detection("img1", 0, 0.5f, kG0),
                                       detection("img1", 0, 0.9f, kG1)};
  EXPECT_DOUBLE_EQ(coco_ap(gt, dets).map, 0.5);
  CocoEvalOptions one;
  one.max_dets = 1;
  EXPECT_DOUBLE_EQ(coco_ap(gt, dets, one).map, 0.0);
}

// Classes without ground truth: NaN, out of the mean.
TEST(CocoAp, ClassWithoutGroundTruth) {
  auto gt = dataset({"a", "b"}, 1);
  gt.images[0].objects = {object(0, kG0)};
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, kG0),
                                       detection("img1", 1, 0.9f, kG1)};
  const auto r = coco_ap(gt, dets);
  EXPECT_TRUE(std::isnan(r.per_class[1].ap));
  EXPECT_TRUE(r.per_class[1].precision.empty());
  EXPECT_DOUBLE_EQ(r.map, 1.0);
}

}  // namespace
}  // namespace seer::detection
