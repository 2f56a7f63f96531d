#include "seer/core/trainer.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <set>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include "seer/core/atomic_file.h"
#include "seer/core/checkpoint.h"
#include "seer/core/error.h"
#include "seer/core/line_plot.h"
#include "seer/core/metrics_log.h"
#include "seer/core/progress_bar.h"

namespace seer {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};

void on_sigint(int) {
  if (g_interrupted.exchange(true)) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
}

// Installs the Ctrl-C handler for the lifetime of one fit().
class SigintScope {
 public:
  explicit SigintScope(bool enabled) : enabled_(enabled) {
    g_interrupted = false;
    if (enabled_) previous_ = std::signal(SIGINT, on_sigint);
  }
  ~SigintScope() {
    if (enabled_) std::signal(SIGINT, previous_);
  }

 private:
  bool enabled_;
  void (*previous_)(int) = SIG_DFL;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

torch::Tensor cpu_rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_cpu_rng_state(const torch::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

// CUDA generators' states by device ("rng_cuda_<index>"); none without CUDA. A CUDA device's
// generator is reached through the ATen context (no CUDA headers: this builds without CUDA).
at::Generator cuda_generator(int64_t index) {
  return at::globalContext().defaultGenerator(
      c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(index)));
}

std::map<std::string, torch::Tensor> cuda_rng_states() {
  std::map<std::string, torch::Tensor> out;
  if (!torch::cuda::is_available()) return out;
  for (int64_t d = 0; d < static_cast<int64_t>(torch::cuda::device_count()); ++d) {
    auto gen = cuda_generator(d);
    std::lock_guard<std::mutex> lock(gen.mutex());
    out["rng_cuda_" + std::to_string(d)] = gen.get_state();
  }
  return out;
}

// Restores the states cuda_rng_states() kept, for the devices this process has (a run
// resumed on a machine without CUDA ignores them).
void set_cuda_rng_states(const std::map<std::string, torch::Tensor>& extra) {
  if (!torch::cuda::is_available()) return;
  for (int64_t d = 0; d < static_cast<int64_t>(torch::cuda::device_count()); ++d) {
    auto it = extra.find("rng_cuda_" + std::to_string(d));
    if (it == extra.end()) continue;
    auto gen = cuda_generator(d);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(it->second);
  }
}

// Running means of a step's named scalars between two log lines, summed as float64 tensors
// on their device; read back (one transfer for all of them) only by take().
class Averages {
 public:
  void add(const std::map<std::string, torch::Tensor>& values) {
    for (const auto& [name, t] : values) {
      auto v = t.detach().to(torch::kFloat64);
      auto it = sums_.find(name);
      if (it == sums_.end()) sums_.emplace(name, v.clone());
      else it->second = it->second + v;  // out of place: never writes into the task's tensors
    }
    ++count_;
  }
  bool empty() const { return count_ == 0; }
  std::map<std::string, double> take() {
    std::map<std::string, double> out;
    if (sums_.empty()) {
      count_ = 0;
      return out;
    }
    std::vector<torch::Tensor> sums;
    const auto device = sums_.begin()->second.device();
    for (const auto& [name, s] : sums_) sums.push_back(s.reshape({}).to(device));
    auto values = torch::stack(sums).to(torch::kCPU);
    auto v = values.accessor<double, 1>();
    int64_t i = 0;
    for (const auto& [name, s] : sums_) out[name] = v[i++] / count_;
    sums_.clear();
    count_ = 0;
    return out;
  }

 private:
  std::map<std::string, torch::Tensor> sums_;
  int64_t count_ = 0;
};

}  // namespace

void clear_gradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
  }
}

Trainer::Trainer(RunDir run, TrainerOptions options, torch::optim::Optimizer& optimizer,
                 LrSchedule schedule)
    : run_(std::move(run)), options_(options), optimizer_(optimizer), schedule_(std::move(schedule)) {
  if (options_.steps < 0) throw Error("number of training steps must be >= 0");
  if (options_.log_every < 1) options_.log_every = 1;
  const size_t groups = optimizer_.param_groups().size();
  if (options_.lr_multipliers.empty()) options_.lr_multipliers.assign(groups, 1.0);
  if (options_.lr_multipliers.size() != groups) {
    throw Error(fmt::format("{} learning-rate multipliers given, the optimizer has {} parameter group(s)",
                            options_.lr_multipliers.size(), groups));
  }
  for (double m : options_.lr_multipliers) {
    if (!(m >= 0 && std::isfinite(m))) {
      throw Error(fmt::format("learning-rate multiplier {} is not a finite number >= 0", m));
    }
  }
}

