// Selective search through OpenCV, made safe: objects on a plain background are found, long thin
// and tiny images get proposals instead of OpenCV's crash, results do not depend on the thread.
#include "seer/detection/proposals/selective_search.h"

#include <algorithm>
#include <thread>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "test_support.h"

namespace seer::detection::proposals {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;

// Grey noise background with a red rectangle and a blue disc.
cv::Mat two_objects(int w, int h, cv::Rect rect, cv::Point centre, int radius) {
  cv::Mat img(h, w, CV_8UC3);
  cv::RNG rng(3);
  rng.fill(img, cv::RNG::UNIFORM, cv::Scalar::all(110), cv::Scalar::all(140));
  cv::rectangle(img, rect, cv::Scalar(30, 30, 220), cv::FILLED);
  cv::circle(img, centre, radius, cv::Scalar(220, 60, 20), cv::FILLED);
  return img;
}

double best_iou(const std::vector<Box>& boxes, const Box& target) {
  double best = 0;
  for (const Box& b : boxes) best = std::max(best, box_iou(b, target));
  return best;
}

void expect_inside(const std::vector<Box>& boxes, int w, int h) {
  for (const Box& b : boxes) {
    EXPECT_GE(b.x1, 0);
    EXPECT_GE(b.y1, 0);
    EXPECT_LE(b.x2, w);
    EXPECT_LE(b.y2, h);
    EXPECT_GT(b.x2, b.x1);
    EXPECT_GT(b.y2, b.y1);
  }
}

TEST(SelectiveSearch, FindsBothObjectsOnAPlainBackground) {
  const cv::Mat img = two_objects(200, 150, {20, 30, 60, 40}, {140, 90}, 30);
  SelectiveSearchOptions o;
  const auto boxes = selective_search(img, o);
  ASSERT_GT(boxes.size(), 2u);
  expect_inside(boxes, 200, 150);
  EXPECT_GT(best_iou(boxes, Box{20, 30, 80, 70}), 0.85);
  EXPECT_GT(best_iou(boxes, Box{110, 60, 171, 121}), 0.85);
}

TEST(SelectiveSearch, ResizedImageBoxesAreMappedBack) {
  // 1000 px wide, segmented at 250: the boxes come back in the original's pixels.
  const cv::Mat img = two_objects(1000, 600, {100, 150, 300, 200}, {700, 300}, 150);
  SelectiveSearchOptions o;
  o.max_side = 250;
  const auto boxes = selective_search(img, o);
  expect_inside(boxes, 1000, 600);
  EXPECT_GT(best_iou(boxes, Box{100, 150, 400, 350}), 0.8);
  EXPECT_GT(best_iou(boxes, Box{550, 150, 851, 451}), 0.8);
}

TEST(SelectiveSearch, LongThinAndTinyImagesGetProposalsNotACrash) {
  // OpenCV's texture strategy fails for aspect ratios above about 2.4 (opencv_contrib #2102).
  for (const cv::Size size : {cv::Size(600, 40), cv::Size(30, 500), cv::Size(2000, 100), cv::Size(5, 3),
                              cv::Size(1, 1)}) {
    cv::Mat img(size, CV_8UC3, cv::Scalar(120, 120, 120));
    cv::rectangle(img, cv::Rect(size.width / 4, size.height / 4, std::max(1, size.width / 3), std::max(1, size.height / 2)),
                  cv::Scalar(0, 0, 255), cv::FILLED);
    for (const char* mode : {"fast", "quality", "single"}) {
      SelectiveSearchOptions o;
      o.mode = mode;
      o.min_size = 1;
      o.max_side = 160;  // quick
      std::vector<Box> boxes;
      ASSERT_NO_THROW(boxes = selective_search(img, o)) << size << " " << mode;
      EXPECT_FALSE(boxes.empty()) << size << " " << mode;
      expect_inside(boxes, size.width, size.height);
    }
  }
}

TEST(SelectiveSearch, SameBoxesInAnyThreadAndInOrder) {
  const cv::Mat img = two_objects(160, 120, {10, 10, 50, 30}, {100, 70}, 25);
  SelectiveSearchOptions o;
  const auto first = selective_search(img, o);
  std::vector<Box> second, other_thread;
  second = selective_search(img, o);
  std::thread([&] {
    selective_search(two_objects(90, 90, {5, 5, 20, 20}, {50, 50}, 10), o);  // advance this thread's RNG
    other_thread = selective_search(img, o);
  }).join();
  EXPECT_EQ(first, second);
  EXPECT_EQ(first, other_thread);
}

TEST(SelectiveSearch, MaxProposalsAndMinSizeAndDuplicates) {
  const cv::Mat img = two_objects(200, 150, {20, 30, 60, 40}, {140, 90}, 30);
  SelectiveSearchOptions o;
  const auto all = selective_search(img, o);
  o.max_proposals = 5;
  const auto five = selective_search(img, o);
  ASSERT_EQ(five.size(), 5u);
  EXPECT_TRUE(std::equal(five.begin(), five.end(), all.begin()));  // the first five, in rank order
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t j = i + 1; j < all.size(); ++j) EXPECT_FALSE(all[i] == all[j]);
  o.max_proposals = 0;
  o.min_size = 40;
  for (const Box& b : selective_search(img, o)) {
    EXPECT_GE(b.width(), 40);
    EXPECT_GE(b.height(), 40);
  }
}

TEST(SelectiveSearch, BadOptionsAndImagesAreErrors) {
  SelectiveSearchOptions o;
  o.mode = "slow";
  EXPECT_TRUE(Contains(error_of([&] { selective_search(cv::Mat(10, 10, CV_8UC3), o); }), "mode"));
  o = {};
  o.max_aspect = 3;
  EXPECT_TRUE(Contains(error_of([&] { selective_search(cv::Mat(10, 10, CV_8UC3), o); }), "max_aspect"));
  o = {};
  EXPECT_TRUE(Contains(error_of([&] { selective_search(cv::Mat(10, 10, CV_8UC1), o, "x.png"); }), "x.png"));
  EXPECT_TRUE(Contains(error_of([&] { selective_search(cv::Mat(), o, "y.png"); }), "y.png"));
}

}  // namespace
}  // namespace seer::detection::proposals
