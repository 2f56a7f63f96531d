#include "seer/nn/dropout.h"

#include <cstdint>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/nn/functional/dropout.h>

#include "seer/core/error.h"

namespace seer::nn {
namespace {

// SplitMix64's finaliser: a bijective mix, so (seed + index * odd) -> independent-looking bits.
inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t draw_seed() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get<at::CPUGeneratorImpl>()->random64();
}

// mask[i] = scale when unit i is kept, else 0. Each 64-bit hash gives two 32-bit uniforms.
template <typename T>
void fill_mask(T* mask, int64_t n, uint64_t seed, double p) {
  // P(u < t) = t / 2^32 for u uniform on 32 bits: p to within 2^-32.
  const uint64_t drop_below = static_cast<uint64_t>(p * 4294967296.0 + 0.5);
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  const int64_t words = (n + 1) / 2;
  at::parallel_for(0, words, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      const uint64_t h = mix(seed + static_cast<uint64_t>(w) * 0x9e3779b97f4a7c15ULL);
      for (int64_t j = 0; j < 2; ++j) {
        const int64_t i = w * 2 + j;
        if (i >= n) break;
        const uint64_t u = (h >> (32 * j)) & 0xffffffffULL;
        mask[i] = u < drop_below ? T(0) : scale;
      }
    }
  });
}

class DropoutFn : public torch::autograd::Function<DropoutFn> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               double p) {
    auto mask = torch::empty_like(x, torch::MemoryFormat::Contiguous);
    const uint64_t seed = draw_seed();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "seer_dropout", [&] {
      fill_mask(mask.data_ptr<scalar_t>(), mask.numel(), seed, p);
    });
    ctx->saved_data["mask"] = mask;
    return x * mask;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto mask = ctx->saved_data["mask"].toTensor();
    return {grads[0] * mask, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor dropout(const torch::Tensor& x, double p, bool training) {
  if (!(p >= 0.0 && p < 1.0)) throw Error("dropout: p must be in [0, 1), got " + std::to_string(p));
  if (!training || p == 0.0) return x;
  const bool ours = x.device().is_cpu() &&
                    (x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble);
  if (!ours) return torch::dropout(x, p, true);
  return DropoutFn::apply(x, p);
}

DropoutImpl::DropoutImpl(double p) : p_(p) {
  if (!(p >= 0.0 && p < 1.0)) throw Error("dropout: p must be in [0, 1), got " + std::to_string(p));
}

}  // namespace seer::nn
