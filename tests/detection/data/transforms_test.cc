#include "seer/detection/data/transforms.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace seer::detection {
namespace {

TEST(Transforms, ShortSideScaleAsPyFasterRcnn) {
  EXPECT_DOUBLE_EQ(short_side_scale({640, 480}), 600.0 / 480);  // long 800 <= 1000
  EXPECT_DOUBLE_EQ(short_side_scale({500, 375}), 600.0 / 375);  // 800 x 600
  EXPECT_DOUBLE_EQ(short_side_scale({1000, 300}), 1000.0 / 1000);  // 600/300 = 2 would make 2000: capped
  EXPECT_DOUBLE_EQ(short_side_scale({300, 800}), 1000.0 / 800);
  EXPECT_DOUBLE_EQ(short_side_scale({320, 240}, 480, 0), 2.0);  // no cap
}

TEST(Transforms, ResizeScalesImageAndBoxes) {
  cv::Mat image(480, 640, CV_8UC3, cv::Scalar::all(0));
  std::vector<DetectionObject> objects(1);
  objects[0].box = Box{100, 40, 200, 480};
  const double s = resize_short_side(image, objects);
  EXPECT_DOUBLE_EQ(s, 1.25);
  EXPECT_EQ(image.cols, 800);
  EXPECT_EQ(image.rows, 600);
  EXPECT_EQ(objects[0].box, (Box{125, 50, 250, 600}));

  std::vector<Box> boxes{Box{0, 0, 10, 10}};
  cv::Mat wide(300, 1000, CV_8UC1, cv::Scalar(0));
  EXPECT_DOUBLE_EQ(resize_short_side(wide, boxes, 600, 1000), 1.0);
  EXPECT_EQ(wide.size(), cv::Size(1000, 300));
  EXPECT_EQ(boxes[0], (Box{0, 0, 10, 10}));
}

TEST(Transforms, FlipMirrorsBoxesAndTwiceIsTheIdentity) {
  EXPECT_EQ(flip_box(Box{10, 5, 30, 25}, 100), (Box{70, 5, 90, 25}));
  cv::Mat image(20, 50, CV_8UC3);
  cv::randu(image, 0, 255);
  const cv::Mat original = image.clone();
  std::vector<DetectionObject> objects(2);
  objects[0].box = Box{0, 0, 10, 20};
  objects[1].box = Box{12.5f, 3, 50, 7};
  const auto before = objects;
  flip_horizontal(image, objects);
  EXPECT_EQ(objects[0].box, (Box{40, 0, 50, 20}));
  EXPECT_EQ(objects[1].box, (Box{0, 3, 37.5f, 7}));
  flip_horizontal(image, objects);
  EXPECT_EQ(cv::norm(image, original, cv::NORM_INF), 0);
  for (size_t i = 0; i < objects.size(); ++i) EXPECT_EQ(objects[i].box, before[i].box);
}

// The bounding rectangle of the non-zero pixels, as a continuous box.
Box ink_box(const cv::Mat& image) {
  cv::Mat gray;
  if (image.channels() == 3) cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY); else gray = image;
  cv::Rect r = cv::boundingRect(gray > 127);
  return Box{float(r.x), float(r.y), float(r.x + r.width), float(r.y + r.height)};
}

TEST(Transforms, BoxesFollowTheImage) {
  cv::Mat image(300, 400, CV_8UC3, cv::Scalar::all(0));
  std::vector<DetectionObject> objects(1);
  objects[0].box = Box{30, 60, 130, 140};  // pixels [30, 130) x [60, 140)
  image(cv::Rect(30, 60, 100, 80)).setTo(cv::Scalar::all(255));
  ASSERT_EQ(ink_box(image), objects[0].box);
  TransformOptions options;  // 600 / 300 = 2: 800 x 600
  TransformResult r = apply_train_transforms(image, objects, options, 0.25);  // 0.25 < 0.5: flipped
  EXPECT_DOUBLE_EQ(r.scale, 2.0);
  EXPECT_TRUE(r.flipped);
  ASSERT_EQ(image.size(), cv::Size(800, 600));
  const Box ink = ink_box(image), b = objects[0].box;
  EXPECT_EQ(b, (Box{540, 120, 740, 280}));
  EXPECT_NEAR(ink.x1, b.x1, 1);
  EXPECT_NEAR(ink.y1, b.y1, 1);
  EXPECT_NEAR(ink.x2, b.x2, 1);
  EXPECT_NEAR(ink.y2, b.y2, 1);
  r = apply_train_transforms(image, objects, {.short_side = 300, .max_long_side = 1000}, 0.9);  // not flipped
  EXPECT_FALSE(r.flipped);
  EXPECT_DOUBLE_EQ(r.scale, 0.5);
  EXPECT_EQ(objects[0].box, (Box{270, 60, 370, 140}));
}

}  // namespace
}  // namespace seer::detection
