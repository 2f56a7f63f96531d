#include "seer/core/line_plot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "../test_support.h"
#include "seer/core/error.h"

namespace seer {
namespace {

namespace fs = std::filesystem;

// The first two colours of the plot palette (BGR).
const cv::Vec3b kFirst(180, 119, 31);
const cv::Vec3b kSecond(14, 127, 255);

cv::Mat load(const fs::path& png) {
  cv::Mat img = cv::imread(png.string(), cv::IMREAD_COLOR);
  EXPECT_FALSE(img.empty()) << png << " does not decode";
  return img;
}

// Pixels within a small distance of `colour` inside `roi` (antialiased edges blend, so only
// the core of a line matches).
int count_colour(const cv::Mat& img, cv::Vec3b colour, cv::Rect roi) {
  roi &= cv::Rect(0, 0, img.cols, img.rows);
  int n = 0;
  for (int y = roi.y; y < roi.y + roi.height; ++y) {
    for (int x = roi.x; x < roi.x + roi.width; ++x) {
      const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
      if (std::abs(p[0] - colour[0]) + std::abs(p[1] - colour[1]) + std::abs(p[2] - colour[2]) < 24) ++n;
    }
  }
  return n;
}

// The legend sits top right; the left 60% of the image only has the series themselves.
cv::Rect left_part(const cv::Mat& img) { return {0, 0, img.cols * 6 / 10, img.rows}; }

// Mean row of the pixels of `colour` in columns [x0, x1): where the line is at that x.
double mean_row(const cv::Mat& img, cv::Vec3b colour, int x0, int x1) {
  double sum = 0;
  int n = 0;
  for (int y = 0; y < img.rows; ++y) {
    for (int x = x0; x < x1; ++x) {
      const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
      if (std::abs(p[0] - colour[0]) + std::abs(p[1] - colour[1]) + std::abs(p[2] - colour[2]) < 24) {
        sum += y;
        ++n;
      }
    }
  }
  return n ? sum / n : NAN;
}

Series ramp(const std::string& name, int n, double slope, double offset = 0) {
  Series s{name, {}, {}};
  for (int i = 0; i < n; ++i) {
    s.x.push_back(i * 10);
    s.y.push_back(offset + slope * i);
  }
  return s;
}

LinePlotOptions titled(const std::string& title) {
  LinePlotOptions o;
  o.title = title;
  o.y_label = "value";
  return o;
}

TEST(LinePlot, WritesPngOfRequestedSizeWithSeriesColours) {
  testing::ScratchDir dir;
  const fs::path png = dir / "plots/loss.png";
  write_line_plot(png, {ramp("train loss", 100, -0.01, 2), ramp("eval loss", 10, -0.1, 2.2)},
                  titled("loss"));
  const cv::Mat img = load(png);
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, 900);
  EXPECT_EQ(img.rows, 540);
  EXPECT_GT(count_colour(img, kFirst, left_part(img)), 200);
  EXPECT_GT(count_colour(img, kSecond, left_part(img)), 50);
  // Mostly white background.
  EXPECT_GT(count_colour(img, cv::Vec3b(255, 255, 255), cv::Rect(0, 0, img.cols, img.rows)),
            img.cols * img.rows / 2);
}

TEST(LinePlot, IncreasingSeriesRisesLeftToRight) {
  testing::ScratchDir dir;
  const fs::path png = dir / "acc.png";
  LinePlotOptions o = titled("accuracy");
  o.width = 600;
  o.height = 400;
  write_line_plot(png, {ramp("accuracy", 50, 0.02)}, o);
  const cv::Mat img = load(png);
  ASSERT_EQ(img.cols, 600);
  ASSERT_EQ(img.rows, 400);
  const double left_row = mean_row(img, kFirst, 100, 200);
  const double right_row = mean_row(img, kFirst, 400, 450);
  ASSERT_FALSE(std::isnan(left_row));
  ASSERT_FALSE(std::isnan(right_row));
  EXPECT_GT(left_row, right_row + 100);  // image rows grow downwards
}

TEST(LinePlot, EmptyPlotIsStillAValidPng) {
  testing::ScratchDir dir;
  const fs::path png = dir / "empty.png";
  write_line_plot(png, {}, titled("nothing yet"));
  const cv::Mat img = load(png);
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, 900);
  EXPECT_EQ(count_colour(img, kFirst, cv::Rect(0, 0, img.cols, img.rows)), 0);
}

