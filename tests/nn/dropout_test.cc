// seer::nn::dropout: inverted dropout with a counter-based mask drawn from LibTorch's generator.
#include "seer/nn/dropout.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/core/error.h"
#include "test_support.h"

namespace {

TEST(Dropout, DropsTheRightFractionAndScalesTheRest) {
  torch::manual_seed(1);
  auto x = torch::ones({1000, 1000});
  for (double p : {0.1, 0.2, 0.5, 0.9}) {
    auto y = seer::nn::dropout(x, p, /*training=*/true);
    const double dropped = (y == 0).to(torch::kDouble).mean().item<double>();
    // Binomial(1e6, p): standard deviation <= 5e-4; 4 sigma.
    EXPECT_NEAR(dropped, p, 2e-3) << "p = " << p;
    auto kept = y.masked_select(y != 0);
    EXPECT_TRUE(torch::allclose(kept, torch::full_like(kept, 1.0 / (1.0 - p))));
    // Inverted dropout keeps the mean.
    EXPECT_NEAR(y.mean().item<double>(), 1.0, 5e-3 / (1 - p));
  }
}

TEST(Dropout, NeighbouringUnitsAreIndependent) {
  // Pairs (2i, 2i+1) come from one 64-bit hash: both dropped must happen with probability p^2.
  torch::manual_seed(2);
  auto y = seer::nn::dropout(torch::ones({1 << 20}), 0.5, true).view({-1, 2});
  const double both = ((y.select(1, 0) == 0) & (y.select(1, 1) == 0)).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(both, 0.25, 4e-3);
}

TEST(Dropout, IdentityInEvaluationAndAtZero) {
  auto x = torch::randn({5, 7});
  EXPECT_TRUE(torch::equal(seer::nn::dropout(x, 0.5, false), x));
  EXPECT_TRUE(torch::equal(seer::nn::dropout(x, 0.0, true), x));
  seer::nn::Dropout m(0.3);
  m->eval();
  EXPECT_TRUE(torch::equal(m->forward(x), x));
}

TEST(Dropout, ReproducibleUnderSeedAndIndependentOfThreads) {
  auto x = torch::ones({300, 700});
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  torch::manual_seed(5);
  auto a = seer::nn::dropout(x, 0.3, true);
  at::set_num_threads(2);
  torch::manual_seed(5);
  auto b = seer::nn::dropout(x, 0.3, true);
  auto c = seer::nn::dropout(x, 0.3, true);  // the generator moved on: a new mask
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(b, c));
}

TEST(Dropout, GradientIsTheMaskTimesTheScale) {
  torch::manual_seed(3);
  auto x = torch::randn({64, 50}, torch::kDouble).requires_grad_();
  auto y = seer::nn::dropout(x, 0.25, true);
  auto g = torch::randn({64, 50}, torch::kDouble);
  y.backward(g);
  auto mask = y.detach() / x.detach();  // 0 or 1 / 0.75
  EXPECT_TRUE(torch::allclose(x.grad(), g * mask));
  EXPECT_TRUE(((mask == 0) | (mask - 1 / 0.75).abs().lt(1e-12)).all().item<bool>());
}

TEST(Dropout, RejectsBadProbability) {
  EXPECT_TRUE(seer::testing::Contains(
      seer::testing::error_of([] { seer::nn::dropout(torch::ones({2}), 1.0, true); }), "p must be in [0, 1)"));
  EXPECT_FALSE(seer::testing::error_of([] { seer::nn::Dropout(-0.1); }).empty());
}

}  // namespace
