#include "seer/captcha/model.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::captcha {
namespace {

TEST(CaptchaNet, OutputHasOneSoftmaxBlockPerPosition) {
  CaptchaNetOptions o;
  o.length = 5;
  o.num_classes = 12;
  CaptchaNet net(o);
  net->eval();
  auto x = torch::rand({3, 1, o.input_height, o.input_width});
  auto y = net->forward(x);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{3, 5, 12}));
  // Features: last block's channels x (H / 16) x (W / 16) for four pooling blocks.
  EXPECT_EQ(net->features(x).size(1), 256 * (32 / 16) * (96 / 16));
  // forward() is the stack of the heads.
  auto f = net->features(x);
  EXPECT_TRUE(torch::allclose(net->head(f, 2), y.select(1, 2)));
}

TEST(CaptchaNet, CtcHeadGivesEveryColumnASoftmaxWithABlank) {
  CaptchaNetOptions o;
  o.length = 5;
  o.num_classes = 12;
  o.head = "ctc";
  o.input_width = 96;
  CaptchaNet net(o);
  net->eval();
  auto y = net->forward(torch::rand({3, 1, o.input_height, o.input_width}));
  // Two 2x2 pools, then height-only ones: 96 / 4 = 24 columns.
  EXPECT_EQ(net->time_steps(), 24);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{24, 3, 13}));
  EXPECT_THROW(([&] { auto bad = o; bad.head = "attention"; CaptchaNet n(bad); })(), Error);
}

// probs [T, B, K + 1] whose likeliest class in column t of image b is classes[b][t].
torch::Tensor column_probs(const std::vector<std::vector<int64_t>>& classes, int64_t k) {
  const int64_t B = static_cast<int64_t>(classes.size()), T = static_cast<int64_t>(classes[0].size());
  auto probs = torch::full({T, B, k}, 0.1 / (k - 1));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) probs[t][b][classes[b][t]] = 0.9 - 0.01 * t;
  return probs;
}

TEST(CaptchaNet, CtcBestPathMergesRepeatsDropsBlanksAndCountsLength) {
  // Class 0 is the blank, class c + 1 the charset's c.
  auto r = ctc_best_path(column_probs({{1, 1, 0, 2, 2, 0, 2, 3},    // "0" "1" blank "1" "2"
                                       {0, 0, 3, 3, 0, 0, 0, 0},    // only "2": short
                                       {1, 2, 3, 1, 2, 3, 1, 2}},   // 8 characters: long
                                      4),
                         4);
  EXPECT_TRUE(r.indices[0].equal(torch::tensor({0, 1, 1, 2}, torch::kInt64)));
  EXPECT_TRUE(r.indices[1].equal(torch::tensor({2, -1, -1, -1}, torch::kInt64)));
  EXPECT_TRUE(r.indices[2].equal(torch::tensor({0, 1, 2, 0}, torch::kInt64)));
  EXPECT_TRUE(r.lengths.equal(torch::tensor({4, 1, 8}, torch::kInt64)));
  // A character's confidence is its first column's probability.
  EXPECT_FLOAT_EQ(r.confidence[0][0].item<float>(), 0.9f);
  EXPECT_FLOAT_EQ(r.confidence[0][2].item<float>(), 0.9f - 0.06f);
  EXPECT_FLOAT_EQ(r.confidence[1][0].item<float>(), 0.9f - 0.02f);
  EXPECT_FLOAT_EQ(r.confidence[1][1].item<float>(), 0.0f);
}

TEST(CaptchaNet, ConfigRoundTripsThroughJson) {
  CaptchaNetOptions o;
  o.channels = {8, 16};
  o.head_hidden = 0;
  o.dropout = 0.1;
  auto back = CaptchaNetOptions::from_json(o.to_json());
  EXPECT_EQ(back.to_json(), o.to_json());
  o.head = "ctc";
  o.rnn_hidden = 32;
  EXPECT_EQ(CaptchaNetOptions::from_json(o.to_json()).to_json(), o.to_json());
  // A model file from before the CTC head has no "head": it is a multitask one.
  auto old = o.to_json();
  old.erase("head");
  old.erase("rnn_hidden");
  EXPECT_EQ(CaptchaNetOptions::from_json(old).head, "multitask");
  EXPECT_THROW(CaptchaNetOptions::from_json({{"length", 4}}), Error);
}

TEST(CaptchaNet, RejectsInputTooSmallForItsPooling) {
  CaptchaNetOptions o;
  o.input_width = 8;
  o.input_height = 8;
  EXPECT_THROW(CaptchaNet{o}, Error);
}

TEST(CaptchaNet, HeadsShareTheTrunkButNotTheirWeights) {
  CaptchaNetOptions o;
  o.channels = {4, 8};
  o.input_width = 32;
  o.input_height = 16;
  CaptchaNet net(o);
  auto f = net->features(torch::rand({2, 1, 16, 32}));
  net->head(f, 1).sum().backward();
  // Only head 1 and the trunk receive gradient.
  for (const auto& p : net->named_parameters()) {
    const bool has = p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0;
    if (p.key().rfind("heads.1.", 0) == 0 || p.key().rfind("trunk.", 0) == 0) {
      if (p.key().find("weight") != std::string::npos) EXPECT_TRUE(has) << p.key();
    } else {
      EXPECT_FALSE(has) << p.key();
    }
  }
}

}  // namespace
}  // namespace seer::captcha
