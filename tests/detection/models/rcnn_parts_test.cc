// The parts R-CNN and SPP-Net add to the shared ones: warping a window with context padding,
// per-class linear SVMs with hard negative mining (liblinear), and the ridge box regressor.
#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "seer/detection/models/rcnn/linear_svm.h"
#include "seer/detection/models/rcnn/ridge_box_regressor.h"
#include "seer/detection/models/rcnn/warp.h"
#include "test_support.h"

namespace seer::detection::models::rcnn {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;

TEST(Warp, ContextWindowDilatesAboutTheCentre) {
  // 96 px window, 16 px context: the box covers 64 of 96 px, so it grows by 96 / 64 = 1.5.
  const Box w = context_window(Box{100, 50, 140, 130}, WarpOptions{96, 16});
  EXPECT_FLOAT_EQ(w.x1, 90);
  EXPECT_FLOAT_EQ(w.x2, 150);
  EXPECT_FLOAT_EQ(w.y1, 30);
  EXPECT_FLOAT_EQ(w.y2, 150);
  EXPECT_EQ(context_window(Box{1, 2, 3, 4}, WarpOptions{10, 0}), (Box{1, 2, 3, 4}));
  EXPECT_TRUE(Contains(error_of([] { context_window(Box{0, 0, 1, 1}, WarpOptions{32, 16}); }), "context"));
}

TEST(Warp, TheBoxFillsTheCentreAndContextSurroundsIt) {
  // A white 40 x 20 rectangle on black: warped with 8 px of context into 48 x 48, the rectangle
  // covers exactly the central 32 x 32 pixels (anisotropic scaling), black around it.
  cv::Mat image(100, 120, CV_8UC3, cv::Scalar::all(0));
  image(cv::Rect(30, 40, 40, 20)).setTo(cv::Scalar::all(255));
  const cv::Mat w = warp_window(image, Box{30, 40, 70, 60}, WarpOptions{48, 8});
  ASSERT_EQ(w.size(), cv::Size(48, 48));
  cv::Mat gray;
  cv::cvtColor(w, gray, cv::COLOR_BGR2GRAY);
  EXPECT_EQ(cv::countNonZero(gray(cv::Rect(9, 9, 30, 30)) < 250), 0);  // inside, away from the edge
  EXPECT_EQ(cv::countNonZero(gray(cv::Rect(0, 0, 48, 7)) > 5), 0);     // the context above
  EXPECT_EQ(cv::countNonZero(gray(cv::Rect(41, 0, 7, 48)) > 5), 0);    // and to the right
  EXPECT_NEAR(cv::mean(gray(cv::Rect(8, 8, 32, 32)))[0], 255, 3);
}

TEST(Warp, OutsideTheImageIsTheMeanColour) {
  cv::Mat image(50, 50, CV_8UC3, cv::Scalar(10, 20, 30));
  image(cv::Rect(0, 0, 25, 50)).setTo(cv::Scalar(110, 120, 130));  // mean (60, 70, 80)
  const cv::Mat w = warp_window(image, Box{0, 0, 10, 10}, WarpOptions{40, 10});  // window from -5 to 15
  const cv::Vec3b corner = w.at<cv::Vec3b>(0, 0);
  EXPECT_NEAR(corner[0], 60, 1);
  EXPECT_NEAR(corner[1], 70, 1);
  EXPECT_NEAR(corner[2], 80, 1);
  EXPECT_TRUE(Contains(error_of([&] { warp_window(image, Box{5, 5, 5, 9}, {}); }), "empty box"));
}

// Two Gaussian clouds in 5-D, separable along the first axis; most negatives easy, a few near the
// boundary. The SVM must separate all, and hard negative mining must find the near ones even
// when the first random sample holds none of them.
TEST(LinearSvm, SeparatesAndFindsTheHardNegatives) {
  torch::manual_seed(5);
  auto pos = torch::randn({60, 5}) * 0.3;
  pos.select(1, 0) += 3;
  auto easy = torch::randn({3000, 5}) * 0.3;
  easy.select(1, 0) -= 6;
  auto near = torch::randn({20, 5}) * 0.1;
  near.select(1, 0) += 1.2;  // close to the positives, still on their side of 2 - margin
  const auto negatives = torch::cat({easy, near});
  LinearSvmOptions o;
  o.C = 1.0;
  o.first_negatives = 20;  // a random 20 of 3020: few or none of the near ones
  o.rounds = 5;
  LinearSvmReport report;
  const LinearSvm svm = train_linear_svm(pos, negatives, o, &report);
  EXPECT_TRUE((svm.score(pos) > 0).all().item<bool>());
  EXPECT_TRUE((svm.score(negatives) < 0).all().item<bool>()) << svm.score(near);
  EXPECT_GE(report.rounds, 2) << report.summary();
  EXPECT_EQ(report.positives, 60);
  EXPECT_EQ(report.pool, 3020);
  EXPECT_LE(report.pool_violations, 3) << report.summary();  // support vectors on the margin (soft SVM)
  // Trained on easy negatives only, the near ones are misclassified: mining is what found them.
  o.rounds = 1;
  o.first_negatives = 4000;
  const LinearSvm unmined = train_linear_svm(pos, easy, o);
  EXPECT_GT((unmined.score(near) > 0).sum().item<int64_t>(), 0);
  EXPECT_TRUE(Contains(error_of([&] { train_linear_svm(pos, torch::zeros({0, 5}), o); }), "negatives"));
  EXPECT_TRUE(Contains(error_of([&] { train_linear_svm(pos, torch::zeros({3, 4}), o); }), "same D"));
}

TEST(RidgeBoxRegressor, RecoversKnownOffsets) {
  torch::manual_seed(6);
  const auto x = torch::randn({500, 8});
  const auto w = torch::randn({8, 4});
  const auto b = torch::tensor({0.1f, -0.2f, 0.05f, 0.3f});
  const auto t = x.matmul(w) + b;
  const auto r = fit_ridge_box_regressor(x, t, 0.0);
  EXPECT_TRUE(torch::allclose(r.weights, w, 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(r.bias, b, 1e-4, 1e-4));
  EXPECT_TRUE(torch::allclose(r.predict(x), t, 1e-3, 1e-3));
  // A large lambda shrinks the weights toward 0; the bias (not regularised) toward the mean target.
  const auto shrunk = fit_ridge_box_regressor(x, t, 1e6);
  EXPECT_LT(shrunk.weights.abs().max().item<float>(), 0.01);
  EXPECT_TRUE(torch::allclose(shrunk.bias, t.mean(0), 1e-2, 1e-2));
  EXPECT_TRUE(Contains(error_of([&] { fit_ridge_box_regressor(x, t.slice(1, 0, 3), 1); }), "[N, 4]"));
}

}  // namespace
}  // namespace seer::detection::models::rcnn
