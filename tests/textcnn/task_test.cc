// The training task: Kim's fixed full batches in seeded epoch orders, keep-best, and a tiny dataset learned.
#include <random>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/core/trainer.h"
#include "seer/textcnn/adadelta.h"
#include "seer/textcnn/task.h"

namespace seer::textcnn {
namespace {

// Sentences of noise words with one "good" (label 1) or "bad" (label 0) somewhere.
std::vector<text::Sentence> synthetic(int n, uint64_t seed) {
  static const std::vector<std::string> noise = {"the", "a", "movie", "film", "plot", "actor",
                                                 "was", "is", "very", "quite", "story", "scene",
                                                 "it", "this", "and", "of"};
  std::mt19937_64 gen(seed);
  std::vector<text::Sentence> out;
  for (int i = 0; i < n; ++i) {
    text::Sentence s;
    s.label = static_cast<int>(gen() % 2);
    const int len = 2 + static_cast<int>(gen() % 10);
    for (int k = 0; k < len; ++k) s.tokens.push_back(noise[gen() % noise.size()]);
    s.tokens.insert(s.tokens.begin() + static_cast<long>(gen() % (len + 1)), s.label ? "good" : "bad");
    out.push_back(std::move(s));
  }
  return out;
}

struct Setup {
  text::TextDataset data;
  text::TextVocabulary vocab;
  TextCnnModelConfig config;
};

Setup make_setup() {
  Setup s;
  s.data.name = "tsv";
  s.data.labels = {"neg", "pos"};
  s.data.train = synthetic(200, 1);
  s.data.dev = synthetic(50, 2);
  s.data.test = synthetic(100, 3);
  s.vocab = text::TextVocabulary::build(s.data);
  s.config.net.vocab_size = static_cast<int64_t>(s.vocab.size());
  s.config.net.embed_dim = 32;
  s.config.net.feature_maps = 16;
  s.config.labels = s.data.labels;
  s.config.vocabulary = TextCnnModelConfig::words_of(s.vocab);
  return s;
}

TEST(TextCnnTask, PredictionsDoNotDependOnChunkingForLongDocuments) {
  // Short sentences and documents of hundreds of words: chunks by a token budget (a long one
  // alone, short ones together) give the probabilities of one-at-a-time evaluation.
  torch::manual_seed(3);
  TextCnnOptions o;
  o.vocab_size = 50;
  o.embed_dim = 8;
  o.feature_maps = 5;
  TextCnn net(o);
  std::mt19937 rng(7);
  std::vector<std::vector<int>> ids;
  for (int i = 0; i < 40; ++i) {
    const int len = i % 7 == 3 ? 300 + i * 20 : 1 + i % 9;
    std::vector<int> s;
    for (int k = 0; k < len; ++k) s.push_back(1 + static_cast<int>(rng() % 49));
    ids.push_back(s);
  }
  const torch::Tensor one = predict_probabilities(net, ids, torch::kCPU, 1);
  const torch::Tensor budget = predict_probabilities(net, ids, torch::kCPU, 500, 2000);
  const torch::Tensor all = predict_probabilities(net, ids, torch::kCPU, 500, 1 << 30);
  ASSERT_EQ(one.size(0), 40);
  EXPECT_TRUE(torch::allclose(one, budget, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(one, all, 1e-5, 1e-6));
}

TEST(TextCnnTask, BatchesAreFixedAndFullAndEachEpochTakesThemInANewOrder) {
  auto s = make_setup();
  TextCnnTaskOptions o;
  o.seed = 7;
  TextCnnTask task(s.config, TextCnn(s.config.net), encode_sentences(s.data.train, s.vocab),
                   encode_sentences(s.data.dev, s.vocab), o, torch::kCPU);
  EXPECT_EQ(task.steps_per_epoch(), 4);
  auto e0 = task.epoch_order(0), e1 = task.epoch_order(1);
  EXPECT_EQ(e0, task.epoch_order(0));
  auto sorted = e0;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(sorted.size(), 200u);
  for (int64_t i = 0; i < 200; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(e0, std::vector<int64_t>(sorted.begin(), sorted.end()));  // shuffled
  // Kim's batches: the same 4 sets of 50 every epoch, in an order that changes.
  auto batch_sets = [](const std::vector<int64_t>& order) {
    std::vector<std::vector<int64_t>> sets;
    for (size_t b = 0; b < order.size(); b += 50) {
      std::vector<int64_t> set(order.begin() + static_cast<long>(b), order.begin() + static_cast<long>(b + 50));
      std::sort(set.begin(), set.end());
      sets.push_back(set);
    }
    return sets;
  };
  auto sets0 = batch_sets(e0);
  bool some_epoch_differs = false;
  for (int64_t epoch = 1; epoch < 6; ++epoch) {
    auto e = task.epoch_order(epoch);
    auto sets = batch_sets(e);
    some_epoch_differs |= sets != sets0;
    std::sort(sets.begin(), sets.end());
    auto expected = sets0;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(sets, expected) << "epoch " << epoch;
  }
  EXPECT_TRUE(some_epoch_differs);  // 5 epochs in the same order as epoch 0: (1/24)^5
  // Step 5 is epoch 1's second batch.
  auto b5 = task.batch_indices(5);
  ASSERT_EQ(b5.size(), 50u);
  EXPECT_EQ(b5[0], e1[50]);
  EXPECT_EQ(b5[49], e1[99]);
  // 180 examples: 4 batches, the one holding the permutation's last 30 is filled with its
  // first 20, so 20 examples are seen twice an epoch and the others once.
  auto train = encode_sentences(s.data.train, s.vocab);
  train.ids.resize(180);
  train.labels.resize(180);
  TextCnnTask short_task(s.config, TextCnn(s.config.net), train, {}, o, torch::kCPU);
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    auto order = short_task.epoch_order(epoch);
    ASSERT_EQ(order.size(), 200u);
    std::vector<int> seen(180, 0);
    for (int64_t i : order) ++seen[static_cast<size_t>(i)];
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 2), 20);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 160);
  }
  EXPECT_EQ(short_task.batch_indices(3).size(), 50u);
}

