#include "seer/core/trainer.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/core/checkpoint.h"
#include "seer/core/metrics_log.h"
#include "test_support.h"

namespace seer {
namespace {

// Logistic regression on a linearly separable toy problem; batch s is a function of s only.
// Dropout makes the result depend on the global RNG, so resume must restore it too.
class ToyTask : public TrainTask {
 public:
  ToyTask() {
    torch::manual_seed(7);
    net_ = torch::nn::Sequential(torch::nn::Dropout(0.2), torch::nn::Linear(4, 2));
  }
  torch::nn::Module& model() override { return *net_; }
  std::string model_kind() const override { return "toy"; }
  nlohmann::json model_config() const override { return {{"in", 4}}; }
  std::pair<torch::Tensor, torch::Tensor> data(int64_t seed, int64_t n) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    auto x = torch::randn({n, 4}, gen);
    auto y = (x.select(1, 0) + 0.5 * x.select(1, 2) > 0).to(torch::kInt64);
    return {x, y};
  }
  std::map<std::string, torch::Tensor> train_step(int64_t step) override {
    auto [x, y] = data(1000 + step, 32);
    auto logits = net_->forward(x);
    return {{"loss", torch::nn::functional::cross_entropy(logits, y)},
            {"acc", logits.argmax(1).eq(y).to(torch::kFloat32).mean()}};
  }
  std::map<std::string, double> evaluate() override {
    auto [x, y] = data(1, 500);
    return {{"accuracy", net_->forward(x).argmax(1).eq(y).to(torch::kFloat64).mean().item<double>()}};
  }
  int64_t items_per_step() const override { return 32; }
  torch::nn::Sequential net_{nullptr};
};

TrainerOptions quiet(int64_t steps) {
  TrainerOptions o;
  o.steps = steps;
  o.log_every = 5;
  o.progress = false;
  o.handle_sigint = false;
  return o;
}

LrSchedule schedule(int64_t total) {
  LrScheduleOptions s;
  s.kind = "cosine";
  s.base_lr = 0.1;
  s.total_steps = total;
  return LrSchedule(s);
}

TEST(Trainer, LearnsAndWritesRunFolder) {
  at::set_num_threads(1);
  testing::ScratchDir dir;
  RunDir run = RunDir::create("toy", dir / "run");
  ToyTask task;
  torch::optim::SGD opt(task.model().parameters(), torch::optim::SGDOptions(0.1));
  auto o = quiet(200);
  o.eval_every = 50;
  o.checkpoint_every = 50;
  auto result = Trainer(run, o, opt, schedule(200)).fit(task);
  EXPECT_TRUE(result.completed);
  EXPECT_EQ(result.steps_done, 200);
  EXPECT_GT(result.final_eval.at("accuracy"), 0.95);
  EXPECT_TRUE(std::filesystem::exists(run.model_path()));
  EXPECT_TRUE(std::filesystem::exists(run.root() / "model.json"));
  EXPECT_TRUE(std::filesystem::exists(run.plots_dir() / "loss.png"));
  EXPECT_TRUE(std::filesystem::exists(run.plots_dir() / "accuracy.png"));
  auto records = MetricsLog::read(run.metrics_path());
  int evals = 0;
  double first_loss = -1, last_loss = -1;
  for (const auto& r : records) {
    if (r["phase"] == "eval") ++evals;
    if (r["phase"] == "train") {
      if (first_loss < 0) first_loss = r["loss"];
      last_loss = r["loss"];
      EXPECT_TRUE(r.contains("lr") && r.contains("acc") && r.contains("items_per_s"));
    }
  }
  EXPECT_EQ(evals, 4);  // at 50, 100, 150 and the final one
  EXPECT_LT(last_loss, first_loss * 0.5);
  auto model = load_model_file(run.model_path());
  EXPECT_EQ(model.kind, "toy");
  EXPECT_TRUE(model.extra.empty());
}

TEST(Trainer, ResumedRunEqualsUninterruptedRun) {
  at::set_num_threads(1);
  testing::ScratchDir dir;
  // Uninterrupted: 40 steps.
  ToyTask straight;
  {
    torch::optim::Adam opt(straight.model().parameters(), torch::optim::AdamOptions(0.1));
    Trainer(RunDir::create("toy", dir / "a"), quiet(40), opt, schedule(40)).fit(straight);
  }
  // Interrupted after 17 steps (same schedule), then resumed in a fresh process state.
  {
    ToyTask first;
    torch::optim::Adam opt(first.model().parameters(), torch::optim::AdamOptions(0.1));
    auto r = Trainer(RunDir::create("toy", dir / "b"), quiet(17), opt, schedule(40)).fit(first);
    EXPECT_EQ(r.steps_done, 17);
  }
  torch::manual_seed(12345);  // disturb the global RNG: resume must restore it
  ToyTask resumed;
  torch::optim::Adam opt(resumed.model().parameters(), torch::optim::AdamOptions(0.1));
  auto o = quiet(40);
  o.resume = true;
  auto r = Trainer(RunDir(dir / "b"), o, opt, schedule(40)).fit(resumed);
  EXPECT_EQ(r.start_step, 17);
  EXPECT_EQ(r.steps_done, 40);
  for (const auto& [name, t] : state_dict(straight.model())) {
    EXPECT_TRUE(torch::equal(t, state_dict(resumed.model()).at(name))) << name;
  }
  // metrics.jsonl has each train step at most once after the rewind.
  std::set<int64_t> steps;
  for (const auto& rec : MetricsLog::read(RunDir(dir / "b").metrics_path())) {
    if (rec["phase"] == "train") EXPECT_TRUE(steps.insert(rec["step"].get<int64_t>()).second);
  }
}

TEST(Trainer, MaxMinutesStopsCleanlyWithModelAndCheckpoint) {
  testing::ScratchDir dir;
  RunDir run = RunDir::create("toy", dir / "run");
  ToyTask task;
  torch::optim::SGD opt(task.model().parameters(), torch::optim::SGDOptions(0.1));
  auto o = quiet(1000000);
  o.max_minutes = 1e-6;
  auto r = Trainer(run, o, opt, schedule(1000000)).fit(task);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.stop_reason, "max-minutes");
  EXPECT_LT(r.steps_done, 1000000);
  EXPECT_TRUE(std::filesystem::exists(run.model_path()));
  ASSERT_TRUE(run.latest_checkpoint().has_value());
  EXPECT_EQ(load_model_file(*run.latest_checkpoint()).extra.at("step").item<int64_t>(),
            r.steps_done);
}

}  // namespace
}  // namespace seer
