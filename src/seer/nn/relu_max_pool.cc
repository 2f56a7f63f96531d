#include "seer/nn/relu_max_pool.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/nn/functional/pooling.h>

namespace seer::nn {
namespace {

// True when any of the n floats is NaN: an integer max over |bits| (vectorises, unlike a float
// test with early exit); NaN is an exponent of all ones with a non-zero mantissa.
template <typename T>
bool has_nan(const T* v, int64_t n) {
  if constexpr (sizeof(T) == 4) {
    uint32_t top = 0;
    for (int64_t i = 0; i < n; ++i) {
      uint32_t b;
      std::memcpy(&b, v + i, 4);
      b &= 0x7fffffffu;
      top = b > top ? b : top;
    }
    return top > 0x7f800000u;
  } else {
    uint64_t top = 0;
    for (int64_t i = 0; i < n; ++i) {
      uint64_t b;
      std::memcpy(&b, v + i, 8);
      b &= 0x7fffffffffffffffull;
      top = b > top ? b : top;
    }
    return top > 0x7ff0000000000000ull;
  }
}

// One output row of the forward, exact max_pool2d(relu(.)) semantics including NaN: scan the
// window row-major and take a value when it is greater or NaN. Slow (branches); used only for
// rows that hold a NaN.
template <typename T>
void forward_row_exact(const T* r0, const T* r1, T* o, int64_t Wo) {
  for (int64_t ow = 0; ow < Wo; ++ow) {
    const T v[4] = {r0[2 * ow], r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1]};
    T m = v[0];
    for (int j = 1; j < 4; ++j)
      if (v[j] > m || std::isnan(v[j])) m = v[j];
    o[ow] = (m > T(0) || std::isnan(m)) ? m : T(0);
  }
}

// One plane [H, W] -> [H/2, W/2]. The fast loop is branch-free and vectorises; it cannot
// see NaN (a comparison with NaN is false), so rows holding one are redone exactly.
template <typename T>
__attribute__((noinline)) void forward_row(const T* __restrict r0, const T* __restrict r1, T* __restrict o, int64_t Wo) {
  for (int64_t ow = 0; ow < Wo; ++ow) {
    const T v0 = r0[2 * ow], v1 = r0[2 * ow + 1], v2 = r1[2 * ow], v3 = r1[2 * ow + 1];
    const T a = v0 > v1 ? v0 : v1;
    const T b = v2 > v3 ? v2 : v3;
    const T m = a > b ? a : b;
    o[ow] = m > T(0) ? m : T(0);
  }
}

template <typename T>
void forward_plane(const T* in, T* out, int64_t H, int64_t W) {
  const int64_t Ho = H / 2, Wo = W / 2;
  for (int64_t oh = 0; oh < Ho; ++oh) {
    const T* r0 = in + (2 * oh) * W;
    forward_row(r0, r0 + W, out + oh * Wo, Wo);
    if (has_nan(r0, 2 * W)) forward_row_exact(r0, r0 + W, out + oh * Wo, Wo);
  }
}

// Gradient of one plane. The gradient of output (oh, ow) goes to the first input of its
// window (row-major) equal to the output, when the output is positive: that is max_pool2d's
// argmax, recomputed from the saved input instead of stored. Inputs the pooling drops (an odd
// last row or column) get zero. A NaN output routes no gradient (the loss is NaN anyway).
// One output row's gradient. A separate, not inlined function with restrict pointers: inlined
// into the autograd node's apply(), GCC 12 no longer if-converts (and vectorises) the loop.
template <typename T>
__attribute__((noinline)) void backward_row(const T* __restrict r0, const T* __restrict r1, const T* __restrict o,
                  const T* __restrict go, T* __restrict g0, T* __restrict g1, int64_t Wo) {
  for (int64_t ow = 0; ow < Wo; ++ow) {
    const T v0 = r0[2 * ow], v1 = r0[2 * ow + 1], v2 = r1[2 * ow], v3 = r1[2 * ow + 1];
    const T m = o[ow], grad = go[ow];  // loaded unconditionally: a conditional load blocks vectorising
    const T gv = m > T(0) ? grad : T(0);
    // The first input equal to the maximum takes the gradient (bit masks, no jumps).
    const bool e0 = v0 == m;
    const bool e1 = (v1 == m) & !e0;
    const bool e2 = (v2 == m) & !(e0 | e1);
    const bool e3 = (v3 == m) & !(e0 | e1 | e2);
    g0[2 * ow] = e0 ? gv : T(0);
    g0[2 * ow + 1] = e1 ? gv : T(0);
    g1[2 * ow] = e2 ? gv : T(0);
    g1[2 * ow + 1] = e3 ? gv : T(0);
  }
}

template <typename T>
void backward_plane(const T* in, const T* out, const T* g, T* gin, int64_t H, int64_t W) {
  const int64_t Ho = H / 2, Wo = W / 2;
  for (int64_t oh = 0; oh < Ho; ++oh) {
    T* g0 = gin + (2 * oh) * W;
    T* g1 = g0 + W;
    backward_row(in + (2 * oh) * W, in + (2 * oh + 1) * W, out + oh * Wo, g + oh * Wo, g0, g1, Wo);
    if (W % 2) g0[W - 1] = g1[W - 1] = T(0);
  }
  if (H % 2) std::fill(gin + (H - 1) * W, gin + H * W, T(0));
}

// Planes per parallel task: enough work per task to amortise scheduling.
int64_t grain_for(int64_t plane_size) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, plane_size)); }

