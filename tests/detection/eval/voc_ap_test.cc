// VOC AP on hand-made cases; every expected number is worked out in the comments.
#include "seer/detection/eval/voc_ap.h"

#include <cmath>

#include <gtest/gtest.h>

#include "detection/eval/eval_test_util.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using testing::dataset;
using testing::detection;
using testing::object;
using testing::voc_box;

VocEvalOptions metric(bool use_07) {
  VocEvalOptions o;
  o.use_07_metric = use_07;
  return o;
}

const Box kA = voc_box(11, 11, 50, 50);      // a 40x40 object
const Box kB = voc_box(101, 101, 150, 140);  // a 50x40 object
const Box kFar = voc_box(300, 300, 340, 340);

TEST(VocAp, PerfectDetectionIsOne) {
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, kA)};
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, kA)};
  for (bool use_07 : {true, false}) {
    const auto r = voc_evaluate(gt, dets, metric(use_07));
    ASSERT_EQ(r.per_class.size(), 1u);
    EXPECT_DOUBLE_EQ(r.per_class[0].ap, 1.0);
    EXPECT_DOUBLE_EQ(r.map, 1.0);
    EXPECT_EQ(r.per_class[0].tp, 1);
    EXPECT_EQ(r.per_class[0].fp, 0);
    EXPECT_EQ(r.per_class[0].npos, 1);
  }
}

// Two images, one object each (npos = 2). Three detections; two share the score 0.9:
//   d0: img1, far from everything (FP), 0.9      d1: img2 on its object (TP), 0.9
//   d2: img1 on its object (TP), 0.5
// Ties keep the input order. Input order d0, d1, d2 -> FP, TP, TP:
//   tp 0 1 2, fp 1 1 1 -> recall 0, .5, 1; precision 0, .5, 2/3.
//   area: envelope 2/3 everywhere -> AP = 1 * 2/3 = 2/3.  11-point: every t sees 2/3 -> 2/3.
// Input order d1, d0, d2 -> TP, FP, TP: recall .5, .5, 1; precision 1, .5, 2/3.
//   area: envelope 1 on (0, .5], 2/3 on (.5, 1] -> .5 + 1/3 = 5/6.
//   11-point: t = 0 .. .5 (6 points) -> 1, t = .6 .. 1 (5 points) -> 2/3: (6 + 10/3) / 11 = 28/33.
TEST(VocAp, TiedScoresKeepInputOrder) {
  auto gt = dataset({"a"}, 2);
  gt.images[0].objects = {object(0, kA)};
  gt.images[1].objects = {object(0, kB)};
  const Detection d0 = detection("img1", 0, 0.9f, kFar);
  const Detection d1 = detection("img2", 0, 0.9f, kB);
  const Detection d2 = detection("img1", 0, 0.5f, kA);

  auto fp_first = voc_evaluate(gt, {d0, d1, d2}, metric(false)).per_class[0];
  EXPECT_NEAR(fp_first.ap, 2.0 / 3, 1e-12);
  EXPECT_EQ(fp_first.recall, (std::vector<double>{0, 0.5, 1}));
  ASSERT_EQ(fp_first.precision.size(), 3u);
  EXPECT_DOUBLE_EQ(fp_first.precision[0], 0);
  EXPECT_DOUBLE_EQ(fp_first.precision[1], 0.5);
  EXPECT_DOUBLE_EQ(fp_first.precision[2], 2.0 / 3);
  EXPECT_NEAR(voc_evaluate(gt, {d0, d1, d2}, metric(true)).per_class[0].ap, 2.0 / 3, 1e-12);

  EXPECT_NEAR(voc_evaluate(gt, {d1, d0, d2}, metric(false)).per_class[0].ap, 5.0 / 6, 1e-12);
  EXPECT_NEAR(voc_evaluate(gt, {d1, d0, d2}, metric(true)).per_class[0].ap, 28.0 / 33, 1e-12);
  // Score order wins over input order: d2 first in the input changes nothing.
  EXPECT_NEAR(voc_evaluate(gt, {d2, d0, d1}, metric(false)).per_class[0].ap, 2.0 / 3, 1e-12);
}

