// A terminal progress bar: done/total, rate, ETA and live metrics.
// On a TTY it redraws one line; otherwise (logs, CI) it prints a plain line every few seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace seer {

struct ProgressBarOptions {
  std::string label;              // shown before the bar, e.g. "train"
  std::string unit = "it";        // what is counted, e.g. "step", "img", "word"
  double min_redraw_seconds = 0.1;  // on a TTY
  double log_every_seconds = 10;    // when not a TTY
  bool enabled = true;              // false: prints nothing at all
  std::FILE* stream = stderr;
};

class ProgressBar {
 public:
  ProgressBar(int64_t total, ProgressBarOptions options = {});
  ~ProgressBar();  // calls finish() if not yet finished

  // Sets the absolute count done; `metrics` are shown as "name=value" after the bar.
  void update(int64_t done, const std::vector<std::pair<std::string, double>>& metrics = {});
  // Rate counts only work done since `start_at` (so a resumed run shows its own speed).
  void set_start(int64_t start_at);
  // A new total (a run shortened to fit its time budget).
  void set_total(int64_t total) { total_ = total; }
  void finish();

  // The text of the current line without terminal control codes (for tests and logs).
  std::string render(int64_t done, double elapsed_seconds,
                     const std::vector<std::pair<std::string, double>>& metrics) const;

 private:
  int64_t total_;
  int64_t start_at_ = 0;
  ProgressBarOptions options_;
  bool tty_ = false;
  bool finished_ = false;
  int64_t last_done_ = 0;
  std::vector<std::pair<std::string, double>> last_metrics_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1h02m", "3m05s", "12s" style durations; "?" for negative or non-finite.
std::string format_duration(double seconds);
// "1.23k", "45.6M" style rates and counts.
std::string format_si(double value);

}  // namespace seer
