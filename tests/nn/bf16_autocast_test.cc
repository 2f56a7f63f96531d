// seer::nn::Bf16Autocast: CPU autocast in bfloat16 for the span of a guard, with the norms that
// LibTorch 1.13's autocast leaves failing on bf16 input (GroupNorm, BatchNorm) run in fp32.
#include "seer/nn/bf16_autocast.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace {

namespace tnn = torch::nn;

TEST(Bf16Autocast, ConvolutionsRunInBf16OnlyWhileTheGuardLives) {
  torch::manual_seed(1);
  tnn::Conv2d conv(tnn::Conv2dOptions(3, 8, 3).padding(1));
  const auto x = torch::randn({1, 3, 9, 11});
  torch::NoGradGuard no_grad;
  EXPECT_EQ(conv(x).scalar_type(), torch::kFloat32);
  {
    seer::nn::Bf16Autocast off(false);
    EXPECT_EQ(conv(x).scalar_type(), torch::kFloat32);
  }
  {
    seer::nn::Bf16Autocast on(true);
    const auto y = conv(x);
    EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
    // Within bf16's rounding (8 significant bits on inputs and weights, fp32 sums) of fp32.
    at::autocast::set_cpu_enabled(false);
    const auto reference = conv(x);
    at::autocast::set_cpu_enabled(true);
    EXPECT_TRUE(torch::allclose(y.to(torch::kFloat32), reference, 2e-2, 2e-2));
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  EXPECT_EQ(conv(x).scalar_type(), torch::kFloat32);
}

TEST(Bf16Autocast, GroupNormAndBatchNormTakeABf16ActivationInFp32) {
  torch::manual_seed(2);
  tnn::Conv2d conv(tnn::Conv2dOptions(3, 16, 3).padding(1));
  tnn::GroupNorm gn(tnn::GroupNormOptions(4, 16));
  tnn::BatchNorm2d bn(16);
  bn->eval();
  {
    torch::NoGradGuard no_grad;
    bn->running_mean.uniform_(-0.5, 0.5);
    bn->running_var.uniform_(0.5, 2.0);
    gn->weight.uniform_(0.5, 1.5);
  }
  const auto x = torch::randn({2, 3, 8, 8});
  torch::NoGradGuard no_grad;
  const auto reference_gn = gn(conv(x));
  const auto reference_bn = bn(conv(x));
  seer::nn::Bf16Autocast bf16(true);
  const auto y_gn = gn(conv(x));  // without seer's kernels: "expected scalar type BFloat16 but found Float"
  const auto y_bn = bn(conv(x));
  EXPECT_EQ(y_gn.scalar_type(), torch::kFloat32);
  EXPECT_EQ(y_bn.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::allclose(y_gn, reference_gn, 3e-2, 3e-2)) << (y_gn - reference_gn).abs().max();
  EXPECT_TRUE(torch::allclose(y_bn, reference_bn, 3e-2, 3e-2)) << (y_bn - reference_bn).abs().max();
}

TEST(Bf16Autocast, GroupNormStaysDifferentiableUnderTheGuard) {
  // The fp32 kernel sits above autograd's: gradients reach the conv's weights through the casts.
  torch::manual_seed(3);
  tnn::Conv2d conv(tnn::Conv2dOptions(2, 4, 3).padding(1));
  tnn::GroupNorm gn(tnn::GroupNormOptions(2, 4));
  const auto x = torch::randn({1, 2, 5, 5});
  seer::nn::Bf16Autocast bf16(true);
  gn(conv(x)).pow(2).sum().backward();
  ASSERT_TRUE(conv->weight.grad().defined());
  EXPECT_EQ(conv->weight.grad().scalar_type(), torch::kFloat32);
  EXPECT_GT(conv->weight.grad().abs().sum().item<float>(), 0.f);
}

TEST(Bf16Autocast, AutocastOffRunsItsScopeInFp32) {
  torch::manual_seed(4);
  tnn::Linear small(tnn::LinearOptions(16, 5));
  const auto x = torch::randn({3, 16});
  torch::NoGradGuard no_grad;
  const auto reference = small(x);
  seer::nn::Bf16Autocast bf16(true);
  EXPECT_EQ(small(x).scalar_type(), torch::kBFloat16);
  {
    seer::nn::AutocastOff fp32;
    const auto y = small(x);
    EXPECT_EQ(y.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(torch::equal(y, reference));
  }
  EXPECT_EQ(small(x).scalar_type(), torch::kBFloat16);  // back on after the scope
}

TEST(Bf16Autocast, FullPrecisionConvertsOnlyReducedPrecision) {
  const auto f = torch::tensor({1.5f, -2.25f});
  EXPECT_TRUE(seer::nn::full_precision(f).is_same(f));
  const auto b = seer::nn::full_precision(f.to(torch::kBFloat16));
  EXPECT_EQ(b.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(b, f));  // both exact in bf16
  const auto d = torch::tensor({1.0}, torch::kFloat64);
  EXPECT_TRUE(seer::nn::full_precision(d).is_same(d));
}

}  // namespace
