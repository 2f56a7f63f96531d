#include "seer/detection/ops/max_pool_bins.h"

#include <cfloat>
#include <cstdint>
#include <limits>
#include <type_traits>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include "seer/core/error.h"
#include "seer/detection/ops/channels_last.h"

namespace seer::detection::ops {
namespace {

// One cell of a bin for every channel at once (channels-last): keep v where it is strictly
// greater than the running maximum m, and then its position in idx. NaN compares false, so it
// never replaces the maximum. GCC turns the plain loop into a compare-and-branch per channel
// (it sees that the stores are no-ops when the test fails), so float has explicit vector
// blends: SSE2 (every x86-64) and AVX2 (chosen at run time when the CPU has it).
template <typename T>
void scan_cell_scalar(T* __restrict m, int32_t* __restrict idx, const T* __restrict v,
                      int32_t pos, int64_t c, int64_t C) {
  for (; c < C; ++c)
    if (v[c] > m[c]) m[c] = v[c], idx[c] = pos;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void scan_cell_avx2(float* __restrict m, int32_t* __restrict idx,
                                                    const float* __restrict v, int32_t pos,
                                                    int64_t C) {
  const __m256i p = _mm256_set1_epi32(pos);
  int64_t c = 0;
  for (; c + 8 <= C; c += 8) {
    const __m256 mv = _mm256_loadu_ps(m + c), vv = _mm256_loadu_ps(v + c);
    const __m256 gt = _mm256_cmp_ps(vv, mv, _CMP_GT_OQ);
    _mm256_storeu_ps(m + c, _mm256_blendv_ps(mv, vv, gt));
    const __m256i iv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + c));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + c),
                        _mm256_castps_si256(_mm256_blendv_ps(
                            _mm256_castsi256_ps(iv), _mm256_castsi256_ps(p), gt)));
  }
  scan_cell_scalar(m, idx, v, pos, c, C);
}

void scan_cell_sse2(float* __restrict m, int32_t* __restrict idx, const float* __restrict v,
                    int32_t pos, int64_t C) {
  const __m128i p = _mm_set1_epi32(pos);
  int64_t c = 0;
  for (; c + 4 <= C; c += 4) {
    const __m128 mv = _mm_loadu_ps(m + c), vv = _mm_loadu_ps(v + c);
    const __m128 gt = _mm_cmpgt_ps(vv, mv);
    _mm_storeu_ps(m + c, _mm_or_ps(_mm_and_ps(gt, vv), _mm_andnot_ps(gt, mv)));
    const __m128i g = _mm_castps_si128(gt);
    const __m128i iv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + c));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(idx + c),
                     _mm_or_si128(_mm_and_si128(g, p), _mm_andnot_si128(g, iv)));
  }
  scan_cell_scalar(m, idx, v, pos, c, C);
}

// __builtin_cpu_init first: this initialiser may run before libgcc's own.
const bool kHasAvx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
#endif

inline void scan_cell(float* m, int32_t* idx, const float* v, int32_t pos, int64_t C) {
#if defined(__x86_64__)
  if (kHasAvx2)
    scan_cell_avx2(m, idx, v, pos, C);
  else
    scan_cell_sse2(m, idx, v, pos, C);
#else
  scan_cell_scalar(m, idx, v, pos, 0, C);
#endif
}
inline void scan_cell(double* m, int32_t* idx, const double* v, int32_t pos, int64_t C) {
  scan_cell_scalar(m, idx, v, pos, 0, C);
}

// in: [N, H, W, C] (channels-last); out, arg: [K, C, P, Q].
template <typename T>
void forward_kernel(const T* in, int64_t C, int64_t H, int64_t W, const int64_t* batch,
                    const int64_t* rows, int64_t P, const int64_t* cols, int64_t Q, int64_t K,
                    BinMaxStart start, T* out, int32_t* arg) {
  const int64_t PQ = P * Q, HW = H * W;
  // Each task writes only the outputs of its own regions: no two threads share an output.
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, C * PQ));
  at::parallel_for(0, K, grain, [&](int64_t k0, int64_t k1) {
    // One region's result, channels-last: every bin scans its cells once for all channels,
    // in row-major order, so the first maximum wins as in a per-channel scan.
    std::vector<T> m(PQ * C);
    std::vector<int32_t> idx(PQ * C);
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t* r = rows + k * P * 2;
      const int64_t* c = cols + k * Q * 2;
      const T* image = in + batch[k] * HW * C;
      for (int64_t ph = 0; ph < P; ++ph) {
        const int64_t hs = r[2 * ph], he = r[2 * ph + 1];
        for (int64_t pw = 0; pw < Q; ++pw) {
          const int64_t ws = c[2 * pw], we = c[2 * pw + 1];
          T* mb = m.data() + (ph * Q + pw) * C;
          int32_t* ib = idx.data() + (ph * Q + pw) * C;
          if (he <= hs || we <= ws) {
            std::fill(mb, mb + C, T(0));
            std::fill(ib, ib + C, -1);
            continue;
          }
          if (start == BinMaxStart::kLowest) {
            std::fill(mb, mb + C, static_cast<T>(-FLT_MAX));
            std::fill(ib, ib + C, -1);
          } else {
            const int64_t first = hs * W + ws;
            std::copy(image + first * C, image + (first + 1) * C, mb);
            std::fill(ib, ib + C, static_cast<int32_t>(first));
          }
          for (int64_t h = hs; h < he; ++h)
            for (int64_t w = ws; w < we; ++w)
              scan_cell(mb, ib, image + (h * W + w) * C, static_cast<int32_t>(h * W + w), C);
        }
      }
      T* o = out + k * C * PQ;
      int32_t* a = arg + k * C * PQ;
      detail::store_channels_first(m.data(), o, PQ, C);
      detail::store_channels_first(idx.data(), a, PQ, C);
    }
  });
}

