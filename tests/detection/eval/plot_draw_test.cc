// PR-curve PNGs and box drawing: files are written, decodable, and the pixels land where the
// boxes are.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "detection/eval/eval_test_util.h"
#include "seer/detection/eval/draw.h"
#include "seer/detection/eval/pr_plot.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;
using seer::testing::ScratchDir;
using testing::dataset;
using testing::detection;
using testing::object;

TEST(PrPlot, OnePngPerClass) {
  ScratchDir dir;
  auto gt = dataset({"a", "b/c", "empty"}, 2);
  gt.images[0].objects = {object(0, Box{0, 0, 40, 40}), object(1, Box{50, 50, 90, 90})};
  gt.images[1].objects = {object(0, Box{10, 10, 60, 60})};
  const std::vector<Detection> dets = {detection("img1", 0, 0.9f, Box{0, 0, 40, 40}),
                                       detection("img2", 0, 0.8f, Box{200, 200, 240, 240}),
                                       detection("img2", 0, 0.7f, Box{10, 10, 60, 60}),
                                       detection("img1", 1, 0.6f, Box{50, 50, 90, 90})};
  const auto voc = voc_evaluate(gt, dets);
  const auto files = write_voc_pr_plots(dir / "voc", voc);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[1].filename(), "b_c.png");
  for (const auto& f : files) {
    const cv::Mat img = cv::imread(f.string());
    ASSERT_FALSE(img.empty()) << f;
    EXPECT_EQ(img.cols, 640);
    EXPECT_EQ(img.rows, 560);
  }
  const auto coco = write_coco_pr_plots(dir / "coco", coco_ap(gt, dets));
  EXPECT_EQ(coco.size(), 2u);  // "empty" has no ground truth: no curve to draw
  EXPECT_FALSE(cv::imread(coco[0].string()).empty());
  EXPECT_TRUE(Contains(error_of([&] {
                         PrPlotOptions tiny;
                         tiny.width = 50;
                         write_pr_plot(dir / "x.png", {}, tiny);
                       }),
                       "too small"));
}

TEST(Draw, BoxesLandOnTheirPixels) {
  cv::Mat image(200, 300, CV_8UC3, cv::Scalar(40, 40, 40));
  DrawOptions options;
  options.scale = 1;
  options.score_threshold = 0.5f;
  const std::vector<DetectionObject> gt = {object(0, Box{100, 60, 180, 140})};
  const std::vector<Detection> dets = {detection("x", 1, 0.9f, Box{20, 100, 80, 190}),
                                       detection("x", 1, 0.3f, Box{200, 20, 280, 90})};
  const cv::Mat out = draw_detections(image, {"a", "b"}, gt, dets, options);
  ASSERT_EQ(out.size(), image.size());
  // The detection's outline is in its class colour on its left edge (column 20, mid-height).
  const cv::Vec3b left = out.at<cv::Vec3b>(150, 20);
  const cv::Scalar color = class_color(1);
  EXPECT_EQ(left, cv::Vec3b(color[0], color[1], color[2]));
  // Below the threshold: nothing drawn there.
  EXPECT_EQ(out.at<cv::Vec3b>(50, 200), cv::Vec3b(40, 40, 40));
  EXPECT_EQ(out.at<cv::Vec3b>(50, 240), cv::Vec3b(40, 40, 40));
  // Ground truth outline exists along its left edge (dashes: some white pixels on column 100).
  int white = 0;
  for (int y = 60; y < 140; ++y) white += out.at<cv::Vec3b>(y, 100) == cv::Vec3b(255, 255, 255);
  EXPECT_GT(white, 20);
  // The input is untouched; small images are upscaled by default.
  EXPECT_EQ(image.at<cv::Vec3b>(150, 20), cv::Vec3b(40, 40, 40));
  EXPECT_EQ(draw_detections(image, {"a", "b"}, gt, dets).cols, 600);
  cv::Mat gray(50, 50, CV_8UC1, cv::Scalar(0));
  EXPECT_EQ(draw_detections(gray, {}, {}, {detection("x", 7, 1.0f, Box{1, 1, 20, 20})}).channels(), 3);
}

TEST(Draw, WritesImagesAtomically) {
  ScratchDir dir;
  cv::Mat image(20, 30, CV_8UC3, cv::Scalar(1, 2, 3));
  write_image_atomic(dir / "sub" / "a.png", image);
  write_image_atomic(dir / "b.JPG", image);
  const cv::Mat back = cv::imread((dir / "sub" / "a.png").string());
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(cv::norm(back, image, cv::NORM_INF), 0);
  EXPECT_FALSE(cv::imread((dir / "b.JPG").string()).empty());
  EXPECT_TRUE(Contains(error_of([&] { write_image_atomic(dir / "c.gif", image); }),
                       "unsupported image format"));
}

}  // namespace
}  // namespace seer::detection
