#include "seer/cli/train_flags.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "seer/cli/resumed_config.h"
#include "seer/core/device.h"
#include "seer/core/error.h"

namespace seer::cli {

void add_train_flags(CLI::App* app, TrainFlags& f) {
  app->add_option("--run", f.run, "Run folder (default runs/<task>-<time>)");
  app->add_option("--seed", f.seed, "Random seed (data stream, initialisation, dropout)")
      ->capture_default_str();
  app->add_option("--threads", f.threads, "CPU threads (0 = all cores)")->capture_default_str();
  app->add_option("--device", f.device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  app->add_flag("--resume", f.resume,
                "Continue the run's latest checkpoint (with its stored config.json)");
  app->add_option("--max-minutes", f.max_minutes,
                  "Stop cleanly (checkpoint and model saved) after this much wall time");
  auto& schedule = f.schedule_options;
  schedule.clear();
  schedule.push_back(app->add_option("--steps", f.steps, "Optimisation steps"));
  schedule.push_back(app->add_option("--lr", f.lr, "Peak learning rate"));
  schedule.push_back(app->add_option("--lr-schedule", f.lr_schedule,
                                     "constant, step, multistep, cosine, linear or onecycle"));
  schedule.push_back(app->add_option("--warmup", f.warmup, "Linear warm-up steps"));
  schedule.push_back(app->add_option("--lr-step-size", f.lr_step_size,
                  "step schedule: multiply the learning rate by --lr-gamma every N steps")
      ->capture_default_str());
  schedule.push_back(app->add_option("--lr-gamma", f.lr_gamma, "step / multistep schedule: decay factor, in (0, 1]")
      ->capture_default_str());
  schedule.push_back(app->add_option("--lr-milestones", f.lr_milestones,
                  "multistep schedule: steps at which the learning rate is multiplied by "
                  "--lr-gamma (ascending, e.g. 50000,60000)")
      ->delimiter(','));
  app->add_option("--eval-every", f.eval_every, "Evaluate every N steps");
  app->add_option("--checkpoint-every", f.checkpoint_every, "Checkpoint every N steps");
  app->add_option("--log-every", f.log_every, "Write a metrics line every N steps")
      ->capture_default_str();
  app->add_flag("--no-progress", f.no_progress, "No progress bar");
  app->add_flag("--json", f.json, "Print the result as one JSON object on stdout");
}

void apply_runtime(const TrainFlags& flags) {
  set_threads(flags.threads);
  select_device(flags.device);  // fails early on an unusable device
}

namespace {

std::optional<std::filesystem::path> newest_run(const std::string& task) {
  std::optional<std::filesystem::path> best;
  if (!std::filesystem::is_directory("runs")) return best;
  for (const auto& e : std::filesystem::directory_iterator("runs")) {
    const auto name = e.path().filename().string();
    if (e.is_directory() && name.rfind(task + "-", 0) == 0 && (!best || e.path() > *best)) {
      best = e.path();
    }
  }
  return best;
}

// --resume continues the schedule stored in config.json. A schedule flag given again with the
// stored value is fine (the same command line re-run); another value is an error, since the
// schedule (its total length above all) cannot change under a run that is part way through.
void check_resumed_schedule(const TrainFlags& f, const nlohmann::json& stored, const std::filesystem::path& file) {
  for (const CLI::Option* o : f.schedule_options) {
    if (o == nullptr || o->count() == 0) continue;
    const std::string flag = o->get_name();  // "--lr-step-size"
    std::string key = flag.substr(2);
    std::replace(key.begin(), key.end(), '-', '_');
    nlohmann::json given;
    if (key == "steps") given = f.steps;
    else if (key == "lr") given = f.lr;
    else if (key == "lr_schedule") given = f.lr_schedule;
    else if (key == "warmup") given = f.warmup;
    else if (key == "lr_step_size") given = f.lr_step_size;
    else if (key == "lr_gamma") given = f.lr_gamma;
    else if (key == "lr_milestones") given = f.lr_milestones;
    else continue;
    // The run's own steps before --max-minutes fitted them to the time.
    const char* stored_key = key == "steps" && stored.contains("steps_before_fit") ? "steps_before_fit" : key.c_str();
    if (!stored.contains(stored_key)) continue;
    const nlohmann::json& had = stored.at(stored_key);
    const bool same = had.is_number() && given.is_number()
                          ? std::abs(had.get<double>() - given.get<double>()) <= 1e-12 * std::abs(had.get<double>())
                          : had == given;
    if (!same)
      throw file_error(file.string(), "--resume continues this run's schedule as stored here (" + key + " " +
                                          had.dump() + "); " + flag + " " + given.dump() +
                                          " would change it part way. Drop " + flag +
                                          " to resume, or start a new run from the model with --init");
  }
}

}  // namespace

void validate_train_flags(const TrainFlags& f) {
  if (f.steps < 0) throw Error("--steps must be >= 0 (0: the task's default)");
  if (!(f.lr >= 0 && std::isfinite(f.lr))) throw Error("--lr must be a positive learning rate (0: the task's default)");
  if (f.warmup < 0) throw Error("--warmup must be >= 0");
  if (f.lr_step_size < 1) throw Error("--lr-step-size must be >= 1");
  if (!(f.lr_gamma > 0 && f.lr_gamma <= 1)) throw Error("--lr-gamma must be in (0, 1]");
  for (size_t i = 0; i < f.lr_milestones.size(); ++i) {
    if (f.lr_milestones[i] < 1 || (i > 0 && f.lr_milestones[i] <= f.lr_milestones[i - 1])) {
      throw Error("--lr-milestones must be ascending steps > 0 (e.g. 50000,60000)");
    }
  }
  if (f.lr_schedule == "multistep" && f.lr_milestones.empty()) {
    throw Error("--lr-schedule multistep needs --lr-milestones");
  }
  if (!f.lr_milestones.empty() && f.lr_schedule != "multistep") {
    throw Error("--lr-milestones needs --lr-schedule multistep");
  }
  if (f.eval_every < 0 || f.checkpoint_every < 0) throw Error("--eval-every and --checkpoint-every must be >= 0");
  if (f.log_every < 1) throw Error("--log-every must be >= 1");
  if (!(f.max_minutes >= 0)) throw Error("--max-minutes must be >= 0 (0: no limit)");
  if (f.threads < 0) throw Error("--threads must be >= 0 (0: all cores)");
}

namespace {
std::filesystem::path resumed_config;
}  // namespace

const std::filesystem::path& resumed_config_file() { return resumed_config; }
void set_resumed_config_file(const std::filesystem::path& path) { resumed_config = path; }

nlohmann::json open_run(const std::string& task, const TrainFlags& flags, nlohmann::json config,
                        std::optional<RunDir>& run, bool* created) {
  if (created) *created = false;
  validate_train_flags(flags);
  if (flags.resume) {
    std::optional<std::filesystem::path> dir;
    if (!flags.run.empty()) dir = flags.run;
    else dir = newest_run(task);
    if (dir && std::filesystem::exists(*dir / "config.json")) {
      run.emplace(*dir);
      auto stored = run->read_config();
      check_resumed_schedule(flags, stored, *dir / "config.json");
      set_resumed_config_file(*dir / "config.json");
      std::cerr << "resuming " << dir->string() << "\n";
      return stored;
    }
    if (!flags.run.empty()) {
      warn("--resume: " + flags.run + " has no config.json yet; starting a new run there");
    } else {
      throw Error("--resume: no run folder runs/" + task + "-* to resume; give --run DIR");
    }
  }
  if (!flags.run.empty() && std::filesystem::exists(std::filesystem::path(flags.run) / "config.json")) {
    // Training over another run would mix its checkpoints and metrics with this one's.
    throw Error("--run " + flags.run + " already holds a run (config.json): add --resume to continue it, "
                "or give another folder");
  }
  run.emplace(RunDir::create(task, flags.run.empty()
                                       ? std::nullopt
                                       : std::optional<std::filesystem::path>(flags.run)));
  run->write_config(config);
  if (created) *created = true;
  return config;
}

DiscardRunOnFailure::~DiscardRunOnFailure() {
  if (!armed_ || std::uncaught_exceptions() == 0) return;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root_, ec)) {
    if (entry.path().filename() == "config.json") continue;
    if (entry.is_directory() && std::filesystem::is_empty(entry.path(), ec)) continue;
    return;  // something worth keeping
  }
  std::filesystem::remove_all(root_, ec);
}