// Race-free without atomics: the work is split over channels, and every input cell that a
// gradient is added to belongs to exactly one channel, so two threads never write the same
// cell. Within a channel the adds happen in region order, then bin order, exactly as a serial
// loop (and torchvision's kernel) does them, so the sums are bitwise the same at any thread
// count.
template <typename T>
void backward_kernel(const T* go, const int32_t* arg, const int64_t* batch, int64_t K, int64_t C,
                     int64_t HW, int64_t PQ, T* gin) {
  const int64_t grain = K * PQ * C < 32768 ? C : 1;
  at::parallel_for(0, C, grain, [&](int64_t c0, int64_t c1) {
    for (int64_t k = 0; k < K; ++k) {
      T* image = gin + batch[k] * C * HW;
      for (int64_t ch = c0; ch < c1; ++ch) {
        T* plane = image + ch * HW;
        const T* g = go + (k * C + ch) * PQ;
        const int32_t* a = arg + (k * C + ch) * PQ;
        for (int64_t i = 0; i < PQ; ++i)
          if (a[i] >= 0) plane[a[i]] += g[i];
      }
    }
  });
}

class MaxPoolBinsFn : public torch::autograd::Function<MaxPoolBinsFn> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input,
                            const at::Tensor& batch, const at::Tensor& rows,
                            const at::Tensor& cols, int64_t start) {
    const int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
    const int64_t K = batch.size(0), P = rows.size(1), Q = cols.size(1);
    auto out = at::empty({K, C, P, Q}, input.options());
    auto arg = at::empty({K, C, P, Q}, input.options().dtype(at::kInt));
    if (out.numel() > 0) {
      const auto nhwc = input.permute({0, 2, 3, 1}).contiguous();
      AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "max_pool_bins_forward", [&] {
        forward_kernel<scalar_t>(nhwc.data_ptr<scalar_t>(), C, H, W, batch.data_ptr<int64_t>(),
                                 rows.data_ptr<int64_t>(), P, cols.data_ptr<int64_t>(), Q, K,
                                 static_cast<BinMaxStart>(start), out.data_ptr<scalar_t>(),
                                 arg.data_ptr<int32_t>());
      });
    }
    ctx->save_for_backward({arg, batch});
    ctx->saved_data["N"] = N;
    ctx->saved_data["H"] = H;
    ctx->saved_data["W"] = W;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& arg = saved[0];
    const auto& batch = saved[1];
    const int64_t N = ctx->saved_data["N"].toInt(), H = ctx->saved_data["H"].toInt(),
                  W = ctx->saved_data["W"].toInt();
    const auto go = grads[0].contiguous();
    const int64_t K = arg.size(0), C = arg.size(1), PQ = arg.size(2) * arg.size(3);
    auto gin = at::zeros({N, C, H, W}, go.options());
    if (go.numel() > 0 && gin.numel() > 0) {
      AT_DISPATCH_FLOATING_TYPES(go.scalar_type(), "max_pool_bins_backward", [&] {
        backward_kernel<scalar_t>(go.data_ptr<scalar_t>(), arg.data_ptr<int32_t>(),
                                  batch.data_ptr<int64_t>(), K, C, H * W, PQ,
                                  gin.data_ptr<scalar_t>());
      });
    }
    return {gin, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor max_pool_bins(const at::Tensor& input, const at::Tensor& batch, const at::Tensor& rows,
                         const at::Tensor& cols, BinMaxStart start) {
  if (!input.device().is_cpu()) throw Error("max_pool_bins: input must be on the CPU");
  if (input.dim() != 4 || (input.scalar_type() != at::kFloat && input.scalar_type() != at::kDouble))
    throw Error("max_pool_bins: input must be a float or double [N, C, H, W] tensor");
  if (input.size(2) * input.size(3) > std::numeric_limits<int32_t>::max())
    throw Error("max_pool_bins: feature map too large (H * W must fit in 32 bits)");
  const int64_t K = batch.size(0);
  if (batch.scalar_type() != at::kLong || rows.scalar_type() != at::kLong ||
      cols.scalar_type() != at::kLong || rows.dim() != 3 || cols.dim() != 3 ||
      rows.size(0) != K || cols.size(0) != K || rows.size(2) != 2 || cols.size(2) != 2)
    throw Error("max_pool_bins: batch [K], rows [K, P, 2] and cols [K, Q, 2] must be int64");
  auto b = batch.contiguous();
  auto r = rows.contiguous();
  auto c = cols.contiguous();
  // Bins out of the map would read and write out of bounds: check them (K * (P + Q) values).
  const auto in_range = [](const at::Tensor& t, int64_t lo, int64_t hi) {
    const int64_t* p = t.data_ptr<int64_t>();
    for (int64_t i = 0; i < t.numel(); ++i)
      if (p[i] < lo || p[i] > hi) return false;
    return true;
  };
  if (!in_range(b, 0, input.size(0) - 1) || !in_range(r, 0, input.size(2)) ||
      !in_range(c, 0, input.size(3)))
    throw Error("max_pool_bins: a batch index or bin lies outside the feature map");
  return MaxPoolBinsFn::apply(input, b, r, c, static_cast<int64_t>(start));
}

}  // namespace seer::detection::ops
