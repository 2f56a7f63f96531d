#include "seer/core/trainer.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <limits>
#include <thread>

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/core/checkpoint.h"
#include "seer/core/error.h"
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
  EXPECT_TRUE(std::filesystem::exists(run.plots_dir() / "eval_vs_time.png"));
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

// A task whose steps take a known time (2 ms each), for the time budget.
class SlowTask : public ToyTask {
 public:
  std::map<std::string, torch::Tensor> train_step(int64_t step) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return ToyTask::train_step(step);
  }
};

TEST(Trainer, FitStepsToTimeEndsTheScheduleInsideTheBudget) {
  testing::ScratchDir dir;
  RunDir run = RunDir::create("toy", dir / "run");
  run.write_config({{"steps", 1000000}, {"lr", 0.1}});
  SlowTask task;
  torch::optim::SGD opt(task.model().parameters(), torch::optim::SGDOptions(0.1));
  auto o = quiet(1000000);
  o.max_minutes = 0.03;  // 1.8 s: about 850 steps of 2 ms fit
  o.fit_steps_to_time = true;
  auto r = Trainer(run, o, opt, schedule(1000000)).fit(task);
  // Shortened, then run to its (new) end before the time ran out.
  EXPECT_TRUE(r.completed) << r.stop_reason;
  EXPECT_EQ(r.steps_before_fit, 1000000);
  EXPECT_GT(r.steps_done, 100);
  EXPECT_LT(r.steps_done, 1000);
  EXPECT_LT(r.seconds, 2.2);  // the loop ended in time; the final checkpoint and model file follow
  // config.json holds the fitted length (what --resume continues), metrics.jsonl the fit, and
  // the cosine schedule ended decayed: the last logged learning rate is ~0, not ~0.1.
  auto config = run.read_config();
  EXPECT_EQ(config.at("steps").get<int64_t>(), r.steps_done);
  EXPECT_EQ(config.at("steps_before_fit").get<int64_t>(), 1000000);
  int fits = 0;
  int64_t fitted = 0;
  double last_lr = 1;
  for (const auto& rec : MetricsLog::read(run.metrics_path())) {
    if (rec["phase"] == "fit") {
      ++fits;
      fitted = rec["steps"].get<int64_t>();
    }
    if (rec["phase"] == "train") last_lr = rec["lr"].get<double>();
  }
  EXPECT_GE(fits, 1);
  EXPECT_LE(fits, 5);
  EXPECT_EQ(fitted, r.steps_done);
  EXPECT_LT(last_lr, 1e-3);
  // Without the option the same budget cuts the schedule near its peak.
  RunDir cut = RunDir::create("toy", dir / "cut");
  SlowTask task2;
  torch::optim::SGD opt2(task2.model().parameters(), torch::optim::SGDOptions(0.1));
  o.fit_steps_to_time = false;
  auto r2 = Trainer(cut, o, opt2, schedule(1000000)).fit(task2);
  EXPECT_FALSE(r2.completed);
  EXPECT_EQ(r2.steps_before_fit, 0);
}

// Steps of 8 ms for the first 40 steps (a busy machine), then 1 ms.
class SpeedsUpTask : public ToyTask {
 public:
  std::map<std::string, torch::Tensor> train_step(int64_t step) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(step < 40 ? 8 : 1));
    return ToyTask::train_step(step);
  }
};

TEST(Trainer, FitStepsToTimeLengthensTheRunAgainWhenThePaceImproves) {
  testing::ScratchDir dir;
  RunDir run = RunDir::create("toy", dir / "run");
  SpeedsUpTask task;
  torch::optim::SGD opt(task.model().parameters(), torch::optim::SGDOptions(0.1));
  auto o = quiet(5000);
  o.max_minutes = 0.03;  // 1.8 s
  o.fit_steps_to_time = true;
  auto r = Trainer(run, o, opt, schedule(5000)).fit(task);
  EXPECT_TRUE(r.completed) << r.stop_reason;
  std::vector<int64_t> fits;
  for (const auto& rec : MetricsLog::read(run.metrics_path()))
    if (rec["phase"] == "fit") fits.push_back(rec["steps"].get<int64_t>());
  ASSERT_GE(fits.size(), 2u);
  // First fitted to the slow pace (about 1.7 s / 8 ms), then lengthened, never past the plan.
  EXPECT_LT(fits.front(), 400);
  EXPECT_GT(*std::max_element(fits.begin(), fits.end()), fits.front());
  EXPECT_LE(*std::max_element(fits.begin(), fits.end()), 5000);
  EXPECT_EQ(fits.back(), r.steps_done);
}

