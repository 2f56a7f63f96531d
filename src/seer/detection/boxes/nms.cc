#include "seer/detection/boxes/nms.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "seer/core/error.h"

// The sweep is compiled twice on x86-64 GCC (baseline SSE2 and AVX2) and the loader picks one.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SEER_NMS_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SEER_NMS_CLONES
#endif

namespace seer::detection {

namespace {

// ---------------------------------------------------------------------------------------------
// Score order: indices sorted by decreasing score, ties in input order, NaN first (as
// torch.sort(stable=True, descending=True)).

// A key whose ascending order is the scores' descending order; -0 and +0 share a key.
inline uint32_t descending_key(float v) {
  if (std::isnan(v)) return 0;
  if (v == 0) v = 0.0f;
  const uint32_t b = std::bit_cast<uint32_t>(v);
  const uint32_t ascending = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
  return ~ascending;  // NaN's 0 is below every other key: +inf maps to 0x007fffff
}

inline uint64_t descending_key(double v) {
  if (std::isnan(v)) return 0;
  if (v == 0) v = 0.0;
  const uint64_t b = std::bit_cast<uint64_t>(v);
  const uint64_t sign = uint64_t{1} << 63;
  const uint64_t ascending = (b & sign) ? ~b : (b | sign);
  return ~ascending;
}

// Stable LSD radix sort of (key, index) by key, 8 bits a pass; passes whose digit is the same
// for every key are skipped.
template <typename Key>
std::vector<int32_t> radix_order(const std::vector<Key>& keys_in) {
  constexpr int kPasses = sizeof(Key);
  const size_t n = keys_in.size();
  std::vector<std::array<uint32_t, 256>> hist(kPasses);
  for (auto& h : hist) h.fill(0);
  for (Key k : keys_in)
    for (int p = 0; p < kPasses; ++p) ++hist[p][(k >> (8 * p)) & 0xff];
  std::vector<Key> keys = keys_in, keys_tmp(n);
  std::vector<int32_t> idx(n), idx_tmp(n);
  for (size_t i = 0; i < n; ++i) idx[i] = static_cast<int32_t>(i);
  for (int p = 0; p < kPasses; ++p) {
    auto& h = hist[p];
    if (h[(keys[0] >> (8 * p)) & 0xff] == n) continue;
    uint32_t sum = 0;
    for (auto& c : h) {
      const uint32_t c0 = c;
      c = sum;
      sum += c0;
    }
    for (size_t i = 0; i < n; ++i) {
      const uint32_t slot = h[(keys[i] >> (8 * p)) & 0xff]++;
      keys_tmp[slot] = keys[i];
      idx_tmp[slot] = idx[i];
    }
    keys.swap(keys_tmp);
    idx.swap(idx_tmp);
  }
  return idx;
}

template <typename T>
std::vector<int32_t> score_order(const T* scores, size_t n) {
  using Key = decltype(descending_key(T{}));
  std::vector<Key> keys(n);
  for (size_t i = 0; i < n; ++i) keys[i] = descending_key(scores[i]);
  return radix_order(keys);
}

// ---------------------------------------------------------------------------------------------
// The sweep: one kept box (ix1, iy1, ix2, iy2, ia) against n boxes in play. A suppressed box
// gets area NaN: its IoU with any later box is then NaN, which never exceeds the threshold,
// so it is neither counted again nor able to suppress (it is never kept). Returns the number
// of boxes newly suppressed.

// Float IoU is compared with the double threshold as torchvision does (float promoted to
// double); for a float x, x > t <=> x > the largest float <= t, so the loop compares floats.
float float_threshold(double t) {
  if (std::isnan(t)) return std::numeric_limits<float>::quiet_NaN();
  if (t >= static_cast<double>(FLT_MAX)) return FLT_MAX;
  if (t < -static_cast<double>(FLT_MAX)) return -std::numeric_limits<float>::infinity();
  float f = static_cast<float>(t);
  if (static_cast<double>(f) > t) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

template <typename T>
__attribute__((always_inline)) inline int32_t sweep_impl(
    const T* __restrict x1, const T* __restrict y1, const T* __restrict x2,
    const T* __restrict y2, T* __restrict area, int64_t n, T ix1, T iy1, T ix2, T iy2, T ia,
    T threshold) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  int32_t killed = 0;
  for (int64_t j = 0; j < n; ++j) {
    const T xx1 = std::max(ix1, x1[j]);
    const T yy1 = std::max(iy1, y1[j]);
    const T xx2 = std::min(ix2, x2[j]);
    const T yy2 = std::min(iy2, y2[j]);
    const T w = std::max(static_cast<T>(0), xx2 - xx1);
    const T h = std::max(static_cast<T>(0), yy2 - yy1);
    const T inter = w * h;
    const T a = area[j];
    const T ovr = inter / (ia + a - inter);
    const bool s = ovr > threshold;
    area[j] = s ? nan : a;
    killed += s;
  }
  return killed;
}

SEER_NMS_CLONES int32_t sweep(const float* x1, const float* y1, const float* x2, const float* y2,
                              float* area, int64_t n, float ix1, float iy1, float ix2, float iy2,
                              float ia, float threshold) {
  return sweep_impl<float>(x1, y1, x2, y2, area, n, ix1, iy1, ix2, iy2, ia, threshold);
}

SEER_NMS_CLONES int32_t sweep(const double* x1, const double* y1, const double* x2,
                              const double* y2, double* area, int64_t n, double ix1, double iy1,
                              double ix2, double iy2, double ia, double threshold) {
  return sweep_impl<double>(x1, y1, x2, y2, area, n, ix1, iy1, ix2, iy2, ia, threshold);
}

// The boxes in play, structure-of-arrays, in score order (within a class for batched NMS).
template <typename T>
struct Soa {
  std::vector<T> x1, y1, x2, y2, area;
  std::vector<int32_t> rank;  // position in the score order
  explicit Soa(size_t n) : x1(n), y1(n), x2(n), y2(n), area(n), rank(n) {}
};

// Moves the live boxes of [begin, end) to the front of that range, in order; returns how many.
template <typename T>
int64_t compact(Soa<T>& s, int64_t begin, int64_t end) {
  int64_t w = begin;
  for (int64_t j = begin; j < end; ++j) {
    const T x1 = s.x1[j], y1 = s.y1[j], x2 = s.x2[j], y2 = s.y2[j], a = s.area[j];
    const int32_t r = s.rank[j];
    s.x1[w] = x1;
    s.y1[w] = y1;
    s.x2[w] = x2;
    s.y2[w] = y2;
    s.area[w] = a;
    s.rank[w] = r;
    w += !std::isnan(a);
  }
  return w - begin;
}

// Greedy NMS over s[begin, end) (score order, no NaN area): sets keep[rank] for the kept.
template <typename T>
void greedy(Soa<T>& s, int64_t begin, int64_t end, T threshold, std::vector<uint8_t>& keep) {
  int64_t cur = begin, stop = end, pending = 0;  // pending: suppressed boxes in (cur, stop)
  while (cur < stop) {
    keep[s.rank[cur]] = 1;
    const int64_t rest = stop - cur - 1;
    if (rest == 0) break;
    pending += sweep(&s.x1[cur + 1], &s.y1[cur + 1], &s.x2[cur + 1], &s.y2[cur + 1],
                     &s.area[cur + 1], rest, s.x1[cur], s.y1[cur], s.x2[cur], s.y2[cur],
                     s.area[cur], threshold);
    ++cur;
    // Compact once a quarter of the boxes in play are dead: sweeps then stay on live boxes.
    if (pending >= 16 && pending * 4 >= stop - cur) {
      stop = cur + compact(s, cur, stop);
      pending = 0;
    }
    while (cur < stop && std::isnan(s.area[cur])) {
      ++cur;
      --pending;
    }
  }
}

// Groups the ranks 0..n-1 by class, stably (each group keeps score order). Returns the ranks
// in grouped order and the group boundaries (starts, then n).
std::pair<std::vector<int32_t>, std::vector<int64_t>> group_by_class(
    const std::vector<int64_t>& cls_of_rank) {
  const size_t n = cls_of_rank.size();
  std::vector<int32_t> grouped(n);
  std::vector<int64_t> bounds;
  const auto [lo_it, hi_it] = std::minmax_element(cls_of_rank.begin(), cls_of_rank.end());
  const int64_t lo = *lo_it, hi = *hi_it;
  const bool dense = hi - lo >= 0 && static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) <
                                         2 * static_cast<uint64_t>(n) + 1024;
  if (dense) {  // counting sort
    std::vector<int64_t> start(static_cast<size_t>(hi - lo) + 2, 0);
    for (int64_t c : cls_of_rank) ++start[static_cast<size_t>(c - lo) + 1];
    for (size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
    for (size_t k = 0; k + 1 < start.size(); ++k)
      if (start[k + 1] > start[k]) bounds.push_back(start[k]);
    for (size_t r = 0; r < n; ++r)
      grouped[static_cast<size_t>(start[static_cast<size_t>(cls_of_rank[r] - lo)]++)] =
          static_cast<int32_t>(r);
  } else {
    for (size_t r = 0; r < n; ++r) grouped[r] = static_cast<int32_t>(r);
    std::stable_sort(grouped.begin(), grouped.end(),
                     [&](int32_t a, int32_t b) { return cls_of_rank[a] < cls_of_rank[b]; });
    for (size_t k = 0; k < n; ++k)
      if (k == 0 || cls_of_rank[grouped[k]] != cls_of_rank[grouped[k - 1]])
        bounds.push_back(static_cast<int64_t>(k));
  }
  bounds.push_back(static_cast<int64_t>(n));
  return {std::move(grouped), std::move(bounds)};
}

template <typename T>
std::vector<int64_t> nms_cpu(const T* boxes, const T* scores, size_t n, const int64_t* classes,
                             double iou_threshold) {
  const std::vector<int32_t> order = score_order(scores, n);
  std::vector<int32_t> grouped;
  std::vector<int64_t> bounds;
  if (classes) {
    std::vector<int64_t> cls_of_rank(n);
    for (size_t r = 0; r < n; ++r) cls_of_rank[r] = classes[order[r]];
    std::tie(grouped, bounds) = group_by_class(cls_of_rank);
  } else {
    grouped.resize(n);
    for (size_t r = 0; r < n; ++r) grouped[r] = static_cast<int32_t>(r);
    bounds = {0, static_cast<int64_t>(n)};
  }
  T threshold;
  if constexpr (std::is_same_v<T, float>)
    threshold = float_threshold(iou_threshold);
  else
    threshold = iou_threshold;

  std::vector<uint8_t> keep(n, 0);
  Soa<T> s(n);
  for (size_t g = 0; g + 1 < bounds.size(); ++g) {
    // Gather the group; a box of NaN area has IoU NaN with every box, so it is always kept
    // and never suppresses: it stays out of the sweeps.
    int64_t m = bounds[g];
    for (int64_t k = bounds[g]; k < bounds[g + 1]; ++k) {
      const int32_t r = grouped[k];
      const T* b = boxes + static_cast<size_t>(order[r]) * 4;
      const T area = (b[2] - b[0]) * (b[3] - b[1]);
      if (std::isnan(area)) {
        keep[r] = 1;
        continue;
      }
      s.x1[m] = b[0];
      s.y1[m] = b[1];
      s.x2[m] = b[2];
      s.y2[m] = b[3];
      s.area[m] = area;
      s.rank[m] = r;
      ++m;
    }
    greedy(s, bounds[g], m, threshold, keep);
  }
  std::vector<int64_t> kept;
  for (size_t r = 0; r < n; ++r)
    if (keep[r]) kept.push_back(order[r]);
  return kept;
}

void check_inputs(const char* fn, const at::Tensor& boxes, const at::Tensor& scores) {
  if (!boxes.defined() || boxes.dim() != 2 || boxes.size(1) != 4)
    throw Error(std::string(fn) + ": boxes must be a [N, 4] tensor (x1, y1, x2, y2)");
  if (!scores.defined() || scores.dim() != 1 || scores.size(0) != boxes.size(0))
    throw Error(std::string(fn) + ": scores must be [N] with N = " +
                std::to_string(boxes.size(0)) + " (the number of boxes)");
  const auto t = boxes.scalar_type();
  if (t != at::kFloat && t != at::kDouble)
    throw Error(std::string(fn) + ": boxes must be float or double, got " +
                std::string(c10::toString(t)));
  if (scores.scalar_type() != t)
    throw Error(std::string(fn) + ": scores must have the dtype of boxes (" +
                std::string(c10::toString(t)) + "), got " +
                std::string(c10::toString(scores.scalar_type())));
  if (scores.device() != boxes.device())
    throw Error(std::string(fn) + ": boxes and scores are on different devices");
  if (boxes.size(0) > std::numeric_limits<int32_t>::max())
    throw Error(std::string(fn) + ": too many boxes (" + std::to_string(boxes.size(0)) + ")");
}

at::Tensor run(const at::Tensor& boxes, const at::Tensor& scores, const at::Tensor& classes,
               double iou_threshold) {
  const auto n = static_cast<size_t>(boxes.size(0));
  const auto device = boxes.device();
  const auto long_opts = at::TensorOptions().dtype(at::kLong);
  if (n == 0) return at::empty({0}, long_opts.device(device));
  const auto b = boxes.detach().to(at::kCPU).contiguous();
  const auto s = scores.detach().to(at::kCPU).contiguous();
  at::Tensor c;
  if (classes.defined()) c = classes.detach().to(at::kCPU, at::kLong).contiguous();
  const int64_t* cp = c.defined() ? c.data_ptr<int64_t>() : nullptr;
  std::vector<int64_t> kept;
  if (b.scalar_type() == at::kFloat)
    kept = nms_cpu<float>(b.data_ptr<float>(), s.data_ptr<float>(), n, cp, iou_threshold);
  else
    kept = nms_cpu<double>(b.data_ptr<double>(), s.data_ptr<double>(), n, cp, iou_threshold);
  auto out = at::empty({static_cast<int64_t>(kept.size())}, long_opts);
  std::copy(kept.begin(), kept.end(), out.data_ptr<int64_t>());
  return out.to(device);
}

}  // namespace

at::Tensor nms(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold) {
  check_inputs("nms", boxes, scores);
  return run(boxes, scores, at::Tensor(), iou_threshold);
}

at::Tensor batched_nms(const at::Tensor& boxes, const at::Tensor& scores,
                       const at::Tensor& class_ids, double iou_threshold) {
  check_inputs("batched_nms", boxes, scores);
  if (!class_ids.defined() || class_ids.dim() != 1 || class_ids.size(0) != boxes.size(0))
    throw Error("batched_nms: class_ids must be [N] with N = " + std::to_string(boxes.size(0)));
  if (!at::isIntegralType(class_ids.scalar_type(), /*includeBool=*/false))
    throw Error("batched_nms: class_ids must be an integer tensor, got " +
                std::string(c10::toString(class_ids.scalar_type())));
  return run(boxes, scores, class_ids, iou_threshold);
}

}  // namespace seer::detection
