#include "seer/core/metrics_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../test_support.h"
#include "seer/core/atomic_file.h"
#include "seer/core/error.h"

namespace seer {
namespace {

using seer::testing::error_of;

namespace fs = std::filesystem;
using nlohmann::json;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<int64_t> steps_of(const std::vector<json>& records) {
  std::vector<int64_t> steps;
  for (const auto& r : records) steps.push_back(r.at("step").get<int64_t>());
  return steps;
}

TEST(MetricsLog, ConstructorCreatesFileAndFolders) {
  testing::ScratchDir dir;
  MetricsLog log(dir / "run/metrics.jsonl");
  EXPECT_TRUE(fs::is_regular_file(dir / "run/metrics.jsonl"));
  EXPECT_TRUE(MetricsLog::read(log.path()).empty());
}

TEST(MetricsLog, AppendReadRoundTrip) {
  testing::ScratchDir dir;
  MetricsLog log(dir / "metrics.jsonl");
  const std::vector<json> records = {
      {{"step", 10}, {"phase", "train"}, {"loss", 0.71}, {"lr", 0.001}},
      {{"step", 20}, {"phase", "eval"}, {"accuracy", 0.5}, {"note", "first eval"}},
      {{"step", 20}, {"phase", "train"}, {"loss", 0.25}},
  };
  for (const auto& r : records) log.append(r);
  EXPECT_EQ(MetricsLog::read(log.path()), records);

  // One compact object per line, each line complete as soon as append returns.
  const std::string text = read_file(log.path());
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  EXPECT_EQ(text.substr(0, text.find('\n')), records[0].dump());
}

TEST(MetricsLog, ReopeningWithoutTruncationKeepsEverything) {
  testing::ScratchDir dir;
  const fs::path path = dir / "metrics.jsonl";
  MetricsLog(path).append({{"step", 1}});
  MetricsLog again(path);
  again.append({{"step", 2}});
  EXPECT_EQ(steps_of(MetricsLog::read(path)), (std::vector<int64_t>{1, 2}));
}

TEST(MetricsLog, ResumeTruncatesLinesAfterTheCheckpointStep) {
  testing::ScratchDir dir;
  const fs::path path = dir / "metrics.jsonl";
  {
    MetricsLog log(path);
    for (int step : {10, 20, 20, 30, 40}) log.append({{"step", step}, {"phase", "train"}});
    log.append({{"phase", "note"}});  // no step: kept
  }
  MetricsLog resumed(path, 20);
  EXPECT_EQ(MetricsLog::read(path).size(), 4u);
  resumed.append({{"step", 30}, {"phase", "train"}});
  auto records = MetricsLog::read(path);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[3], (json{{"phase", "note"}}));
  EXPECT_EQ(records[4].at("step"), 30);
  EXPECT_EQ(records[1].at("step"), 20);
}

TEST(MetricsLog, ResumeDropsHalfWrittenLastLine) {
  testing::ScratchDir dir;
  const fs::path path = dir / "metrics.jsonl";
  write_text(path, "{\"step\": 5, \"loss\": 1.5}\n{\"step\": 6, \"lo");  // killed mid-append
  ::testing::internal::CaptureStderr();
  MetricsLog resumed(path, 100);
  const std::string warning = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(warning.find("metrics.jsonl:2:"), std::string::npos) << warning;
  resumed.append({{"step", 7}});
  EXPECT_EQ(steps_of(MetricsLog::read(path)), (std::vector<int64_t>{5, 7}));
}

// A full disk (/dev/full answers every write with ENOSPC): the error names the file and says why.
TEST(MetricsLog, AppendOnAFullDiskSaysSo) {
  ASSERT_TRUE(std::filesystem::exists("/dev/full")) << "/dev/full is missing: this is not a Linux system";
  MetricsLog log("/dev/full");
  try {
    log.append({{"step", 1}, {"loss", 0.5}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "/dev/full: cannot append metrics: No space left on device");
  }
}

TEST(MetricsLog, MalformedLineErrorNamesFileAndLine) {
  testing::ScratchDir dir;
  const fs::path path = dir / "broken.jsonl";
  write_text(path, "{\"step\": 1}\n\n{\"step\": 2,,}\n");
  const std::string message = error_of([&] { MetricsLog::read(path); });
  EXPECT_EQ(message.rfind(path.string() + ":3: ", 0), 0u) << message;
  // A number past a double's range is nlohmann's out_of_range, not a parse_error (the fuzzer's
  // COCO finding, the same here): still an error naming the line.
  write_text(path, "{\"step\": 1}\n{\"loss\": 1e309}\n");
  const std::string big = error_of([&] { MetricsLog::read(path); });
  EXPECT_EQ(big.rfind(path.string() + ":2: malformed JSON", 0), 0u) << big;
}

TEST(MetricsLog, NonObjectLineIsAnError) {
  testing::ScratchDir dir;
  const fs::path path = dir / "array.jsonl";
  write_text(path, "{\"step\": 1}\n[1, 2]\n");
  const std::string message = error_of([&] { MetricsLog::read(path); });
  EXPECT_NE(message.find("array.jsonl:2:"), std::string::npos) << message;
}

TEST(MetricsLog, ReadMissingFileNamesIt) {
  testing::ScratchDir dir;
  const std::string message = error_of([&] { MetricsLog::read(dir / "nothing.jsonl"); });
  EXPECT_NE(message.find("nothing.jsonl"), std::string::npos) << message;
}

TEST(MetricsLog, CollectSeriesTakesNumericKeysOfOnePhase) {
  const std::vector<json> records = {
      {{"step", 10}, {"phase", "train"}, {"loss", 0.9}, {"lr", 0.1}, {"note", "x"}, {"ok", true}},
      {{"step", 10}, {"phase", "eval"}, {"accuracy", 0.4}},
      {{"phase", "train"}, {"loss", 5.0}},  // no x: skipped
      {{"step", 20}, {"phase", "train"}, {"loss", 0.5}},
      {{"step", 30}, {"loss", 0.1}},  // no phase: skipped
  };
  auto train = collect_series(records, "train");
  ASSERT_EQ(train.size(), 2u);  // loss and lr; strings and booleans are not series
  EXPECT_EQ(train["loss"].first, (std::vector<double>{10, 20}));
  EXPECT_EQ(train["loss"].second, (std::vector<double>{0.9, 0.5}));
  EXPECT_EQ(train["lr"].first, (std::vector<double>{10}));

  auto eval = collect_series(records, "eval");
  ASSERT_EQ(eval.size(), 1u);
  EXPECT_EQ(eval["accuracy"].second, (std::vector<double>{0.4}));

  auto by_time = collect_series({{{"time", 1.5}, {"step", 7}, {"phase", "train"}, {"loss", 2}}},
                                "train", "time");
  EXPECT_EQ(by_time["step"].first, (std::vector<double>{1.5}));
  EXPECT_EQ(by_time["loss"].second, (std::vector<double>{2}));
  EXPECT_EQ(by_time.count("time"), 0u);
}

}  // namespace
}  // namespace seer
