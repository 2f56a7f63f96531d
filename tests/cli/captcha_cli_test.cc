// The `seer captcha` commands end to end, as a user runs them.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

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

// A resumed run's config.json is the one config seer did not just write: a user may have edited
// it. What it lacks or holds wrongly is an error naming that file, not a bare JSON message.
TEST(CaptchaCli, ResumeWithAnEditedConfigNamesTheFile) {
  seer::testing::ScratchDir dir;
  const auto runp = (dir / "run").string();
  auto t = run("captcha train --data generated --steps 2 --batch 4 --eval-count 4 --threads 1"
               " --no-progress --run " + runp + kTinyNet);
  ASSERT_EQ(t.code, 0) << t.out;
  const auto config_path = dir / "run" / "config.json";
  for (const char* edit : {"drop seed", "batch as text"}) {
    SCOPED_TRACE(edit);
    nlohmann::json config = nlohmann::json::parse(std::ifstream(config_path));
    nlohmann::json edited = config;
    if (std::string(edit) == "drop seed") edited.erase("seed");
    else edited["batch"] = "eight";
    std::ofstream(config_path) << edited.dump();
    auto r = run("captcha train --resume --run " + runp + " --no-progress");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("seer: error: " + config_path.string() + ": not the config this run needs ("),
              std::string::npos) << r.out;
    std::ofstream(config_path) << config.dump();
  }
}