// loss = sum(weight) + sum(bias) of a Linear(2, 1): every gradient is 1, so SGD moves each
// parameter by exactly its group's learning rate per step. "index" is the step index, to check
// the logged means by hand; step `nan_at` returns a NaN loss.
class SumTask : public TrainTask {
 public:
  SumTask() {
    torch::manual_seed(3);
    net_ = torch::nn::Linear(2, 1);
  }
  torch::nn::Module& model() override { return *net_; }
  std::string model_kind() const override { return "sum"; }
  nlohmann::json model_config() const override { return nlohmann::json::object(); }
  std::map<std::string, torch::Tensor> train_step(int64_t step) override {
    auto loss = net_->weight.sum() + net_->bias.sum();
    if (step == nan_at) loss = loss * std::numeric_limits<float>::quiet_NaN();
    return {{"loss", loss}, {"index", torch::tensor(step, torch::kInt64)}};
  }
  std::map<std::string, double> evaluate() override { return {}; }
  torch::nn::Linear net_{nullptr};
  int64_t nan_at = -1;
};

LrSchedule constant(double lr) {
  LrScheduleOptions s;
  s.base_lr = lr;
  return LrSchedule(s);
}

TEST(Trainer, LrMultipliersScaleEachParameterGroup) {
  testing::ScratchDir dir;
  RunDir run = RunDir::create("sum", dir / "run");
  SumTask task;
  const auto w0 = task.net_->weight.detach().clone(), b0 = task.net_->bias.detach().clone();
  // Weights in group 0, the bias in group 1 (py-faster-rcnn: biases at 2x the learning rate).
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{task.net_->weight});
  groups.emplace_back(std::vector<torch::Tensor>{task.net_->bias});
  torch::optim::SGD opt(groups, torch::optim::SGDOptions(1.0));
  auto o = quiet(3);
  o.log_every = 1;
  o.lr_multipliers = {0.5, 2.0};
  Trainer(run, o, opt, constant(0.1)).fit(task);
  EXPECT_DOUBLE_EQ(opt.param_groups()[0].options().get_lr(), 0.05);
  EXPECT_DOUBLE_EQ(opt.param_groups()[1].options().get_lr(), 0.2);
  EXPECT_TRUE(torch::allclose(task.net_->weight, w0 - 3 * 0.05));
  EXPECT_TRUE(torch::allclose(task.net_->bias, b0 - 3 * 0.2));
  for (const auto& r : MetricsLog::read(run.metrics_path())) {
    if (r["phase"] == "train") EXPECT_DOUBLE_EQ(r["lr"].get<double>(), 0.05);  // group 0's
  }
}

TEST(Trainer, LrMultipliersMustMatchTheParameterGroups) {
  testing::ScratchDir dir;
  SumTask task;
  torch::optim::SGD opt(task.model().parameters(), torch::optim::SGDOptions(0.1));
  auto o = quiet(3);
  o.lr_multipliers = {1.0, 2.0};
  auto msg = testing::error_of([&] { Trainer(RunDir::create("sum", dir / "a"), o, opt, constant(0.1)); });
  EXPECT_NE(msg.find("2 learning-rate multipliers given, the optimizer has 1 parameter group(s)"),
            std::string::npos)
      << msg;
  o.lr_multipliers = {-1.0};
  EXPECT_THROW(Trainer(RunDir::create("sum", dir / "b"), o, opt, constant(0.1)), Error);
  o.lr_multipliers = {2.0};
  EXPECT_NO_THROW(Trainer(RunDir::create("sum", dir / "c"), o, opt, constant(0.1)));
}

