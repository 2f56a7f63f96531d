// seer::nn::relu_max_pool2x2 must compute exactly max_pool2d(relu(x), 2), gradients included.
#include "seer/nn/relu_max_pool.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace {

torch::Tensor reference(const torch::Tensor& x) { return torch::max_pool2d(torch::relu(x), 2); }

// Forward and input gradient (for a fixed random upstream gradient) of f at x.
std::pair<torch::Tensor, torch::Tensor> run(const torch::Tensor& x0,
                                            torch::Tensor (*f)(const torch::Tensor&)) {
  auto x = x0.clone().requires_grad_();
  auto y = f(x);
  torch::manual_seed(7);
  auto g = torch::randn(y.sizes(), y.options());
  y.backward(g);
  return {y.detach(), x.grad()};
}

TEST(ReluMaxPool2x2, HandComputedWindow) {
  // One 2x4 plane: windows {1,-2,3,0} -> 3 (index 2), {-1,-5,-3,-4} -> 0 (all negative).
  auto x = torch::tensor({1.f, -2.f, -1.f, -5.f, 3.f, 0.f, -3.f, -4.f}).view({1, 1, 2, 4});
  auto xr = x.clone().requires_grad_();
  auto y = seer::nn::relu_max_pool2x2(xr);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{1, 1, 1, 2}));
  EXPECT_FLOAT_EQ(y[0][0][0][0].item<float>(), 3.f);
  EXPECT_FLOAT_EQ(y[0][0][0][1].item<float>(), 0.f);
  y.backward(torch::tensor({10.f, 20.f}).view({1, 1, 1, 2}));
  auto expected = torch::tensor({0.f, 0.f, 0.f, 0.f, 10.f, 0.f, 0.f, 0.f}).view({1, 1, 2, 4});
  EXPECT_TRUE(torch::equal(xr.grad(), expected)) << xr.grad();
}

TEST(ReluMaxPool2x2, EqualsReluThenMaxPoolOnRandomData) {
  torch::manual_seed(1);
  for (auto shape : {std::vector<int64_t>{3, 5, 8, 12}, {2, 3, 7, 9}, {1, 2, 2, 2}, {4, 64, 6, 10}}) {
    auto x = torch::randn(shape);
    auto [y, g] = run(x, seer::nn::relu_max_pool2x2);
    auto [yr, gr] = run(x, reference);
    EXPECT_TRUE(torch::equal(y, yr)) << "forward differs for " << x.sizes();
    EXPECT_TRUE(torch::equal(g, gr)) << "gradient differs for " << x.sizes();
  }
}

TEST(ReluMaxPool2x2, TiesGoToTheFirstMaximumAsMaxPool2d) {
  // Small integers: most windows hold ties, and many are all zero or negative.
  torch::manual_seed(2);
  auto x = torch::randint(-2, 3, {4, 3, 10, 14}).to(torch::kFloat);
  auto [y, g] = run(x, seer::nn::relu_max_pool2x2);
  auto [yr, gr] = run(x, reference);
  EXPECT_TRUE(torch::equal(y, yr));
  EXPECT_TRUE(torch::equal(g, gr));
}

TEST(ReluMaxPool2x2, DoubleGradientMatchesFiniteDifferences) {
  torch::manual_seed(3);
  auto x = torch::randn({2, 2, 5, 6}, torch::kDouble).requires_grad_();
  auto w = torch::randn({2, 2, 2, 3}, torch::kDouble);
  auto loss = (seer::nn::relu_max_pool2x2(x) * w).sum();
  auto grad = torch::autograd::grad({loss}, {x})[0];
  const double eps = 1e-6;
  auto xd = x.detach();
  for (int64_t i = 0; i < xd.numel(); ++i) {
    auto flat = xd.view({-1});
    const double keep = flat[i].item<double>();
    flat[i] = keep + eps;
    const double up = (seer::nn::relu_max_pool2x2(xd) * w).sum().item<double>();
    flat[i] = keep - eps;
    const double down = (seer::nn::relu_max_pool2x2(xd) * w).sum().item<double>();
    flat[i] = keep;
    EXPECT_NEAR(grad.view({-1})[i].item<double>(), (up - down) / (2 * eps), 1e-6) << "element " << i;
  }
}

TEST(ReluMaxPool2x2, NanPropagatesLikeMaxPool2d) {
  auto x = torch::randn({1, 2, 4, 6});
  x[0][1][2][3] = std::numeric_limits<float>::quiet_NaN();
  auto y = seer::nn::relu_max_pool2x2(x);
  auto yr = reference(x);
  EXPECT_TRUE(std::isnan(y[0][1][1][1].item<float>()));
  EXPECT_TRUE(torch::equal(y.nan_to_num(-1), yr.nan_to_num(-1)));
}

TEST(ReluMaxPool2x2, NonContiguousInputAndNoGradPath) {
  torch::manual_seed(4);
  auto x = torch::randn({2, 6, 8, 3}).permute({0, 3, 1, 2});  // [2, 3, 6, 8], not contiguous
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(seer::nn::relu_max_pool2x2(x), reference(x)));
}

TEST(ReluMaxPool2x2, ModuleInASequential) {
  torch::nn::Sequential s(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 2, 3).padding(1)),
                          seer::nn::ReluMaxPool2x2());
  auto y = s->forward(torch::randn({2, 1, 8, 8}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 2, 4, 4}));
  EXPECT_GE(y.min().item<float>(), 0.f);
}

}  // namespace
