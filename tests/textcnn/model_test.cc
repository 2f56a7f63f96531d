// The text CNN module: options, max-norm constraint, embedding modes.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/textcnn/adadelta.h"
#include "seer/textcnn/model.h"
#include "test_support.h"

namespace seer::textcnn {
namespace {

TextCnnOptions small(const std::string& mode) {
  TextCnnOptions o;
  o.vocab_size = 20;
  o.embed_dim = 6;
  o.feature_maps = 4;
  o.mode = mode;
  return o;
}

TEST(TextCnnModel, OptionsRoundTripAndValidate) {
  auto o = small("multichannel");
  o.filter_widths = {2, 7};
  auto back = TextCnnOptions::from_json(o.to_json());
  EXPECT_EQ(back.to_json(), o.to_json());
  o.mode = "dynamic";
  EXPECT_TRUE(testing::Contains(testing::error_of([&] { o.validate(); }), "unknown embedding mode"));
}

TEST(TextCnnModel, ConvolutionInitIsKimsBoundForTheDatasetsPaddedLength) {
  // Kim's LeNetConvPoolLayer: U[-b, b], b = sqrt(6 / (fan_in + fan_out)), fan_in = h D,
  // fan_out = F h D / (padded length - h + 1). Here h 3, D 10, F 200: fan_in 30, fan_out
  // 6000 / 10 = 600 with length 12 (b = 0.09759) and 6000 / 62 = 96.77 with 64 (b = 0.21755).
  for (auto [length, bound] : {std::pair<int64_t, double>{12, 0.0975900}, {64, 0.2175506}}) {
    TextCnnOptions o = small("rand");
    o.embed_dim = 10;
    o.feature_maps = 200;
    o.filter_widths = {3};
    o.init_length = length;
    torch::manual_seed(5);
    TextCnn net(o);
    auto w = net->named_parameters()["convs.0.weight"].abs();
    EXPECT_LE(w.max().item<double>(), bound + 1e-6) << length;
    EXPECT_GE(w.max().item<double>(), 0.99 * bound) << length;  // 6000 draws reach the bound
    EXPECT_NEAR(w.mean().item<double>(), bound / 2, 0.02 * bound) << length;
  }
}

TEST(TextCnnModel, MaxNormRescalesOnlyRowsAboveTheBound) {
  TextCnn net(small("rand"));
  {
    torch::NoGradGuard g;
    net->fc()->weight.zero_();
    net->fc()->weight[0][0] = 3;
    net->fc()->weight[0][1] = 4;  // norm 5
    net->fc()->weight[1][2] = 1;  // norm 1
  }
  auto before = net->fc()->weight.clone();
  EXPECT_EQ(net->apply_max_norm(), 1);
  auto w = net->fc()->weight;
  EXPECT_NEAR(w[0].norm().item<double>(), 3.0, 1e-5);
  EXPECT_NEAR(w[0][0].item<double>() / w[0][1].item<double>(), 0.75, 1e-6);  // same direction
  EXPECT_TRUE(torch::equal(w[1], before[1]));
}

TEST(TextCnnModel, DropoutIsKimsUnscaledMaskInTrainingAndScalingInEvaluation) {
  // One feature (one width-1 filter, one map) read out by class 0's weight 1: logit 0 is the
  // feature as the output layer sees it.
  TextCnnOptions o = small("rand");
  o.filter_widths = {1};
  o.feature_maps = 1;
  o.dropout = 0.5;
  o.max_norm = 0;
  torch::manual_seed(3);
  TextCnn net(o);
  {
    torch::NoGradGuard g;
    net->fc()->weight.zero_();
    net->fc()->weight[0][0] = 1;
    // Bias 1 against small filter responses: the pooled feature is positive for any init.
    net->named_parameters()["convs.0.bias"].fill_(1);
  }
  auto ids = pad_batch(std::vector<std::vector<int>>(400, std::vector<int>{1, 2, 3}), 1);
  torch::NoGradGuard g;
  const double f = net->features(ids)[0][0].item<double>();
  ASSERT_GT(f, 0.5);
  net->eval();
  auto eval_logit = net->forward(ids).select(1, 0);
  EXPECT_TRUE(torch::allclose(eval_logit, torch::full({400}, 0.5 * f)));
  net->train();
  auto train_logit = net->forward(ids).select(1, 0);
  const int64_t kept = train_logit.eq(static_cast<float>(f)).sum().item<int64_t>();
  const int64_t dropped = train_logit.eq(0).sum().item<int64_t>();
  EXPECT_EQ(kept + dropped, 400);  // each is the feature itself (not 2f) or 0
  EXPECT_GT(kept, 150);
  EXPECT_GT(dropped, 150);
}

// Two Adadelta steps (the output layer starts at zero, so the second moves the embeddings).
void train_two_steps(TextCnn& net) {
  std::vector<torch::Tensor> params;
  for (auto& p : net->parameters()) {
    if (p.requires_grad()) params.push_back(p);
  }
  Adadelta opt(params);
  auto ids = pad_batch(std::vector<std::vector<int>>{{1, 2, 3}, {4, 5}}, net->options().max_width());
  auto y = torch::tensor({0, 1}, torch::kInt64);
  for (int s = 0; s < 2; ++s) {
    opt.zero_grad();
    torch::nn::functional::cross_entropy(net->forward(ids), y).backward();
    opt.step();
  }
}

TEST(TextCnnModel, StaticFreezesEmbeddingsNonStaticTrainsThem) {
  auto init = torch::rand({20, 6});
  for (const char* mode : {"static", "non-static"}) {
    torch::manual_seed(1);
    TextCnn net(small(mode));
    net->set_embeddings(init);
    auto before = net->embedding().clone();
    EXPECT_TRUE(torch::equal(before[0], torch::zeros({6})));
    train_two_steps(net);
    const bool changed = !torch::equal(before, net->embedding());
    EXPECT_EQ(changed, std::string(mode) == "non-static") << mode;
    EXPECT_TRUE(torch::equal(net->embedding()[0], torch::zeros({6}))) << "padding row " << mode;
    EXPECT_TRUE(torch::equal(before[6], net->embedding()[6])) << "unused word " << mode;
  }
}

TEST(TextCnnModel, MultichannelHasOneFrozenAndOneTrainedChannel) {
  TextCnn net(small("multichannel"));
  net->set_embeddings(torch::rand({20, 6}));
  ASSERT_TRUE(net->embedding_static().defined());
  EXPECT_FALSE(net->embedding_static().requires_grad());
  EXPECT_TRUE(net->embedding().requires_grad());
  EXPECT_TRUE(torch::equal(net->embedding(), net->embedding_static()));
  EXPECT_EQ(net->named_parameters()["convs.0.weight"].size(1), 2);
  auto frozen = net->embedding_static().clone();
  train_two_steps(net);
  EXPECT_TRUE(torch::equal(frozen, net->embedding_static()));
  EXPECT_FALSE(torch::equal(frozen, net->embedding()));
}

}  // namespace
}  // namespace seer::textcnn
