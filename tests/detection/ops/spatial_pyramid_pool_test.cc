#include "seer/detection/ops/spatial_pyramid_pool.h"

#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "detection/ops/roi_reference.h"
#include "test_support.h"

namespace ops = seer::detection::ops;
using seer::testing::Contains;
using seer::testing::error_of;

namespace {

at::Tensor rois_of(std::vector<std::vector<double>> rows) {
  auto r = torch::empty({(int64_t)rows.size(), 5}, torch::kDouble);
  for (size_t k = 0; k < rows.size(); ++k)
    for (int j = 0; j < 5; ++j) r[k][j] = rows[k][j];
  return r;
}

std::vector<float> values(const at::Tensor& t) {
  auto c = t.detach().to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// adaptive_max_pool2d of image b for every level, flattened and concatenated.
at::Tensor adaptive_reference(const at::Tensor& x, int64_t b, const std::vector<int64_t>& levels) {
  std::vector<at::Tensor> parts;
  for (const int64_t n : levels)
    parts.push_back(std::get<0>(at::adaptive_max_pool2d(x[b].unsqueeze(0), {n, n})).flatten(1));
  return at::cat(parts, 1);
}

}  // namespace

// Layout: levels in the given order, channel-major within a level. 2 channels of a 4x4 ramp
// (channel 1 = channel 0 + 100), levels {1, 2}.
TEST(SpatialPyramidPool, LayoutHandComputed) {
  const auto ramp = torch::arange(16, torch::kFloat).reshape({1, 1, 4, 4});
  const auto x = torch::cat({ramp, ramp + 100}, 1);
  const auto out = ops::spatial_pyramid_pool(x, rois_of({{0, 0, 0, 4, 4}}), {1, 2}, 1.0);
  ASSERT_EQ(out.sizes(), (at::IntArrayRef{1, 2 * (1 + 4)}));
  EXPECT_EQ(values(out), (std::vector<float>{15, 115, 5, 7, 13, 15, 105, 107, 113, 115}));
  EXPECT_EQ(ops::spatial_pyramid_pool_size(2, {1, 2}), 10);
  EXPECT_EQ(ops::spatial_pyramid_pool_size(256, {6, 3, 2, 1}), 256 * 50);
}

// A window covers the cells its box touches: (0.5, 0.5)-(2.2, 1.9) -> columns 0..2, rows 0..1.
TEST(SpatialPyramidPool, WindowCoversTouchedCells) {
  const auto x = torch::arange(16, torch::kFloat).reshape({1, 1, 4, 4});
  const auto out = ops::spatial_pyramid_pool(x, rois_of({{0, 0.5, 0.5, 2.2, 1.9}}), {1}, 1.0);
  EXPECT_EQ(values(out), (std::vector<float>{6}));
  // Bins of a 3-wide window into 2: columns 0..1 and 1..2 (floor(0) .. ceil(1.5), floor(1.5) .. ceil(3)).
  const auto two = ops::spatial_pyramid_pool(x, rois_of({{0, 0, 0, 3, 1}}), {2}, 1.0);
  EXPECT_EQ(values(two), (std::vector<float>{1, 2, 1, 2}));
}

// Whole-image windows equal adaptive max pooling, values and gradient routing, for SPP-Net's
// levels and others, at a scale whose W / s * s is not exact in floating point.
TEST(SpatialPyramidPool, WholeImageEqualsAdaptiveMaxPool) {
  const auto x = torch::randn({2, 3, 13, 17}, torch::kDouble);
  for (const double scale : {1.0 / 16, 0.3}) {
    for (const std::vector<int64_t>& levels : {std::vector<int64_t>{6, 3, 2, 1}, {1, 2, 4}, {5, 13}}) {
      const auto rois = rois_of({{1, 0, 0, 17 / scale, 13 / scale}, {0, 0, 0, 17 / scale, 13 / scale}});
      auto xa = x.clone().requires_grad_();
      auto xb = x.clone().requires_grad_();
      const auto out = ops::spatial_pyramid_pool(xa, rois, levels, scale);
      const auto ref = at::cat({adaptive_reference(xb, 1, levels), adaptive_reference(xb, 0, levels)}, 0);
      EXPECT_TRUE(torch::equal(out, ref)) << "scale " << scale << " levels " << levels.size();
      const auto w = torch::randn(out.sizes(), torch::kDouble);
      (out * w).sum().backward();
      (ref * w).sum().backward();
      EXPECT_TRUE(torch::allclose(xa.grad(), xb.grad(), 0, 1e-12));
    }
  }
}

// A window hanging over the map's edge keeps its geometry: bins wholly outside output 0.
TEST(SpatialPyramidPool, PartlyOutsideWindow) {
  const auto x = torch::arange(16, torch::kFloat).reshape({1, 1, 4, 4}) + 1;
  const auto out = ops::spatial_pyramid_pool(x, rois_of({{0, 2, 2, 6, 6}}), {2}, 1.0);
  EXPECT_EQ(values(out), (std::vector<float>{16, 0, 0, 0}));
  const auto far = ops::spatial_pyramid_pool(x, rois_of({{0, 9, 9, 12, 12}}), {1, 2}, 1.0);
  EXPECT_EQ(values(far), std::vector<float>(5, 0));
}

TEST(SpatialPyramidPool, GradientMatchesFiniteDifferences) {
  const auto x = seer::testing::distinct_map({2, 2, 7, 6}, 7, torch::kDouble);
  const auto rois = seer::testing::random_rois(5, 2, 14, 12, 9);
  const std::vector<int64_t> levels = {3, 2, 1};
  const auto f = [&](const at::Tensor& in) { return ops::spatial_pyramid_pool(in, rois, levels, 0.5); };
  const auto weight = torch::rand({5, 2 * 14}, torch::kDouble) + 0.5;
  auto xg = x.clone().requires_grad_();
  const auto analytic = torch::autograd::grad({(f(xg) * weight).sum()}, {xg})[0];
  const auto numeric = seer::testing::numeric_grad(f, x, weight, 1e-4);
  EXPECT_GT(analytic.abs().sum().item<double>(), 1.0);
  EXPECT_TRUE(torch::allclose(analytic, numeric, 1e-6, 1e-8)) << (analytic - numeric).abs().max();
}

// Overlapping windows, 1 vs 4 threads: bitwise equal forward and backward.
TEST(SpatialPyramidPool, ParallelEqualsSerial) {
  const auto x = torch::randn({2, 24, 16, 16});
  const auto rois = seer::testing::random_rois(120, 2, 32, 32, 31);
  const auto run = [&](int threads) {
    return seer::testing::with_threads(threads, [&] {
      auto xg = x.clone().requires_grad_();
      auto out = ops::spatial_pyramid_pool(xg, rois, {4, 2, 1}, 0.5);
      (out * torch::arange(out.numel(), torch::kFloat).reshape(out.sizes()).sin()).sum().backward();
      return std::make_pair(out.detach(), xg.grad());
    });
  };
  const auto [o1, g1] = run(1);
  const auto [o4, g4] = run(4);
  EXPECT_TRUE(torch::equal(o1, o4));
  EXPECT_TRUE(torch::equal(g1, g4));
  EXPECT_GT(g1.abs().sum().item<float>(), 1.0f);
}

TEST(SpatialPyramidPool, RejectsBadArguments) {
  const auto x = torch::zeros({1, 1, 4, 4});
  EXPECT_TRUE(Contains(error_of([&] { ops::spatial_pyramid_pool(x, rois_of({{0, 0, 0, 1, 1}}), {}, 1.0); }),
                       "levels must not be empty"));
  EXPECT_TRUE(Contains(error_of([&] { ops::spatial_pyramid_pool(x, rois_of({{0, 0, 0, 1, 1}}), {2, 0}, 1.0); }),
                       "every level"));
  EXPECT_TRUE(Contains(error_of([&] { ops::spatial_pyramid_pool(x, rois_of({{1, 0, 0, 1, 1}}), {1}, 1.0); }),
                       "batch index 1"));
}
