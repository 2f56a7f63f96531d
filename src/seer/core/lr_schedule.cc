#include "seer/core/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "seer/core/error.h"

namespace seer {

LrSchedule::LrSchedule(LrScheduleOptions options) : options_(std::move(options)) {
  const auto& k = options_.kind;
  if (k != "constant" && k != "step" && k != "cosine" && k != "linear" && k != "onecycle") {
    throw Error("unknown learning-rate schedule '" + k +
                "' (expected constant, step, cosine, linear or onecycle)");
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
  if (o.kind == "linear") return o.base_lr + (floor - o.base_lr) * t;
  return floor + (o.base_lr - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * t));  // cosine
}

}  // namespace seer
