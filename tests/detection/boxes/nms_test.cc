#include "seer/detection/boxes/nms.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "test_support.h"

namespace det = seer::detection;
using seer::testing::Contains;
using seer::testing::error_of;

namespace {

std::vector<int64_t> as_vector(const at::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// The textbook algorithm, written plainly after torchvision's CPU kernel: stable sort by
// decreasing score (NaN first), then for each unsuppressed box in turn suppress every later
// box whose IoU (computed in T) is > threshold (compared in double).
template <typename T>
std::vector<int64_t> reference_nms(const at::Tensor& boxes_t, const at::Tensor& scores_t, double thr) {
  const auto b = boxes_t.contiguous();
  const auto s = scores_t.contiguous();
  const T* bp = b.data_ptr<T>();
  const T* sp = s.data_ptr<T>();
  const int64_t n = b.size(0);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) {
    if (std::isnan(sp[i])) return !std::isnan(sp[j]);
    return sp[i] > sp[j];
  });
  std::vector<bool> suppressed(n, false);
  std::vector<int64_t> keep;
  for (int64_t a = 0; a < n; ++a) {
    const int64_t i = order[a];
    if (suppressed[i]) continue;
    keep.push_back(i);
    const T* bi = bp + 4 * i;
    const T area_i = (bi[2] - bi[0]) * (bi[3] - bi[1]);
    for (int64_t c = a + 1; c < n; ++c) {
      const int64_t j = order[c];
      if (suppressed[j]) continue;
      const T* bj = bp + 4 * j;
      const T area_j = (bj[2] - bj[0]) * (bj[3] - bj[1]);
      const T w = std::max(T(0), std::min(bi[2], bj[2]) - std::max(bi[0], bj[0]));
      const T h = std::max(T(0), std::min(bi[3], bj[3]) - std::max(bi[1], bj[1]));
      const T inter = w * h;
      const T iou = inter / (area_i + area_j - inter);
      if (iou > thr) suppressed[j] = true;
    }
  }
  return keep;
}

// Per class reference, merged in decreasing score order (ties: index order).
template <typename T>
std::vector<int64_t> reference_batched(const at::Tensor& boxes, const at::Tensor& scores,
                                       const at::Tensor& classes, double thr) {
  const auto c = classes.to(torch::kLong).contiguous();
  std::map<int64_t, std::vector<int64_t>> members;
  for (int64_t i = 0; i < c.size(0); ++i) members[c.data_ptr<int64_t>()[i]].push_back(i);
  std::vector<int64_t> keep;
  for (const auto& [cls, idx] : members) {
    const auto it = torch::tensor(idx, torch::kLong);
    for (int64_t k : reference_nms<T>(boxes.index_select(0, it), scores.index_select(0, it), thr))
      keep.push_back(idx[k]);
  }
  const auto s = scores.contiguous();
  const T* sp = s.data_ptr<T>();
  // One total order (a strict weak ordering, as std::sort requires): NaN scores first, then
  // decreasing score, ties by index. (Two stable sorts, the second ordering only tied pairs,
  // gave a comparator whose "neither is less" was not transitive.)
  std::sort(keep.begin(), keep.end(), [&](int64_t i, int64_t j) {
    const bool ni = std::isnan(sp[i]), nj = std::isnan(sp[j]);
    if (ni != nj) return ni;
    if (!ni && sp[i] != sp[j]) return sp[i] > sp[j];
    return i < j;
  });
  return keep;
}

// RPN-like proposals: boxes jittered around a few objects, plus a uniform background; some
// integer-valued (so exact IoU ties with thresholds occur) and scores with repeats.
std::pair<at::Tensor, at::Tensor> proposals(int64_t n, int objects, torch::Dtype dtype, bool quantised) {
  auto centres = torch::rand({objects, 2}, torch::kDouble) * 600 + 100;
  auto sizes = torch::rand({objects, 2}, torch::kDouble) * 150 + 20;
  auto which = torch::randint(objects, {n}, torch::kLong);
  auto c = centres.index_select(0, which) + torch::randn({n, 2}, torch::kDouble) * 12;
  auto wh = sizes.index_select(0, which) * (1 + 0.25 * torch::randn({n, 2}, torch::kDouble)).clamp_min(0.1);
  auto boxes = torch::cat({c - wh / 2, c + wh / 2}, 1);
  auto background = torch::rand({n / 5, 2}, torch::kDouble) * 700;
  boxes.slice(0, 0, n / 5) = torch::cat({background, background + torch::rand({n / 5, 2}, torch::kDouble) * 80}, 1);
  if (quantised) boxes = boxes.round();
  auto scores = torch::rand({n}, torch::kDouble);
  if (quantised) scores = (scores * 50).floor() / 50;
  return {boxes.to(dtype), scores.to(dtype)};
}

}  // namespace

