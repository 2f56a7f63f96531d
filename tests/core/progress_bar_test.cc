#include "seer/core/progress_bar.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace seer {
namespace {

ProgressBarOptions quiet(const std::string& label = "train", const std::string& unit = "step") {
  ProgressBarOptions o;
  o.label = label;
  o.unit = unit;
  o.enabled = false;
  return o;
}

// Everything written to a temporary (non-TTY) stream.
std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) text.append(buf, n);
  return text;
}

size_t count(const std::string& text, char c) { return std::count(text.begin(), text.end(), c); }

TEST(ProgressBar, RenderShowsPercentBarRateEtaAndMetrics) {
  ProgressBar bar(1000, quiet());
  // 420 steps in 420/12.3 s: 12.3 step/s, 580 left: 47 s.
  const std::string line = bar.render(420, 420 / 12.3, {{"loss", 0.412345}, {"acc", 0.912}});
  EXPECT_EQ(line,
            "train  42% [##########--------------] 420/1000 step  12.3 step/s  ETA 47s  "
            "loss=0.4123 acc=0.9120");
}

TEST(ProgressBar, RenderWithUnknownTotalHasNoPercentBarOrEta) {
  ProgressBar bar(0, quiet("generate", "img"));
  const std::string line = bar.render(420, 2.0, {});
  EXPECT_EQ(line, "generate 420 img  210 img/s");
}

TEST(ProgressBar, RateCountsOnlyWorkSinceStart) {
  ProgressBar bar(1000, quiet());
  bar.set_start(400);
  const std::string line = bar.render(420, 2.0, {});
  EXPECT_NE(line.find("  10 step/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 58s"), std::string::npos) << line;
}

TEST(ProgressBar, RateAndEtaUnknownBeforeAnyWork) {
  ProgressBar bar(100, quiet());
  const std::string line = bar.render(0, 0.0, {});
  EXPECT_NE(line.find("  0% ["), std::string::npos) << line;
  EXPECT_NE(line.find("? step/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA ?"), std::string::npos) << line;
}

TEST(ProgressBar, CompleteAndOvershootShowFullBar) {
  ProgressBar bar(50, quiet());
  const std::string full = std::string(24, '#');
  for (int64_t done : {50, 60}) {
    const std::string line = bar.render(done, 5.0, {});
    EXPECT_NE(line.find("100% [" + full + "]"), std::string::npos) << line;
    EXPECT_NE(line.find("ETA 0s"), std::string::npos) << line;
  }
}

TEST(ProgressBar, MetricFormatting) {
  ProgressBar bar(10, quiet());
  const std::string line =
      bar.render(5, 1.0, {{"lr", 0.001}, {"n", 1000}, {"img/s", 23456}, {"bad", NAN}});
  EXPECT_NE(line.find("lr=0.001000 n=1000 img/s=23.5k bad=nan"), std::string::npos) << line;
}

TEST(ProgressBar, LogModePrintsOnlyTheFinalLineForShortJobs) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressBarOptions o;
  o.label = "eval";
  o.stream = f;  // a file, not a TTY
  o.log_every_seconds = 3600;
  {
    ProgressBar bar(3, o);
    for (int i = 1; i <= 3; ++i) bar.update(i, {{"acc", 0.5}});
    bar.finish();
    bar.finish();  // a second finish (and the destructor) add nothing
  }
  const std::string text = contents(f);
  std::fclose(f);
  EXPECT_EQ(count(text, '\n'), 1u) << text;
  EXPECT_EQ(count(text, '\r'), 0u) << text;
  EXPECT_EQ(text.rfind("eval 100% [", 0), 0u) << text;
  EXPECT_NE(text.find("3/3 it"), std::string::npos) << text;
  EXPECT_NE(text.find("acc=0.5000\n"), std::string::npos) << text;
}

TEST(ProgressBar, LogModePrintsAPlainLineEveryInterval) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressBarOptions o;
  o.stream = f;
  o.log_every_seconds = 0;  // every update is due
  {
    ProgressBar bar(4, o);
    for (int i = 1; i <= 4; ++i) bar.update(i);
  }  // the destructor finishes
  const std::string text = contents(f);
  std::fclose(f);
  EXPECT_EQ(count(text, '\n'), 5u) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
}

TEST(ProgressBar, DisabledPrintsNothing) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressBarOptions o;
  o.stream = f;
  o.log_every_seconds = 0;
  o.enabled = false;
  {
    ProgressBar bar(4, o);
    bar.update(2);
    bar.finish();
  }
  EXPECT_EQ(contents(f), "");
  std::fclose(f);
}

TEST(FormatDuration, Values) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(12.4), "12s");
  EXPECT_EQ(format_duration(59.6), "1m00s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
  EXPECT_EQ(format_duration(100 * 3600 + 59 * 60), "100h59m");
  EXPECT_EQ(format_duration(-1), "?");
  EXPECT_EQ(format_duration(NAN), "?");
  EXPECT_EQ(format_duration(INFINITY), "?");
}

TEST(FormatSi, Values) {
  EXPECT_EQ(format_si(0), "0");
  EXPECT_EQ(format_si(0.5), "0.5");
  EXPECT_EQ(format_si(12.3), "12.3");
  EXPECT_EQ(format_si(999), "999");
  EXPECT_EQ(format_si(999.7), "1k");
  EXPECT_EQ(format_si(1234), "1.23k");
  EXPECT_EQ(format_si(45.6e6), "45.6M");
  EXPECT_EQ(format_si(-1500), "-1.5k");
  EXPECT_EQ(format_si(NAN), "?");
}

}  // namespace
}  // namespace seer
