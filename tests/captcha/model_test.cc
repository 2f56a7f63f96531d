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

TEST(CaptchaNet, ConfigRoundTripsThroughJson) {
  CaptchaNetOptions o;
  o.channels = {8, 16};
  o.head_hidden = 0;
  o.dropout = 0.1;
  auto back = CaptchaNetOptions::from_json(o.to_json());
  EXPECT_EQ(back.to_json(), o.to_json());
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
