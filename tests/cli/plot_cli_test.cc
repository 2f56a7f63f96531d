// `seer plot`: a CSV table in, a chart a person reads out; bad tables named by file and line.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace {

seer::testing::CliResult run(const std::string& args) { return seer::testing::run_cli(SEER_EXE, args); }

// Pixels close to the plot palette's first colour (BGR 180,119,31): the first series' line.
int first_series_pixels(const cv::Mat& img) {
  int n = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols * 6 / 10; ++x) {
      const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
      if (std::abs(p[0] - 180) + std::abs(p[1] - 119) + std::abs(p[2] - 31) < 24) ++n;
    }
  return n;
}

TEST(PlotCli, DrawsEachColumnAsASeries) {
  seer::testing::ScratchDir dir;
  std::ofstream(dir / "curve.csv") << "labelled images,from scratch,pretrained\n50,0.1,0.6\n100,0.4,0.8\n600,0.95,0.95\n";
  const auto png = (dir / "curve.png").string();
  auto r = run("plot --csv " + (dir / "curve.csv").string() + " --out " + png +
               " --title 'Learning curve' --y-label accuracy --log-x");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("2 series"), std::string::npos) << r.out;
  const cv::Mat img = cv::imread(png, cv::IMREAD_COLOR);
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, 900);
  EXPECT_GT(first_series_pixels(img), 100);  // the line is drawn, not only the legend

  // A column with no numbers is still in the legend, drawn nowhere.
  std::ofstream(dir / "empty.csv") << "x,a\n1,\n2,\n";
  r = run("plot --csv " + (dir / "empty.csv").string() + " --out " + png);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(first_series_pixels(cv::imread(png, cv::IMREAD_COLOR)), 0);
}

TEST(PlotCli, BadInputIsAClearError) {
  seer::testing::ScratchDir dir;
  std::ofstream(dir / "bad.csv") << "n,a\n1,2\n2,two\n";
  auto r = run("plot --csv " + (dir / "bad.csv").string() + " --out " + (dir / "x.png").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("bad.csv:3: column 2: 'two' is not a number"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
  r = run("plot --csv " + (dir / "missing.csv").string() + " --out " + (dir / "x.png").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("missing.csv"), std::string::npos) << r.out;
  std::ofstream(dir / "ok.csv") << "n,a\n1,2\n";
  r = run("plot --csv " + (dir / "ok.csv").string() + " --out " + (dir / "x.jpg").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("give a .png name"), std::string::npos) << r.out;
}

}  // namespace
