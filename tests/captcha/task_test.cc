#include "seer/captcha/task.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/core/atomic_file.h"
#include "seer/core/checkpoint.h"
#include "seer/core/error.h"
#include "test_support.h"

namespace seer::captcha {
namespace {

CaptchaModelConfig small_config(int length, const std::string& charset) {
  CaptchaModelConfig c;
  c.charset = charset;
  c.net.length = length;
  c.net.num_classes = static_cast<int>(charset.size());
  c.net.input_width = 64;
  c.net.input_height = 24;
  c.net.channels = {16, 32, 48};
  c.net.convs_per_block = 1;
  c.net.head_hidden = 64;
  c.net.dropout = 0.1;
  return c;
}

// A network that always answers `answer`: zero weights, one-hot biases in the linear heads.
CaptchaNet constant_net(const CaptchaModelConfig& c, const std::vector<int64_t>& answer) {
  auto o = c.net;
  o.head_hidden = 0;
  CaptchaNet net(o);
  torch::NoGradGuard no_grad;
  for (auto& p : net->named_parameters()) {
    if (p.key().rfind("heads.", 0) == 0) p.value().zero_();
  }
  for (int pos = 0; pos < o.length; ++pos) {
    net->named_parameters()["heads." + std::to_string(pos) + ".1.bias"][answer[pos]] = 5.0;
  }
  net->eval();
  return net;
}

TEST(CaptchaEvaluation, CountsCharactersAndWholeCaptchasByHand) {
  auto c = small_config(2, "01234");
  LabelCodec codec(c.charset, 2);
  auto net = constant_net(c, {1, 3});  // always reads "13"
  Batch data{torch::rand({4, 1, 24, 64}),
             torch::tensor({1, 3, 1, 2, 0, 3, 4, 4}, torch::kInt64).reshape({4, 2})};
  auto ev = evaluate_captcha(net, data, codec, torch::kCPU, /*batch_size=*/3);
  EXPECT_EQ(ev.count, 4);
  EXPECT_DOUBLE_EQ(ev.char_accuracy, 0.5);      // 2 + 1 + 1 + 0 of 8
  EXPECT_DOUBLE_EQ(ev.sequence_accuracy, 0.25);  // only "13"
  EXPECT_EQ(ev.position_accuracy, (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(ev.predicted, (std::vector<std::string>{"13", "13", "13", "13"}));
  EXPECT_EQ(ev.worst_position, 0);
  EXPECT_EQ(ev.worst_confusion[2][1], 0);
  EXPECT_EQ(ev.worst_confusion[0][1], 1);  // truth '0' read as '1' at position 0
  EXPECT_EQ(ev.worst_confusion[4][1], 1);
  auto j = ev.to_json(c.charset);
  EXPECT_EQ(j["char_accuracy"], 0.5);
  EXPECT_EQ(j["sequence_accuracy"], 0.25);
  EXPECT_EQ(j["count"], 4);
}

TEST(CaptchaTask, AlternateModeTrainsOneHeadPerStep) {
  auto c = small_config(3, "0123456789");
  LabelCodec codec(c.charset, 3);
  GeneratorOptions g;
  g.length = 3;
  g.seed = 5;
  auto batches = std::make_unique<GeneratedBatches>(Generator(g), codec, 4, 64, 24);
  CaptchaTask task(c, CaptchaNet(c.net), std::move(batches), Batch{}, TrainMode::kAlternate,
                   torch::kCPU);
  for (int64_t step : {0, 1, 5}) {
    task.model().zero_grad();
    auto out = task.train_step(step);
    out.at("loss").backward();
    const std::string trained = "heads." + std::to_string(step % 3) + ".";
    for (const auto& p : task.model().named_parameters()) {
      if (p.key().rfind("heads.", 0) != 0) continue;
      const bool has = p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0;
      EXPECT_EQ(has, p.key().rfind(trained, 0) == 0) << "step " << step << " " << p.key();
    }
  }
}

TEST(CaptchaTask, JointLossIsTheSumOfHeadLosses) {
  auto c = small_config(2, "0123");
  LabelCodec codec(c.charset, 2);
  GeneratorOptions g;
  g.length = 2;
  g.charset = "0123";
  auto source = std::make_unique<GeneratedBatches>(Generator(g), codec, 6, 64, 24);
  Batch b = source->batch(3);
  CaptchaNet net(c.net);
  net->eval();  // no dropout / batch statistics: the same features twice
  CaptchaTask task(c, net, std::move(source), Batch{}, TrainMode::kJoint, torch::kCPU);
  auto out = task.train_step(3);
  auto f = net->features(b.images);
  double expected = 0;
  for (int p = 0; p < 2; ++p) {
    expected += torch::nn::functional::cross_entropy(net->head(f, p), b.labels.select(1, p))
                    .item<double>();
  }
  EXPECT_NEAR(out.at("loss").item<double>(), expected, 1e-5);
}

// Learning on tiny data: 2-digit captchas from a 4-symbol charset, a small net, 300 steps.
// Chance is 25% per character and 6.25% per captcha.
void expect_tiny_training_run_learns(const std::string& head) {
  at::set_num_threads(2);
  testing::ScratchDir dir;
  auto c = small_config(2, "0123");
  c.net.head = head;
  c.net.rnn_hidden = 32;
  LabelCodec codec(c.charset, 2);
  GeneratorOptions g;
  g.length = 2;
  g.charset = "0123";
  g.seed = 11;
  GeneratorOptions e = g;
  e.seed = 999;  // unseen stream
  Batch eval_set = generate_batch(Generator(e), codec, 0, 300, 64, 24);
  torch::manual_seed(1);
  CaptchaTask task(c, CaptchaNet(c.net),
                   std::make_unique<GeneratedBatches>(Generator(g), codec, 32, 64, 24), eval_set,
                   TrainMode::kJoint, torch::kCPU);
  torch::optim::Adam opt(task.model().parameters(), torch::optim::AdamOptions(3e-3));
  TrainerOptions o;
  o.steps = 300;
  o.progress = false;
  o.handle_sigint = false;
  LrScheduleOptions s;
  s.kind = "onecycle";
  s.base_lr = 3e-3;
  s.total_steps = 300;
  auto r = Trainer(RunDir::create("captcha", dir / "run"), o, opt, LrSchedule(s)).fit(task);
  std::cerr << head << " tiny run: char " << r.final_eval.at("char_accuracy") << " sequence "
            << r.final_eval.at("sequence_accuracy") << "\n";
  EXPECT_GT(r.final_eval.at("char_accuracy"), 0.80);
  EXPECT_GT(r.final_eval.at("sequence_accuracy"), 0.60);

  // The saved model reads the same as the trained network.
  auto reader = load_captcha_reader(dir / "run" / "model.pt", torch::kCPU);
  auto preds = predict_captcha(reader, eval_set.images.slice(0, 0, 20));
  auto ev = evaluate_captcha(reader.net, eval_set, codec, torch::kCPU);
  EXPECT_DOUBLE_EQ(ev.char_accuracy, r.final_eval.at("char_accuracy"));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(preds[i].label, ev.predicted[i]);
    ASSERT_EQ(preds[i].confidence.size(), 2u);
    EXPECT_LE(preds[i].confidence[0], 1.0);
    if (ev.predicted[i][0] != '?') EXPECT_GT(preds[i].confidence[0], 0.2);
  }
}

TEST(CaptchaTask, TinyTrainingRunLearnsFarAboveChance) { expect_tiny_training_run_learns("multitask"); }

// The same batch at every step.
class FixedBatch : public BatchSource {
 public:
  explicit FixedBatch(Batch b) : b_(std::move(b)) {}
  Batch batch(int64_t) override { return b_; }
  int64_t batch_size() const override { return b_.images.size(0); }

 private:
  Batch b_;
};

// A small CTC reader of up to 3 characters of "0123".
CaptchaModelConfig small_ctc_config(int min_length) {
  auto c = small_config(3, "0123");
  c.net.head = "ctc";
  c.net.rnn_hidden = 32;
  c.net.dropout = 0;
  c.min_length = min_length;
  return c;
}

// Trains a fresh network of config `c` on batch `b` for 150 steps; returns the first and last
// losses and the network's reading of `b` (in training mode: BatchNorm's running statistics
// lag 150 steps behind its batch ones).
struct FixedBatchRun {
  double first_loss = 0, last_loss = 0;
  CaptchaEvaluation reading;
};
FixedBatchRun train_on_fixed_batch(const CaptchaModelConfig& c, const Batch& b) {
  at::set_num_threads(2);
  torch::manual_seed(1);
  CaptchaTask task(c, CaptchaNet(c.net), std::make_unique<FixedBatch>(b), b, TrainMode::kJoint, torch::kCPU);
  torch::optim::Adam opt(task.model().parameters(), torch::optim::AdamOptions(3e-3));
  FixedBatchRun run;
  task.model().train();
  for (int step = 0; step < 150; ++step) {
    auto loss = task.train_step(step).at("loss");
    if (step == 0) run.first_loss = loss.item<double>();
    run.last_loss = loss.item<double>();
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  run.reading = evaluate_captcha(task.net(), b, c.codec(), torch::kCPU);
  return run;
}

// CTC's loss, gradient and decoding agree: the CTC head learns to read a fixed batch of 24
// 3-character captchas (repeated characters included) perfectly.
TEST(CaptchaTask, CtcHeadLearnsToReadAFixedBatch) {
  const auto c = small_ctc_config(3);
  GeneratorOptions g;
  g.length = 3;
  g.charset = "0123";
  g.seed = 5;
  const auto run = train_on_fixed_batch(c, generate_batch(Generator(g), c.codec(), 0, 24, 64, 24));
  std::cerr << "ctc fixed batch: loss " << run.first_loss << " -> " << run.last_loss << ", sequence accuracy "
            << run.reading.sequence_accuracy << "\n";
  EXPECT_LT(run.last_loss, run.first_loss / 10);
  EXPECT_GE(run.reading.sequence_accuracy, 0.95);
}

// Labels of 1 to 3 characters: the CTC head learns to read a fixed batch of them, lengths
// included.
TEST(CaptchaTask, CtcHeadLearnsLabelsOfVaryingLength) {
  const auto c = small_ctc_config(1);
  const LabelCodec codec = c.codec();
  GeneratorOptions g;
  g.length = 3;
  g.charset = "0123";
  g.seed = 6;
  Generator gen(g);
  const std::vector<std::string> labels = {"0", "12", "330", "2", "01", "123", "31", "3", "220", "10", "2", "013",
                                           "1", "32", "201", "0", "23", "311", "02", "3", "102", "21", "1", "230"};
  const int64_t n = static_cast<int64_t>(labels.size());
  Batch b{torch::empty({n, 1, 24, 64}), torch::empty({n, 3}, torch::kInt64)};
  for (int64_t i = 0; i < n; ++i) {
    to_model_input(gen.render(labels[i], i), 64, 24, b.images.data_ptr<float>() + i * 64 * 24);
    auto idx = codec.to_padded_indices(labels[i]);
    for (int p = 0; p < 3; ++p) b.labels[i][p] = idx[p];
  }
  const auto ev = train_on_fixed_batch(c, b).reading;
  int right = 0;
  for (int64_t i = 0; i < n; ++i) {
    // What was read, '?' for the positions a short label does not have.
    const std::string expected = labels[i] + std::string(3 - labels[i].size(), '?');
    right += ev.predicted[i] == expected;
  }
  std::cerr << "ctc varying lengths: sequence accuracy " << ev.sequence_accuracy << "\n";
  EXPECT_GE(ev.sequence_accuracy, 0.95);
  EXPECT_EQ(right, static_cast<int>(std::lround(ev.sequence_accuracy * n)));
}

TEST(CaptchaTask, VaryingLengthsNeedTheCtcHead) {
  auto c = small_config(3, "0123");
  c.min_length = 2;
  EXPECT_THROW(CaptchaModelConfig::from_json(c.to_json()), Error);
  c.net.head = "ctc";
  EXPECT_EQ(CaptchaModelConfig::from_json(c.to_json()).min_length, 2);
}

TEST(CaptchaTask, CtcNeedsJointTraining) {
  auto c = small_config(2, "0123");
  c.net.head = "ctc";
  LabelCodec codec(c.charset, 2);
  GeneratorOptions g;
  g.length = 2;
  g.charset = "0123";
  EXPECT_THROW(CaptchaTask(c, CaptchaNet(c.net), std::make_unique<GeneratedBatches>(Generator(g), codec, 4, 64, 24),
                           Batch{}, TrainMode::kAlternate, torch::kCPU),
               Error);
}

TEST(CaptchaReader, RejectsAnotherKindOfModel) {
  testing::ScratchDir dir;
  save_model_file(dir / "m.pt", ModelFile{"textcnn", {}, {}, {}});
  try {
    load_captcha_reader(dir / "m.pt", torch::kCPU);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.pt"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("textcnn"), std::string::npos);
  }
}

}  // namespace
}  // namespace seer::captcha
