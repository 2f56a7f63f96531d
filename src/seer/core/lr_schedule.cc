#include "seer/core/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "seer/core/error.h"

namespace seer {

LrSchedule::LrSchedule(LrScheduleOptions options) : options_(std::move(options)) {
  const auto& k = options_.kind;
  if (k != "constant" && k != "step" && k != "multistep" && k != "cosine" && k != "linear" &&
      k != "onecycle") {
    throw Error("unknown learning-rate schedule '" + k +
                "' (expected constant, step, multistep, cosine, linear or onecycle)");
  }
  if (!(options_.gamma > 0 && options_.gamma <= 1)) {
    throw Error(fmt::format("learning-rate schedule: gamma must be in (0, 1], not {}", options_.gamma));
  }
  const auto& m = options_.milestones;
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] < 1 || (i > 0 && m[i] <= m[i - 1])) {
      throw Error(fmt::format("learning-rate schedule: milestones must be ascending steps > 0, not {}",
                              fmt::join(m, ",")));
    }
  }
  if (k == "multistep" && m.empty()) {
    throw Error("learning-rate schedule: multistep needs milestones");
  }
  if (options_.total_steps < 1) options_.total_steps = 1;
  if (options_.step_size < 1) options_.step_size = 1;
}

double LrSchedule::at(int64_t step) const {
  const auto& o = options_;
  const double floor = o.base_lr * o.min_lr_ratio;
  const double total = static_cast<double>(o.total_steps);
  if (o.kind == "onecycle") {
    // 30% linear warm-up from base/25, then cosine down to the floor (Smith's 1cycle).
    const double up = std::max(1.0, 0.3 * total);
    const double start = o.base_lr / 25.0;
    if (step < up) return start + (o.base_lr - start) * (step / up);
    const double t = std::min(1.0, (step - up) / std::max(1.0, total - up));
    return floor + (o.base_lr - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
  }
  if (step < o.warmup_steps) return o.base_lr * (step + 1) / static_cast<double>(o.warmup_steps);
  const double after = static_cast<double>(step - o.warmup_steps);
  const double span = std::max(1.0, total - o.warmup_steps);
  const double t = std::min(1.0, after / span);
  if (o.kind == "constant") return o.base_lr;
  if (o.kind == "step") return o.base_lr * std::pow(o.gamma, std::floor(after / o.step_size));
  if (o.kind == "multistep") {
    const auto passed = std::upper_bound(o.milestones.begin(), o.milestones.end(), step) -
                        o.milestones.begin();
    return o.base_lr * std::pow(o.gamma, static_cast<double>(passed));
  }
  if (o.kind == "linear") return o.base_lr + (floor - o.base_lr) * t;
  return floor + (o.base_lr - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * t));  // cosine
}

LrScheduleOptions schedule_options(const nlohmann::json& config) {
  LrScheduleOptions s;
  s.kind = config.at("lr_schedule").get<std::string>();
  s.base_lr = config.at("lr").get<double>();
  s.total_steps = config.at("steps").get<int64_t>();
  s.warmup_steps = config.value("warmup", int64_t{0});
  s.step_size = config.value("lr_step_size", int64_t{1000});
  s.gamma = config.value("lr_gamma", 0.1);
  s.milestones = config.value("lr_milestones", std::vector<int64_t>{});
  return s;
}

}  // namespace seer
