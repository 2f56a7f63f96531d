#include "seer/nn/bf16_autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/library.h>

namespace seer::nn {
namespace {

// LibTorch 1.13's CPU autocast has no rule for the norms: a bf16 activation meets fp32 weights
// and the op fails ("expected scalar type BFloat16 but found Float"). These kernels give them
// autocast's fp32 policy: the input cast to fp32, then the op itself with autocast skipped.
at::Tensor group_norm_fp32(const at::Tensor& input, int64_t groups, const c10::optional<at::Tensor>& weight,
                           const c10::optional<at::Tensor>& bias, double eps, bool cudnn_enabled) {
  c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::DispatchKey::AutocastCPU);
  return at::group_norm(full_precision(input), groups, weight, bias, eps, cudnn_enabled);
}

at::Tensor batch_norm_fp32(const at::Tensor& input, const c10::optional<at::Tensor>& weight,
                           const c10::optional<at::Tensor>& bias, const c10::optional<at::Tensor>& running_mean,
                           const c10::optional<at::Tensor>& running_var, bool training, double momentum,
                           double eps, bool cudnn_enabled) {
  c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::DispatchKey::AutocastCPU);
  return at::batch_norm(full_precision(input), weight, bias, running_mean, running_var, training, momentum, eps,
                        cudnn_enabled);
}

TORCH_LIBRARY_IMPL(aten, AutocastCPU, m) {
  m.impl("group_norm", TORCH_FN(group_norm_fp32));
  m.impl("batch_norm", TORCH_FN(batch_norm_fp32));
}

}  // namespace

bool cpu_has_native_bf16() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  return __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

Bf16Autocast::Bf16Autocast(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  previous_enabled_ = at::autocast::is_cpu_enabled();
  previous_dtype_ = at::autocast::get_autocast_cpu_dtype();
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::set_cpu_enabled(true);
}

Bf16Autocast::~Bf16Autocast() {
  if (!enabled_) return;
  at::autocast::set_cpu_enabled(previous_enabled_);
  at::autocast::set_autocast_cpu_dtype(previous_dtype_);
  at::autocast::clear_cache();
}

AutocastOff::AutocastOff() : previous_enabled_(at::autocast::is_cpu_enabled()) {
  at::autocast::set_cpu_enabled(false);
}

AutocastOff::~AutocastOff() { at::autocast::set_cpu_enabled(previous_enabled_); }

}  // namespace seer::nn