// A title wider than the image is set smaller, whole: its ink stays off the image's side edges
// (it was centred over the plot area and cut off on both sides).
TEST(LinePlot, LongTitleIsShrunkToFitTheImage) {
  testing::ScratchDir dir;
  const fs::path png = dir / "long.png";
  write_line_plot(png, {ramp("a", 5, 1)},
                  titled("captcha-real-6digit: whole-captcha accuracy against real labels (15 min, 1 thread each)"));
  const cv::Mat img = load(png);
  cv::Mat gray;
  cv::cvtColor(img, gray, cv::COLOR_BGR2GRAY);
  const cv::Mat band = gray(cv::Rect(0, 0, img.cols, 40));
  int left = img.cols, right = -1;
  for (int y = 0; y < band.rows; ++y)
    for (int x = 0; x < band.cols; ++x)
      if (band.at<uchar>(y, x) < 100) left = std::min(left, x), right = std::max(right, x);
  ASSERT_GE(right, 0) << "no title drawn";
  EXPECT_GE(left, 8);
  EXPECT_LE(right, img.cols - 9);
  EXPECT_GT(right - left, img.cols / 2);  // still a title, not a speck
}

TEST(LinePlot, NonFiniteOnlySeriesIsNotDrawn) {
  testing::ScratchDir dir;
  const fs::path png = dir / "nan.png";
  write_line_plot(png, {Series{"loss", {1, 2, 3}, {NAN, INFINITY, -INFINITY}}}, titled("nan"));
  const cv::Mat img = load(png);
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(count_colour(img, kFirst, left_part(img)), 0);
}

TEST(LinePlot, NonFinitePointsAreSkipped) {
  testing::ScratchDir dir;
  const fs::path png = dir / "gaps.png";
  Series s = ramp("loss", 40, 0.5);
  s.y[5] = NAN;
  s.y[20] = INFINITY;
  s.x[30] = NAN;
  write_line_plot(png, {s}, titled("gaps"));
  const cv::Mat img = load(png);
  ASSERT_FALSE(img.empty());
  EXPECT_GT(count_colour(img, kFirst, left_part(img)), 200);
}

TEST(LinePlot, SinglePointAndFlatSeriesAreDrawn) {
  testing::ScratchDir dir;
  const fs::path single = dir / "single.png";
  write_line_plot(single, {Series{"eval accuracy", {500}, {0.75}}}, titled("one point"));
  cv::Mat img = load(single);
  ASSERT_FALSE(img.empty());
  // The marker sits in the middle of the plot, left of the legend.
  EXPECT_GT(count_colour(img, kFirst, cv::Rect(0, img.rows / 4, img.cols * 7 / 10, img.rows / 2)),
            10);

  const fs::path flat = dir / "flat.png";
  write_line_plot(flat, {Series{"lr", {0, 100, 200, 300}, {0.001, 0.001, 0.001, 0.001}}},
                  titled("flat"));
  img = load(flat);
  ASSERT_FALSE(img.empty());
  EXPECT_GT(count_colour(img, kFirst, left_part(img)), 200);
}

TEST(LinePlot, LogScaleSkipsNonPositiveValues) {
  testing::ScratchDir dir;
  const fs::path png = dir / "log.png";
  Series s{"loss", {}, {}};
  for (int i = 0; i < 100; ++i) {
    s.x.push_back(i);
    s.y.push_back(i % 10 == 0 ? 0.0 : 3.0 * std::pow(0.93, i));  // spans ~3 decades, some zeros
  }
  LinePlotOptions o = titled("log loss");
  o.log_y = true;
  write_line_plot(png, {s}, o);
  const cv::Mat img = load(png);
  ASSERT_FALSE(img.empty());
  EXPECT_GT(count_colour(img, kFirst, left_part(img)), 200);
  // On a log axis the exponential decay is a straight line: as far below at the middle as at
  // the end below the middle.
  const double a = mean_row(img, kFirst, 150, 160), b = mean_row(img, kFirst, 430, 440),
               c = mean_row(img, kFirst, 710, 720);
  EXPECT_NEAR(b - a, c - b, 8) << a << " " << b << " " << c;

  write_line_plot(dir / "log-empty.png", {Series{"loss", {1, 2}, {0.0, -1.0}}}, o);
  EXPECT_FALSE(load(dir / "log-empty.png").empty());
}

TEST(LinePlot, TooSmallSizeIsAnError) {
  testing::ScratchDir dir;
  LinePlotOptions o;
  o.width = 50;
  o.height = 20;
  EXPECT_THROW(write_line_plot(dir / "tiny.png", {ramp("x", 3, 1)}, o), Error);
  EXPECT_FALSE(fs::exists(dir / "tiny.png"));
}

}  // namespace
}  // namespace seer
