// metrics.jsonl: one JSON object per line, appended as training goes, e.g.
// {"step": 100, "phase": "train", "loss": 0.71, "lr": 0.001, "time": 12.5}
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seer {

class MetricsLog {
 public:
  // Opens (creating if needed) `path` for appending. With `truncate_after_step` >= 0, lines with
  // "step" greater than it are dropped first (a resumed run rewinds to its checkpoint).
  explicit MetricsLog(std::filesystem::path path, int64_t truncate_after_step = -1);

  void append(const nlohmann::json& record);  // one line, flushed
  const std::filesystem::path& path() const { return path_; }

  // All records of a metrics.jsonl; malformed lines raise seer::Error naming file and line.
  static std::vector<nlohmann::json> read(const std::filesystem::path& path);

 private:
  std::filesystem::path path_;
};

// Series for plotting: for each record with the given phase, x = record[x_key], y = record[key]
// for each key present (numeric values only).
std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> collect_series(
    const std::vector<nlohmann::json>& records, const std::string& phase,
    const std::string& x_key = "step");

}  // namespace seer