// img1: object kA and a difficult object kB; img2: only a difficult object. npos = 1.
//   d0 (0.9) on the difficult kB: neither TP nor FP (and kB is not marked matched),
//   d1 (0.8) on kA: TP,  d2 (0.7) on kB again: ignored again, not a duplicate FP.
//   tp 0 1 1, fp 0 0 0 -> recall 0, 1, 1; precision 0/eps = 0, 1, 1 -> AP 1 with both metrics.
// Were difficult objects counted in npos (3), recall would stop at 1/3.
TEST(VocAp, DifficultObjectsAreIgnored) {
  auto gt = dataset({"a"}, 2);
  gt.images[0].objects = {object(0, kA), object(0, kB, true)};
  gt.images[1].objects = {object(0, kA, true)};
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, kB),
                                       detection("img1", 0, 0.8f, kA),
                                       detection("img1", 0, 0.7f, kB)};
  for (bool use_07 : {true, false}) {
    const auto r = voc_evaluate(gt, dets, metric(use_07)).per_class[0];
    EXPECT_DOUBLE_EQ(r.ap, 1.0);
    EXPECT_EQ(r.npos, 1);
    EXPECT_EQ(r.difficult, 2);
    EXPECT_EQ(r.detections, 3);
    EXPECT_EQ(r.tp, 1);
    EXPECT_EQ(r.fp, 0);
    EXPECT_EQ(r.recall, (std::vector<double>{0, 1, 1}));
    EXPECT_EQ(r.precision, (std::vector<double>{0, 1, 1}));
  }
}

// Two objects kA, kB in img1 (npos = 2). d0 (0.9) and d1 (0.8) both on kA, d2 (0.7) on kB:
//   TP, FP (duplicate), TP -> recall .5 .5 1, precision 1 .5 2/3 -> area 5/6, 11-point 28/33.
TEST(VocAp, DuplicateDetectionIsFalsePositive) {
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, kA), object(0, kB)};
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, kA),
                                       detection("img1", 0, 0.8f, kA),
                                       detection("img1", 0, 0.7f, kB)};
  const auto r = voc_evaluate(gt, dets, metric(false)).per_class[0];
  EXPECT_EQ(r.tp, 2);
  EXPECT_EQ(r.fp, 1);
  EXPECT_NEAR(r.ap, 5.0 / 6, 1e-12);
  EXPECT_NEAR(voc_evaluate(gt, dets, metric(true)).per_class[0].ap, 28.0 / 33, 1e-12);
}

// The devkit matches a detection to the object it overlaps most, matched or not: g0 = (1,1,100,100)
// and g1 = (1,1,100,90) both overlap d1 = (1,1,100,99) by more than .5 (9900/10000 = .99 and
// 9000/9900 = .909), but g0 wins and is already taken by d0 -> d1 is a FP and g1 stays unmatched.
TEST(VocAp, GreedyMatchToHighestOverlapEvenIfTaken) {
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, voc_box(1, 1, 100, 100)), object(0, voc_box(1, 1, 100, 90))};
  EXPECT_NEAR(voc_overlap(voc_box(1, 1, 100, 99), voc_box(1, 1, 100, 100)), 0.99, 1e-12);
  EXPECT_NEAR(voc_overlap(voc_box(1, 1, 100, 99), voc_box(1, 1, 100, 90)), 9000.0 / 9900, 1e-12);
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, voc_box(1, 1, 100, 100)),
                                       detection("img1", 0, 0.8f, voc_box(1, 1, 100, 99))};
  const auto r = voc_evaluate(gt, dets, metric(false)).per_class[0];
  EXPECT_EQ(r.tp, 1);
  EXPECT_EQ(r.fp, 1);
  // recall .5 .5, precision 1 .5 -> area .5 * 1 = .5
  EXPECT_NEAR(r.ap, 0.5, 1e-12);
}

