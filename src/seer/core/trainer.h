// The one training loop every seer model uses.
//
// A model plugs in as a TrainTask (its module, one step's named losses, an evaluation); the
// Trainer owns everything around it: the learning-rate schedule, metrics.jsonl, the progress
// bar, periodic evaluation, atomic checkpoints, --resume, --max-minutes, Ctrl-C, plots and the
// final model file.
//
// The step's named scalars are summed as (detached) tensors on their device and read back as
// numbers only when a metrics line is written, so a GPU run does not wait for the GPU every
// step. A non-finite loss stops the run before the optimizer step that would spread it into
// the parameters: on every step when the loss is on the CPU (reading it costs nothing there),
// on other devices only on the steps that write a metrics line, evaluate or checkpoint (a NaN
// in between has then reached the parameters, and the run stops at the next such step, before
// a checkpoint could keep them). Checkpoints keep the CPU and (when CUDA is available) CUDA RNG states.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "seer/core/lr_schedule.h"
#include "seer/core/run_dir.h"

namespace seer {

class TrainTask {
 public:
  virtual ~TrainTask() = default;

  virtual torch::nn::Module& model() = 0;
  // Puts the model into training mode. The Trainer calls this instead of model().train()
  // before the first step and after every evaluation (which runs in eval mode). Override it
  // to keep parts of the model in eval mode while training (frozen BatchNorm statistics, a
  // frozen shared trunk in alternating training): call model().train(), then put those
  // submodules back with eval().
  virtual void set_train_mode() { model().train(); }
  // Kind and config written into model files, enough to rebuild the model for inference.
  virtual std::string model_kind() const = 0;
  virtual nlohmann::json model_config() const = 0;

  // Forward pass of step `step` (0-based; the task picks its batch from it, so a resumed run
  // sees the same data). Returns named scalars: "loss" is back-propagated; every entry
  // (losses, accuracies) is averaged into the metrics log.
  virtual std::map<std::string, torch::Tensor> train_step(int64_t step) = 0;
  // Called after each optimizer step (e.g. a max-norm constraint).
  virtual void after_step(int64_t /*step*/) {}
  // Evaluation on held-out data: named metrics (accuracy, ...). Called in eval mode.
  virtual std::map<std::string, double> evaluate() = 0;
  // Examples per step, for the rate shown and logged (images/s, sentences/s).
  virtual int64_t items_per_step() const { return 1; }
  virtual std::string item_unit() const { return "item"; }
};

struct TrainerOptions {
  int64_t steps = 1000;           // optimisation steps in the whole run
  int64_t log_every = 20;         // a "train" line in metrics.jsonl every N steps
  int64_t eval_every = 0;         // evaluate every N steps (0: only at the end)
  int64_t checkpoint_every = 0;   // checkpoint every N steps (0: only at the end / on stop)
  int keep_checkpoints = 2;       // newest checkpoints kept on disk
  double max_minutes = 0;         // stop cleanly after this much wall time (0: no limit)
  // With max_minutes: at 5%, 25%, 50%, 75% and 90% of the time (and after at least 10 steps),
  // the run measures its pace (steps, evaluations and all) and, when `steps` would not fit in
  // the time, sets its length to what fits (at most `steps`; a later, faster pace lengthens it
  // again) -- `steps` and the schedule's total_steps, written back into the run's config.json so
  // a --resume continues the same schedule. A decaying schedule (cosine, onecycle, linear) then
  // ends decayed instead of being cut near its peak (a later fit moves the learning rate by a
  // little). Not on a resumed run.
  bool fit_steps_to_time = false;
  bool resume = false;            // continue from the run's latest checkpoint if there is one
  bool progress = true;           // show the progress bar
  bool handle_sigint = true;      // Ctrl-C: checkpoint, save, stop (a second Ctrl-C kills)
  std::string metric_to_show = "accuracy";  // eval metric shown in the progress bar
  // One factor per optimizer parameter group: group g trains at schedule.at(step) *
  // lr_multipliers[g] (e.g. py-faster-rcnn's biases at 2x the learning rate in a second
  // group). Empty: 1 for every group. A count other than the optimizer's group count, or a
  // negative or non-finite factor, is a seer::Error when the Trainer is constructed. The "lr"
  // logged is group 0's.
  std::vector<double> lr_multipliers;
};

struct TrainResult {
  int64_t start_step = 0;           // > 0 when resumed
  int64_t steps_done = 0;           // the step count reached (== the run's steps when complete)
  int64_t steps_before_fit = 0;     // options.steps when fit_steps_to_time left the run shorter (else 0)
  bool completed = false;           // false when stopped by --max-minutes or Ctrl-C
  std::string stop_reason;          // "", "max-minutes", "interrupted"
  double seconds = 0;               // wall time of this invocation
  double items_per_second = 0;      // training throughput of this invocation
  std::map<std::string, double> final_eval;
};

class Trainer {
 public:
  Trainer(RunDir run, TrainerOptions options, torch::optim::Optimizer& optimizer,
          LrSchedule schedule);

  TrainResult fit(TrainTask& task);

  // Re-draws plots/*.png from metrics.jsonl.
  static void write_plots(const RunDir& run);

 private:
  void save_checkpoint(TrainTask& task, int64_t step);
  int64_t restore(TrainTask& task);  // returns the step to continue from
  void set_lr(double lr);  // lr * lr_multipliers[g] into group g
  double logged_lr(double lr) const;  // group 0's

  RunDir run_;
  std::chrono::steady_clock::time_point fit_started_;
  double elapsed_before_ = 0;  // wall time of earlier invocations of a resumed run
  TrainerOptions options_;
  torch::optim::Optimizer& optimizer_;
  LrSchedule schedule_;
};

// Drops every parameter's gradient (sets it to an undefined tensor) instead of zero-filling it,
// as PyTorch's zero_grad(set_to_none=True): the next backward writes the gradient directly
// rather than adding to zeros, and the optimizer skips parameters that got none.
void clear_gradients(torch::optim::Optimizer& optimizer);

}  // namespace seer
