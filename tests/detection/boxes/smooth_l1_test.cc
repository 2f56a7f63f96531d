#include "seer/detection/boxes/smooth_l1.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "detection/boxes/finite_difference.h"
#include "test_support.h"

namespace det = seer::detection;
using seer::testing::Contains;
using seer::testing::error_of;
using Reduction = det::SmoothL1Options::Reduction;

TEST(SmoothL1, HandComputedValuesSigma1) {
  const auto pred = torch::tensor({0.5, -0.5, 2.0, -3.0, 1.0, 0.0}, torch::kDouble);
  const auto target = torch::zeros({6}, torch::kDouble);
  const auto l = det::smooth_l1_loss(pred, target, {}, {}, {1.0, Reduction::kNone});
  // |x| < 1: 0.5 x^2; else |x| - 0.5 (x = 1 is on the linear side: 0.5 either way).
  EXPECT_TRUE(torch::allclose(l, torch::tensor({0.125, 0.125, 1.5, 2.5, 0.5, 0.0}, torch::kDouble))) << l;
}

TEST(SmoothL1, HandComputedValuesSigma3) {
  // 1 / sigma^2 = 1/9: x = 0.1 -> 0.5 * 9 * 0.01 = 0.045; x = 0.5 -> 0.5 - 1/18.
  const auto pred = torch::tensor({1.1, 0.5}, torch::kDouble);
  const auto target = torch::tensor({1.0, 0.0}, torch::kDouble);
  const auto l = det::smooth_l1_loss(pred, target, {}, {}, {3.0, Reduction::kNone});
  EXPECT_NEAR(l[0].item<double>(), 0.045, 1e-12);
  EXPECT_NEAR(l[1].item<double>(), 0.5 - 1.0 / 18.0, 1e-12);
  const auto sum = det::smooth_l1_loss(pred, target, {}, {}, {3.0});
  EXPECT_NEAR(sum.item<double>(), 0.045 + 0.5 - 1.0 / 18.0, 1e-12);
}

TEST(SmoothL1, WeightsReductionsAndNormalizer) {
  const auto pred = torch::tensor({{2.0, 0.5}, {4.0, -4.0}}, torch::kDouble);
  const auto target = torch::zeros({2, 2}, torch::kDouble);
  const auto w_in = torch::tensor({{1.0, 2.0}, {0.0, 0.25}}, torch::kDouble);
  const auto w_out = torch::tensor({0.5, 2.0}, torch::kDouble).unsqueeze(1);  // broadcast
  // x = w_in * d = {2, 1, 0, -1}; f = {1.5, 0.5, 0, 0.5}; w_out * f = {0.75, 0.25, 0, 1}.
  const auto none = det::smooth_l1_loss(pred, target, w_in, w_out, {1.0, Reduction::kNone});
  EXPECT_TRUE(torch::allclose(none, torch::tensor({{0.75, 0.25}, {0.0, 1.0}}, torch::kDouble))) << none;
  EXPECT_NEAR(det::smooth_l1_loss(pred, target, w_in, w_out).item<double>(), 2.0, 1e-12);
  EXPECT_NEAR(det::smooth_l1_loss(pred, target, w_in, w_out, {1.0, Reduction::kMean}).item<double>(), 0.5,
              1e-12);
  EXPECT_NEAR(det::smooth_l1_loss(pred, target, w_in, w_out, {1.0, Reduction::kSum, 4.0}).item<double>(), 0.5,
              1e-12);
}

TEST(SmoothL1, GradientMatchesFiniteDifferences) {
  torch::manual_seed(5);
  for (double sigma : {1.0, 3.0}) {
    // Keep |x| away from the kink 1/sigma^2 so that finite differences are accurate.
    auto pred = torch::randn({5, 4}, torch::kDouble) * 2;
    const auto target = torch::randn({5, 4}, torch::kDouble);
    const auto w_in = (torch::rand({5, 4}, torch::kDouble) > 0.3).to(torch::kDouble);
    const auto w_out = torch::full({5, 4}, 0.125, torch::kDouble);
    const auto x = (w_in * (pred - target)).abs();
    pred = torch::where((x - 1.0 / (sigma * sigma)).abs() < 1e-3, pred + 0.01, pred);
    auto f = [&](const torch::Tensor& p) { return det::smooth_l1_loss(p, target, w_in, w_out, {sigma}); };
    EXPECT_TRUE(seer::testing::GradientMatchesFiniteDifferences(f, pred)) << sigma;
  }
}

TEST(SmoothL1, GradientHandComputed) {
  auto pred = torch::tensor({0.05, 0.5, -2.0}, torch::dtype(torch::kDouble).requires_grad(true));
  det::smooth_l1_loss(pred, torch::zeros({3}, torch::kDouble), {}, {}, {3.0}).backward();
  // quadratic side: sigma^2 x = 0.45; linear side: sign(x).
  EXPECT_TRUE(torch::allclose(pred.grad(), torch::tensor({0.45, 1.0, -1.0}, torch::kDouble))) << pred.grad();
}

TEST(SmoothL1, RejectsBadInput) {
  EXPECT_TRUE(Contains(error_of([] { det::smooth_l1_loss(torch::zeros({2, 4}), torch::zeros({2, 3})); }),
                       "differ in shape"));
  EXPECT_TRUE(Contains(error_of([] { det::smooth_l1_loss(torch::zeros({2}), torch::zeros({2}), {}, {}, {0.0}); }),
                       "sigma must be positive"));
  EXPECT_TRUE(Contains(error_of([] {
                         det::smooth_l1_loss(torch::zeros({2, 4}), torch::zeros({2, 4}), torch::ones({3}));
                       }),
                       "broadcast"));
}
