#include "seer/detection/boxes/box_coder.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_support.h"

namespace det = seer::detection;
using seer::testing::Contains;
using seer::testing::error_of;

namespace {

at::Tensor random_boxes(int64_t n, torch::Dtype dtype = torch::kDouble) {
  auto xy = torch::rand({n, 2}, dtype) * 500;
  auto wh = torch::rand({n, 2}, dtype) * 200 + 4;
  return torch::cat({xy, xy + wh}, 1);
}

}  // namespace

TEST(BoxCoder, EncodeHandComputed) {
  // Proposal: centre (15, 25), 10 x 20. Target: centre (20, 20), 20 x 10.
  const auto proposal = torch::tensor({{10.0, 15.0, 20.0, 35.0}}, torch::kDouble);
  const auto target = torch::tensor({{10.0, 15.0, 30.0, 25.0}}, torch::kDouble);
  const auto d = det::BoxCoder().encode(target, proposal);
  ASSERT_EQ(d.sizes(), (at::IntArrayRef{1, 4}));
  EXPECT_DOUBLE_EQ(d[0][0].item<double>(), 0.5);               // (20 - 15) / 10
  EXPECT_DOUBLE_EQ(d[0][1].item<double>(), -0.25);             // (20 - 25) / 20
  EXPECT_DOUBLE_EQ(d[0][2].item<double>(), std::log(2.0));     // log(20 / 10)
  EXPECT_DOUBLE_EQ(d[0][3].item<double>(), std::log(0.5));     // log(10 / 20)
  const auto dw = det::BoxCoder(10.0, 10.0, 5.0, 5.0).encode(target, proposal);
  EXPECT_DOUBLE_EQ(dw[0][0].item<double>(), 5.0);
  EXPECT_DOUBLE_EQ(dw[0][1].item<double>(), -2.5);
  EXPECT_DOUBLE_EQ(dw[0][2].item<double>(), 5 * std::log(2.0));
  EXPECT_DOUBLE_EQ(dw[0][3].item<double>(), 5 * std::log(0.5));
}

TEST(BoxCoder, DecodeHandComputed) {
  const auto box = torch::tensor({{10.0, 15.0, 20.0, 35.0}}, torch::kDouble);
  const auto deltas = torch::tensor({{0.5, -0.25, std::log(2.0), std::log(0.5)}}, torch::kDouble);
  const auto out = det::BoxCoder().decode(deltas, box);
  EXPECT_TRUE(torch::allclose(out, torch::tensor({{10.0, 15.0, 30.0, 25.0}}, torch::kDouble), 0, 1e-12)) << out;
  const auto zero = det::BoxCoder().decode(torch::zeros({1, 4}, torch::kDouble), box);
  EXPECT_TRUE(torch::allclose(zero, box, 0, 1e-12)) << zero;
}

TEST(BoxCoder, RoundTripWithWeights) {
  torch::manual_seed(3);
  const auto anchors = random_boxes(200), gt = random_boxes(200);
  for (const auto& coder : {det::BoxCoder(), det::BoxCoder(10.0, 10.0, 5.0, 5.0)}) {
    const auto back = coder.decode(coder.encode(gt, anchors), anchors);
    EXPECT_TRUE(torch::allclose(back, gt, 0, 1e-9)) << (back - gt).abs().max();
  }
}

TEST(BoxCoder, DecodePerClassDeltas) {
  torch::manual_seed(4);
  const auto anchors = random_boxes(6);
  const auto coder = det::BoxCoder(10.0, 10.0, 5.0, 5.0);
  const auto d = torch::randn({6, 12}, torch::kDouble);
  const auto out = coder.decode(d, anchors);
  ASSERT_EQ(out.sizes(), (at::IntArrayRef{6, 12}));
  for (int k = 0; k < 3; ++k) {
    const auto one = coder.decode(d.slice(1, 4 * k, 4 * k + 4), anchors);
    EXPECT_TRUE(torch::allclose(out.slice(1, 4 * k, 4 * k + 4), one)) << k;
  }
}

