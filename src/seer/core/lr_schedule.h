// Learning-rate schedules as pure functions of the step, so a resumed run continues exactly.
#pragma once

#include <cstdint>
#include <string>

namespace seer {

struct LrScheduleOptions {
  std::string kind = "constant";  // constant | step | cosine | linear | onecycle
  double base_lr = 1e-3;          // peak learning rate
  int64_t total_steps = 1;        // length of the run (for cosine / linear / onecycle)
  int64_t warmup_steps = 0;       // linear ramp from 0 to base_lr first (constant/step/cosine/linear)
  int64_t step_size = 1000;       // step: multiply by gamma every step_size steps
  double gamma = 0.1;             // step: decay factor
  double min_lr_ratio = 0.0;      // cosine / linear / onecycle: floor as a fraction of base_lr
};

class LrSchedule {
 public:
  explicit LrSchedule(LrScheduleOptions options);  // seer::Error on an unknown kind
  double at(int64_t step) const;                   // learning rate for 0-based `step`
  const LrScheduleOptions& options() const { return options_; }

 private:
  LrScheduleOptions options_;
};

}  // namespace seer
