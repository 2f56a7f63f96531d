#include "seer/detection/ops/roi_align.h"

#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "detection/ops/roi_reference.h"
#include "test_support.h"

namespace ops = seer::detection::ops;
using seer::testing::Contains;
using seer::testing::error_of;

namespace {

at::Tensor rois_of(std::vector<std::vector<double>> rows, torch::Dtype t = torch::kFloat) {
  auto r = torch::empty({(int64_t)rows.size(), 5}, t);
  for (size_t k = 0; k < rows.size(); ++k)
    for (int j = 0; j < 5; ++j) r[k][j] = rows[k][j];
  return r;
}

std::vector<float> values(const at::Tensor& t) {
  auto c = t.detach().to(torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// value(y, x) = 4 y + x: bilinear interpolation reproduces it exactly inside the map.
at::Tensor linear4x4() { return torch::arange(16, torch::kFloat).reshape({1, 1, 4, 4}); }

}  // namespace

// One bin, 2x2 samples at y, x in {1, 2}: the mean of 4y + x there is 7.5. Unaligned RoI
// (0.5, 0.5)-(2.5, 2.5) and the aligned RoI (1, 1)-(3, 3) (shifted by half a cell) agree.
TEST(RoiAlign, HandComputedLinearMap) {
  const auto u = ops::roi_align(linear4x4(), rois_of({{0, 0.5, 0.5, 2.5, 2.5}}), {1, 1}, 1.0, 2, false);
  const auto a = ops::roi_align(linear4x4(), rois_of({{0, 1, 1, 3, 3}}), {1, 1}, 1.0, 2, true);
  EXPECT_EQ(values(u), (std::vector<float>{7.5f}));
  EXPECT_EQ(values(a), (std::vector<float>{7.5f}));
  // 2x2 bins with one sample each, at (1, 1), (1, 2), (2, 1), (2, 2).
  const auto b = ops::roi_align(linear4x4(), rois_of({{0, 0.5, 0.5, 2.5, 2.5}}), {2, 2}, 1.0, 1, false);
  EXPECT_EQ(values(b), (std::vector<float>{5, 6, 9, 10}));
}

// Points between -1 and 0 clamp to the border, points past the last cell clamp to it, and
// points more than one cell outside contribute nothing (the average still divides by the full
// sample count). Map value 4y + x + 1, one sample per bin, at y = -0.5 (clamped to 0).
TEST(RoiAlign, PointsOutsideTheMap) {
  // x2 = 5: samples at x = 0.5 (value 1.5) and x = 3.5 (clamped to 3: value 4).
  const auto a = ops::roi_align(linear4x4() + 1, rois_of({{0, -1, -1, 5, 0}}), {1, 2}, 1.0, 1, false);
  EXPECT_EQ(values(a), (std::vector<float>{1.5f, 4}));
  // x2 = 7: samples at x = 1 (value 2) and x = 5, beyond W = 4: nothing.
  const auto b = ops::roi_align(linear4x4() + 1, rois_of({{0, -1, -1, 7, 0}}), {1, 2}, 1.0, 1, false);
  EXPECT_EQ(values(b), (std::vector<float>{2, 0}));
  // A RoI wholly beyond the map: zeros, and no gradient.
  auto x = linear4x4().requires_grad_();
  const auto z = ops::roi_align(x, rois_of({{0, 20, 20, 30, 30}}), {2, 2}, 1.0, -1, true);
  EXPECT_EQ(values(z), (std::vector<float>{0, 0, 0, 0}));
  z.sum().backward();
  EXPECT_TRUE(torch::equal(x.grad(), torch::zeros_like(x)));
}

// torchvision 0.14 (torchvision.ops.roi_align) on the sine map, bit for bit: unaligned with
// adaptive sampling, aligned with sampling_ratio 2, and a gradient plane (aligned, adaptive).
TEST(RoiAlign, EqualsTorchvisionGolden) {
  auto x = seer::testing::sine_map(2, 2, 5, 6, torch::kFloat).requires_grad_();
  const auto rois = rois_of({{0, 0.0, 0.0, 11.0, 9.0}, {1, 2.5, 1.25, 9.75, 7.5},
                             {1, -3.0, 4.0, 5.0, 14.0}, {0, 7.0, 3.0, 7.4, 3.2}});
  const std::vector<float> unaligned = {
      0.6245437264442444, -0.3181133270263672, -0.41000667214393616, -0.027939170598983765,
      0.09333328157663345, -0.055527299642562866, 0.4485348165035248, -0.6085271239280701,
      0.06046133115887642, 0.034163814038038254, 0.06379280239343643, -0.09825070947408676,
      -0.6135060787200928, -0.5172443985939026, 0.361405611038208, 0.0438748374581337,
      0.34275081753730774, 0.13293610513210297, -0.7156745195388794, -0.0766802430152893,
      0.6951088309288025, 0.2564568519592285, 0.28958818316459656, -0.11297275125980377,
      0.008457888849079609, 0.026972999796271324, 0.0185510516166687, 0.13427922129631042,
      0.2831732928752899, 0.050813496112823486, 0.0170795526355505, 0.031197667121887207,
      -0.0016354223480448127, 0.1663035899400711, 0.23193936049938202, -0.13660907745361328,
      -0.6540072560310364, -0.543847918510437, -0.23558174073696136, -0.25189119577407837,
      -0.04618164896965027, 0.17635032534599304, -0.23323124647140503, 0.03773680329322815,
      0.29495835304260254, 0.17827081680297852, 0.42901626229286194, 0.5234842300415039};
  EXPECT_EQ(values(ops::roi_align(x, rois, {2, 3}, 0.5, -1, false)), unaligned);
  const std::vector<float> aligned2 = {
      0.5365525484085083, 0.26406657695770264, -0.6917390823364258, 0.06332715600728989,
      -0.2056737095117569, 0.11371289938688278, 0.781099796295166, -0.22925105690956116,
      -0.50083327293396, -0.09260619431734085, -0.13551056385040283, 0.1935720443725586,
      -0.040434062480926514, -0.7609516978263855, -0.30401167273521423, -0.4851312041282654,
      0.08509528636932373, 0.5177558660507202, -0.5336763858795166, -0.6639335751533508,
      0.2271469533443451, -0.24516373872756958, 0.39317798614501953, 0.4199337661266327,
      -0.03394597768783569, -0.11057750880718231, -0.29135122895240784, 0.20141883194446564,
      0.410145103931427, 0.2985844314098358, -0.13193802535533905, -0.2707255780696869,
      -0.20758002996444702, 0.24945539236068726, 0.4485768675804138, 0.02451217919588089,
      -0.5320539474487305, -0.5631667971611023, -0.5942797660827637, -0.5548991560935974,
      -0.5823469161987305, -0.6097946763038635, -0.9285493493080139, -0.9128566980361938,
      -0.897163987159729, -0.9161025285720825, -0.8977546691894531, -0.8794068098068237};
  EXPECT_EQ(values(ops::roi_align(x, rois, {2, 3}, 0.5, 2, true)), aligned2);
  const auto out = ops::roi_align(x, rois, {2, 3}, 0.5, -1, true);
  out.backward(torch::arange(out.numel(), torch::kFloat).reshape(out.sizes()) / 10);
  const std::vector<float> grad_n1c0 = {
      0.0, 0.18769532442092896, 0.24067378044128418, 0.26716309785842896, 0.23663732409477234,
      0.012361707165837288, 0.09120374172925949, 0.5319879055023193, 0.6296404004096985,
      0.6722168922424316, 0.5954099893569946, 0.031103651970624924, 1.276851773262024,
      1.4657983779907227, 1.1386483907699585, 0.8817628026008606, 0.7753416299819946,
      0.04050310701131821, 1.2768518924713135, 1.290212631225586, 0.9141855239868164,
      0.6335450410842896, 0.5561522245407104, 0.029052861034870148, 1.8662036657333374,
      1.2180554866790771, 0.49074089527130127, 0.0, 0.0, 0.0};
  EXPECT_EQ(values(x.grad()[1][0]), grad_n1c0);
}

// sampling_ratio <= 0 is ceil(roi / bin): a 6.6 x 6.6 RoI into 2 x 2 bins samples 4 x 4
// points per bin, exactly what sampling_ratio 4 asks for (and unlike 3 or 5).
TEST(RoiAlign, AdaptiveSamplingRatio) {
  const auto x = seer::testing::sine_map(1, 3, 12, 12, torch::kDouble);
  const auto rois = rois_of({{0, 0.3, 1.1, 6.9, 7.7}}, torch::kDouble);
  const auto adaptive = ops::roi_align(x, rois, {2, 2}, 1.0, -1, false);
  EXPECT_TRUE(torch::equal(adaptive, ops::roi_align(x, rois, {2, 2}, 1.0, 4, false)));
  EXPECT_FALSE(torch::allclose(adaptive, ops::roi_align(x, rois, {2, 2}, 1.0, 3, false)));
  EXPECT_FALSE(torch::allclose(adaptive, ops::roi_align(x, rois, {2, 2}, 1.0, 5, false)));
}

TEST(RoiAlign, BatchIndexSelectsImage) {
  const auto x = torch::randn({3, 2, 6, 7});
  const auto a = ops::roi_align(x, rois_of({{2, 1, 0.5, 5, 4}}), {2, 2}, 1.0, -1, true);
  const auto b = ops::roi_align(x[2].unsqueeze(0), rois_of({{0, 1, 0.5, 5, 4}}), {2, 2}, 1.0, -1, true);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, ops::roi_align(x, rois_of({{1, 1, 0.5, 5, 4}}), {2, 2}, 1.0, -1, true)));
}

