#include "seer/core/run_dir.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "../test_support.h"
#include "seer/core/error.h"

namespace seer {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& path) { std::ofstream(path) << "x"; }

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

// Runs the test body in another working directory (RunDir::create's default is relative).
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const fs::path& dir) : saved_(fs::current_path()) { fs::current_path(dir); }
  ~WorkingDirectory() { fs::current_path(saved_); }

 private:
  fs::path saved_;
};

std::string timestamp(std::time_t t) {
  std::tm local{};
  localtime_r(&t, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &local);
  return text;
}

TEST(RunDir, CreateMakesLayoutInGivenFolder) {
  testing::ScratchDir dir;
  const RunDir run = RunDir::create("captcha", dir / "my-run");
  EXPECT_EQ(run.root(), dir / "my-run");
  EXPECT_TRUE(fs::is_directory(run.checkpoints_dir()));
  EXPECT_TRUE(fs::is_directory(run.plots_dir()));
  EXPECT_EQ(run.config_path(), dir / "my-run/config.json");
  EXPECT_EQ(run.metrics_path(), dir / "my-run/metrics.jsonl");
  EXPECT_EQ(run.model_path(), dir / "my-run/model.pt");
  // An existing folder is reused (a run that stopped before writing its config).
  EXPECT_NO_THROW(RunDir::create("captcha", dir / "my-run"));
}

TEST(RunDir, DefaultNameIsTaskAndTimestampUnderRuns) {
  testing::ScratchDir dir;
  WorkingDirectory cwd(dir.path());
  const RunDir run = RunDir::create("captcha", std::nullopt);
  EXPECT_EQ(run.root().parent_path(), fs::path("runs"));
  EXPECT_TRUE(std::regex_match(run.root().filename().string(),
                               std::regex(R"(captcha-\d{8}-\d{6})")))
      << run.root();
  EXPECT_TRUE(fs::is_directory(dir / "runs" / run.root().filename() / "checkpoints"));
}

TEST(RunDir, DefaultNameGetsSuffixWhenTaken) {
  testing::ScratchDir dir;
  WorkingDirectory cwd(dir.path());
  // Take the names of this second and the next few, so that create() must add a suffix.
  const std::time_t now = std::time(nullptr);
  for (int s = 0; s < 5; ++s) fs::create_directories(dir / "runs" / ("ocr-" + timestamp(now + s)));
  const RunDir second = RunDir::create("ocr", std::nullopt);
  EXPECT_TRUE(std::regex_match(second.root().filename().string(),
                               std::regex(R"(ocr-\d{8}-\d{6}-2)")))
      << second.root();
  fs::create_directories(dir / "runs" / (second.root().filename().string().substr(0, 19) + "-3"));
  const RunDir fourth = RunDir::create("ocr", std::nullopt);
  EXPECT_NE(fourth.root(), second.root());
  EXPECT_TRUE(std::regex_match(fourth.root().filename().string(),
                               std::regex(R"(ocr-\d{8}-\d{6}-[2-4])")))
      << fourth.root();
}

TEST(RunDir, CheckpointPathIsZeroPadded) {
  const RunDir run("r");
  EXPECT_EQ(run.checkpoint_path(1234), fs::path("r/checkpoints/step-00001234.pt"));
  EXPECT_EQ(run.checkpoint_path(0).filename(), "step-00000000.pt");
}

TEST(RunDir, LatestCheckpointIsHighestCompleteStep) {
  testing::ScratchDir dir;
  const RunDir run = RunDir::create("t", dir / "run");
  EXPECT_EQ(run.latest_checkpoint(), std::nullopt);
  for (long step : {100, 900, 200}) touch(run.checkpoint_path(step));
  touch(run.checkpoints_dir() / "step-00000900.optim");
  touch(run.checkpoints_dir() / ".step-00005000.pt.tmp-123-0");  // a write in progress
  touch(run.checkpoints_dir() / "step-00007000.optim");           // sidecar without its .pt
  touch(run.checkpoints_dir() / "step-abc.pt");
  touch(run.checkpoints_dir() / "notes.txt");
  EXPECT_EQ(run.latest_checkpoint(), run.checkpoint_path(900));
}

