#include "seer/core/progress_bar.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace seer {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBarWidth = 24;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// Four significant digits keeps losses comparable from line to line ("0.4123", "0.9120");
// large values (throughputs) read better with an SI suffix than in exponent form.
std::string format_metric(double value) {
  if (std::isfinite(value) && std::fabs(value) >= 1e4) return format_si(value);
  // printf's '#' keeps trailing zeros; it also leaves a bare point ("1000."), dropped here.
  char text[32];
  std::snprintf(text, sizeof text, "%#.4g", value);
  std::string out = text;
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// Columns of the terminal, so that a redrawn line never wraps (a wrapped line cannot be
// overwritten with '\r' and would scroll instead).
int terminal_columns(std::FILE* stream) {
  winsize size{};
  if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace

ProgressBar::ProgressBar(int64_t total, ProgressBarOptions options)
    : total_(total), options_(std::move(options)), start_(Clock::now()) {
  tty_ = options_.stream != nullptr && ::isatty(::fileno(options_.stream));
  if (options_.stream == nullptr) options_.enabled = false;
  // On a TTY the first update draws at once (last_draw_ is the clock's epoch); in a log the
  // first line comes after log_every_seconds, so short jobs print only their final line.
  if (!tty_) last_draw_ = start_;
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::set_start(int64_t start_at) {
  start_at_ = start_at;
  last_done_ = std::max(last_done_, start_at);
  start_ = Clock::now();
}

void ProgressBar::update(int64_t done, const std::vector<std::pair<std::string, double>>& metrics) {
  if (finished_ || !options_.enabled) return;
  last_done_ = done;
  last_metrics_ = metrics;
  const auto now = Clock::now();
  const double since_draw = seconds_between(last_draw_, now);
  const double elapsed = seconds_between(start_, now);
  if (tty_) {
    if (since_draw < options_.min_redraw_seconds) return;
    std::string line = render(done, elapsed, metrics);
    const size_t columns = static_cast<size_t>(std::max(1, terminal_columns(options_.stream) - 1));
    if (line.size() > columns) line.resize(columns);
    std::fprintf(options_.stream, "\r%s\x1b[K", line.c_str());
  } else {
    if (since_draw < options_.log_every_seconds) return;
    std::fprintf(options_.stream, "%s\n", render(done, elapsed, metrics).c_str());
  }
  std::fflush(options_.stream);
  last_draw_ = now;
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (!options_.enabled) return;
  const std::string line = render(last_done_, seconds_between(start_, Clock::now()), last_metrics_);
  // The final line is printed whole, even if it wraps: it stays on screen as the summary.
  if (tty_) std::fprintf(options_.stream, "\r%s\x1b[K\n", line.c_str());
  else std::fprintf(options_.stream, "%s\n", line.c_str());
  std::fflush(options_.stream);
}

std::string ProgressBar::render(int64_t done, double elapsed_seconds,
                                const std::vector<std::pair<std::string, double>>& metrics) const {
  std::string out = options_.label;
  const auto separate = [&out] {
    if (!out.empty()) out += ' ';
  };
  if (total_ > 0) {
    const int64_t clamped = std::clamp<int64_t>(done, 0, total_);
    const int percent = static_cast<int>(clamped * 100 / total_);
    const int filled = static_cast<int>(clamped * kBarWidth / total_);
    separate();
    out += fmt::format("{:3d}% [{}{}] {}/{} {}", percent, std::string(filled, '#'),
                       std::string(kBarWidth - filled, '-'), done, total_, options_.unit);
  } else {
    separate();
    out += fmt::format("{} {}", done, options_.unit);
  }

  const int64_t done_here = done - start_at_;
  const double rate = elapsed_seconds > 0 && done_here > 0 ? done_here / elapsed_seconds : NAN;
  out += fmt::format("  {} {}/s", std::isfinite(rate) ? format_si(rate) : "?", options_.unit);
  if (total_ > 0) {
    const double eta = done >= total_ ? 0.0 : (total_ - done) / rate;
    out += "  ETA " + format_duration(eta);
  }

  if (!metrics.empty()) out += ' ';
  for (const auto& [name, value] : metrics) out += " " + name + "=" + format_metric(value);
  return out;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long long s = std::llround(seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02d}s", s / 60, s % 60);
  return fmt::format("{}h{:02d}m", s / 3600, s % 3600 / 60);
}

std::string format_si(double value) {
  if (!std::isfinite(value)) return "?";
  static constexpr const char* kPrefixes[] = {"", "k", "M", "G", "T", "P"};
  double magnitude = std::fabs(value);
  size_t prefix = 0;
  // 999.5 and not 1000: the value is rounded to three digits below, and "1e+03k" must not appear.
  while (magnitude >= 999.5 && prefix + 1 < std::size(kPrefixes)) {
    magnitude /= 1000;
    ++prefix;
  }
  return fmt::format("{}{:.3g}{}", value < 0 ? "-" : "", magnitude, kPrefixes[prefix]);
}

}  // namespace seer
