// Learning-rate schedules as pure functions of the step, so a resumed run continues exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seer {

struct LrScheduleOptions {
  std::string kind = "constant";  // constant | step | multistep | cosine | linear | onecycle
  double base_lr = 1e-3;          // peak learning rate
  int64_t total_steps = 1;        // length of the run (for cosine / linear / onecycle)
  int64_t warmup_steps = 0;       // linear ramp from 0 first (all kinds but onecycle)
  int64_t step_size = 1000;       // step: multiply by gamma every step_size steps after warm-up
  double gamma = 0.1;             // step / multistep: decay factor, in (0, 1]
  // multistep: multiply by gamma at each of these 0-based steps (ascending, > 0), counted from
  // the start of the run as torch's MultiStepLR and py-faster-rcnn's STEPSIZE list: step s gets
  // base_lr * gamma^(number of milestones <= s). Warm-up ramps to base_lr as for the others
  // (a milestone inside the warm-up counts from its end).
  std::vector<int64_t> milestones;
  double min_lr_ratio = 0.0;      // cosine / linear / onecycle: floor as a fraction of base_lr
};

class LrSchedule {
 public:
  // seer::Error on an unknown kind, a gamma outside (0, 1], milestones not ascending and
  // positive, or a multistep schedule without milestones.
  explicit LrSchedule(LrScheduleOptions options);
  double at(int64_t step) const;                   // learning rate for 0-based `step`
  const LrScheduleOptions& options() const { return options_; }

 private:
  LrScheduleOptions options_;
};

// The schedule a run's config.json holds: "lr_schedule", "lr", "steps" and the optional
// "warmup" (0), "lr_step_size" (1000), "lr_gamma" (0.1), "lr_milestones" ([]) -- the defaults
// are what runs written before these keys existed trained with.
LrScheduleOptions schedule_options(const nlohmann::json& config);

}  // namespace seer
