// The region proposal network's anchor labels, proposals and losses on small hand-made cases.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/detection/models/rpn/region_proposal_network.h"

namespace seer::detection::models {
namespace {

RegionProposalNetwork make_rpn(RpnOptions o = {}) {
  return RegionProposalNetwork(8, 16, AnchorOptions{{32.0}, {1.0}}, o);
}

TEST(Rpn, LabelsAnchorsByIouAndIgnoresThoseCrossingTheBorder) {
  auto rpn = make_rpn();
  auto anchors = torch::tensor({{0.f, 0.f, 32.f, 32.f},     // the ground truth itself: positive
                                {32.f, 32.f, 64.f, 64.f},   // IoU 0: negative
                                {-8.f, 0.f, 24.f, 32.f},    // crosses the left border: ignored
                                {0.f, 0.f, 32.f, 40.f},     // IoU 1024 / 1280 = 0.8: positive
                                {16.f, 0.f, 48.f, 32.f}});  // IoU 512 / 1536 = 0.33: ignored
  auto gt = torch::tensor({{0.f, 0.f, 32.f, 32.f}});
  auto out = rpn->label_anchors(anchors, {64, 64}, gt);
  EXPECT_TRUE(torch::equal(out.labels, torch::tensor({1, 0, -1, 1, -1}, torch::kInt64)));
  EXPECT_TRUE(torch::allclose(out.matched_boxes[3], gt[0]));
}

TEST(Rpn, EachGroundTruthGetsItsBestAnchorEvenBelowThePositiveIou) {
  auto rpn = make_rpn();
  auto anchors = torch::tensor({{0.f, 0.f, 32.f, 32.f}, {32.f, 32.f, 64.f, 64.f}});
  auto gt = torch::tensor({{0.f, 0.f, 16.f, 16.f}});  // IoU 0.25 with anchor 0
  auto out = rpn->label_anchors(anchors, {64, 64}, gt);
  EXPECT_TRUE(torch::equal(out.labels, torch::tensor({1, 0}, torch::kInt64)));
}

TEST(Rpn, AnImageWithoutObjectsHasOnlyNegatives) {
  auto rpn = make_rpn();
  auto anchors = torch::tensor({{0.f, 0.f, 32.f, 32.f}, {-4.f, 0.f, 28.f, 32.f}});
  auto out = rpn->label_anchors(anchors, {64, 64}, torch::zeros({0, 4}));
  EXPECT_TRUE(torch::equal(out.labels, torch::tensor({0, -1}, torch::kInt64)));
}

TEST(Rpn, ProposalsAreTheTopScoringBoxesAfterNms) {
  RpnOptions o;
  o.pre_nms_top_n_test = 3;
  o.post_nms_top_n_test = 2;
  auto rpn = make_rpn(o);
  rpn->eval();
  auto anchors = torch::tensor({{0.f, 0.f, 32.f, 32.f},      // score 3
                                {1.f, 1.f, 33.f, 33.f},      // score 2: IoU 0.88 with the first, suppressed
                                {40.f, 40.f, 60.f, 60.f},    // score 1
                                {10.f, 40.f, 30.f, 60.f}});  // score 0: beyond pre_nms_top_n
  auto scores = torch::tensor({3.f, 2.f, 1.f, 0.f});
  auto [boxes, probs] = rpn->select_proposals(anchors, scores, torch::zeros({4, 4}), {64, 64});
  ASSERT_EQ(boxes.size(0), 2);
  EXPECT_TRUE(torch::allclose(boxes[0], anchors[0]));
  EXPECT_TRUE(torch::allclose(boxes[1], anchors[2]));
  EXPECT_NEAR(probs[0].item<double>(), 1 / (1 + std::exp(-3.0)), 1e-6);
}

TEST(Rpn, ProposalsAreDecodedAndClipped) {
  auto rpn = make_rpn();
  rpn->eval();
  auto anchors = torch::tensor({{40.f, 40.f, 60.f, 60.f}});
  // dx = 0.5: the centre moves by half the width (10 px) to the right; dw = log 2 doubles it.
  auto deltas = torch::tensor({{0.5f, 0.f, static_cast<float>(std::log(2.0)), 0.f}});
  auto [boxes, probs] = rpn->select_proposals(anchors, torch::tensor({1.f}), deltas, {64, 64});
  ASSERT_EQ(boxes.size(0), 1);
  // centre 60, width 40 -> [40, 80] clipped to the image's 64
  EXPECT_TRUE(torch::allclose(boxes[0], torch::tensor({40.f, 40.f, 64.f, 60.f}), 1e-4, 1e-4));
}

TEST(Rpn, LossOfZeroLogitsIsLogTwoAndPerfectDeltasCostNothing) {
  RpnOptions o;
  o.batch_per_image = 100000;  // every labelled anchor sampled
  auto rpn = make_rpn(o);
  torch::NoGradGuard no_grad;
  for (auto& p : rpn->parameters()) p.zero_();  // logits 0, deltas 0
  // 4 x 4 map, stride 16, one 32 px anchor per cell; a ground truth equal to one anchor.
  auto anchors = rpn->anchor_generator().grid_anchors(4, 4, torch::kCPU);
  auto gt = anchors.slice(0, 5, 6).clone();
  auto out = rpn->forward(torch::zeros({1, 8, 4, 4}), {{64, 64}}, {gt}, true);
  EXPECT_NEAR(out.losses.at("loss_rpn_cls").item<double>(), std::log(2.0), 1e-6);
  EXPECT_NEAR(out.losses.at("loss_rpn_box").item<double>(), 0.0, 1e-9);
  ASSERT_EQ(out.proposals.size(), 1u);
}

TEST(Rpn, BoxLossIsSmoothL1WithSigmaThreeOverTheSampledAnchors) {
  RpnOptions o;
  o.batch_per_image = 100000;
  auto rpn = make_rpn(o);
  torch::NoGradGuard no_grad;
  for (auto& p : rpn->parameters()) p.zero_();
  auto anchors = rpn->anchor_generator().grid_anchors(4, 4, torch::kCPU);
  // The ground truth: anchor 5 (centre (24, 24), 32 px) shifted 8 px right: dx = 0.25. IoU 0.6
  // with anchor 5 (its best: a positive by the low-quality rule); anchors 4..6 are the only
  // overlapping ones inside the image, and every other inside anchor is negative.
  auto gt = anchors.slice(0, 5, 6).clone() + torch::tensor({8.f, 0.f, 8.f, 0.f});
  auto out = rpn->forward(torch::zeros({1, 8, 4, 4}), {{64, 64}}, {gt}, true);
  auto targets = rpn->label_anchors(anchors, {64, 64}, gt);
  const double sampled = (targets.labels >= 0).sum().item<double>();
  const double positives = (targets.labels == 1).sum().item<double>();
  ASSERT_GE(positives, 1);
  // Each positive's dx target: its own offset; with sigma 3, |x| >= 1/9 -> |x| - 0.5 / 9.
  double expected = 0;
  auto pos = torch::nonzero(targets.labels == 1).view(-1);
  for (int64_t k = 0; k < pos.size(0); ++k) {
    auto a = anchors[pos[k].item<int64_t>()];
    const double dx = ((gt[0][0] + gt[0][2]) / 2 - (a[0] + a[2]) / 2).item<double>() / 32.0;
    const double ax = std::abs(dx);
    expected += ax < 1.0 / 9 ? 0.5 * 9 * dx * dx : ax - 0.5 / 9;
  }
  EXPECT_NEAR(out.losses.at("loss_rpn_box").item<double>(), expected / sampled, 1e-6);
}

}  // namespace
}  // namespace seer::detection::models