// Gradient against central differences (double), for each sampling / alignment mode.
TEST(RoiAlign, GradientMatchesFiniteDifferences) {
  const auto x = torch::randn({2, 2, 5, 6}, torch::kDouble);
  const auto rois = seer::testing::random_rois(6, 2, 10, 12, 4);
  const auto weight = torch::rand({6, 2, 2, 3}, torch::kDouble) + 0.5;
  for (const int64_t sr : {-1, 2})
    for (const bool aligned : {false, true}) {
      const auto f = [&](const at::Tensor& in) {
        return ops::roi_align(in, rois, {2, 3}, 0.5, sr, aligned);
      };
      auto xg = x.clone().requires_grad_();
      const auto analytic = torch::autograd::grad({(f(xg) * weight).sum()}, {xg})[0];
      const auto numeric = seer::testing::numeric_grad(f, x, weight, 1e-3);
      EXPECT_GT(analytic.abs().sum().item<double>(), 1.0);
      EXPECT_TRUE(torch::allclose(analytic, numeric, 1e-6, 1e-8))
          << "sr " << sr << " aligned " << aligned << ": " << (analytic - numeric).abs().max();
    }
}

// Many overlapping RoIs: 1 and 4 threads give bitwise the same forward and backward, equal
// to the serial per-element reference (torchvision's arithmetic and order of adds).
TEST(RoiAlign, ParallelEqualsSerialReference) {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    const auto x = torch::randn({2, 40, 12, 15}, dtype);
    auto rois = seer::testing::random_rois(150, 2, 24, 30, 23).to(dtype);
    rois.index_put_({torch::indexing::Slice(50, 70)}, rois[3]);
    const auto grad = torch::randn({150, 40, 3, 4}, dtype);
    const auto run = [&](int threads) {
      return seer::testing::with_threads(threads, [&] {
        auto xg = x.clone().requires_grad_();
        auto out = ops::roi_align(xg, rois, {3, 4}, 0.5, -1, true);
        out.backward(grad);
        return std::make_pair(out.detach(), xg.grad());
      });
    };
    const auto [out1, g1] = run(1);
    const auto [out4, g4] = run(4);
    EXPECT_TRUE(torch::equal(out1, out4));
    EXPECT_TRUE(torch::equal(g1, g4));
    const auto ref = dtype == torch::kFloat
                         ? seer::testing::ref_roi_align<float>(x, rois, 3, 4, 0.5, -1, true)
                         : seer::testing::ref_roi_align<double>(x, rois, 3, 4, 0.5, -1, true);
    EXPECT_TRUE(torch::equal(out4, ref)) << (out4 - ref).abs().max();
    const auto gref =
        dtype == torch::kFloat
            ? seer::testing::ref_roi_align_backward<float>(grad, rois, x.sizes(), 0.5, -1, true)
            : seer::testing::ref_roi_align_backward<double>(grad, rois, x.sizes(), 0.5, -1, true);
    EXPECT_TRUE(torch::equal(g4, gref)) << (g4 - gref).abs().max();
  }
}

