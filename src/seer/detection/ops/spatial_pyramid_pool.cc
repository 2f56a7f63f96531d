#include "seer/detection/ops/spatial_pyramid_pool.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>

#include "seer/core/error.h"
#include "seer/detection/ops/max_pool_bins.h"
#include "seer/detection/ops/rois.h"

namespace seer::detection::ops {
namespace {

constexpr double kSnap = 1e-4;  // cells: a coordinate this close to an integer is on it
constexpr double kLimit = 1 << 30;

// First cell touched by a window starting at v (cells): floor, snapping near-integers.
int64_t first_cell(double v) {
  const double r = std::round(v);
  const double c = std::abs(v - r) < kSnap ? r : std::floor(v);
  return static_cast<int64_t>(std::clamp(c, -kLimit, kLimit));
}
// One past the last cell touched by a window ending at v: ceil, snapping near-integers.
int64_t end_cell(double v) {
  const double r = std::round(v);
  const double c = std::abs(v - r) < kSnap ? r : std::ceil(v);
  return static_cast<int64_t>(std::clamp(c, -kLimit, kLimit));
}

// The n bins of a window [a, a + h) (h >= 1), clipped to [0, size).
void level_bins(int64_t a, int64_t h, int64_t n, int64_t size, int64_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t s = a + (i * h) / n;
    const int64_t e = a + ((i + 1) * h + n - 1) / n;
    out[2 * i] = std::clamp<int64_t>(s, 0, size);
    out[2 * i + 1] = std::clamp<int64_t>(e, 0, size);
  }
}

}  // namespace

int64_t spatial_pyramid_pool_size(int64_t channels, const std::vector<int64_t>& levels) {
  int64_t bins = 0;
  for (const int64_t n : levels) bins += n * n;
  return channels * bins;
}

at::Tensor spatial_pyramid_pool(const at::Tensor& input, const at::Tensor& rois,
                                const std::vector<int64_t>& levels, double spatial_scale) {
  detail::check_feature_map("spatial_pyramid_pool", input);
  if (levels.empty()) throw Error("spatial_pyramid_pool: levels must not be empty");
  for (const int64_t n : levels)
    if (n < 1 || n > 4096)
      throw Error("spatial_pyramid_pool: every level must be in [1, 4096], got " +
                  std::to_string(n));
  if (!(spatial_scale > 0) || !std::isfinite(spatial_scale))
    throw Error("spatial_pyramid_pool: spatial_scale must be positive and finite");
  if (!input.device().is_cpu()) {
    // No device kernel: pool on the CPU; the copies are differentiable.
    return spatial_pyramid_pool(input.cpu(), rois, levels, spatial_scale).to(input.device());
  }
  // Window geometry in double whatever the input's type (there is no reference to match).
  const auto r = detail::checked_rois("spatial_pyramid_pool", input, rois, at::kDouble);
  const int64_t K = r.size(0), H = input.size(2), W = input.size(3);
  const double* p = r.data_ptr<double>();
  auto batch = at::empty({K}, at::kLong);
  std::vector<int64_t> x0(K), y0(K), w(K), h(K);
  for (int64_t k = 0; k < K; ++k) {
    batch.data_ptr<int64_t>()[k] = static_cast<int64_t>(p[5 * k]);
    x0[k] = first_cell(p[5 * k + 1] * spatial_scale);
    y0[k] = first_cell(p[5 * k + 2] * spatial_scale);
    w[k] = std::max<int64_t>(end_cell(p[5 * k + 3] * spatial_scale) - x0[k], 1);
    h[k] = std::max<int64_t>(end_cell(p[5 * k + 4] * spatial_scale) - y0[k], 1);
    // Keep a + (n + 1) * h well inside int64 for huge boxes (such bins are clipped anyway).
    w[k] = std::min<int64_t>(w[k], 1 << 30);
    h[k] = std::min<int64_t>(h[k], 1 << 30);
  }
  std::vector<at::Tensor> parts;
  parts.reserve(levels.size());
  for (const int64_t n : levels) {
    auto rows = at::empty({K, n, 2}, at::kLong);
    auto cols = at::empty({K, n, 2}, at::kLong);
    for (int64_t k = 0; k < K; ++k) {
      level_bins(y0[k], h[k], n, H, rows.data_ptr<int64_t>() + k * n * 2);
      level_bins(x0[k], w[k], n, W, cols.data_ptr<int64_t>() + k * n * 2);
    }
    parts.push_back(max_pool_bins(input, batch, rows, cols, BinMaxStart::kFirstCell).flatten(1));
  }
  return parts.size() == 1 ? parts[0] : at::cat(parts, 1);
}

}  // namespace seer::detection::ops
