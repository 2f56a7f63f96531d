#include "seer/detection/ops/roi_pool.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>

#include "seer/core/error.h"
#include "seer/detection/ops/max_pool_bins.h"
#include "seer/detection/ops/rois.h"

namespace seer::detection::ops {
namespace {

// int(v) for a value already rounded, saturated so that huge boxes cannot overflow (the bins
// are clipped to the map afterwards, so saturating changes no result).
template <typename T>
int64_t saturate(T v) {
  constexpr T limit = static_cast<T>(1 << 30);
  return static_cast<int64_t>(std::clamp(v, -limit, limit));
}

// The bins of each RoI, exactly as torchvision's roi_pool computes them (in T).
template <typename T>
void roi_pool_bins(const T* r, int64_t K, T scale, int64_t P, int64_t Q, int64_t H, int64_t W,
                   int64_t* batch, int64_t* rows, int64_t* cols) {
  for (int64_t k = 0; k < K; ++k, r += 5) {
    batch[k] = static_cast<int64_t>(r[0]);
    const int64_t x1 = saturate(std::round(r[1] * scale));
    const int64_t y1 = saturate(std::round(r[2] * scale));
    const int64_t x2 = saturate(std::round(r[3] * scale));
    const int64_t y2 = saturate(std::round(r[4] * scale));
    const int64_t w = std::max<int64_t>(x2 - x1 + 1, 1);
    const int64_t h = std::max<int64_t>(y2 - y1 + 1, 1);
    const T bin_h = static_cast<T>(h) / static_cast<T>(P);
    const T bin_w = static_cast<T>(w) / static_cast<T>(Q);
    for (int64_t i = 0; i < P; ++i) {
      const int64_t s = static_cast<int64_t>(std::floor(static_cast<T>(i) * bin_h));
      const int64_t e = static_cast<int64_t>(std::ceil(static_cast<T>(i + 1) * bin_h));
      rows[(k * P + i) * 2] = std::clamp<int64_t>(s + y1, 0, H);
      rows[(k * P + i) * 2 + 1] = std::clamp<int64_t>(e + y1, 0, H);
    }
    for (int64_t j = 0; j < Q; ++j) {
      const int64_t s = static_cast<int64_t>(std::floor(static_cast<T>(j) * bin_w));
      const int64_t e = static_cast<int64_t>(std::ceil(static_cast<T>(j + 1) * bin_w));
      cols[(k * Q + j) * 2] = std::clamp<int64_t>(s + x1, 0, W);
      cols[(k * Q + j) * 2 + 1] = std::clamp<int64_t>(e + x1, 0, W);
    }
  }
}

}  // namespace

at::Tensor roi_pool(const at::Tensor& input, const at::Tensor& rois, at::IntArrayRef output_size,
                    double spatial_scale) {
  detail::check_feature_map("roi_pool", input);
  const auto [P, Q] = detail::checked_output_size("roi_pool", output_size);
  if (!(spatial_scale > 0) || !std::isfinite(spatial_scale))
    throw Error("roi_pool: spatial_scale must be positive and finite");
  if (!input.device().is_cpu()) {
    // No device kernel: pool on the CPU; the copies are differentiable, so the gradient
    // returns to `input` on its device.
    return roi_pool(input.cpu(), rois, output_size, spatial_scale).to(input.device());
  }
  const auto r = detail::checked_rois("roi_pool", input, rois, input.scalar_type());
  const int64_t K = r.size(0);
  auto batch = at::empty({K}, at::kLong);
  auto rows = at::empty({K, P, 2}, at::kLong);
  auto cols = at::empty({K, Q, 2}, at::kLong);
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "roi_pool_bins", [&] {
    roi_pool_bins<scalar_t>(r.data_ptr<scalar_t>(), K, static_cast<scalar_t>(spatial_scale), P,
                            Q, input.size(2), input.size(3), batch.data_ptr<int64_t>(),
                            rows.data_ptr<int64_t>(), cols.data_ptr<int64_t>());
  });
  return max_pool_bins(input, batch, rows, cols, BinMaxStart::kLowest);
}

}  // namespace seer::detection::ops