TEST(RunDir, LatestCheckpointWithoutFolderIsNone) {
  testing::ScratchDir dir;
  EXPECT_EQ(RunDir(dir / "never-created").latest_checkpoint(), std::nullopt);
}

TEST(RunDir, PruneKeepsNewestCheckpointsWithSidecars) {
  testing::ScratchDir dir;
  const RunDir run = RunDir::create("t", dir / "run");
  for (long step : {100, 200, 300}) {
    touch(run.checkpoint_path(step));
    touch(run.checkpoints_dir() / fs::path(run.checkpoint_path(step)).replace_extension(".optim").filename());
  }
  touch(run.checkpoints_dir() / "notes.txt");
  run.prune_checkpoints(0);  // keeps all
  EXPECT_EQ(names_in(run.checkpoints_dir()).size(), 7u);
  run.prune_checkpoints(2);
  EXPECT_EQ(names_in(run.checkpoints_dir()),
            (std::set<std::string>{"step-00000200.pt", "step-00000200.optim", "step-00000300.pt",
                                   "step-00000300.optim", "notes.txt"}));
  run.prune_checkpoints(1);
  EXPECT_EQ(names_in(run.checkpoints_dir()),
            (std::set<std::string>{"step-00000300.pt", "step-00000300.optim", "notes.txt"}));
}

TEST(RunDir, ConfigRoundTrip) {
  testing::ScratchDir dir;
  const RunDir run = RunDir::create("t", dir / "run");
  const nlohmann::json config = {{"steps", 1000}, {"lr", 0.001}, {"charset", "0123456789"},
                                 {"layers", {32, 64}}};
  run.write_config(config);
  EXPECT_EQ(run.read_config(), config);
  std::ifstream in(run.config_path());
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(first, "{");  // pretty-printed, one key per line
  EXPECT_EQ(second.rfind("  \"", 0), 0u) << second;
}

TEST(RunDir, ReadConfigErrorsNameTheFile) {
  testing::ScratchDir dir;
  const RunDir run(dir / "run");
  try {
    run.read_config();
    FAIL() << "missing config must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(run.config_path().string()), std::string::npos) << e.what();
  }
  fs::create_directories(run.root());
  std::ofstream(run.config_path()) << "{\"steps\": ";
  try {
    run.read_config();
    FAIL() << "malformed config must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(run.config_path().string()), std::string::npos) << e.what();
  }
}

// A process killed while writing (kill -9) leaves its temporary: opening the run folder again
// (a --resume) removes those of dead processes, in the run, its checkpoints and its plots, and
// says so; a live process's temporaries and ordinary files stay.
TEST(RunDir, OpeningRemovesTemporariesOfDeadProcesses) {
  seer::testing::ScratchDir dir;
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);  // its PID is now no process's
  fs::create_directories(dir / "checkpoints");
  fs::create_directories(dir / "plots");
  const std::string dead = std::to_string(child), alive = std::to_string(getpid());
  touch(dir / (".metrics.jsonl.tmp-" + dead + "-0"));
  touch(dir / "checkpoints" / (".step-00000040.pt.tmp-" + dead + "-3"));
  touch(dir / "plots" / (".loss.png.tmp-" + dead + "-12"));
  touch(dir / (".config.json.tmp-" + alive + "-1"));
  touch(dir / "checkpoints" / "step-00000020.pt");
  touch(dir / ".hidden.tmp-notapid");
  WarningCollector warnings;
  RunDir run(dir.path());
  EXPECT_EQ(names_in(dir.path()), (std::set<std::string>{".config.json.tmp-" + alive + "-1", ".hidden.tmp-notapid",
                                                         "checkpoints", "plots"}));
  EXPECT_EQ(names_in(dir / "checkpoints"), std::set<std::string>{"step-00000020.pt"});
  EXPECT_TRUE(names_in(dir / "plots").empty());
  ASSERT_EQ(warnings.messages().size(), 1u);
  EXPECT_NE(warnings.messages()[0].find("removed 3 half-written file(s)"), std::string::npos) << warnings.messages()[0];
}

}  // namespace
}  // namespace seer
