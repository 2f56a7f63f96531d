#include "seer/detection/boxes/matcher.h"

#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_support.h"

namespace det = seer::detection;
using seer::testing::Contains;
using seer::testing::error_of;

namespace {

constexpr int64_t kNeg = det::Matcher::kBelowLowThreshold;
constexpr int64_t kIgnore = det::Matcher::kBetweenThresholds;

std::vector<int64_t> as_vector(const at::Tensor& t) {
  auto c = t.to(torch::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

}  // namespace

TEST(Matcher, ThresholdsAndIgnoreBand) {
  // 2 ground truths x 6 predictions.
  const auto q = torch::tensor({{0.9f, 0.5f, 0.1f, 0.7f, 0.3f, 0.0f},
                                {0.2f, 0.6f, 0.2f, 0.1f, 0.29f, 0.0f}});
  const auto m = det::Matcher(0.7, 0.3)(q);
  EXPECT_EQ(m.scalar_type(), torch::kLong);
  // 0.9 -> gt 0; 0.6 -> ignore; 0.2 -> negative; 0.7 (= high) -> gt 0; 0.3 (= low) -> ignore;
  // 0.0 -> negative.
  EXPECT_EQ(as_vector(m), (std::vector<int64_t>{0, kIgnore, kNeg, 0, kIgnore, kNeg}));
}

TEST(Matcher, EqualThresholdsHaveNoIgnoreBand) {
  const auto q = torch::tensor({{0.5f, 0.49f, 0.8f}, {0.1f, 0.2f, 0.9f}});
  EXPECT_EQ(as_vector(det::Matcher(0.5, 0.5)(q)), (std::vector<int64_t>{0, kNeg, 1}));
}

TEST(Matcher, LowQualityMatchesIncludingTies) {
  // gt 0's best IoU is 0.4, reached by predictions 1 and 3 (a tie): both match it although
  // 0.4 < 0.7. gt 1's best is prediction 2 (0.65). Prediction 0 stays in the ignore band.
  const auto q = torch::tensor({{0.35f, 0.4f, 0.1f, 0.4f, 0.0f},
                                {0.0f, 0.2f, 0.65f, 0.1f, 0.05f}});
  EXPECT_EQ(as_vector(det::Matcher(0.7, 0.3, false)(q)),
            (std::vector<int64_t>{kIgnore, kIgnore, kIgnore, kIgnore, kNeg}));
  EXPECT_EQ(as_vector(det::Matcher(0.7, 0.3, true)(q)), (std::vector<int64_t>{kIgnore, 0, 1, 0, kNeg}));
}

TEST(Matcher, LowQualityMatchKeepsThePredictionsOwnBestGroundTruth) {
  // Prediction 0 is gt 0's best (0.3), but overlaps gt 1 more (0.5): as in torchvision it is
  // restored to its own best match, gt 1.
  const auto q = torch::tensor({{0.3f, 0.1f}, {0.5f, 0.8f}});
  EXPECT_EQ(as_vector(det::Matcher(0.7, 0.3, true)(q)), (std::vector<int64_t>{1, 1}));
}

TEST(Matcher, NoGroundTruthMeansAllNegative) {
  const auto m = det::Matcher(0.7, 0.3, true)(torch::zeros({0, 5}));
  EXPECT_EQ(as_vector(m), (std::vector<int64_t>(5, kNeg)));
  EXPECT_EQ(det::Matcher(0.7, 0.3, true)(torch::zeros({3, 0})).numel(), 0);
}

TEST(Matcher, RejectsBadInput) {
  EXPECT_TRUE(Contains(error_of([] { det::Matcher(0.3, 0.7); }), "must not exceed"));
  EXPECT_TRUE(Contains(error_of([] { det::Matcher(0.7, 0.3)(torch::zeros({4})); }), "[G, N]"));
}
