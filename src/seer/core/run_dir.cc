#include "seer/core/run_dir.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <vector>

#include <fmt/format.h>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"

namespace seer {
namespace fs = std::filesystem;

namespace {

void make_folders(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw file_error(dir.string(), "cannot create folder: " + ec.message());
}

std::string local_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &local);
  return text;
}

// The step of "step-<digits>.pt"; other names (sidecars, hidden temporaries) have none.
std::optional<long> checkpoint_step(const std::string& name) {
  constexpr std::string_view prefix = "step-", suffix = ".pt";
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) {
        return std::isdigit(c);
      })) {
    return std::nullopt;
  }
  return std::stol(digits);
}

// Checkpoints on disk as (step, path), newest first.
std::vector<std::pair<long, fs::path>> list_checkpoints(const fs::path& dir) {
  std::vector<std::pair<long, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    if (auto step = checkpoint_step(entry.path().filename().string())) {
      found.emplace_back(*step, entry.path());
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  return found;
}

}  // namespace

RunDir::RunDir(fs::path root) : root_(std::move(root)) {
  // What a run killed mid-write left (kill -9, a power cut): never loaded, now removed.
  int stale = 0;
  for (const fs::path& folder : {root_, checkpoints_dir(), plots_dir()}) stale += remove_stale_temporaries(folder);
  if (stale > 0)
    warn(fmt::format("{}: removed {} half-written file(s) left by an interrupted process", root_.string(), stale));
}

RunDir RunDir::create(const std::string& task, const std::optional<fs::path>& dir) {
  fs::path root;
  if (dir) {
    root = *dir;  // may exist already: a run started there before its first config was written
  } else {
    const fs::path runs = "runs";
    make_folders(runs);
    const std::string base = task + "-" + local_timestamp();
    // create_directory reports whether it made the folder, so two runs started in the same
    // second cannot both claim one name.
    for (int n = 1;; ++n) {
      root = runs / (n == 1 ? base : fmt::format("{}-{}", base, n));
      std::error_code ec;
      if (fs::create_directory(root, ec)) break;
      if (ec) throw file_error(root.string(), "cannot create folder: " + ec.message());
    }
  }
  RunDir run(root);
  make_folders(run.checkpoints_dir());
  make_folders(run.plots_dir());
  return run;
}

void RunDir::write_config(const nlohmann::json& config) const {
  write_file_atomic(config_path(), config.dump(2) + "\n");
}

nlohmann::json RunDir::read_config() const {
  const std::string text = read_file(config_path());
  nlohmann::json config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) throw file_error(config_path().string(), "malformed JSON");
  if (!config.is_object()) throw file_error(config_path().string(), "expected a JSON object {...}");
  return config;
}

fs::path RunDir::checkpoint_path(long step) const {
  return checkpoints_dir() / fmt::format("step-{:08d}.pt", step);
}

std::optional<fs::path> RunDir::latest_checkpoint() const {
  // Checkpoints are written atomically, so any file with the final name is complete.
  auto all = list_checkpoints(checkpoints_dir());
  if (all.empty()) return std::nullopt;
  return all.front().second;
}

void RunDir::prune_checkpoints(int keep) const {
  if (keep <= 0) return;
  const auto all = list_checkpoints(checkpoints_dir());
  for (size_t i = static_cast<size_t>(keep); i < all.size(); ++i) {
    // "step-00000100.pt" takes "step-00000100.optim" and any other sidecar with it.
    const std::string stem = all[i].second.stem().string() + ".";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(checkpoints_dir(), ec)) {
      if (!entry.path().filename().string().starts_with(stem)) continue;
      std::error_code removed;
      fs::remove(entry.path(), removed);
      if (removed) warn(file_error(entry.path().string(), "cannot remove: " + removed.message()).what());
    }
  }
}

}  // namespace seer
