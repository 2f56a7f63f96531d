// Flags every `seer <model> train` shares (run folder, seed, threads, device, resume, time
// limit, schedule, logging), and turning them into a run folder and a Trainer's options.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "seer/core/lr_schedule.h"
#include "seer/core/run_dir.h"
#include "seer/core/trainer.h"

namespace seer::cli {

struct TrainFlags {
  std::string run;                 // --run DIR (default runs/<task>-<time>)
  uint64_t seed = 1;               // --seed
  int threads = 0;                 // --threads (0: all cores)
  std::string device = "cpu";      // --device cpu|cuda|auto
  bool resume = false;             // --resume
  double max_minutes = 0;          // --max-minutes
  int64_t steps = 0;               // --steps (0: the task's default)
  double lr = 0;                   // --lr (0: the task's default)
  std::string lr_schedule = "";    // --lr-schedule ("" : the task's default)
  int64_t warmup = 0;              // --warmup steps
  int64_t lr_step_size = 1000;     // --lr-step-size (step schedule)
  double lr_gamma = 0.1;           // --lr-gamma (step / multistep decay factor)
  std::vector<int64_t> lr_milestones;  // --lr-milestones A,B,... (multistep)
  int64_t eval_every = 0;          // --eval-every (0: the task's default)
  int64_t checkpoint_every = 0;    // --checkpoint-every (0: the task's default)
  int64_t log_every = 20;          // --log-every
  bool no_progress = false;        // --no-progress
  bool json = false;               // --json: print the result as one JSON object
  // The schedule's options (--steps, --lr, --lr-schedule, ...), so that --resume can tell which
  // were given: a resumed run keeps its stored schedule, and a given value that differs is an error.
  std::vector<const CLI::Option*> schedule_options;
};

void add_train_flags(CLI::App* app, TrainFlags& flags);

// Throws seer::Error naming the flag that is out of range (open_run calls it first).
void validate_train_flags(const TrainFlags& flags);

// Runtime flags (threads, device) and what they mean for this process; returns the device name.
void apply_runtime(const TrainFlags& flags);

// The run folder: --run, or with --resume and no --run the newest runs/<task>-*, or a new one.
// With --resume, the stored config.json replaces `config` (the run continues as it started;
// a schedule flag given with a value other than the stored one is an error, not silently
// ignored); otherwise `config` is written. Returns the config in force.
// `created` (optional) tells whether the folder was made by this call (not a resumed run).
nlohmann::json open_run(const std::string& task, const TrainFlags& flags, nlohmann::json config,
                        std::optional<RunDir>& run, bool* created = nullptr);

// Removes a run folder this command created when the command fails before training starts
// (missing data, bad flags found late): a failed `train` leaves no empty run behind. Only a
// folder holding nothing but config.json and empty folders is removed; call started() once training begins.
class DiscardRunOnFailure {
 public:
  DiscardRunOnFailure(const RunDir& run, bool created) : root_(run.root()), armed_(created) {}
  ~DiscardRunOnFailure();
  void started() { armed_ = false; }
  DiscardRunOnFailure(const DiscardRunOnFailure&) = delete;
  DiscardRunOnFailure& operator=(const DiscardRunOnFailure&) = delete;

 private:
  std::filesystem::path root_;
  bool armed_;
};

// The schedule's flags into a task's train config, in one call: "lr_schedule" (--lr-schedule,
// else `default_kind`), "warmup", "lr_step_size", "lr_gamma", "lr_milestones" (read back by
// schedule_options(config), core/lr_schedule.h). The task writes "lr" and "steps" itself.
void add_schedule_config(const TrainFlags& flags, nlohmann::json& config,
                         const std::string& default_kind);

TrainerOptions trainer_options(const TrainFlags& flags, const nlohmann::json& config);
using seer::schedule_options;  // LrScheduleOptions schedule_options(const nlohmann::json& config)

// Prints the end of a training run for a person (stderr) or as JSON (stdout).
// `extra` (an object) adds its fields to the --json line.
void report_training(const RunDir& run, const TrainResult& result, bool json, const nlohmann::json& extra = nullptr);

}  // namespace seer::cli