TEST(CaptchaCli, GenerateTrainEvalPredict) {
  seer::testing::ScratchDir dir;
  const auto data = (dir / "data").string();
  auto g = run("captcha generate --out " + data + " --count 24 --seed 3 --threads 2");
  ASSERT_EQ(g.code, 0) << g.out;
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(data)) files.push_back(e.path().string());
  ASSERT_EQ(files.size(), 24u);
  const std::string one = files.back();

  const auto runp = (dir / "run").string();
  auto t = run("captcha train --data generated --steps 4 --batch 8 --eval-count 16 --threads 2"
               " --checkpoint-every 2 --no-progress --json --run " + runp + kTinyNet);
  ASSERT_EQ(t.code, 0) << t.out;
  auto tj = last_json(t.out);
  EXPECT_EQ(tj["steps"], 4);
  EXPECT_TRUE(tj["eval"].contains("sequence_accuracy"));
  for (const char* f : {"config.json", "metrics.jsonl", "model.pt", "plots/loss.png"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "run" / f)) << f;
  }

  auto e = run("captcha eval --model " + runp + "/model.pt --data " + data + " --threads 1 --json");
  ASSERT_EQ(e.code, 0) << e.out;
  auto ej = last_json(e.out);
  EXPECT_EQ(ej["count"], 24);
  // eval's accuracies are what predict reads from the same files (the label is the file name's
  // part before '_'), counted by hand.
  std::string all;
  for (const auto& f : files) all += " " + f;
  auto every = run("captcha predict --model " + runp + "/model.pt --threads 1 --json" + all);
  ASSERT_EQ(every.code, 0) << every.out;
  const auto lines = seer::testing::json_lines(every.out);
  ASSERT_EQ(lines.size(), 24u);
  int chars = 0, sequences = 0;
  for (const auto& line : lines) {
    const std::string truth = std::filesystem::path(line["image"].get<std::string>()).filename().string().substr(0, 4);
    const std::string read = line["label"].get<std::string>();
    ASSERT_EQ(read.size(), 4u);
    for (size_t k = 0; k < 4; ++k) chars += read[k] == truth[k];
    sequences += read == truth;
  }
  EXPECT_NEAR(ej["char_accuracy"].get<double>(), chars / 96.0, 1e-9);
  EXPECT_NEAR(ej["sequence_accuracy"].get<double>(), sequences / 24.0, 1e-9);

  auto p = run("captcha predict --model " + runp + "/model.pt --json " + one);
  ASSERT_EQ(p.code, 0) << p.out;
  auto pj = last_json(p.out);
  EXPECT_EQ(pj["label"].get<std::string>().size(), 4u);
  EXPECT_EQ(pj["confidence"].size(), 4u);

  // Resuming a finished run continues nothing and keeps the model.
  auto rr = run("captcha train --run " + runp + " --resume --no-progress --json");
  ASSERT_EQ(rr.code, 0) << rr.out;
  EXPECT_EQ(last_json(rr.out)["steps"], 4);

  // A run stopped after its step-2 checkpoint (the later files gone, as after a kill) resumes
  // there: it says so, trains steps 3-4 again, and ends with a model.
  const auto checkpoints = dir / "run" / "checkpoints";
  for (const auto& e : std::filesystem::directory_iterator(checkpoints))
    if (e.path().filename().string().rfind("step-00000002.", 0) != 0) std::filesystem::remove(e.path());
  std::filesystem::remove(dir / "run" / "model.pt");
  auto resumed = run("captcha train --run " + runp + " --resume --no-progress --json");
  ASSERT_EQ(resumed.code, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resumed from step 2 ("), std::string::npos) << resumed.out;
  EXPECT_EQ(last_json(resumed.out)["steps"], 4);
  EXPECT_TRUE(std::filesystem::exists(dir / "run" / "model.pt"));
  EXPECT_TRUE(std::filesystem::exists(checkpoints / "step-00000004.pt"));
}

TEST(CaptchaCli, FolderTrainingKeepsTheImagesAspectAndTheBestHeldOutModel) {
  seer::testing::ScratchDir dir;
  const auto data = (dir / "data").string();
  ASSERT_EQ(run("captcha generate --out " + data + " --count 40 --width 200 --height 50 --threads 2").code, 0);
  // A model pretrained on generated captchas styled on the folder (--like: its size, length,
  // input size and the folder's head, CTC), to fine-tune from.
  const std::string net = " --channels 8 16 --rnn-hidden 8";
  auto pre = run("captcha train --data generated --like " + data + " --steps 2 --batch 8 --eval-count 8 --threads 2"
                 " --no-progress --run " + (dir / "pre").string() + net);
  ASSERT_EQ(pre.code, 0) << pre.out;
  EXPECT_NE(pre.out.find("--like " + data), std::string::npos) << pre.out;  // the fit's table
  {
    std::ifstream pre_config(dir / "pre" / "config.json");
    auto pc = nlohmann::json::parse(pre_config);
    EXPECT_EQ(pc["net"]["head"], "ctc");
    EXPECT_EQ(pc["net"]["input_width"], 128);
    EXPECT_EQ(pc["length"], 4);
    EXPECT_EQ(pc["generator"]["width"], 200);
  }
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
  EXPECT_EQ(config["net"]["head"], "ctc");  // a folder's default head
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

TEST(CaptchaCli, GenerateLikeAFolderWritesItsStyleAndStyleRepeatsIt) {
  seer::testing::ScratchDir dir;
  const auto real = (dir / "real").string();
  ASSERT_EQ(run("captcha generate --out " + real + " --count 24 --width 180 --height 40 --length 5 --charset abc12"
                " --threads 2").code, 0);
  const auto like = (dir / "like").string();
  auto g = run("captcha generate --like " + real + " --out " + like + " --count 6 --seed 3 --threads 2");
  ASSERT_EQ(g.code, 0) << g.out;
  // The folder's numbers beside the fitted generator's, and the fit in like/style.json.
  EXPECT_NE(g.out.find("24 images measured, 180 x 40, 5 characters"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("stroke_width"), std::string::npos) << g.out;
  std::ifstream style_file(dir / "like" / "style.json");
  auto style = nlohmann::json::parse(style_file);
  EXPECT_EQ(style["options"]["width"], 180);
  EXPECT_EQ(style["options"]["length"], 5);
  EXPECT_EQ(style["target"]["count"], 24);
  // The images: the folder's size and label length, the folder's characters.
  int images = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "like")) {
    if (e.path().extension() != ".png") continue;
    ++images;
    auto img = cv::imread(e.path().string());
    EXPECT_EQ(img.cols, 180);
    EXPECT_EQ(img.rows, 40);
    const auto label = e.path().stem().string().substr(0, e.path().stem().string().find('_'));
    EXPECT_EQ(label.size(), 5u);
    for (char c : label) EXPECT_NE(std::string("abc12").find(c), std::string::npos) << label;
  }
  EXPECT_EQ(images, 6);
  // --style repeats the look: the same seed gives the same images.
  auto again = run("captcha generate --style " + (dir / "like" / "style.json").string() + " --out " +
                   (dir / "again").string() + " --count 6 --seed 3 --threads 2");
  ASSERT_EQ(again.code, 0) << again.out;
  for (const auto& e : std::filesystem::directory_iterator(dir / "like")) {
    if (e.path().extension() != ".png") continue;
    auto a = cv::imread(e.path().string()), b = cv::imread((dir / "again" / e.path().filename()).string());
    ASSERT_FALSE(b.empty()) << e.path().filename();
    EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0) << e.path().filename();
  }
  // Bad input: a broken style file is named; --like with a folder to train on is refused.
  { std::ofstream broken(dir / "broken.json"); broken << "{\"options\": {\"style\": {\"boldnes\": 1}}}"; }
  auto bad = run("captcha generate --style " + (dir / "broken.json").string() + " --out " + (dir / "x").string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("broken.json"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("boldnes"), std::string::npos) << bad.out;
  auto both = run("captcha train --data " + real + " --like " + real + " --steps 1 --no-progress --run " +
                  (dir / "r").string());
  EXPECT_EQ(both.code, 1);
  EXPECT_NE(both.out.find("--data generated"), std::string::npos) << both.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "r"));
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
