#include "seer/detection/ops/roi_pool.h"

#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "detection/ops/roi_reference.h"
#include "seer/detection/ops/max_pool_bins.h"
#include "test_support.h"

namespace ops = seer::detection::ops;
using seer::testing::Contains;
using seer::testing::error_of;

namespace {

at::Tensor ramp4x4() { return torch::arange(16, torch::kFloat).reshape({1, 1, 4, 4}); }

at::Tensor rois_of(std::vector<std::vector<double>> rows) {
  auto r = torch::empty({(int64_t)rows.size(), 5}, torch::kFloat);
  for (size_t k = 0; k < rows.size(); ++k)
    for (int j = 0; j < 5; ++j) r[k][j] = rows[k][j];
  return r;
}

std::vector<float> values(const at::Tensor& t) {
  auto c = t.detach().to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

// 4x4 map 0..15: a RoI over the whole map pools the quadrants; a 2x2 RoI gives its cells.
TEST(RoiPool, HandComputedRamp) {
  const auto out = ops::roi_pool(ramp4x4(), rois_of({{0, 0, 0, 3, 3}, {0, 1, 1, 2, 2}}), {2, 2}, 1.0);
  ASSERT_EQ(out.sizes(), (at::IntArrayRef{2, 1, 2, 2}));
  EXPECT_EQ(values(out[0]), (std::vector<float>{5, 7, 13, 15}));
  EXPECT_EQ(values(out[1]), (std::vector<float>{5, 6, 9, 10}));
}

// spatial_scale 0.5 with rounding: (1.2, 0.8, 4.4, 2.6) * 0.5 -> cells x 1..2, y 0..1
// (round(0.6) = 1, round(0.4) = 0, round(2.2) = 2, round(1.3) = 1).
TEST(RoiPool, RoundsScaledCoordinates) {
  const auto out = ops::roi_pool(ramp4x4(), rois_of({{0, 1.2, 0.8, 4.4, 2.6}}), {1, 2}, 0.5);
  EXPECT_EQ(values(out), (std::vector<float>{5, 6}));
}

// A RoI hanging over the bottom-right corner: only bin (0, 0) holds cells, the rest are
// empty and output 0 (not -FLT_MAX) and pass no gradient.
TEST(RoiPool, PartlyOutsideAndEmptyBins) {
  auto x = ramp4x4().requires_grad_();
  const auto out = ops::roi_pool(x, rois_of({{0, 2, 2, 5, 5}, {0, 10, 10, 12, 12}}), {2, 2}, 1.0);
  EXPECT_EQ(values(out[0]), (std::vector<float>{15, 0, 0, 0}));
  EXPECT_EQ(values(out[1]), (std::vector<float>{0, 0, 0, 0}));
  out.sum().backward();
  auto expected = torch::zeros({1, 1, 4, 4});
  expected[0][0][3][3] = 1;
  EXPECT_TRUE(torch::equal(x.grad(), expected)) << x.grad();
}

// torchvision 0.14 (torchvision.ops.roi_pool) on the sine map: outputs and one gradient plane,
// bit for bit. RoIs: whole map, fractional, partly outside, malformed (smaller than a cell).
TEST(RoiPool, EqualsTorchvisionGolden) {
  auto x = seer::testing::sine_map(2, 2, 5, 6, torch::kFloat).requires_grad_();
  const auto rois = rois_of({{0, 0.0, 0.0, 11.0, 9.0}, {1, 2.5, 1.25, 9.75, 7.5},
                             {1, -3.0, 4.0, 5.0, 14.0}, {0, 7.0, 3.0, 7.4, 3.2}});
  const auto out = ops::roi_pool(x, rois, {2, 3}, 0.5);
  const std::vector<float> golden = {
      0.9958808422088623, 0.8084964156150818, 0.6417781710624695, 0.9648252725601196,
      0.9923241138458252, 0.9923241138458252, 0.9738476276397705, 0.2924756705760956,
      0.9849033355712891, 0.991037905216217, 0.8658339381217957, 0.8386380672454834,
      0.3630998432636261, 0.7813429236412048, 0.9106183648109436, 0.893364429473877,
      0.997111976146698, 0.38460323214530945, -0.322535902261734, 0.9996615648269653,
      0.9998717308044434, 0.9479753971099854, 0.9479753971099854, 0.7536708116531372,
      0.0, 0.893364429473877, 0.997111976146698, 0.0, 0.0, 0.0,
      0.0, 0.997821569442749, 0.9479753971099854, 0.0, 0.0, 0.0,
      -0.3923502266407013, -0.3923502266407013, -0.3923502266407013, -0.3923502266407013,
      -0.3923502266407013, -0.3923502266407013, 0.2924756705760956, 0.2924756705760956,
      0.2924756705760956, 0.2924756705760956, 0.2924756705760956, 0.2924756705760956};
  EXPECT_EQ(values(out), golden);
  out.backward(torch::arange(out.numel(), torch::kFloat).reshape(out.sizes()) / 10);
  const std::vector<float> grad_n0c1 = {0.0, 0.6000000238418579, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0, 0, 0, 0, 27.400001525878906, 0.800000011920929, 0, 0,
                                        0, 1.0, 1.100000023841858, 0, 0, 0.8999999761581421, 0,
                                        0, 0, 0};
  EXPECT_EQ(values(x.grad()[0][1]), grad_n0c1);
}

// The gradient of each output goes to its argmax cell only, and accumulates over bins (here
// the four 1x1 bins of overlapping RoIs share the maximum cell).
TEST(RoiPool, ArgmaxRoutingAccumulates) {
  auto base = torch::zeros({1, 1, 4, 4});
  base[0][0][1][2] = 9;  // the maximum of every window below
  auto x = base.clone().requires_grad_();
  const auto rois = rois_of({{0, 0, 0, 3, 3}, {0, 1, 0, 3, 2}, {0, 2, 1, 2, 1}});
  const auto out = ops::roi_pool(x, rois, {1, 1}, 1.0);
  EXPECT_EQ(values(out), (std::vector<float>{9, 9, 9}));
  out.backward(torch::tensor({1.0f, 2.0f, 4.0f}).reshape({3, 1, 1, 1}));
  auto expected = torch::zeros({1, 1, 4, 4});
  expected[0][0][1][2] = 7;
  EXPECT_TRUE(torch::equal(x.grad(), expected)) << x.grad();
}

// Ties go to the first maximum in row-major order (torchvision's strict '>').
TEST(RoiPool, TiesGoToFirstCell) {
  auto x = torch::ones({1, 1, 3, 3}).requires_grad_();
  ops::roi_pool(x, rois_of({{0, 0, 0, 2, 2}}), {1, 1}, 1.0).sum().backward();
  auto expected = torch::zeros({1, 1, 3, 3});
  expected[0][0][0][0] = 1;
  EXPECT_TRUE(torch::equal(x.grad(), expected)) << x.grad();
}

// A RoI with batch index 2 pools image 2: the same as pooling that image alone.
TEST(RoiPool, BatchIndexSelectsImage) {
  const auto x = seer::testing::distinct_map({3, 2, 6, 7}, 5, torch::kFloat);
  const auto a = ops::roi_pool(x, rois_of({{2, 1, 0, 5, 4}}), {2, 2}, 1.0);
  const auto b = ops::roi_pool(x[2].unsqueeze(0), rois_of({{0, 1, 0, 5, 4}}), {2, 2}, 1.0);
  const auto c = ops::roi_pool(x[1].unsqueeze(0), rois_of({{0, 1, 0, 5, 4}}), {2, 2}, 1.0);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
}

// Gradient against central differences (double; distinct values, so no argmax moves).
TEST(RoiPool, GradientMatchesFiniteDifferences) {
  const auto x = seer::testing::distinct_map({2, 2, 5, 6}, 11, torch::kDouble);
  const auto rois = seer::testing::random_rois(6, 2, 10, 12, 3);
  const auto f = [&](const at::Tensor& in) { return ops::roi_pool(in, rois, {2, 3}, 0.5); };
  const auto weight = torch::rand({6, 2, 2, 3}, torch::kDouble) + 0.5;
  auto xg = x.clone().requires_grad_();
  const auto analytic = torch::autograd::grad({(f(xg) * weight).sum()}, {xg})[0];
  const auto numeric = seer::testing::numeric_grad(f, x, weight, 1e-4);
  EXPECT_GT(analytic.abs().sum().item<double>(), 1.0);
  EXPECT_TRUE(torch::allclose(analytic, numeric, 1e-6, 1e-8))
      << (analytic - numeric).abs().max();
}

// Many overlapping RoIs: forward and backward at 1 and 4 threads are bitwise equal to each
// other and to the serial reference (same order of adds per cell), float and double.
TEST(RoiPool, ParallelEqualsSerialReference) {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    const auto x = torch::randn({2, 16, 12, 15}, dtype);
    auto rois = seer::testing::random_rois(200, 2, 24, 30, 17);
    rois.index_put_({torch::indexing::Slice(100, 120)}, rois[3]);  // exact duplicates too
    const auto grad = torch::randn({200, 16, 3, 4}, dtype);
    const auto run = [&](int threads) {
      return seer::testing::with_threads(threads, [&] {
        auto xg = x.clone().requires_grad_();
        auto out = ops::roi_pool(xg, rois, {3, 4}, 0.5);
        out.backward(grad);
        return std::make_pair(out.detach(), xg.grad());
      });
    };
    const auto [out1, g1] = run(1);
    const auto [out4, g4] = run(4);
    EXPECT_TRUE(torch::equal(out1, out4));
    EXPECT_TRUE(torch::equal(g1, g4));
    const auto ref = dtype == torch::kFloat
                         ? seer::testing::ref_roi_pool<float>(x, rois, 3, 4, 0.5)
                         : seer::testing::ref_roi_pool<double>(x, rois, 3, 4, 0.5);
    EXPECT_TRUE(torch::equal(out4, ref.out));
    const auto gref = dtype == torch::kFloat
                          ? seer::testing::ref_max_backward<float>(grad, ref.argmax, rois, x.sizes())
                          : seer::testing::ref_max_backward<double>(grad, ref.argmax, rois, x.sizes());
    EXPECT_TRUE(torch::equal(g4, gref)) << (g4 - gref).abs().max();
  }
}

TEST(RoiPool, DoubleInDoubleOutAndNonContiguousInput) {
  const auto x = seer::testing::distinct_map({1, 5, 6, 3}, 2, torch::kDouble);
  const auto xt = x.transpose(1, 3);  // [1, 3, 6, 5], not contiguous
  const auto out = ops::roi_pool(xt, rois_of({{0, 0, 0, 4, 5}}), {2, 2}, 1.0);
  EXPECT_EQ(out.scalar_type(), torch::kDouble);
  EXPECT_TRUE(torch::equal(out, ops::roi_pool(xt.contiguous(), rois_of({{0, 0, 0, 4, 5}}), {2, 2}, 1.0)));
}

TEST(RoiPool, NoRoisGivesEmptyOutputAndZeroGradient) {
  auto x = torch::randn({1, 3, 4, 4}).requires_grad_();
  const auto out = ops::roi_pool(x, torch::zeros({0, 5}), {7, 7}, 1.0);
  EXPECT_EQ(out.sizes(), (at::IntArrayRef{0, 3, 7, 7}));
  out.sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), torch::zeros_like(x)));
}

