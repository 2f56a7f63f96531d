// `seer textcnn train | eval | predict` end to end on a tiny TSV dataset.
#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <regex>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace {

using Result = seer::testing::CliResult;
using seer::testing::json_lines;

Result run(const std::string& args) { return seer::testing::run_cli(SEER_EXE, args); }

void write_tsv(const std::filesystem::path& path, int n, uint64_t seed) {
  static const char* noise[] = {"the", "a", "movie", "film", "plot", "was", "is", "very", "story", "it"};
  std::mt19937_64 gen(seed);
  std::ofstream f(path);
  for (int i = 0; i < n; ++i) {
    const bool pos = gen() % 2;
    f << (pos ? "pos" : "neg") << "\t";
    const int len = 2 + static_cast<int>(gen() % 8), at = static_cast<int>(gen() % len);
    for (int k = 0; k < len; ++k) f << (k == at ? (pos ? "good " : "bad ") : "") << noise[gen() % 10] << " ";
    f << "\n";
  }
}

const std::string kTiny = " --embed-dim 24 --feature-maps 12 --threads 2 --no-progress --json";

TEST(TextCnnCli, TrainEvalPredictRoundTrip) {
  seer::testing::ScratchDir dir;
  write_tsv(dir / "train.tsv", 200, 1);
  write_tsv(dir / "test.tsv", 60, 2);
  const auto runp = (dir / "run").string();
  auto r = run("textcnn train --data tsv:" + (dir / "train.tsv").string() + " --test " +
               (dir / "test.tsv").string() + " --epochs 12 --eval-every 8 --run " + runp + kTiny);
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = json_lines(r.out);
  ASSERT_FALSE(j.empty()) << r.out;
  EXPECT_GE(j.back().at("accuracy").get<double>(), 0.9) << r.out;
  EXPECT_EQ(j.back().at("split"), "test");
  EXPECT_TRUE(std::filesystem::exists(runp + "/model.pt"));
  EXPECT_TRUE(std::filesystem::exists(runp + "/best.pt"));

  auto e = run("textcnn eval --model " + runp + "/model.pt --data tsv:" + (dir / "train.tsv").string() +
               " --test " + (dir / "test.tsv").string() + " --json");
  ASSERT_EQ(e.code, 0) << e.out;
  auto ej = json_lines(e.out);
  ASSERT_EQ(ej.size(), 1u) << e.out;
  EXPECT_EQ(ej[0].at("count"), 60);
  EXPECT_DOUBLE_EQ(ej[0].at("accuracy").get<double>(), j.back().at("accuracy").get<double>());

  auto p = run("textcnn predict --model " + runp + "/model.pt --json \"a very good movie\" \"the plot was bad\"");
  ASSERT_EQ(p.code, 0) << p.out;
  auto pj = json_lines(p.out);
  ASSERT_EQ(pj.size(), 2u) << p.out;
  EXPECT_EQ(pj[0].at("label"), "pos");
  EXPECT_EQ(pj[1].at("label"), "neg");
  const double sum = pj[0].at("probabilities").at("pos").get<double>() +
                     pj[0].at("probabilities").at("neg").get<double>();
  EXPECT_NEAR(sum, 1.0, 1e-5);
}

TEST(TextCnnCli, CrossValidationReportsFolds) {
  seer::testing::ScratchDir dir;
  write_tsv(dir / "all.tsv", 90, 3);
  auto r = run("textcnn train --data tsv:" + (dir / "all.tsv").string() + " --cv 3 --epochs 1 --run " +
               (dir / "cv").string() + kTiny);
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = json_lines(r.out);
  ASSERT_FALSE(j.empty()) << r.out;
  ASSERT_EQ(j.back().at("folds").size(), 3u);
  EXPECT_TRUE(j.back().at("accuracy").is_number());
  // The folds partition the 90 sentences: every fold trains, tunes and tests on all of them, and
  // the three test sets together hold each sentence once (cv_folds' own test checks which).
  const std::regex line(R"(== fold (\d) of 3: (\d+) train / (\d+) dev / (\d+) test)");
  int folds = 0, tested = 0;
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), line); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    EXPECT_EQ(std::stoi(m[1]), folds + 1);
    EXPECT_EQ(std::stoi(m[2]) + std::stoi(m[3]) + std::stoi(m[4]), 90) << m[0];
    EXPECT_NEAR(std::stoi(m[4]), 30, 1) << m[0];
    tested += std::stoi(m[4]);
    ++folds;
  }
  EXPECT_EQ(folds, 3) << r.out;
  EXPECT_EQ(tested, 90);
  EXPECT_TRUE(std::filesystem::exists(dir / "cv" / "fold-2" / "model.pt"));
}

TEST(TextCnnCli, RefusesRunFolderReuseAndImpossibleSplits) {
  seer::testing::ScratchDir dir;
  write_tsv(dir / "all.tsv", 40, 5);
  const std::string data = " --data tsv:" + (dir / "all.tsv").string();
  // More folds than sentences.
  {
    std::ofstream few(dir / "few.tsv");
    few << "pos\tgood film\nneg\tbad film\npos\tgreat\nneg\tawful\n";
  }
  auto r = run("textcnn train --data tsv:" + (dir / "few.tsv").string() + " --cv 10 --epochs 1 --run " +
               (dir / "few").string() + kTiny);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(seer::testing::Contains(r.out, "--cv 10 needs at least 10 sentences")) << r.out;
  // No test split, no CV and no dev: nothing to measure.
  r = run("textcnn train" + data + " --cv 0 --dev-fraction 0 --epochs 1 --run " + (dir / "nodev").string() + kTiny);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(seer::testing::Contains(r.out, "nothing to measure")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "nodev"));
  // A finished run's folder is not trained over without --resume.
  r = run("textcnn train" + data + " --cv 0 --epochs 1 --run " + (dir / "r").string() + kTiny);
  ASSERT_EQ(r.code, 0) << r.out;
  r = run("textcnn train" + data + " --cv 0 --epochs 2 --run " + (dir / "r").string() + kTiny);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(seer::testing::Contains(r.out, "already holds a run")) << r.out;
  // A sentence with no known word still gets a label, with a warning saying why.
  auto p = run("textcnn predict --model " + (dir / "r" / "model.pt").string() + " \"zzzq qqqz\"");
  EXPECT_EQ(p.code, 0) << p.out;
  EXPECT_TRUE(seer::testing::Contains(p.out, "has no word the model knows")) << p.out;
}

TEST(TextCnnCli, PretrainedModesNeedVectors) {
  seer::testing::ScratchDir dir;
  write_tsv(dir / "all.tsv", 20, 4);
  auto r = run("textcnn train --data tsv:" + (dir / "all.tsv").string() +
               " --embeddings static --run " + (dir / "r").string() + kTiny);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(seer::testing::Contains(r.out, "--vectors"));
  EXPECT_FALSE(std::filesystem::exists(dir / "r"));
}

}  // namespace