TEST(Nms, HandExample) {
  const auto boxes = torch::tensor({{0.0f, 0.0f, 10.0f, 10.0f},
                                    {1.0f, 1.0f, 11.0f, 11.0f},    // IoU 81/119 = 0.68 with box 0
                                    {20.0f, 20.0f, 30.0f, 30.0f},
                                    {0.0f, 0.0f, 10.0f, 9.0f}});   // IoU 0.9 with box 0
  const auto scores = torch::tensor({0.9f, 0.8f, 0.3f, 0.95f});
  EXPECT_EQ(as_vector(det::nms(boxes, scores, 0.5)), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(as_vector(det::nms(boxes, scores, 0.7)), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(as_vector(det::nms(boxes, scores, 0.95)), (std::vector<int64_t>{3, 0, 1, 2}));
  const auto keep = det::nms(boxes, scores, 0.5);
  EXPECT_EQ(keep.scalar_type(), torch::kLong);
}

TEST(Nms, SuppressesOnlyAboveThreshold) {
  // IoU exactly 0.5: kept at threshold 0.5, suppressed just below it.
  const auto boxes = torch::tensor({{0.0f, 0.0f, 4.0f, 1.0f}, {0.0f, 0.0f, 2.0f, 1.0f}});
  const auto scores = torch::tensor({1.0f, 0.5f});
  EXPECT_EQ(as_vector(det::nms(boxes, scores, 0.5)), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(as_vector(det::nms(boxes, scores, 0.4999)), (std::vector<int64_t>{0}));
}

TEST(Nms, FloatIouComparedInDoubleAsTorchvision) {
  // IoU 1/3 in float is 0.3333333433 > 1/3 in double: torchvision suppresses, so must seer
  // (a float comparison with float(1/3) would keep it).
  const auto boxes = torch::tensor({{0.0f, 0.0f, 3.0f, 1.0f}, {0.0f, 0.0f, 1.0f, 1.0f}});
  const auto scores = torch::tensor({1.0f, 0.5f});
  EXPECT_EQ(as_vector(det::nms(boxes, scores, 1.0 / 3.0)), (std::vector<int64_t>{0}));
  EXPECT_EQ(as_vector(det::nms(boxes, scores, 0.33333335)), (std::vector<int64_t>{0, 1}));
  const auto boxes_d = boxes.to(torch::kDouble);  // in double the IoU equals the threshold
  EXPECT_EQ(as_vector(det::nms(boxes_d, scores.to(torch::kDouble), 1.0 / 3.0)), (std::vector<int64_t>{0, 1}));
}

TEST(Nms, TiesKeepInputOrder) {
  const auto boxes = torch::tensor({{0.0f, 0.0f, 10.0f, 10.0f},
                                    {0.0f, 0.0f, 10.0f, 10.0f},
                                    {50.0f, 0.0f, 60.0f, 10.0f},
                                    {0.0f, 0.0f, 10.0f, 10.0f}});
  const auto scores = torch::tensor({0.5f, 0.5f, 0.5f, 0.5f});
  EXPECT_EQ(as_vector(det::nms(boxes, scores, 0.5)), (std::vector<int64_t>{0, 2}));
  // -0 and +0 tie too (torch.sort compares them equal).
  const auto z = torch::tensor({-0.0f, 0.0f, 0.0f, 0.0f});
  EXPECT_EQ(as_vector(det::nms(boxes, z, 0.5)), (std::vector<int64_t>{0, 2}));
}

TEST(Nms, EmptyAndSingle) {
  EXPECT_EQ(det::nms(torch::zeros({0, 4}), torch::zeros({0}), 0.5).numel(), 0);
  EXPECT_EQ(det::nms(torch::zeros({0, 4}), torch::zeros({0}), 0.5).scalar_type(), torch::kLong);
  EXPECT_EQ(as_vector(det::nms(torch::tensor({{1.0f, 1.0f, 2.0f, 2.0f}}), torch::tensor({0.1f}), 0.5)),
            (std::vector<int64_t>{0}));
}

TEST(Nms, ZeroAreaAndNanBoxesAreKeptAsTorchvision) {
  // Two identical zero-area boxes have IoU 0/0 = NaN: neither suppresses the other. A box with
  // a NaN coordinate is always kept and suppresses nothing; a NaN score sorts first (box 5,
  // which then suppresses boxes 2 and 4). torchvision 0.14 gives [5, 3, 0, 1].
  const auto nan = std::numeric_limits<float>::quiet_NaN();
  const auto boxes = torch::tensor({{5.0f, 5.0f, 5.0f, 9.0f},
                                    {5.0f, 5.0f, 5.0f, 9.0f},
                                    {0.0f, 0.0f, 10.0f, 10.0f},
                                    {nan, 0.0f, 10.0f, 10.0f},
                                    {0.0f, 0.0f, 10.0f, 10.0f},
                                    {0.0f, 0.0f, 10.0f, 9.5f}});
  const auto scores = torch::tensor({0.9f, 0.8f, 0.7f, 0.95f, 0.6f, nan});
  const auto expected = std::vector<int64_t>{5, 3, 0, 1};
  EXPECT_EQ(reference_nms<float>(boxes, scores, 0.5), expected);
  EXPECT_EQ(as_vector(det::nms(boxes, scores, 0.5)), expected);
}

TEST(Nms, MatchesReferenceOnRandomProposals) {
  torch::manual_seed(11);
  int cases = 0;
  for (int64_t n : {1, 7, 300, 3000}) {
    for (bool quantised : {false, true}) {
      const auto [boxes, scores] = proposals(n, 12, torch::kFloat, quantised);
      for (double thr : {0.0, 0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}) {
        ASSERT_EQ(as_vector(det::nms(boxes, scores, thr)), reference_nms<float>(boxes, scores, thr))
            << "n=" << n << " quantised=" << quantised << " thr=" << thr;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 72);
}

TEST(Nms, MatchesReferenceInDoubleAndUniformBoxes) {
  torch::manual_seed(12);
  const auto [boxes, scores] = proposals(2000, 5, torch::kDouble, false);
  for (double thr : {0.2, 0.5, 0.75})
    EXPECT_EQ(as_vector(det::nms(boxes, scores, thr)), reference_nms<double>(boxes, scores, thr)) << thr;
  // Uniform small boxes in a big image: few suppressions, long sweeps.
  auto xy = torch::rand({4000, 2}) * 1000;
  const auto uniform = torch::cat({xy, xy + torch::rand({4000, 2}) * 40 + 1}, 1);
  const auto s = torch::rand({4000});
  EXPECT_EQ(as_vector(det::nms(uniform, s, 0.3)), reference_nms<float>(uniform, s, 0.3));
}

TEST(Nms, AcceptsViewsAndGradTensors) {
  torch::manual_seed(13);
  const auto [boxes, scores] = proposals(500, 4, torch::kFloat, false);
  const auto expected = reference_nms<float>(boxes, scores, 0.5);
  const auto transposed = boxes.t().contiguous().t();  // non-contiguous view
  ASSERT_FALSE(transposed.is_contiguous());
  EXPECT_EQ(as_vector(det::nms(transposed, scores.clone().requires_grad_(true), 0.5)), expected);
}

TEST(Nms, RejectsBadInput) {
  EXPECT_TRUE(Contains(error_of([] { det::nms(torch::zeros({3, 5}), torch::zeros({3}), 0.5); }), "[N, 4]"));
  EXPECT_TRUE(Contains(error_of([] { det::nms(torch::zeros({3, 4}), torch::zeros({2}), 0.5); }), "scores must be [N]"));
  EXPECT_TRUE(Contains(error_of([] { det::nms(torch::zeros({3, 4}), torch::zeros({3}, torch::kDouble), 0.5); }),
                       "dtype of boxes"));
  EXPECT_TRUE(Contains(error_of([] { det::nms(torch::zeros({3, 4}, torch::kLong), torch::zeros({3}, torch::kLong), 0.5); }),
                       "float or double"));
  EXPECT_TRUE(Contains(error_of([] {
                         det::batched_nms(torch::zeros({3, 4}), torch::zeros({3}), torch::zeros({3}), 0.5);
                       }),
                       "integer tensor"));
}

TEST(BatchedNms, ClassesDoNotSuppressEachOther) {
  const auto boxes = torch::tensor({{0.0f, 0.0f, 10.0f, 10.0f},
                                    {0.0f, 0.0f, 10.0f, 10.0f},
                                    {1.0f, 0.0f, 10.0f, 10.0f},
                                    {0.0f, 0.0f, 10.0f, 10.0f}});
  const auto scores = torch::tensor({0.5f, 0.9f, 0.7f, 0.5f});
  const auto cls = torch::tensor({0, 1, 0, 1}, torch::kLong);
  EXPECT_EQ(as_vector(det::batched_nms(boxes, scores, cls, 0.5)), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(as_vector(det::batched_nms(boxes, scores, torch::tensor({0, 1, 2, 3}), 0.5)),
            (std::vector<int64_t>{1, 2, 0, 3}));
  EXPECT_EQ(as_vector(det::batched_nms(boxes, scores, torch::zeros({4}, torch::kInt), 0.5)),
            as_vector(det::nms(boxes, scores, 0.5)));
  EXPECT_EQ(det::batched_nms(torch::zeros({0, 4}), torch::zeros({0}), torch::zeros({0}, torch::kLong), 0.5).numel(), 0);
}

TEST(BatchedNms, MatchesPerClassReference) {
  torch::manual_seed(14);
  for (bool quantised : {false, true}) {
    const auto [boxes, scores] = proposals(3000, 10, torch::kFloat, quantised);
    const auto dense = torch::randint(21, {3000}, torch::kLong);
    const auto sparse = dense * 1000003 - 5000000;  // negative and far apart: the other grouping path
    for (double thr : {0.3, 0.5, 0.7}) {
      const auto expected = reference_batched<float>(boxes, scores, dense, thr);
      EXPECT_EQ(as_vector(det::batched_nms(boxes, scores, dense, thr)), expected) << thr;
      EXPECT_EQ(as_vector(det::batched_nms(boxes, scores, sparse, thr)), expected) << thr;
    }
  }
}
