// A training run's folder:
//   <run>/config.json      the full configuration (options of the task, seed, threads, ...)
//   <run>/metrics.jsonl    one JSON line per logged step / evaluation
//   <run>/checkpoints/     step-<N>.pt (+ step-<N>.optim), latest first when listed
//   <run>/plots/           PNG curves
//   <run>/model.pt         the final model (+ model.json, its config)
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace seer {

class RunDir {
 public:
  // Uses `dir` if given, else runs/<task>-<YYYYmmdd-HHMMSS>; creates it and its subfolders.
  static RunDir create(const std::string& task, const std::optional<std::filesystem::path>& dir);
  explicit RunDir(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path config_path() const { return root_ / "config.json"; }
  std::filesystem::path metrics_path() const { return root_ / "metrics.jsonl"; }
  std::filesystem::path checkpoints_dir() const { return root_ / "checkpoints"; }
  std::filesystem::path plots_dir() const { return root_ / "plots"; }
  std::filesystem::path model_path() const { return root_ / "model.pt"; }

  void write_config(const nlohmann::json& config) const;  // atomic, pretty-printed
  nlohmann::json read_config() const;                     // seer::Error if missing/malformed

  // Path of checkpoint for `step` (checkpoints/step-00001234.pt).
  std::filesystem::path checkpoint_path(long step) const;
  // The checkpoint with the highest step whose file is complete, if any.
  std::optional<std::filesystem::path> latest_checkpoint() const;
  // Keeps the newest `keep` checkpoints (and their sidecar files), removes older ones.
  void prune_checkpoints(int keep) const;

 private:
  std::filesystem::path root_;
};

}  // namespace seer