double Trainer::logged_lr(double lr) const {
  return options_.lr_multipliers.empty() ? lr : lr * options_.lr_multipliers[0];
}

void Trainer::set_lr(double lr) {
  auto& groups = optimizer_.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].options().set_lr(lr * options_.lr_multipliers[g]);
  }
}

void Trainer::save_checkpoint(TrainTask& task, int64_t step) {
  const auto path = run_.checkpoint_path(step);
  save_optimizer(optimizer_path_for(path), optimizer_);  // sidecar first: a .pt implies both
  ModelFile file{task.model_kind(), task.model_config(), state_dict(task.model()), {}};
  file.extra["step"] = torch::tensor(step, torch::kInt64);
  file.extra["rng_cpu"] = cpu_rng_state();
  for (auto& [key, state] : cuda_rng_states()) file.extra[key] = state;
  file.extra["elapsed"] = torch::tensor(elapsed_before_ + seconds_since(fit_started_), torch::kFloat64);
  save_model_file(path, file);
  run_.prune_checkpoints(options_.keep_checkpoints);
}

int64_t Trainer::restore(TrainTask& task) {
  auto latest = run_.latest_checkpoint();
  if (!latest) return 0;
  ModelFile file = load_model_file(*latest);
  if (file.kind != task.model_kind()) {
    throw file_error(latest->string(), "checkpoint of a '" + file.kind + "' model, this run trains '" +
                                           task.model_kind() + "'");
  }
  load_state_dict(task.model(), file.state, latest->string());
  load_optimizer(optimizer_path_for(*latest), optimizer_);
  if (auto it = file.extra.find("rng_cpu"); it != file.extra.end()) set_cpu_rng_state(it->second);
  set_cuda_rng_states(file.extra);
  if (auto it = file.extra.find("elapsed"); it != file.extra.end()) {
    elapsed_before_ = it->second.item<double>();
  }
  auto it = file.extra.find("step");
  if (it == file.extra.end()) throw file_error(latest->string(), "checkpoint has no step");
  const int64_t step = it->second.item<int64_t>();
  std::cerr << "resumed from step " << step << " (" << latest->string() << ")\n";
  return step;
}