// Forward on a contiguous CPU tensor.
torch::Tensor forward_cpu(const torch::Tensor& x) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  auto out = torch::empty({N, C, H / 2, W / 2}, x.options());
  const int64_t planes = N * C, in_plane = H * W, out_plane = (H / 2) * (W / 2);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "relu_max_pool2x2", [&] {
    const scalar_t* in = x.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    at::parallel_for(0, planes, grain_for(in_plane), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p)
        forward_plane(in + p * in_plane, o + p * out_plane, H, W);
    });
  });
  return out;
}

class ReluMaxPool2x2Fn : public torch::autograd::Function<ReluMaxPool2x2Fn> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    auto out = forward_cpu(x);
    ctx->save_for_backward({x, out});
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& out = saved[1];
    auto g = grads[0].contiguous();
    const int64_t H = x.size(2), W = x.size(3);
    auto gin = torch::empty_like(x);
    const int64_t planes = x.size(0) * x.size(1), in_plane = H * W, out_plane = (H / 2) * (W / 2);
    AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "relu_max_pool2x2_backward", [&] {
      const scalar_t* xi = x.data_ptr<scalar_t>();
      const scalar_t* o = out.data_ptr<scalar_t>();
      const scalar_t* go = g.data_ptr<scalar_t>();
      scalar_t* gi = gin.data_ptr<scalar_t>();
      at::parallel_for(0, planes, grain_for(in_plane), [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
          backward_plane(xi + p * in_plane, o + p * out_plane, go + p * out_plane,
                         gi + p * in_plane, H, W);
        }
      });
    });
    return {gin};
  }
};

}  // namespace

torch::Tensor relu_max_pool2x2(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4, "relu_max_pool2x2: expected [N, C, H, W], got ", x.sizes());
  const bool ours = x.device().is_cpu() &&
                    (x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble) &&
                    x.size(2) >= 2 && x.size(3) >= 2;
  if (!ours) {
    return torch::nn::functional::max_pool2d(torch::relu(x),
                                             torch::nn::functional::MaxPool2dFuncOptions(2));
  }
  auto xc = x.contiguous();
  if (xc.requires_grad() && torch::GradMode::is_enabled()) return ReluMaxPool2x2Fn::apply(xc);
  return forward_cpu(xc);
}

}  // namespace seer::nn