TrainerOptions trainer_options(const TrainFlags& flags, const nlohmann::json& config) {
  TrainerOptions o;
  o.steps = config.at("steps").get<int64_t>();
  o.eval_every = config.value("eval_every", int64_t{0});
  o.checkpoint_every = config.value("checkpoint_every", int64_t{0});
  o.log_every = config.value("log_every", int64_t{20});
  o.max_minutes = flags.max_minutes;
  o.resume = flags.resume;
  o.progress = !flags.no_progress;
  return o;
}

void add_schedule_config(const TrainFlags& flags, nlohmann::json& config,
                         const std::string& default_kind) {
  config["lr_schedule"] = flags.lr_schedule.empty() ? default_kind : flags.lr_schedule;
  config["warmup"] = flags.warmup;
  config["lr_step_size"] = flags.lr_step_size;
  config["lr_gamma"] = flags.lr_gamma;
  config["lr_milestones"] = flags.lr_milestones;
}

void report_training(const RunDir& run, const TrainResult& result, bool json, const nlohmann::json& extra) {
  if (json) {
    nlohmann::json j = {{"run", run.root().string()},
                        {"model", run.model_path().string()},
                        {"steps", result.steps_done},
                        {"completed", result.completed},
                        {"stop_reason", result.stop_reason},
                        {"seconds", result.seconds},
                        {"items_per_second", result.items_per_second},
                        {"eval", result.final_eval}};
    if (result.steps_before_fit > 0) j["steps_before_fit"] = result.steps_before_fit;
    if (extra.is_object()) j.update(extra);
    std::cout << j.dump() << std::endl;
    return;
  }
  std::cerr << fmt::format("{} after {} steps in {:.1f} s ({:.1f} items/s){}\n",
                           result.completed ? "finished" : "stopped", result.steps_done,
                           result.seconds, result.items_per_second,
                           result.stop_reason.empty() ? "" : " [" + result.stop_reason + "]");
  if (result.steps_before_fit > 0) {
    std::cerr << fmt::format("  (--max-minutes: {} of the planned {} steps fit in the time; the schedule was fitted to them)\n",
                             result.steps_done, result.steps_before_fit);
  }
  for (const auto& [k, v] : result.final_eval) std::cerr << fmt::format("  {} = {:.4f}\n", k, v);
  std::cerr << "run folder: " << run.root().string() << " (model.pt, metrics.jsonl, plots/)\n";
  if (!result.completed) {
    std::cerr << "continue with: --run " << run.root().string() << " --resume\n";
  }
}

}  // namespace seer::cli
