#include "seer/detection/ops/roi_align.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include "seer/core/error.h"
#include "seer/detection/ops/channels_last.h"
#include "seer/detection/ops/rois.h"

namespace seer::detection::ops {
namespace {

// One RoI's geometry, computed in T with torchvision's expressions (do not "simplify": the
// order of the floating-point operations is what makes the results bitwise equal).
template <typename T>
struct Geometry {
  int64_t n = 0;
  T start_h = 0, start_w = 0, bin_h = 0, bin_w = 0;
  int64_t grid_h = 0, grid_w = 0;
};

template <typename T>
Geometry<T> geometry(const T* r, T scale, int64_t P, int64_t Q, int64_t sampling_ratio,
                     bool aligned) {
  Geometry<T> g;
  g.n = static_cast<int64_t>(r[0]);
  const T offset = aligned ? T(0.5) : T(0);
  g.start_w = r[1] * scale - offset;
  g.start_h = r[2] * scale - offset;
  const T end_w = r[3] * scale - offset;
  const T end_h = r[4] * scale - offset;
  T roi_w = end_w - g.start_w;
  T roi_h = end_h - g.start_h;
  if (!aligned) {  // malformed RoIs become 1 x 1
    roi_w = std::max(roi_w, T(1));
    roi_h = std::max(roi_h, T(1));
  }
  g.bin_h = roi_h / static_cast<T>(P);
  g.bin_w = roi_w / static_cast<T>(Q);
  // Saturated so that an absurd RoI cannot overflow the int conversion.
  const auto grid = [](T v) { return static_cast<int64_t>(std::min<T>(std::ceil(v), T(1 << 20))); };
  g.grid_h = sampling_ratio > 0 ? sampling_ratio : grid(roi_h / static_cast<T>(P));
  g.grid_w = sampling_ratio > 0 ? sampling_ratio : grid(roi_w / static_cast<T>(Q));
  return g;
}

template <typename T>
inline T sample_y(const Geometry<T>& g, int64_t ph, int64_t iy) {
  return g.start_h + static_cast<T>(ph) * g.bin_h +
         static_cast<T>(iy + .5f) * g.bin_h / static_cast<T>(g.grid_h);
}
template <typename T>
inline T sample_x(const Geometry<T>& g, int64_t pw, int64_t ix) {
  return g.start_w + static_cast<T>(pw) * g.bin_w +
         static_cast<T>(ix + .5f) * g.bin_w / static_cast<T>(g.grid_w);
}

// Bilinear weights and cell indices of point (y, x); false when the point is more than one
// cell outside the map (it then contributes nothing).
template <typename T>
inline bool bilinear(int64_t H, int64_t W, T y, T x, T w[4], int64_t pos[4]) {
  if (!(y >= -1.0 && y <= static_cast<T>(H) && x >= -1.0 && x <= static_cast<T>(W))) return false;
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  int64_t y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x), y_high, x_high;
  if (y_low >= H - 1) {
    y_high = y_low = H - 1;
    y = static_cast<T>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= W - 1) {
    x_high = x_low = W - 1;
    x = static_cast<T>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const T ly = y - static_cast<T>(y_low), lx = x - static_cast<T>(x_low);
  const T hy = static_cast<T>(1. - ly), hx = static_cast<T>(1. - lx);
  w[0] = hy * hx, w[1] = hy * lx, w[2] = ly * hx, w[3] = ly * lx;
  pos[0] = y_low * W + x_low, pos[1] = y_low * W + x_high;
  pos[2] = y_high * W + x_low, pos[3] = y_high * W + x_high;
  return true;
}

// acc[c] += w0 v0[c] + w1 v1[c] + w2 v2[c] + w3 v3[c], in that order (vectorises over c).
template <typename T>
__attribute__((noinline)) void accumulate(T* __restrict acc, const T* __restrict v0,
                                          const T* __restrict v1, const T* __restrict v2,
                                          const T* __restrict v3, const T w[4], int64_t C) {
  const T w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
  for (int64_t c = 0; c < C; ++c) acc[c] += ((w0 * v0[c] + w1 * v1[c]) + w2 * v2[c]) + w3 * v3[c];
}

// x / d for every element. When d is a power of two, x * (1 / d) is the same number (both are
// the correctly rounded x * 2^-k) and much cheaper than a division.
template <typename T>
inline bool power_of_two(int64_t d) {
  return d > 0 && (d & (d - 1)) == 0;
}

// dst[c] += (g[c] * w) / count for c in [c0, c1).
template <typename T>
__attribute__((noinline)) void scatter(T* __restrict dst, const T* __restrict g, T w, T count,
                                       bool pow2, int64_t c0, int64_t c1) {
  if (pow2) {
    const T inv = T(1) / count;
    for (int64_t c = c0; c < c1; ++c) dst[c] += (g[c] * w) * inv;
  } else {
    for (int64_t c = c0; c < c1; ++c) dst[c] += (g[c] * w) / count;
  }
}

struct Params {
  int64_t N, C, H, W, P, Q, K, sampling_ratio;
  bool aligned;
};

// in: [N, H, W, C]; out: [K, C, P, Q].
template <typename T>
void forward_kernel(const T* in, const T* rois, T scale, const Params& p, T* out) {
  const int64_t PQ = p.P * p.Q, C = p.C, HW = p.H * p.W;
  // Each task writes only the outputs of its own RoIs.
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, C * PQ));
  at::parallel_for(0, p.K, grain, [&](int64_t k0, int64_t k1) {
    std::vector<T> buf(PQ * C);  // one RoI's output, channels-last
    for (int64_t k = k0; k < k1; ++k) {
      const auto g = geometry(rois + 5 * k, scale, p.P, p.Q, p.sampling_ratio, p.aligned);
      const T* image = in + g.n * HW * C;
      std::fill(buf.begin(), buf.end(), T(0));
      const int64_t count = std::max<int64_t>(g.grid_h * g.grid_w, 1);
      const T count_t = static_cast<T>(count);
      for (int64_t ph = 0; ph < p.P; ++ph) {
        for (int64_t pw = 0; pw < p.Q; ++pw) {
          T* acc = buf.data() + (ph * p.Q + pw) * C;
          for (int64_t iy = 0; iy < g.grid_h; ++iy) {
            const T y = sample_y(g, ph, iy);
            for (int64_t ix = 0; ix < g.grid_w; ++ix) {
              T w[4];
              int64_t pos[4];
              if (!bilinear(p.H, p.W, y, sample_x(g, pw, ix), w, pos)) continue;
              accumulate(acc, image + pos[0] * C, image + pos[1] * C, image + pos[2] * C,
                         image + pos[3] * C, w, C);
            }
          }
          if (power_of_two<T>(count)) {
            const T inv = T(1) / count_t;
            for (int64_t c = 0; c < C; ++c) acc[c] *= inv;
          } else {
            for (int64_t c = 0; c < C; ++c) acc[c] /= count_t;
          }
        }
      }
      T* o = out + k * C * PQ;
      detail::store_channels_first(buf.data(), o, PQ, C);
    }
  });
}

