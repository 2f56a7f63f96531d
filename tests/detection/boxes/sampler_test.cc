#include "seer/detection/boxes/sampler.h"

#include <gtest/gtest.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "test_support.h"

namespace det = seer::detection;
using seer::testing::Contains;
using seer::testing::error_of;

namespace {

// 1000 labels: 30 positive (1 or a class index), 900 negative, 70 ignored.
at::Tensor labels() {
  auto l = torch::zeros({1000}, torch::kLong);
  l.slice(0, 0, 20).fill_(1);
  l.slice(0, 20, 30).fill_(7);
  l.slice(0, 30, 100).fill_(-1);
  return l.index_select(0, torch::randperm(1000, torch::kLong));
}

int64_t count(const at::Tensor& mask) { return mask.sum().item<int64_t>(); }

}  // namespace

TEST(Sampler, CountsAndMasksRespectLabels) {
  torch::manual_seed(0);
  const auto l = labels();
  // 256 x 0.5 = 128 positives wanted, 30 available: 30 positives and 226 negatives.
  const auto s = det::BalancedPositiveNegativeSampler(256, 0.5)(l);
  EXPECT_EQ(s.positive.scalar_type(), torch::kBool);
  EXPECT_EQ(count(s.positive), 30);
  EXPECT_EQ(count(s.negative), 226);
  EXPECT_TRUE((l.masked_select(s.positive) >= 1).all().item<bool>());
  EXPECT_TRUE((l.masked_select(s.negative) == 0).all().item<bool>());
  EXPECT_FALSE(torch::logical_and(s.positive, s.negative).any().item<bool>());
  // 128 x 0.125 = 16 positives of 30; 112 negatives.
  const auto t = det::BalancedPositiveNegativeSampler(128, 0.125)(l);
  EXPECT_EQ(count(t.positive), 16);
  EXPECT_EQ(count(t.negative), 112);
}

TEST(Sampler, ShortOfNegatives) {
  const auto l = torch::tensor({1, 1, 1, 1, 0, 0, -1}, torch::kLong);
  const auto s = det::BalancedPositiveNegativeSampler(10, 0.25)(l);  // floor(2.5) = 2 positives
  EXPECT_EQ(count(s.positive), 2);
  EXPECT_EQ(count(s.negative), 2);
  const auto e = det::BalancedPositiveNegativeSampler(10, 0.5)(torch::zeros({0}, torch::kLong));
  EXPECT_EQ(e.positive.numel(), 0);
  EXPECT_EQ(e.negative.numel(), 0);
}

TEST(Sampler, DeterministicUnderSeedAndGenerator) {
  torch::manual_seed(1);
  const auto l = labels();
  const det::BalancedPositiveNegativeSampler sampler(64, 0.25);
  torch::manual_seed(42);
  const auto a = sampler(l);
  torch::manual_seed(42);
  const auto b = sampler(l);
  EXPECT_TRUE(torch::equal(a.positive, b.positive));
  EXPECT_TRUE(torch::equal(a.negative, b.negative));
  const auto c = sampler(l);  // the global generator moved on: another draw
  EXPECT_FALSE(torch::equal(a.negative, c.negative));

  auto g1 = at::make_generator<at::CPUGeneratorImpl>(7);
  auto g2 = at::make_generator<at::CPUGeneratorImpl>(7);
  const auto d = sampler(std::vector<at::Tensor>{l, l}, g1);
  const auto e = sampler(std::vector<at::Tensor>{l, l}, g2);
  ASSERT_EQ(d.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(torch::equal(d[i].positive, e[i].positive));
    EXPECT_TRUE(torch::equal(d[i].negative, e[i].negative));
  }
  EXPECT_FALSE(torch::equal(d[0].negative, d[1].negative));
}

TEST(Sampler, UniformOverCandidates) {
  // Each of 10 positives is drawn with probability 2/10 when 2 are sampled.
  auto l = torch::zeros({20}, torch::kLong);
  l.slice(0, 0, 10).fill_(1);
  const det::BalancedPositiveNegativeSampler sampler(4, 0.5);
  auto hits = torch::zeros({20}, torch::kLong);
  torch::manual_seed(3);
  for (int i = 0; i < 2000; ++i) hits += sampler(l).positive.to(torch::kLong);
  const auto h = hits.slice(0, 0, 10).to(torch::kDouble);
  EXPECT_TRUE(((h - 400).abs() < 80).all().item<bool>()) << h;
  EXPECT_EQ(hits.slice(0, 10).sum().item<int64_t>(), 0);
}

TEST(Sampler, RejectsBadInput) {
  EXPECT_TRUE(Contains(error_of([] { det::BalancedPositiveNegativeSampler(256, 1.5); }), "positive_fraction"));
  EXPECT_TRUE(Contains(error_of([] { det::BalancedPositiveNegativeSampler(256, 0.5)(torch::zeros({2, 2})); }),
                       "1-D"));
}