TEST(BoxCoder, ClampsScaleDeltas) {
  const auto box = torch::tensor({{0.0, 0.0, 16.0, 16.0}}, torch::kDouble);
  const auto out = det::BoxCoder().decode(torch::tensor({{0.0, 0.0, 50.0, 1e4}}, torch::kDouble), box);
  // exp(log(1000/16)) * 16 = 1000: the box grows to 1000 x 1000 about its centre (8, 8).
  EXPECT_TRUE(torch::allclose(out, torch::tensor({{-492.0, -492.0, 508.0, 508.0}}, torch::kDouble), 0, 1e-9)) << out;
  EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
  // Below the clip nothing changes; the clip applies after dividing by the weight.
  const auto coder = det::BoxCoder(1.0, 1.0, 5.0, 5.0);
  const auto big = coder.decode(torch::tensor({{0.0, 0.0, 5 * std::log(2.0), 20.0}}, torch::kDouble), box);
  EXPECT_NEAR(big[0][2].item<double>() - big[0][0].item<double>(), 32.0, 1e-9);
  EXPECT_NEAR(big[0][3].item<double>() - big[0][1].item<double>(), 16 * std::exp(4.0), 1e-7);
}

TEST(BoxCoder, FloatTensorsAndGradient) {
  auto d = torch::zeros({2, 4}, torch::requires_grad());
  const auto boxes = torch::tensor({{0.0f, 0.0f, 2.0f, 4.0f}, {1.0f, 1.0f, 3.0f, 3.0f}});
  const auto out = det::BoxCoder().decode(d, boxes);
  EXPECT_EQ(out.scalar_type(), torch::kFloat);
  out.sum().backward();
  // d(x1 + y1 + x2 + y2)/d(dx) = 2 w, d/d(dw) = 0 (x1 and x2 move oppositely).
  EXPECT_TRUE(torch::allclose(d.grad(), torch::tensor({{4.0f, 8.0f, 0.0f, 0.0f}, {4.0f, 4.0f, 0.0f, 0.0f}})))
      << d.grad();
}

TEST(BoxCoder, RejectsBadInput) {
  EXPECT_TRUE(Contains(error_of([] { det::BoxCoder().decode(torch::zeros({2, 6}), torch::zeros({2, 4})); }),
                       "deltas must be [N, 4K]"));
  EXPECT_TRUE(Contains(error_of([] { det::BoxCoder().encode(torch::zeros({2, 4}), torch::zeros({3, 4})); }),
                       "proposals 3"));
  EXPECT_TRUE(Contains(error_of([] { det::BoxCoder(1.0, 0.0, 1.0, 1.0); }), "positive"));
}

TEST(ClipBoxes, ClampsToImage) {
  const auto b = torch::tensor({{-5.0f, -1.0f, 120.0f, 40.0f}, {10.0f, 20.0f, 30.0f, 90.0f}});
  const auto c = det::clip_boxes_to_image(b, /*height=*/50, /*width=*/100);
  EXPECT_TRUE(torch::equal(c, torch::tensor({{0.0f, 0.0f, 100.0f, 40.0f}, {10.0f, 20.0f, 30.0f, 50.0f}}))) << c;
  const auto wide = det::clip_boxes_to_image(torch::cat({b, b}, 1), 50, 100);
  EXPECT_TRUE(torch::equal(wide, torch::cat({c, c}, 1)));
}

TEST(RemoveSmallBoxes, KeepsBothSidesAtLeastMinSize) {
  const auto b = torch::tensor({{0.0f, 0.0f, 16.0f, 16.0f},
                                {0.0f, 0.0f, 15.9f, 30.0f},
                                {5.0f, 5.0f, 40.0f, 21.0f},
                                {0.0f, 0.0f, 30.0f, 10.0f}});
  const auto keep = det::remove_small_boxes(b, 16);
  EXPECT_TRUE(torch::equal(keep, torch::tensor({0, 2}, torch::kLong))) << keep;
  EXPECT_EQ(det::remove_small_boxes(torch::zeros({0, 4}), 1).numel(), 0);
}
