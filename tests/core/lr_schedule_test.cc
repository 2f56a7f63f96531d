#include "seer/core/lr_schedule.h"

#include <gtest/gtest.h>

#include "seer/core/error.h"

namespace seer {
namespace {

LrSchedule make(const std::string& kind, int64_t total, int64_t warmup = 0) {
  LrScheduleOptions o;
  o.kind = kind;
  o.base_lr = 0.1;
  o.total_steps = total;
  o.warmup_steps = warmup;
  o.step_size = 10;
  o.gamma = 0.5;
  return LrSchedule(o);
}

TEST(LrSchedule, ConstantWithWarmupRampsLinearly) {
  auto s = make("constant", 100, 4);
  EXPECT_DOUBLE_EQ(s.at(0), 0.025);
  EXPECT_DOUBLE_EQ(s.at(1), 0.05);
  EXPECT_DOUBLE_EQ(s.at(3), 0.1);
  EXPECT_DOUBLE_EQ(s.at(50), 0.1);
}

TEST(LrSchedule, StepDecaysEveryStepSize) {
  auto s = make("step", 100);
  EXPECT_DOUBLE_EQ(s.at(9), 0.1);
  EXPECT_DOUBLE_EQ(s.at(10), 0.05);
  EXPECT_DOUBLE_EQ(s.at(25), 0.025);
}

TEST(LrSchedule, CosineHalvesAtMidpointAndEndsAtFloor) {
  auto s = make("cosine", 100);
  EXPECT_DOUBLE_EQ(s.at(0), 0.1);
  EXPECT_NEAR(s.at(50), 0.05, 1e-12);
  EXPECT_NEAR(s.at(100), 0.0, 1e-12);
}

TEST(LrSchedule, LinearDecays) {
  auto s = make("linear", 10);
  EXPECT_NEAR(s.at(5), 0.05, 1e-12);
}

TEST(LrSchedule, OneCyclePeaksAtThirtyPercent) {
  auto s = make("onecycle", 100);
  EXPECT_NEAR(s.at(0), 0.1 / 25, 1e-12);
  EXPECT_NEAR(s.at(30), 0.1, 1e-12);
  EXPECT_LT(s.at(99), 0.001);
  EXPECT_GT(s.at(30), s.at(60));
}

TEST(LrSchedule, UnknownKindIsAnError) {
  EXPECT_THROW(make("triangular", 10), Error);
}

}  // namespace
}  // namespace seer