TrainResult Trainer::fit(TrainTask& task) {
  const auto started = Clock::now();
  fit_started_ = started;
  elapsed_before_ = 0;
  SigintScope sigint(options_.handle_sigint);
  // Wall time of the whole run, across resumes, as logged in metrics.jsonl.
  auto run_time = [&] { return elapsed_before_ + seconds_since(started); };
  TrainResult result;
  result.start_step = options_.resume ? restore(task) : 0;
  if (!options_.resume) std::filesystem::remove(run_.metrics_path());
  MetricsLog log(run_.metrics_path(), options_.resume ? result.start_step : -1);

  ProgressBarOptions bar_options;
  bar_options.label = "train";
  bar_options.unit = "step";
  bar_options.enabled = options_.progress;
  ProgressBar bar(options_.steps, bar_options);
  bar.set_start(result.start_step);

  double eval_seconds = 0;  // the latest evaluation's wall time
  auto evaluate = [&](int64_t step) {
    const auto eval_start = Clock::now();
    torch::NoGradGuard no_grad;
    task.model().eval();
    auto metrics = task.evaluate();
    task.set_train_mode();
    nlohmann::json record = {{"step", step}, {"phase", "eval"}, {"time", run_time()}};
    for (const auto& [k, v] : metrics) record[k] = v;
    log.append(record);
    write_plots(run_);
    eval_seconds = seconds_since(eval_start);
    return metrics;
  };
  // fit_steps_to_time: at 5%, 25%, 50%, 75% and 90% of the time budget, sets the run's length
  // to what its pace says fits, never beyond the planned steps (a pace measured while the
  // machine was busy can be made good later).
  static constexpr double kFitAt[] = {0.05, 0.25, 0.5, 0.75, 0.9};
  size_t next_fit = options_.fit_steps_to_time && options_.max_minutes > 0 && result.start_step == 0
                        ? 0 : std::size(kFitAt);
  const int64_t planned_steps = options_.steps;
  double paced_since = 0;  // the pace is measured since the previous fit (at first, the start)
  int64_t paced_from = result.start_step;
  auto fit_to_time = [&](int64_t step) {
    const double budget = options_.max_minutes * 60, elapsed = seconds_since(started);
    const int64_t done = step - paced_from;
    if (elapsed < kFitAt[next_fit] * budget || done < 10) return;
    while (next_fit < std::size(kFitAt) && elapsed >= kFitAt[next_fit] * budget) ++next_fit;
    const double pace = (elapsed - paced_since) / done;  // seconds per step, evaluations included
    paced_since = elapsed;
    paced_from = step;
    const double left = 0.97 * budget - elapsed - eval_seconds;  // the final evaluation too
    const int64_t fits = std::min(planned_steps, step + std::max<int64_t>(1, static_cast<int64_t>(left / pace)));
    // Small corrections are not worth a bend in the schedule.
    if (std::abs(fits - options_.steps) <= std::max<int64_t>(1, options_.steps / 100)) return;
    result.steps_before_fit = fits < planned_steps ? planned_steps : 0;
    if (std::filesystem::exists(run_.config_path())) {
      auto config = run_.read_config();
      config["steps_before_fit"] = planned_steps;
      config["steps"] = fits;
      run_.write_config(config);
    }
    auto schedule = schedule_.options();
    schedule.total_steps = fits;
    schedule_ = LrSchedule(schedule);
    options_.steps = fits;
    bar.set_total(fits);
    log.append({{"step", step}, {"phase", "fit"}, {"time", run_time()}, {"steps", fits},
                {"seconds_per_step", pace}});
  };

  Averages averages;
  std::map<std::string, double> shown;  // latest train averages and eval metric for the bar
  double train_seconds = 0;
  int64_t step = result.start_step;
  task.set_train_mode();
  auto every = [](int64_t n, int64_t every) { return every > 0 && n % every == 0; };
  auto check_finite = [&](const torch::Tensor& loss, int64_t step_number) {
    if (const double value = loss.detach().item<double>(); !std::isfinite(value)) {
      throw Error(fmt::format("training diverged: the loss is {} at step {} (a learning rate too high, or "
                              "non-finite inputs); run folder {}",
                              value, step_number, run_.root().string()));
    }
  };
  torch::Tensor unchecked_loss;  // the last step's loss when it was not read (GPU runs)
  while (step < options_.steps) {
    const auto step_start = Clock::now();
    const double lr = schedule_.at(step);
    set_lr(lr);
    clear_gradients(optimizer_);
    auto out = task.train_step(step);
    auto loss = out.find("loss");
    if (loss == out.end()) throw std::logic_error("TrainTask::train_step returned no 'loss'");
    // A non-finite loss would turn every parameter into NaN and later numbers into nonsense:
    // stop before the update (the checkpoints written so far stay good). Reading the loss
    // waits for a GPU: there only on the steps that log, evaluate or checkpoint (and after the
    // last step done, before the final checkpoint).
    const int64_t next = step + 1;
    if (loss->second.device().is_cpu() || next == options_.steps ||
        every(next, options_.log_every) || every(next, options_.eval_every) ||
        every(next, options_.checkpoint_every)) {
      check_finite(loss->second, next);
      unchecked_loss = torch::Tensor();
    } else {
      unchecked_loss = loss->second.detach();
    }
    loss->second.backward();
    optimizer_.step();
    task.after_step(step);
    averages.add(out);
    train_seconds += seconds_since(step_start);
    ++step;

    const int64_t done_here = step - result.start_step;
    const double rate = done_here * task.items_per_step() / std::max(1e-9, train_seconds);
    if (step % options_.log_every == 0 || step == options_.steps) {
      auto means = averages.take();
      nlohmann::json record = {{"step", step}, {"phase", "train"}, {"lr", logged_lr(lr)},
                               {"time", run_time()}, {"items_per_s", rate}};
      for (const auto& [k, v] : means) {
        record[k] = v;
        shown[k] = v;
      }
      log.append(record);
    }
    if (options_.eval_every > 0 && step % options_.eval_every == 0 && step < options_.steps) {
      auto metrics = evaluate(step);
      if (auto it = metrics.find(options_.metric_to_show); it != metrics.end()) {
        shown["eval_" + it->first] = it->second;
      }
    }
    std::vector<std::pair<std::string, double>> bar_metrics(shown.begin(), shown.end());
    bar_metrics.emplace_back(task.item_unit() + "/s", rate);
    bar.update(step, bar_metrics);

    if (options_.checkpoint_every > 0 && step % options_.checkpoint_every == 0 &&
        step < options_.steps) {
      save_checkpoint(task, step);
    }
    if (next_fit < std::size(kFitAt)) fit_to_time(step);
    if (g_interrupted) {
      result.stop_reason = "interrupted";
      break;
    }
    if (options_.max_minutes > 0 && seconds_since(started) >= options_.max_minutes * 60) {
      result.stop_reason = "max-minutes";
      break;
    }
  }
  bar.finish();
  if (unchecked_loss.defined()) check_finite(unchecked_loss, step);
  if (!averages.empty()) {
    nlohmann::json record = {{"step", step}, {"phase", "train"}, {"lr", logged_lr(schedule_.at(step - 1))},
                             {"time", run_time()}};
    for (const auto& [k, v] : averages.take()) record[k] = v;
    log.append(record);
  }

  result.steps_done = step;
  result.completed = step >= options_.steps;
  result.items_per_second =
      (step - result.start_step) * task.items_per_step() / std::max(1e-9, train_seconds);
  save_checkpoint(task, step);  // so that --resume continues an unfinished run
  result.final_eval = evaluate(step);

  ModelFile final_model{task.model_kind(), task.model_config(), state_dict(task.model()), {}};
  save_model_file(run_.model_path(), final_model);
  nlohmann::json model_json = {{"kind", final_model.kind}, {"config", final_model.config},
                               {"steps", step}, {"completed", result.completed},
                               {"final_eval", result.final_eval}};
  auto json_path = run_.model_path();
  json_path.replace_extension(".json");
  write_file_atomic(json_path, model_json.dump(2) + "\n");
  result.seconds = seconds_since(started);
  return result;
}