// No wall-clock bound here: under `ctest -j` on a loaded machine one flaked (issue 19); the
// test's size is the step count, and ctest's timeout catches a hang.
TEST(TextCnnTask, LearnsATinySyntheticDatasetAndKeepsTheBestDevModel) {
  auto s = make_setup();
  torch::manual_seed(1);
  TextCnnTaskOptions o;
  TextCnnTask task(s.config, TextCnn(s.config.net), encode_sentences(s.data.train, s.vocab),
                   encode_sentences(s.data.dev, s.vocab), o, torch::kCPU);
  Adadelta opt(task.trainable_parameters());
  for (int64_t step = 0; step < 15 * task.steps_per_epoch(); ++step) {
    clear_gradients(opt);
    auto out = task.train_step(step);
    out["loss"].backward();
    opt.step();
    task.after_step(step);
    EXPECT_LE(task.net()->fc()->weight.norm(2, {1}).max().item<double>(), 3.0 + 1e-4);
    if ((step + 1) % task.steps_per_epoch() == 0) {
      torch::NoGradGuard g;
      task.model().eval();
      task.evaluate();
      task.model().train();
    }
  }
  task.restore_best();
  EXPECT_GE(task.best_accuracy(), 0.95);
  const double test = accuracy(task.net(), encode_sentences(s.data.test, s.vocab), torch::kCPU);
  EXPECT_GE(test, 0.95);
}

TEST(TextCnnTask, ADevTieGoesToTheLaterEvaluation) {
  // Kim keeps the later epoch when dev accuracy ties (val_perf >= best_val_perf).
  auto s = make_setup();
  torch::manual_seed(1);
  TextCnnTask task(s.config, TextCnn(s.config.net), encode_sentences(s.data.train, s.vocab),
                   encode_sentences(s.data.dev, s.vocab), TextCnnTaskOptions{}, torch::kCPU);
  task.train_step(0);  // no update: the model and so its dev accuracy stay the same
  const double first = task.evaluate().at("accuracy");
  EXPECT_EQ(task.best_step(), 1);
  task.train_step(1);
  EXPECT_EQ(task.evaluate().at("accuracy"), first);
  EXPECT_EQ(task.best_step(), 2);
}

TEST(TextCnnTask, ModelConfigRoundTripRebuildsTheVocabulary) {
  auto s = make_setup();
  set_cleaner_for(s.config, "trec", true);
  auto back = TextCnnModelConfig::from_json(s.config.to_json());
  EXPECT_FALSE(back.lowercase);
  auto vocab = back.make_vocabulary();
  EXPECT_EQ(vocab.size(), s.vocab.size());
  EXPECT_EQ(vocab.id("good"), s.vocab.id("good"));
  EXPECT_EQ(back.tokenize("A good, film!"), (std::vector<std::string>{"A", "good", ",", "film", "!"}));
}

}  // namespace
}  // namespace seer::textcnn