TEST(Trainer, LoggedMeansAreTheStepsMeans) {
  testing::ScratchDir dir;
  RunDir run = RunDir::create("sum", dir / "run");
  SumTask task;
  const double loss = (task.net_->weight.sum() + task.net_->bias.sum()).item<double>();
  torch::optim::SGD opt(task.model().parameters(), torch::optim::SGDOptions(0.0));
  Trainer(run, quiet(12), opt, constant(0.0)).fit(task);  // logs at 5, 10 and 12
  std::vector<int64_t> logged;
  std::vector<double> index_means;
  for (const auto& r : MetricsLog::read(run.metrics_path())) {
    if (r["phase"] != "train") continue;
    logged.push_back(r["step"].get<int64_t>());
    index_means.push_back(r["index"].get<double>());
    EXPECT_NEAR(r["loss"].get<double>(), loss, 1e-6);
  }
  EXPECT_EQ(logged, (std::vector<int64_t>{5, 10, 12}));
  // (0+1+2+3+4)/5, (5+...+9)/5, (10+11)/2 -- an int64 scalar averaged as a number.
  EXPECT_EQ(index_means, (std::vector<double>{2.0, 7.0, 10.5}));
}

// The toy task, with Ctrl-C pressed (SIGINT raised) while train_step(at) runs (0-based: the
// run's step at + 1).
class InterruptedToyTask : public ToyTask {
 public:
  explicit InterruptedToyTask(int64_t at) : at_(at) {}
  std::map<std::string, torch::Tensor> train_step(int64_t step) override {
    if (step == at_) std::raise(SIGINT);
    return ToyTask::train_step(step);
  }

 private:
  int64_t at_;
};

// Ctrl-C: the step in progress finishes, a checkpoint of it and the model are saved, the run
// says "interrupted" and puts back the SIGINT handler it found; --resume continues from that
// step to the end.
TEST(Trainer, SigintStopsAfterTheStepWithACheckpointAndResumes) {
  at::set_num_threads(1);
  testing::ScratchDir dir;
  RunDir run = RunDir::create("toy", dir / "run");
  auto* const outer = std::signal(SIGINT, SIG_IGN);  // what the trainer must restore
  TrainResult first;
  {
    InterruptedToyTask task(16);  // during the 17th step
    torch::optim::Adam opt(task.model().parameters(), torch::optim::AdamOptions(0.1));
    auto o = quiet(40);
    o.handle_sigint = true;
    first = Trainer(run, o, opt, schedule(40)).fit(task);
  }
  EXPECT_EQ(std::signal(SIGINT, outer), SIG_IGN);
  EXPECT_FALSE(first.completed);
  EXPECT_EQ(first.stop_reason, "interrupted");
  EXPECT_EQ(first.steps_done, 17);
  ASSERT_TRUE(run.latest_checkpoint().has_value());
  EXPECT_EQ(run.latest_checkpoint()->filename(), "step-00000017.pt");
  EXPECT_TRUE(std::filesystem::exists(run.model_path()));

  ToyTask resumed;
  torch::optim::Adam opt(resumed.model().parameters(), torch::optim::AdamOptions(0.1));
  auto o = quiet(40);
  o.resume = true;
  const auto second = Trainer(run, o, opt, schedule(40)).fit(resumed);
  EXPECT_TRUE(second.completed);
  EXPECT_EQ(second.start_step, 17);
  EXPECT_EQ(second.steps_done, 40);
}

TEST(Trainer, NonFiniteLossStopsBeforeTheUpdate) {
  testing::ScratchDir dir;
  RunDir run = RunDir::create("sum", dir / "run");
  SumTask task;
  task.nan_at = 3;  // the 4th step; not a log step (log_every 5): the CPU check is every step
  const auto w0 = task.net_->weight.detach().clone();
  torch::optim::SGD opt(task.model().parameters(), torch::optim::SGDOptions(0.1));
  auto msg = testing::error_of([&] { Trainer(run, quiet(10), opt, constant(0.1)).fit(task); });
  EXPECT_NE(msg.find("training diverged: the loss is nan at step 4"), std::string::npos) << msg;
  // Three good updates, not the fourth.
  EXPECT_TRUE(torch::isfinite(task.net_->weight).all().item<bool>());
  EXPECT_TRUE(torch::allclose(task.net_->weight, w0 - 3 * 0.1));
}

