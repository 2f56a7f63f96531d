#include "seer/detection/ops/rois.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_support.h"

namespace ops = seer::detection::ops;
using seer::testing::Contains;
using seer::testing::error_of;

TEST(Rois, BoxesToRoisPrependsImageIndex) {
  const auto a = torch::tensor({{1.0f, 2.0f, 3.0f, 4.0f}});
  const auto b = torch::tensor({{5.0f, 6.0f, 7.0f, 8.0f}, {9.0f, 10.0f, 11.0f, 12.0f}});
  const auto r = ops::boxes_to_rois({a, torch::zeros({0, 4}), b});
  const auto expected = torch::tensor({{0.0f, 1.0f, 2.0f, 3.0f, 4.0f},
                                       {2.0f, 5.0f, 6.0f, 7.0f, 8.0f},
                                       {2.0f, 9.0f, 10.0f, 11.0f, 12.0f}});
  EXPECT_TRUE(torch::equal(r, expected)) << r;
  EXPECT_EQ(ops::boxes_to_rois({}).sizes(), (at::IntArrayRef{0, 5}));
}

TEST(Rois, BoxesToRoisRejectsBadShapes) {
  EXPECT_TRUE(Contains(error_of([] { ops::boxes_to_rois({torch::zeros({2, 4}), torch::zeros({2, 5})}); }),
                       "boxes[1] must be [K, 4]"));
  EXPECT_TRUE(Contains(error_of([] {
                         ops::boxes_to_rois({torch::zeros({2, 4}), torch::zeros({2, 4}, torch::kDouble)});
                       }),
                       "differs in dtype"));
}