// Classes a (perfect: AP 1), b (objects, no detections: AP 0), c (detections, no ground truth:
// NaN, left out of the mAP) -> mAP = (1 + 0) / 2 = .5.
TEST(VocAp, ClassWithoutDetectionsOrGroundTruth) {
  auto gt = dataset({"a", "b", "c"}, 1);
  gt.images[0].objects = {object(0, kA), object(1, kB)};
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, kA),
                                       detection("img1", 2, 0.9f, kFar)};
  for (bool use_07 : {true, false}) {
    const auto r = voc_evaluate(gt, dets, metric(use_07));
    ASSERT_EQ(r.per_class.size(), 3u);
    EXPECT_DOUBLE_EQ(r.per_class[0].ap, 1.0);
    EXPECT_DOUBLE_EQ(r.per_class[1].ap, 0.0);
    EXPECT_TRUE(r.per_class[1].precision.empty());
    EXPECT_TRUE(std::isnan(r.per_class[2].ap));
    EXPECT_EQ(r.per_class[2].npos, 0);
    EXPECT_EQ(r.per_class[2].fp, 1);
    EXPECT_DOUBLE_EQ(r.map, 0.5);
  }
  // Only difficult ground truth counts as none; and no class with ground truth: mAP NaN.
  auto only_difficult = dataset({"a"}, 1);
  only_difficult.images[0].objects = {object(0, kA, true)};
  const auto r = voc_evaluate(only_difficult, {detection("img1", 0, 0.9f, kA)});
  EXPECT_TRUE(std::isnan(r.per_class[0].ap));
  EXPECT_TRUE(std::isnan(r.map));
}

// One curve, both metrics. recall .25 .5 .5 .75, precision 1 1 2/3 3/4 (npos 4: TP TP FP TP).
// Area: envelope 1 on (0,.5], 3/4 on (.5,.75], 0 after -> .25 + .25 + .25 * .75 = .6875.
// 11-point: t = 0,.1,.2 -> 1; t = .3,.4,.5 -> max(1, 2/3, 3/4) = 1; t = .6,.7 -> 3/4;
//           t = .8,.9,1 -> no recall that high, 0  => (6 + 1.5) / 11 = 7.5 / 11.
TEST(VocAp, ElevenPointVersusArea) {
  const std::vector<double> rec = {0.25, 0.5, 0.5, 0.75};
  const std::vector<double> prec = {1, 1, 2.0 / 3, 0.75};
  EXPECT_NEAR(voc_ap(rec, prec, false), 0.6875, 1e-12);
  EXPECT_NEAR(voc_ap(rec, prec, true), 7.5 / 11, 1e-12);
  EXPECT_DOUBLE_EQ(voc_ap({}, {}, true), 0.0);
  EXPECT_DOUBLE_EQ(voc_ap({}, {}, false), 0.0);

  // The same curve from detections: 4 objects in 4 images, TP TP FP TP by score.
  auto gt = dataset({"a"}, 4);
  for (auto& image : gt.images) image.objects = {object(0, kA)};
  const std::vector<Detection> dets = {
      detection("img1", 0, 0.9f, kA), detection("img2", 0, 0.8f, kA),
      detection("img3", 0, 0.7f, kFar), detection("img3", 0, 0.6f, kA)};
  EXPECT_NEAR(voc_evaluate(gt, dets, metric(false)).map, 0.6875, 1e-12);
  EXPECT_NEAR(voc_evaluate(gt, dets, metric(true)).map, 7.5 / 11, 1e-12);
}

// The 11 thresholds are np.arange(0., 1.1, 0.1), i.e. i * 0.1 in double: the fourth is
// 0.30000000000000004, which a recall of exactly 3/10 does not reach (as in py-faster-rcnn).
// 10 objects, 3 found with precision 1: t = 0, .1, .2 -> 1, the rest 0 -> 3/11; area .3.
TEST(VocAp, ElevenPointThresholdsAreNumpyArange) {
  auto gt = dataset({"a"}, 10);
  for (auto& image : gt.images) image.objects = {object(0, kA)};
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, kA),
                                       detection("img2", 0, 0.8f, kA),
                                       detection("img3", 0, 0.7f, kA)};
  EXPECT_NEAR(voc_evaluate(gt, dets, metric(true)).map, 3.0 / 11, 1e-12);
  EXPECT_NEAR(voc_evaluate(gt, dets, metric(false)).map, 0.3, 1e-12);
}

