#include "seer/detection/boxes/iou.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "detection/boxes/finite_difference.h"
#include "test_support.h"

namespace det = seer::detection;
using seer::testing::Contains;
using seer::testing::error_of;

TEST(BoxArea, WidthTimesHeightWithoutPlusOne) {
  const auto boxes = torch::tensor({{0.0f, 0.0f, 10.0f, 5.0f}, {1.5f, 2.0f, 2.5f, 2.0f}});
  const auto area = det::box_area(boxes);
  EXPECT_TRUE(torch::equal(area, torch::tensor({50.0f, 0.0f}))) << area;
}

TEST(BoxIou, HandComputedPairs) {
  const auto a = torch::tensor({{0.0f, 0.0f, 10.0f, 10.0f}});
  const auto b = torch::tensor({
      {5.0f, 5.0f, 15.0f, 15.0f},    // overlap 25: 25 / 175
      {20.0f, 20.0f, 30.0f, 30.0f},  // disjoint
      {2.0f, 2.0f, 4.0f, 6.0f},      // contained: 8 / 100
      {0.0f, 0.0f, 10.0f, 10.0f},    // identical
      {10.0f, 0.0f, 20.0f, 10.0f},   // touching edge: 0
      {3.0f, 3.0f, 3.0f, 8.0f},      // zero-area inside: 0
  });
  const auto iou = det::box_iou(a, b);
  ASSERT_EQ(iou.sizes(), (at::IntArrayRef{1, 6}));
  const std::vector<double> expected = {25.0 / 175.0, 0.0, 0.08, 1.0, 0.0, 0.0};
  for (int j = 0; j < 6; ++j) EXPECT_NEAR(iou[0][j].item<double>(), expected[j], 1e-7) << j;
}

TEST(BoxIou, MatrixShapeAndSymmetry) {
  torch::manual_seed(1);
  auto xy = torch::rand({7, 2}) * 50;
  auto a = torch::cat({xy, xy + torch::rand({7, 2}) * 30 + 1}, 1);
  auto xy2 = torch::rand({5, 2}) * 50;
  auto b = torch::cat({xy2, xy2 + torch::rand({5, 2}) * 30 + 1}, 1);
  const auto ab = det::box_iou(a, b), ba = det::box_iou(b, a);
  ASSERT_EQ(ab.sizes(), (at::IntArrayRef{7, 5}));
  EXPECT_TRUE(torch::allclose(ab, ba.t()));
  EXPECT_TRUE(torch::allclose(det::box_iou(a, a).diagonal(), torch::ones({7})));
  EXPECT_TRUE((ab >= 0).all().item<bool>() && (ab <= 1).all().item<bool>());
}

TEST(BoxIou, ZeroAreaBoxesGiveZeroNotNan) {
  const auto z = torch::tensor({{2.0f, 2.0f, 2.0f, 2.0f}, {1.0f, 1.0f, 5.0f, 1.0f}});
  const auto iou = det::box_iou(z, z);
  EXPECT_FALSE(iou.isnan().any().item<bool>()) << iou;
  EXPECT_TRUE(torch::equal(iou, torch::zeros({2, 2}))) << iou;
}

TEST(BoxIou, EmptyInputs) {
  const auto a = torch::zeros({0, 4});
  const auto b = torch::tensor({{0.0f, 0.0f, 1.0f, 1.0f}});
  EXPECT_EQ(det::box_iou(a, b).sizes(), (at::IntArrayRef{0, 1}));
  EXPECT_EQ(det::box_iou(b, a).sizes(), (at::IntArrayRef{1, 0}));
}

TEST(BoxIou, PromotesDtypesAndIntegers) {
  const auto a = torch::tensor({{0, 0, 2, 2}}, torch::kLong);
  const auto b = torch::tensor({{1.0, 1.0, 3.0, 3.0}}, torch::kDouble);
  const auto iou = det::box_iou(a, b);
  EXPECT_EQ(iou.scalar_type(), torch::kDouble);
  EXPECT_DOUBLE_EQ(iou.item<double>(), 1.0 / 7.0);
}

TEST(BoxIou, GradientFlows) {
  const auto a = torch::tensor({{0.0, 0.5, 4.0, 4.0}, {3.0, 1.0, 7.0, 2.0}}, torch::kDouble);
  const auto b = torch::tensor({{2.0, 0.0, 6.0, 4.0}, {1.0, 1.5, 2.5, 3.0}}, torch::kDouble);
  auto f = [&](const torch::Tensor& x) {
    return (det::box_iou(x, b) * torch::tensor({{1.0, 2.0}, {3.0, 4.0}}, torch::kDouble)).sum();
  };
  EXPECT_TRUE(seer::testing::GradientMatchesFiniteDifferences(f, a));
}

TEST(BoxIou, RejectsBadShapes) {
  EXPECT_TRUE(Contains(error_of([] { det::box_iou(torch::zeros({3, 5}), torch::zeros({1, 4})); }),
                       "boxes1 must be a [N, 4] tensor"));
  EXPECT_TRUE(Contains(error_of([] { det::box_area(torch::zeros({4})); }), "boxes must be a [N, 4]"));
}
