#include "seer/core/lr_schedule.h"

#include <gtest/gtest.h>

#include "seer/core/error.h"
#include "test_support.h"

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

LrSchedule multistep(std::vector<int64_t> milestones, double gamma = 0.5, int64_t warmup = 0) {
  LrScheduleOptions o;
  o.kind = "multistep";
  o.base_lr = 0.1;
  o.total_steps = 100;
  o.warmup_steps = warmup;
  o.gamma = gamma;
  o.milestones = std::move(milestones);
  return LrSchedule(o);
}

TEST(LrSchedule, MultiStepDecaysByGammaAtEachMilestone) {
  auto s = multistep({10, 25});
  EXPECT_DOUBLE_EQ(s.at(0), 0.1);
  EXPECT_DOUBLE_EQ(s.at(9), 0.1);
  EXPECT_DOUBLE_EQ(s.at(10), 0.05);  // in force from the milestone step on (MultiStepLR)
  EXPECT_DOUBLE_EQ(s.at(24), 0.05);
  EXPECT_DOUBLE_EQ(s.at(25), 0.025);
  EXPECT_DOUBLE_EQ(s.at(5000), 0.025);  // no decay past the last milestone
}

TEST(LrSchedule, MultiStepWarmsUpFirstAndCountsMilestonesFromTheStart) {
  auto s = multistep({10}, 0.1, 4);
  EXPECT_DOUBLE_EQ(s.at(0), 0.025);
  EXPECT_DOUBLE_EQ(s.at(3), 0.1);
  EXPECT_DOUBLE_EQ(s.at(9), 0.1);
  EXPECT_NEAR(s.at(10), 0.01, 1e-15);
}

TEST(LrSchedule, BadGammaAndMilestonesAreErrors) {
  EXPECT_NE(testing::error_of([] { multistep({10}, 0.0); }).find("gamma must be in (0, 1]"),
            std::string::npos);
  EXPECT_THROW(multistep({10}, 1.5), Error);
  EXPECT_NO_THROW(multistep({10}, 1.0));
  EXPECT_NE(testing::error_of([] { multistep({10, 5}); }).find("milestones must be ascending"),
            std::string::npos);
  EXPECT_THROW(multistep({5, 5}), Error);
  EXPECT_THROW(multistep({0, 5}), Error);
  EXPECT_NE(testing::error_of([] { multistep({}); }).find("multistep needs milestones"),
            std::string::npos);
}

TEST(LrSchedule, ConfigWithoutTheNewKeysLoadsWithTheOldDefaults) {
  // A config.json written before lr_step_size / lr_gamma / lr_milestones existed.
  auto old = nlohmann::json::parse(R"({"lr_schedule": "step", "lr": 0.1, "steps": 5000})");
  auto o = schedule_options(old);
  EXPECT_EQ(o.step_size, 1000);
  EXPECT_DOUBLE_EQ(o.gamma, 0.1);
  EXPECT_TRUE(o.milestones.empty());
  EXPECT_EQ(o.warmup_steps, 0);
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.at(999), 0.1);
  EXPECT_NEAR(s.at(1000), 0.01, 1e-15);
}

TEST(LrSchedule, ConfigKeysReachTheSchedule) {
  auto config = nlohmann::json::parse(R"({"lr_schedule": "multistep", "lr": 0.001, "steps": 70000,
      "warmup": 3, "lr_step_size": 7, "lr_gamma": 0.5, "lr_milestones": [50000, 60000]})");
  auto o = schedule_options(config);
  EXPECT_EQ(o.kind, "multistep");
  EXPECT_EQ(o.total_steps, 70000);
  EXPECT_EQ(o.warmup_steps, 3);
  EXPECT_EQ(o.step_size, 7);
  EXPECT_EQ(o.milestones, (std::vector<int64_t>{50000, 60000}));
  LrSchedule s(o);
  EXPECT_DOUBLE_EQ(s.at(49999), 0.001);
  EXPECT_DOUBLE_EQ(s.at(50000), 0.0005);
  EXPECT_DOUBLE_EQ(s.at(60000), 0.00025);
  config["lr_schedule"] = "step";
  LrSchedule step(schedule_options(config));
  EXPECT_DOUBLE_EQ(step.at(3 + 6), 0.001);  // step_size counts after the warm-up
  EXPECT_DOUBLE_EQ(step.at(3 + 7), 0.0005);
}

}  // namespace
}  // namespace seer