void Trainer::write_plots(const RunDir& run) {
  if (!std::filesystem::exists(run.metrics_path())) return;
  auto records = MetricsLog::read(run.metrics_path());
  auto train = collect_series(records, "train");
  auto eval = collect_series(records, "eval");
  static const std::set<std::string> skip = {"lr", "time", "items_per_s"};
  std::vector<Series> losses, metrics;
  for (auto& [name, xy] : train) {
    if (skip.count(name)) continue;
    Series s{"train " + name, std::move(xy.first), std::move(xy.second)};
    (name.find("loss") != std::string::npos ? losses : metrics).push_back(std::move(s));
  }
  // The evaluations against wall time too (minutes since the run began, resumes included):
  // what a --max-minutes budget buys.
  std::map<double, double> minutes_at_step;
  if (auto it = eval.find("time"); it != eval.end()) {
    for (size_t i = 0; i < it->second.first.size(); ++i) minutes_at_step[it->second.first[i]] = it->second.second[i] / 60;
  }
  std::vector<Series> by_time;
  for (auto& [name, xy] : eval) {
    if (name == "time") continue;
    Series timed{"eval " + name, {}, {}};
    for (size_t i = 0; i < xy.first.size(); ++i) {
      if (auto t = minutes_at_step.find(xy.first[i]); t != minutes_at_step.end()) {
        timed.x.push_back(t->second);
        timed.y.push_back(xy.second[i]);
      }
    }
    if (name.find("loss") == std::string::npos) by_time.push_back(std::move(timed));
    Series s{"eval " + name, std::move(xy.first), std::move(xy.second)};
    (name.find("loss") != std::string::npos ? losses : metrics).push_back(std::move(s));
  }
  LinePlotOptions loss_plot;
  loss_plot.title = "loss";
  loss_plot.y_label = "loss";
  loss_plot.log_y = true;
  write_line_plot(run.plots_dir() / "loss.png", losses, loss_plot);
  LinePlotOptions metric_plot;
  metric_plot.title = "accuracy";
  metric_plot.y_label = "accuracy";
  write_line_plot(run.plots_dir() / "accuracy.png", metrics, metric_plot);
  if (!by_time.empty()) {
    LinePlotOptions time_plot;
    time_plot.title = "evaluation against training time";
    time_plot.x_label = "minutes (wall, evaluations included)";
    time_plot.y_label = "metric";
    write_line_plot(run.plots_dir() / "eval_vs_time.png", by_time, time_plot);
  }
}

}  // namespace seer