// go: [K, P, Q, C]; gin: [N, H, W, C], zeroed.
template <typename T>
void backward_kernel(const T* go, const T* rois, T scale, const Params& p, T* gin) {
  const int64_t C = p.C, HW = p.H * p.W;
  // Split over channel blocks: see the header for why this is race-free and deterministic.
  // Blocks of >= 16 channels keep the inner loops long enough to vectorise.
  const int64_t grain = p.K * p.P * p.Q * C < 32768 ? C : std::min<int64_t>(C, 16);
  at::parallel_for(0, C, grain, [&](int64_t c0, int64_t c1) {
    for (int64_t k = 0; k < p.K; ++k) {
      const auto g = geometry(rois + 5 * k, scale, p.P, p.Q, p.sampling_ratio, p.aligned);
      T* image = gin + g.n * HW * C;
      const int64_t count = g.grid_h * g.grid_w;
      const T count_t = static_cast<T>(count);
      const bool pow2 = power_of_two<T>(count);
      for (int64_t ph = 0; ph < p.P; ++ph) {
        for (int64_t pw = 0; pw < p.Q; ++pw) {
          const T* grad = go + ((k * p.P + ph) * p.Q + pw) * C;
          for (int64_t iy = 0; iy < g.grid_h; ++iy) {
            const T y = sample_y(g, ph, iy);
            for (int64_t ix = 0; ix < g.grid_w; ++ix) {
              T w[4];
              int64_t pos[4];
              if (!bilinear(p.H, p.W, y, sample_x(g, pw, ix), w, pos)) continue;
              for (int j = 0; j < 4; ++j)
                scatter(image + pos[j] * C, grad, w[j], count_t, pow2, c0, c1);
            }
          }
        }
      }
    }
  });
}