TEST(RoiAlign, RejectsBadArguments) {
  const auto x = torch::zeros({1, 1, 4, 4});
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_align(x, rois_of({{-1, 0, 0, 1, 1}}), {2, 2}); }),
                       "batch index -1"));
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_align(x, rois_of({{0, 0, INFINITY, 1, 1}}), {2, 2}); }),
                       "not finite"));
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_align(x, rois_of({{0, 0, 0, 1, 1}}), {2}); }),
                       "output_size"));
  EXPECT_TRUE(Contains(error_of([&] { ops::roi_align(x.to(torch::kHalf), rois_of({{0, 0, 0, 1, 1}}), {2, 2}); }),
                       "float or double"));
}

TEST(RoiAlign, OtherDeviceFallsBackToCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto x = torch::randn({1, 2, 5, 5});
  const auto rois = rois_of({{0, 0.5, 0, 4, 3}});
  auto xc = x.to(torch::kCUDA).requires_grad_();
  const auto out = ops::roi_align(xc, rois.to(torch::kCUDA), {2, 2}, 1.0, 2, true);
  EXPECT_TRUE(out.is_cuda());
  EXPECT_TRUE(torch::equal(out.cpu(), ops::roi_align(x, rois, {2, 2}, 1.0, 2, true)));
  out.sum().backward();
  EXPECT_TRUE(xc.grad().is_cuda());
}
