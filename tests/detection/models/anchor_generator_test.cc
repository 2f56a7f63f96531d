// Anchors against hand-computed boxes: sizes x ratios per cell, centred on cell centres, in the
// order the RPN head's outputs are flattened.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/detection/models/anchors/anchor_generator.h"
#include "test_support.h"

namespace seer::detection::models {
namespace {

TEST(AnchorGenerator, CellAnchorsKeepTheAreaAndTheRatio) {
  AnchorGenerator g(AnchorOptions{{16.0, 32.0}, {0.5, 1.0, 2.0}}, 16);
  auto a = g.cell_anchors();
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{6, 4}));
  // size 16, ratio 0.5 (h / w): w = 16 / sqrt(0.5) = 22.627, h = 16 * sqrt(0.5) = 11.314
  const double w = 16 / std::sqrt(0.5), h = 16 * std::sqrt(0.5);
  EXPECT_NEAR(a[0][0].item<double>(), -w / 2, 1e-4);
  EXPECT_NEAR(a[0][1].item<double>(), -h / 2, 1e-4);
  EXPECT_NEAR(a[0][2].item<double>(), w / 2, 1e-4);
  EXPECT_NEAR(a[0][3].item<double>(), h / 2, 1e-4);
  // size 16, ratio 1: a 16 x 16 square; size 32, ratio 2: w = 22.627, h = 45.255
  EXPECT_TRUE(torch::allclose(a[1], torch::tensor({-8.f, -8.f, 8.f, 8.f})));
  EXPECT_NEAR(a[5][2].item<double>() - a[5][0].item<double>(), 32 / std::sqrt(2.0), 1e-4);
  EXPECT_NEAR(a[5][3].item<double>() - a[5][1].item<double>(), 32 * std::sqrt(2.0), 1e-4);
  for (int64_t i = 0; i < 6; ++i) {
    const double area = (a[i][2] - a[i][0]).item<double>() * (a[i][3] - a[i][1]).item<double>();
    EXPECT_NEAR(area, i < 3 ? 256.0 : 1024.0, 1e-2);
  }
}

TEST(AnchorGenerator, GridIsCellMajorAndCentredOnCells) {
  AnchorGenerator g(AnchorOptions{{8.0}, {1.0, 2.0}}, 16);
  auto a = g.grid_anchors(2, 3, torch::kCPU);  // 2 rows, 3 columns, 2 anchors each
  ASSERT_EQ(a.size(0), 12);
  // Cell (0, 0), square: centre (8, 8).
  EXPECT_TRUE(torch::allclose(a[0], torch::tensor({4.f, 4.f, 12.f, 12.f})));
  // Cell (0, 1), the same square, centre (24, 8): index (0 * 3 + 1) * 2 + 0 = 2.
  EXPECT_TRUE(torch::allclose(a[2], torch::tensor({20.f, 4.f, 28.f, 12.f})));
  // Cell (1, 2), second ratio: index (1 * 3 + 2) * 2 + 1 = 11, centre (40, 24).
  auto centre_x = (a[11][0] + a[11][2]).item<double>() / 2, centre_y = (a[11][1] + a[11][3]).item<double>() / 2;
  EXPECT_NEAR(centre_x, 40.0, 1e-4);
  EXPECT_NEAR(centre_y, 24.0, 1e-4);
}

TEST(AnchorGenerator, ParsesSpecsAndRejectsBadOnes) {
  auto d = AnchorOptions::parse("default");
  EXPECT_EQ(d.sizes, (std::vector<double>{128, 256, 512}));
  EXPECT_EQ(d.ratios, (std::vector<double>{0.5, 1, 2}));
  auto o = AnchorOptions::parse("32,64:0.5,1");
  EXPECT_EQ(o.sizes, (std::vector<double>{32, 64}));
  EXPECT_EQ(o.ratios, (std::vector<double>{0.5, 1}));
  EXPECT_EQ(o.per_location(), 4);
  EXPECT_TRUE(seer::testing::Contains(seer::testing::error_of([] { AnchorOptions::parse("32,64"); }), "SIZES:RATIOS"));
  EXPECT_TRUE(seer::testing::Contains(seer::testing::error_of([] { AnchorOptions::parse("32,x:1"); }), "'x'"));
  EXPECT_TRUE(seer::testing::Contains(
      seer::testing::error_of([] { AnchorGenerator(AnchorOptions{{-1.0}, {1.0}}, 16); }), "must be > 0"));
}

}  // namespace
}  // namespace seer::detection::models
