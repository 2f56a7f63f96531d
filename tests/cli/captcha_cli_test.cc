// The `seer captcha` commands end to end, as a user runs them.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "seer/core/checkpoint.h"
#include "test_support.h"

namespace {

using Result = seer::testing::CliResult;
using seer::testing::last_json;

Result run(const std::string& args) { return seer::testing::run_cli(SEER_EXE, args); }

const std::string kTinyNet =
    " --input-width 64 --input-height 24 --channels 8 16 --convs-per-block 1 --head-hidden 16";

TEST(CaptchaCli, HelpListsSubcommands) {
  auto r = run("captcha --help");
  EXPECT_EQ(r.code, 0);
  for (const char* sub : {"generate", "train", "eval", "predict"}) {
    EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  }
  EXPECT_EQ(run("captcha train --help").code, 0);
}

TEST(CaptchaCli, GenerateTrainEvalPredict) {
  seer::testing::ScratchDir dir;
  const auto data = (dir / "data").string();
  auto g = run("captcha generate --out " + data + " --count 24 --seed 3 --threads 2");
  ASSERT_EQ(g.code, 0) << g.out;
  size_t files = 0;
  std::string one;
  for (const auto& e : std::filesystem::directory_iterator(data)) {
    ++files;
    one = e.path().string();
  }
  EXPECT_EQ(files, 24u);

  const auto runp = (dir / "run").string();
  auto t = run("captcha train --data generated --steps 4 --batch 8 --eval-count 16 --threads 2"
               " --no-progress --json --run " + runp + kTinyNet);
  ASSERT_EQ(t.code, 0) << t.out;
  auto tj = last_json(t.out);
  EXPECT_EQ(tj["steps"], 4);
  EXPECT_TRUE(tj["eval"].contains("sequence_accuracy"));
  for (const char* f : {"config.json", "metrics.jsonl", "model.pt", "plots/loss.png"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "run" / f)) << f;
  }

  auto e = run("captcha eval --model " + runp + "/model.pt --data " + data + " --json");
  ASSERT_EQ(e.code, 0) << e.out;
  auto ej = last_json(e.out);
  EXPECT_EQ(ej["count"], 24);
  EXPECT_GE(ej["char_accuracy"].get<double>(), 0.0);
  EXPECT_LE(ej["char_accuracy"].get<double>(), 1.0);
  EXPECT_TRUE(ej.contains("sequence_accuracy"));

  auto p = run("captcha predict --model " + runp + "/model.pt --json " + one);
  ASSERT_EQ(p.code, 0) << p.out;
  auto pj = last_json(p.out);
  EXPECT_EQ(pj["label"].get<std::string>().size(), 4u);
  EXPECT_EQ(pj["confidence"].size(), 4u);

  // Resuming a finished run continues nothing and keeps the model.
  auto rr = run("captcha train --run " + runp + " --resume --no-progress --json");
  ASSERT_EQ(rr.code, 0) << rr.out;
  EXPECT_EQ(last_json(rr.out)["steps"], 4);
}

