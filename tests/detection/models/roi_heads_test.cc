// The Fast R-CNN head: proposal targets on small cases, the multi-task loss against hand
// values, and test-time post-processing.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/detection/models/roi_heads/roi_heads.h"

namespace seer::detection::models {
namespace {

RoiHeads make_heads(RoiHeadsOptions o = {}, int64_t classes = 2) {
  o.fc_dim = 16;
  return RoiHeads(4, 16, classes, o);
}

TEST(RoiHeads, ProposalTargetsLabelForegroundBackgroundAndIgnored) {
  RoiHeadsOptions o;
  o.batch_per_image = 1000;  // keep every labelled RoI
  auto heads = make_heads(o);
  auto gt = torch::tensor({{0.f, 0.f, 40.f, 40.f}});
  auto proposals = torch::tensor({{0.f, 0.f, 40.f, 30.f},       // IoU 0.75: foreground
                                  {20.f, 0.f, 60.f, 40.f},      // IoU 1/3: background
                                  {100.f, 100.f, 140.f, 140.f},  // IoU 0: below 0.1, not used
                                  {0.f, 0.f, 40.f, 8.f}});       // IoU 0.2: background
  auto s = heads->sample_proposals({proposals}, {gt}, {torch::tensor({1}, torch::kInt64)});
  ASSERT_EQ(s.boxes.size(), 1u);
  // The ground truth itself is added (foreground): 2 foreground (class 1 -> label 2), 2 background.
  auto labels = s.labels[0];
  EXPECT_EQ(labels.numel(), 4);
  EXPECT_EQ((labels == 2).sum().item<int64_t>(), 2);
  EXPECT_EQ((labels == 0).sum().item<int64_t>(), 2);
  // The foreground proposal's target: same centre x, centre y 20 vs 15 over height 30, times 10;
  // dh = 5 * log(40 / 30).
  for (int64_t i = 0; i < labels.numel(); ++i) {
    if (labels[i].item<int64_t>() == 2 && s.boxes[0][i][3].item<float>() == 30.f) {
      auto t = s.box_targets[0][i];
      EXPECT_NEAR(t[0].item<double>(), 0.0, 1e-5);
      EXPECT_NEAR(t[1].item<double>(), 10.0 * 5.0 / 30.0, 1e-5);
      EXPECT_NEAR(t[2].item<double>(), 0.0, 1e-5);
      EXPECT_NEAR(t[3].item<double>(), 5.0 * std::log(40.0 / 30.0), 1e-5);
    }
    if (labels[i].item<int64_t>() == 0) EXPECT_EQ(s.box_targets[0][i].abs().sum().item<double>(), 0.0);
  }
}

TEST(RoiHeads, SamplesAtMostAQuarterForeground) {
  auto heads = make_heads();  // 128 per image, 25 % foreground
  auto gt = torch::tensor({{0.f, 0.f, 100.f, 100.f}});
  std::vector<torch::Tensor> rows;
  for (int i = 0; i < 200; ++i) rows.push_back(torch::tensor({0.f, 0.f, 100.f, 90.f + i % 10}));      // fg
  for (int i = 0; i < 200; ++i) rows.push_back(torch::tensor({60.f, 0.f, 160.f, 100.f + i % 10}));    // bg
  torch::manual_seed(1);
  auto s = heads->sample_proposals({torch::stack(rows)}, {gt}, {torch::tensor({0}, torch::kInt64)});
  EXPECT_EQ(s.labels[0].numel(), 128);
  EXPECT_EQ((s.labels[0] > 0).sum().item<int64_t>(), 32);
}

TEST(RoiHeads, AnImageWithoutObjectsTrainsBackground) {
  auto heads = make_heads();
  auto proposals = torch::tensor({{0.f, 0.f, 10.f, 10.f}, {5.f, 5.f, 30.f, 30.f}});
  auto s = heads->sample_proposals({proposals}, {torch::zeros({0, 4})}, {torch::zeros({0}, torch::kInt64)});
  EXPECT_TRUE(torch::equal(s.labels[0], torch::zeros({2}, torch::kInt64)));
}

TEST(RoiHeads, LossOfAZeroHeadIsLogClassesPlusSmoothL1OfTheTargets) {
  auto heads = make_heads({}, 2);
  {
    torch::NoGradGuard no_grad;
    heads->cls_score()->weight.zero_();
    heads->cls_score()->bias.zero_();
    heads->bbox_pred()->weight.zero_();
    heads->bbox_pred()->bias.zero_();
  }
  SampledProposals s;
  s.boxes = {torch::tensor({{0.f, 0.f, 32.f, 32.f}, {16.f, 16.f, 48.f, 48.f}})};
  s.labels = {torch::tensor({1, 0}, torch::kInt64)};
  s.box_targets = {torch::tensor({{0.5f, -2.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}})};
  auto losses = heads->losses(torch::rand({1, 4, 4, 4}), s);
  // 3 classes (background + 2), logits 0: cross-entropy log 3.
  EXPECT_NEAR(losses.at("loss_head_cls").item<double>(), std::log(3.0), 1e-6);
  // sigma 1: 0.5 * 0.5^2 + (2 - 0.5) = 1.625, over 2 sampled RoIs.
  EXPECT_NEAR(losses.at("loss_head_box").item<double>(), 1.625 / 2, 1e-6);
}

TEST(RoiHeads, DetectKeepsConfidentBoxesAfterPerClassNms) {
  RoiHeadsOptions o;
  o.score_threshold = 0.5;
  auto heads = make_heads(o, 2);
  {
    torch::NoGradGuard no_grad;
    heads->cls_score()->weight.zero_();
    heads->bbox_pred()->weight.zero_();
    heads->bbox_pred()->bias.zero_();
    heads->cls_score()->bias.copy_(torch::tensor({0.f, 5.f, 0.f}));  // class 0 (label 1) wins
  }
  heads->eval();
  torch::NoGradGuard no_grad;
  auto proposals = torch::tensor({{0.f, 0.f, 32.f, 32.f}, {1.f, 1.f, 33.f, 33.f}, {40.f, 40.f, 60.f, 70.f}});
  auto dets = heads->detect(torch::rand({1, 4, 8, 8}), {proposals}, {{100, 50}});
  ASSERT_EQ(dets.size(), 1u);
  // The second box overlaps the first (IoU 0.88 > 0.3) with the same score: suppressed. The
  // third is clipped to the 50 px wide image.
  ASSERT_EQ(dets[0].boxes.size(0), 2);
  EXPECT_TRUE(torch::equal(dets[0].labels, torch::tensor({0, 0}, torch::kInt64)));
  EXPECT_TRUE(torch::allclose(dets[0].boxes[1], torch::tensor({40.f, 40.f, 50.f, 70.f})));
  const double p = std::exp(5.0) / (std::exp(5.0) + 2);
  EXPECT_NEAR(dets[0].scores[0].item<double>(), p, 1e-5);
}

}  // namespace
}  // namespace seer::detection::models