// gt (1,1,10,10): 100 pixels. det (1,1,10,5): 50 pixels, all inside -> overlap 50/100 = .5
// exactly: not a match (overlap must be > .5). det (1,1,10,6): 60/100 -> a match.
TEST(VocAp, OverlapExactlyAtThresholdIsNoMatch) {
  EXPECT_DOUBLE_EQ(voc_overlap(voc_box(1, 1, 10, 5), voc_box(1, 1, 10, 10)), 0.5);
  auto gt = dataset({"a"}, 1);
  gt.images[0].objects = {object(0, voc_box(1, 1, 10, 10))};
  auto at = voc_evaluate(gt, {detection("img1", 0, 0.9f, voc_box(1, 1, 10, 5))});
  EXPECT_EQ(at.per_class[0].tp, 0);
  EXPECT_EQ(at.per_class[0].fp, 1);
  EXPECT_DOUBLE_EQ(at.map, 0.0);
  auto above = voc_evaluate(gt, {detection("img1", 0, 0.9f, voc_box(1, 1, 10, 6))});
  EXPECT_DOUBLE_EQ(above.map, 1.0);
  VocEvalOptions lower;
  lower.iou_threshold = 0.49;
  EXPECT_DOUBLE_EQ(voc_evaluate(gt, {detection("img1", 0, 0.9f, voc_box(1, 1, 10, 5))}, lower).map, 1.0);
}

// The devkit's "+1" on VOC file coordinates: (1,1,10,10) and (6,1,15,10) share columns 6..10,
// 5 x 10 = 50 pixels, union 100 + 100 - 50 = 150 -> 1/3 (equal, in this convention, to the
// continuous IoU of the in-memory boxes (0,0,10,10) and (5,0,15,10)). Disjoint boxes: 0.
TEST(VocAp, DevkitOverlapFormula) {
  EXPECT_NEAR(voc_overlap(voc_box(1, 1, 10, 10), voc_box(6, 1, 15, 10)), 1.0 / 3, 1e-12);
  EXPECT_NEAR(voc_overlap(Box{0, 0, 10, 10}, Box{5, 0, 15, 10}), 1.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(voc_overlap(voc_box(1, 1, 10, 10), voc_box(11, 1, 20, 10)), 0.0);
}

TEST(VocAp, BadDetectionsAreErrors) {
  auto gt = dataset({"a"}, 1);
  EXPECT_TRUE(seer::testing::Contains(
      seer::testing::error_of([&] { voc_evaluate(gt, {detection("nope", 0, 0.5f, kA)}); }),
      "'nope'"));
  EXPECT_TRUE(seer::testing::Contains(
      seer::testing::error_of([&] { voc_evaluate(gt, {detection("img1", 3, 0.5f, kA)}); }),
      "label 3"));
  EXPECT_TRUE(seer::testing::Contains(
      seer::testing::error_of([&] { voc_evaluate(gt, {detection("img1", 0, NAN, kA)}); }), "NaN"));
}

TEST(VocAp, DetectionsOnImagesWithoutObjectsAreFalsePositives) {
  auto gt = dataset({"a"}, 2);
  gt.images[0].objects = {object(0, kA)};
  // img2 has no object: FP (0.9) then TP (0.8): recall 0, 1; precision 0, .5 -> area .5.
  const std::vector<Detection> dets = {detection("img2", 0, 0.9f, kA), detection("img1", 0, 0.8f, kA)};
  EXPECT_NEAR(voc_evaluate(gt, dets, metric(false)).map, 0.5, 1e-12);
}

}  // namespace
}  // namespace seer::detection