// A trunk (with BatchNorm) and a head; FrozenTrunkTask's set_train_mode keeps the trunk frozen
// in eval mode.
struct TrunkImpl : torch::nn::Module {
  TrunkImpl() {
    fc = register_module("fc", torch::nn::Linear(4, 4));
    bn = register_module("bn", torch::nn::BatchNorm1d(4));
  }
  torch::Tensor forward(const torch::Tensor& x) { return bn->forward(fc->forward(x)); }
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};
TORCH_MODULE(Trunk);

struct TrunkHeadImpl : torch::nn::Module {
  TrunkHeadImpl() {
    trunk = register_module("trunk", Trunk());
    head = register_module("head", torch::nn::Linear(4, 2));
  }
  Trunk trunk{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(TrunkHead);

class FrozenTrunkTask : public ToyTask {
 public:
  FrozenTrunkTask() { torch::manual_seed(5); }
  torch::nn::Module& model() override { return *net; }
  void set_train_mode() override {
    model().train();
    net->trunk->eval();
  }
  std::map<std::string, torch::Tensor> train_step(int64_t step) override {
    trunk_trained_in_a_step |= net->trunk->is_training();
    head_eval_in_a_step |= !net->head->is_training();
    auto [x, y] = data(1000 + step, 32);
    auto logits = net->head->forward(net->trunk->forward(x));
    return {{"loss", torch::nn::functional::cross_entropy(logits, y)}};
  }
  std::map<std::string, double> evaluate() override {
    ++evaluations;
    evaluated_in_eval_mode &= !net->trunk->is_training() && !net->head->is_training();
    return {{"accuracy", 0.0}};
  }
  TrunkHead net;
  bool trunk_trained_in_a_step = false, head_eval_in_a_step = false, evaluated_in_eval_mode = true;
  int evaluations = 0;
};

TEST(Trainer, SetTrainModeHookKeepsAFrozenSubmoduleInEvalMode) {
  testing::ScratchDir dir;
  FrozenTrunkTask task;
  auto bn = task.net->trunk->bn;
  const auto mean0 = bn->running_mean.clone();
  torch::optim::SGD opt(task.net->head->parameters(), torch::optim::SGDOptions(0.1));
  auto o = quiet(10);
  o.eval_every = 3;  // evaluations at 3, 6, 9 and the end: each one ends in set_train_mode
  Trainer(RunDir::create("toy", dir / "run"), o, opt, schedule(10)).fit(task);
  EXPECT_EQ(task.evaluations, 4);
  EXPECT_FALSE(task.trunk_trained_in_a_step);
  EXPECT_FALSE(task.head_eval_in_a_step);
  EXPECT_TRUE(task.evaluated_in_eval_mode);
  EXPECT_FALSE(task.net->trunk->is_training());
  EXPECT_FALSE(bn->is_training());
  // BatchNorm in eval mode keeps its statistics.
  EXPECT_TRUE(torch::equal(bn->running_mean, mean0));
}

TEST(Trainer, CheckpointsKeepTheCudaRngStatesWhenThereIsCuda) {
  testing::ScratchDir dir;
  RunDir run = RunDir::create("sum", dir / "run");
  SumTask task;
  torch::optim::SGD opt(task.model().parameters(), torch::optim::SGDOptions(0.1));
  Trainer(run, quiet(2), opt, constant(0.1)).fit(task);
  auto extra = load_model_file(*run.latest_checkpoint()).extra;
  EXPECT_EQ(extra.count("rng_cpu"), 1u);
  // A CPU-only build or machine: no CUDA state, and resuming (which restores states) works.
  EXPECT_EQ(extra.count("rng_cuda_0"), torch::cuda::is_available() ? 1u : 0u);
  auto o = quiet(4);
  o.resume = true;
  EXPECT_EQ(Trainer(run, o, opt, constant(0.1)).fit(task).start_step, 2);
}

}  // namespace
}  // namespace seer
