// The schedule flags every `seer <model> train` shares (cli/train_flags), as a user gives them.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "seer/core/atomic_file.h"
#include "seer/core/metrics_log.h"
#include "test_support.h"

namespace seer {
namespace {

testing::CliResult run(const std::string& args) { return testing::run_cli(SEER_EXE, args); }

const std::string kTinyCaptcha =
    "captcha train --data generated --batch 8 --eval-count 16 --threads 2 --no-progress"
    " --input-width 64 --input-height 24 --channels 8 16 --convs-per-block 1 --head-hidden 16";

TEST(TrainFlags, BadScheduleFlagsAreErrorsNamingTheFlag) {
  testing::ScratchDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--lr-gamma 0", "--lr-gamma must be in (0, 1]"},
      {"--lr-gamma 1.5", "--lr-gamma must be in (0, 1]"},
      {"--lr-step-size 0", "--lr-step-size must be >= 1"},
      {"--lr-schedule multistep --lr-milestones 20,10", "--lr-milestones must be ascending steps > 0"},
      {"--lr-schedule multistep --lr-milestones 0,10", "--lr-milestones must be ascending steps > 0"},
      {"--lr-schedule multistep", "--lr-schedule multistep needs --lr-milestones"},
      {"--lr-schedule step --lr-milestones 10", "--lr-milestones needs --lr-schedule multistep"},
  };
  for (const auto& [flags, message] : cases) {
    auto r = run(kTinyCaptcha + " --steps 4 --run " + (dir / "run").string() + " " + flags);
    EXPECT_EQ(r.code, 1) << flags << "\n" << r.out;
    EXPECT_TRUE(testing::Contains(r.out, message)) << flags << "\n" << r.out;
    EXPECT_FALSE(std::filesystem::exists(dir / "run" / "config.json")) << flags;
  }
}

TEST(TrainFlags, MultiStepScheduleIsStoredInConfigAndFollowed) {
  testing::ScratchDir dir;
  const auto runp = (dir / "run").string();
  auto r = run(kTinyCaptcha + " --steps 4 --log-every 1 --lr 0.004 --lr-schedule multistep"
               " --lr-milestones 2,3 --lr-gamma 0.5 --run " + runp);
  ASSERT_EQ(r.code, 0) << r.out;
  auto config = nlohmann::json::parse(read_file(dir / "run" / "config.json"));
  EXPECT_EQ(config["lr_schedule"], "multistep");
  EXPECT_EQ(config["lr_milestones"], nlohmann::json::parse("[2, 3]"));
  EXPECT_EQ(config["lr_gamma"], 0.5);
  EXPECT_EQ(config["lr_step_size"], 1000);
  EXPECT_EQ(config["warmup"], 0);
  std::vector<double> lrs;
  for (const auto& rec : MetricsLog::read(dir / "run" / "metrics.jsonl")) {
    if (rec["phase"] == "train") lrs.push_back(rec["lr"].get<double>());
  }
  // Steps 0..3: 0.004, 0.004, then x0.5 at step 2 and again at step 3.
  EXPECT_EQ(lrs, (std::vector<double>{0.004, 0.004, 0.002, 0.001}));
}

TEST(TrainFlags, DefaultsKeepTheTasksSchedules) {
  testing::ScratchDir dir;
  auto r = run(kTinyCaptcha + " --steps 2 --run " + (dir / "run").string());
  ASSERT_EQ(r.code, 0) << r.out;
  auto config = nlohmann::json::parse(read_file(dir / "run" / "config.json"));
  EXPECT_EQ(config["lr_schedule"], "onecycle");
  EXPECT_EQ(config["lr_step_size"], 1000);
  EXPECT_EQ(config["lr_gamma"], 0.1);
  EXPECT_EQ(config["lr_milestones"], nlohmann::json::array());
}

// --resume keeps the stored schedule: a schedule flag given again with the stored value is
// accepted, another value is an error naming config.json (it was silently ignored).
TEST(TrainFlags, ResumeRefusesAChangedScheduleAndAcceptsTheSameOne) {
  testing::ScratchDir dir;
  const auto runp = (dir / "run").string();
  ASSERT_EQ(run(kTinyCaptcha + " --steps 2 --lr 0.002 --run " + runp).code, 0);
  const std::string config = (dir / "run" / "config.json").string();
  for (const std::string& flags : {std::string("--steps 5"), std::string("--lr 0.01"),
                                   std::string("--lr-schedule cosine"), std::string("--warmup 1")}) {
    auto r = run(kTinyCaptcha + " --resume --run " + runp + " " + flags);
    EXPECT_EQ(r.code, 1) << flags << "\n" << r.out;
    EXPECT_TRUE(testing::Contains(r.out, config + ": --resume continues this run's schedule as stored here"))
        << flags << "\n" << r.out;
    EXPECT_TRUE(testing::Contains(r.out, flags.substr(0, flags.find(' ')))) << r.out;
  }
  auto r = run(kTinyCaptcha + " --resume --run " + runp + " --steps 2 --lr 0.002 --lr-schedule onecycle");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(read_file(dir / "run" / "config.json"))["steps"], 2);
}

}  // namespace
}  // namespace seer