class RoIAlignFn : public torch::autograd::Function<RoIAlignFn> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input,
                            const at::Tensor& rois, int64_t P, int64_t Q, double spatial_scale,
                            int64_t sampling_ratio, bool aligned) {
    const Params p{input.size(0), input.size(1), input.size(2), input.size(3), P, Q,
                   rois.size(0),  sampling_ratio, aligned};
    auto out = at::empty({p.K, p.C, P, Q}, input.options());
    if (out.numel() > 0 && p.H * p.W > 0) {
      const auto nhwc = input.permute({0, 2, 3, 1}).contiguous();
      AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "roi_align_forward", [&] {
        forward_kernel<scalar_t>(nhwc.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(),
                                 static_cast<scalar_t>(spatial_scale), p, out.data_ptr<scalar_t>());
      });
    } else {
      out.zero_();
    }
    ctx->save_for_backward({rois});
    ctx->saved_data["sizes"] = std::vector<int64_t>{p.N, p.C, p.H, p.W, P, Q, sampling_ratio};
    ctx->saved_data["aligned"] = aligned;
    ctx->saved_data["scale"] = spatial_scale;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto rois = ctx->get_saved_variables()[0];
    const auto s = ctx->saved_data["sizes"].toIntVector();
    const Params p{s[0], s[1], s[2], s[3], s[4], s[5], rois.size(0), s[6],
                   ctx->saved_data["aligned"].toBool()};
    const double scale = ctx->saved_data["scale"].toDouble();
    const auto& go = grads[0];
    at::Tensor gin;
    if (go.numel() > 0 && p.H * p.W > 0) {
      const auto go_nhwc = go.permute({0, 2, 3, 1}).contiguous();
      auto gin_nhwc = at::zeros({p.N, p.H, p.W, p.C}, go.options());
      AT_DISPATCH_FLOATING_TYPES(go.scalar_type(), "roi_align_backward", [&] {
        backward_kernel<scalar_t>(go_nhwc.data_ptr<scalar_t>(), rois.data_ptr<scalar_t>(),
                                  static_cast<scalar_t>(scale), p, gin_nhwc.data_ptr<scalar_t>());
      });
      gin = gin_nhwc.permute({0, 3, 1, 2}).contiguous();
    } else {
      gin = at::zeros({p.N, p.C, p.H, p.W}, go.options());
    }
    return {gin, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(),
            at::Tensor()};
  }
};

}  // namespace

at::Tensor roi_align(const at::Tensor& input, const at::Tensor& rois, at::IntArrayRef output_size,
                     double spatial_scale, int64_t sampling_ratio, bool aligned) {
  detail::check_feature_map("roi_align", input);
  const auto [P, Q] = detail::checked_output_size("roi_align", output_size);
  if (!(spatial_scale > 0) || !std::isfinite(spatial_scale))
    throw Error("roi_align: spatial_scale must be positive and finite");
  if (!input.device().is_cpu()) {
    // No device kernel: compute on the CPU; the copies are differentiable, so the gradient
    // returns to `input` on its device.
    return roi_align(input.cpu(), rois, output_size, spatial_scale, sampling_ratio, aligned)
        .to(input.device());
  }
  const auto r = detail::checked_rois("roi_align", input, rois, input.scalar_type());
  return RoIAlignFn::apply(input, r, P, Q, spatial_scale, sampling_ratio, aligned);
}

}  // namespace seer::detection::ops
