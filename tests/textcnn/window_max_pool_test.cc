// The fused window-sum + ReLU + max-over-time op against its LibTorch reference, and the three
// convolution implementations of the model against each other.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/textcnn/model.h"
#include "seer/textcnn/window_max_pool.h"

namespace seer::textcnn {
namespace {

TEST(TextCnnWindowMaxPool, MatchesReferenceForwardAndBackward) {
  torch::manual_seed(3);
  const std::vector<int64_t> widths = {2, 3};
  const int64_t F = 4, K = (2 + 3) * F;
  auto y = torch::randn({3, 7, K}, torch::requires_grad());
  auto b = torch::randn({2 * F}, torch::requires_grad());
  auto y2 = y.detach().clone().requires_grad_(true);
  auto b2 = b.detach().clone().requires_grad_(true);
  auto out = window_max_pool(y, b, widths, F);
  auto ref = window_max_pool_reference(y2, b2, widths, F);
  ASSERT_EQ(out.sizes(), torch::IntArrayRef({3, 2 * F}));
  EXPECT_TRUE(torch::allclose(out, ref, 1e-5, 1e-6));
  auto w = torch::randn({3, 2 * F});
  (out * w).sum().backward();
  (ref * w).sum().backward();
  EXPECT_TRUE(torch::allclose(y.grad(), y2.grad(), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(b.grad(), b2.grad(), 1e-5, 1e-6));
}

TEST(TextCnnWindowMaxPool, ShortSentenceIsPaddedToTheWidestFilter) {
  TextCnnOptions o;
  o.vocab_size = 10;
  o.embed_dim = 8;
  o.feature_maps = 5;
  TextCnn net(o);
  net->eval();
  // A one-word and an empty sentence: narrower than the widest filter (5) before padding.
  auto ids = pad_batch(std::vector<std::vector<int>>{{4}, {}}, o.max_width());
  EXPECT_EQ(ids.size(1), 1 + 2 * 4 + 1);
  EXPECT_EQ(ids[0][4].item<int64_t>(), 4);
  auto f = net->features(ids);
  EXPECT_EQ(f.sizes(), torch::IntArrayRef({2, 15}));
  EXPECT_EQ(net->forward(ids).sizes(), torch::IntArrayRef({2, 2}));
  EXPECT_GE(f.min().item<float>(), 0.f);  // ReLU then max
}

TEST(TextCnnWindowMaxPool, GemmConv2dAndConv1dAgree) {
  for (const char* mode : {"rand", "multichannel"}) {
    torch::manual_seed(5);
    TextCnnOptions o;
    o.vocab_size = 30;
    o.embed_dim = 12;
    o.feature_maps = 6;
    o.mode = mode;
    TextCnn net(o);
    net->eval();
    {
      torch::NoGradGuard g;
      net->fc()->weight.normal_();
      if (net->embedding_static().defined()) net->embedding_static().uniform_(-1, 1);
    }
    auto ids = pad_batch(std::vector<std::vector<int>>{{1, 2, 3, 4, 5, 6}, {7, 8}, {9}},
                         o.max_width());
    std::vector<torch::Tensor> outs, grads;
    for (auto impl : {ConvImpl::kGemm, ConvImpl::kConv2d, ConvImpl::kConv1d}) {
      net->set_conv_impl(impl);
      net->zero_grad();
      auto out = net->forward(ids);
      out.pow(2).sum().backward();
      outs.push_back(out.detach());
      grads.push_back(net->named_parameters()["convs.1.weight"].grad().clone());
    }
    for (int i = 1; i < 3; ++i) {
      EXPECT_TRUE(torch::allclose(outs[0], outs[i], 1e-4, 1e-5)) << mode << " impl " << i;
      EXPECT_TRUE(torch::allclose(grads[0], grads[i], 1e-4, 1e-5)) << mode << " impl " << i;
    }
  }
}

}  // namespace
}  // namespace seer::textcnn