TEST(RoiPool, RejectsBadArguments) {
  const auto x = torch::zeros({2, 1, 4, 4});
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_pool(x, rois_of({{2, 0, 0, 1, 1}}), {2, 2}, 1.0); }),
                       "batch index 2, outside [0, 2)"));
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_pool(x, torch::zeros({3, 4}), {2, 2}, 1.0); }),
                       "[K, 5]"));
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_pool(x, rois_of({{0, NAN, 0, 1, 1}}), {2, 2}, 1.0); }),
                       "rois[0] is not finite"));
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_pool(x[0], rois_of({{0, 0, 0, 1, 1}}), {2, 2}, 1.0); }),
                       "[N, C, H, W]"));
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_pool(x.to(torch::kInt), rois_of({{0, 0, 0, 1, 1}}), {2, 2}, 1.0); }),
                       "float or double"));
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_pool(x, rois_of({{0, 0, 0, 1, 1}}), {0, 2}, 1.0); }),
                       "output_size"));
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_pool(x, rois_of({{0, 0, 0, 1, 1}}), {2, 2}, 0.0); }),
                       "spatial_scale"));
  // The shared kernel refuses bins outside the map instead of reading out of bounds.
  EXPECT_TRUE(Contains(error_of([&] {
                         ops::max_pool_bins(x, torch::zeros({1}, torch::kLong),
                                            torch::tensor({0, 5}, torch::kLong).reshape({1, 1, 2}),
                                            torch::tensor({0, 1}, torch::kLong).reshape({1, 1, 2}),
                                            ops::BinMaxStart::kLowest);
                       }),
                       "outside the feature map"));
}

// On a CUDA build with a GPU: the CPU fallback returns a CUDA tensor equal to the CPU result,
// and the gradient reaches the CUDA input.
TEST(RoiPool, OtherDeviceFallsBackToCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto x = torch::randn({1, 2, 5, 5});
  const auto rois = rois_of({{0, 0, 0, 4, 3}});
  auto xc = x.to(torch::kCUDA).requires_grad_();
  const auto out = ops::roi_pool(xc, rois.to(torch::kCUDA), {2, 2}, 1.0);
  EXPECT_TRUE(out.is_cuda());
  EXPECT_TRUE(torch::equal(out.cpu(), ops::roi_pool(x, rois, {2, 2}, 1.0)));
  out.sum().backward();
  EXPECT_TRUE(xc.grad().is_cuda());
  EXPECT_EQ(xc.grad().sum().item<float>(), 4.0f);
}