TEST(CaptchaCli, FolderTrainingKeepsTheImagesAspectAndTheBestHeldOutModel) {
  seer::testing::ScratchDir dir;
  const auto data = (dir / "data").string();
  ASSERT_EQ(run("captcha generate --out " + data + " --count 40 --width 200 --height 50 --threads 2").code, 0);
  // A model pretrained on generated captchas of the same input size, to fine-tune from.
  const std::string net = " --channels 8 16 --head-hidden 16 --length 4";
  auto pre = run("captcha train --data generated --steps 2 --batch 8 --eval-count 8 --threads 2 --input-width 128"
                 " --input-height 32 --no-progress --run " + (dir / "pre").string() + net);
  ASSERT_EQ(pre.code, 0) << pre.out;
  const auto runp = (dir / "run").string();
  auto t = run("captcha train --data " + data + " --epochs 4 --batch 8 --val-fraction 0.25 --threads 2"
               " --no-progress --json --run " + runp + net + " --init " + (dir / "pre" / "model.pt").string());
  ASSERT_EQ(t.code, 0) << t.out;
  auto tj = last_json(t.out);
  // --init loaded every tensor of the network (fine-tuning starts from all of it).
  EXPECT_NE(t.out.find("missing from the file, 0 of other shape"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("0 missing from the file"), std::string::npos) << t.out;
  // 200 x 50 images: a 4:1 input at the default height of 32.
  std::ifstream config_file(dir / "run" / "config.json");
  auto config = nlohmann::json::parse(config_file);
  EXPECT_EQ(config["net"]["input_width"], 128);
  EXPECT_EQ(config["net"]["input_height"], 32);
  EXPECT_EQ(config["augment"], "strong");
  EXPECT_TRUE(std::filesystem::exists(dir / "run" / "plots" / "augmentation.png"));
  // Early stopping: the best held-out evaluation is kept and is the model.
  ASSERT_TRUE(tj.contains("best_step")) << t.out;
  EXPECT_GE(tj["best_step"].get<int64_t>(), 1);
  EXPECT_LE(tj["best_step"].get<int64_t>(), 16);  // 4 epochs of 30 images in batches of 8
  const double best = tj["best_sequence_accuracy"].get<double>();
  auto best_file = seer::load_model_file(dir / "run" / "best.pt");
  auto model_file = seer::load_model_file(dir / "run" / "model.pt");
  EXPECT_NEAR(best_file.extra.at("score").item<double>(), best, 1e-12);
  ASSERT_EQ(best_file.state.size(), model_file.state.size());
  for (const auto& [name, tensor] : best_file.state) {
    EXPECT_TRUE(tensor.equal(model_file.state.at(name))) << name;
  }
  // and no later evaluation beat it.
  std::ifstream metrics(dir / "run" / "metrics.jsonl");
  std::string line;
  int evals = 0;
  while (std::getline(metrics, line)) {
    auto m = nlohmann::json::parse(line);
    if (m.value("phase", "") != "eval") continue;
    ++evals;
    EXPECT_LE(m["sequence_accuracy"].get<double>(), best + 1e-12);
  }
  EXPECT_GE(evals, 2);
}

TEST(CaptchaCli, BadInputGivesClearErrors) {
  seer::testing::ScratchDir dir;
  auto missing = run("captcha eval --model " + (dir / "nope.pt").string() + " --data " +
                     dir.path().string());
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("nope.pt"), std::string::npos) << missing.out;

  std::filesystem::create_directories(dir / "empty");
  auto empty = run("captcha train --data " + (dir / "empty").string() +
                   " --length 4 --steps 1 --no-progress --run " + (dir / "r").string());
  EXPECT_EQ(empty.code, 1);
  EXPECT_NE(empty.out.find("empty"), std::string::npos) << empty.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "r")) << "a failed train must not leave a run folder";

  // A bad --init file fails before training and leaves no run folder either.
  auto data = (dir / "data").string();
  ASSERT_EQ(run("captcha generate --out " + data + " --count 8 --threads 2").code, 0);
  { std::ofstream junk(dir / "junk.pt"); junk << "junk"; }
  auto bad_init = run("captcha train --data " + data + " --steps 1 --no-progress --init " +
                      (dir / "junk.pt").string() + " --run " + (dir / "i").string());
  EXPECT_EQ(bad_init.code, 1);
  EXPECT_NE(bad_init.out.find("junk.pt"), std::string::npos) << bad_init.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "i")) << "a failed train must not leave a run folder";

  auto wrong = run("captcha predict --model " + (dir / "nope.pt").string() + " x.png");
  EXPECT_EQ(wrong.code, 1);

  auto mode = run("captcha train --mode sideways --steps 1 --no-progress --run " +
                  (dir / "m").string());
  EXPECT_EQ(mode.code, 1);
  EXPECT_NE(mode.out.find("sideways"), std::string::npos) << mode.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "m"));
}

}  // namespace
