#include "seer/textcnn/adadelta.h"

#include <cmath>

#include <ATen/Parallel.h>
#include <torch/torch.h>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace seer::textcnn {
namespace {

// One pass of the update over n floats. The arithmetic follows torch.optim.Adadelta's
// operation order (mul_ then addcmul_, sqrt of (x + eps), divide, multiply, add with -lr);
// no fused multiply-add, so results agree with PyTorch's to float rounding.
void adadelta_kernel(float* p, const float* g, float* sq, float* acc, int64_t n, float rho,
                     float one_minus_rho, float eps, float neg_lr, float wd) {
  at::parallel_for(0, n, 32768, [&](int64_t b, int64_t e) {
    int64_t i = b;
#if defined(__SSE2__)
    if (wd == 0.f) {
      const __m128 vr = _mm_set1_ps(rho), vc = _mm_set1_ps(one_minus_rho);
      const __m128 ve = _mm_set1_ps(eps), vl = _mm_set1_ps(neg_lr);
      for (; i + 4 <= e; i += 4) {
        const __m128 gi = _mm_loadu_ps(g + i);
        __m128 s = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(sq + i), vr),
                              _mm_mul_ps(_mm_mul_ps(vc, gi), gi));
        _mm_storeu_ps(sq + i, s);
        const __m128 stdv = _mm_sqrt_ps(_mm_add_ps(s, ve));
        __m128 a = _mm_loadu_ps(acc + i);
        const __m128 d = _mm_mul_ps(_mm_div_ps(_mm_sqrt_ps(_mm_add_ps(a, ve)), stdv), gi);
        a = _mm_add_ps(_mm_mul_ps(a, vr), _mm_mul_ps(_mm_mul_ps(vc, d), d));
        _mm_storeu_ps(acc + i, a);
        _mm_storeu_ps(p + i, _mm_add_ps(_mm_loadu_ps(p + i), _mm_mul_ps(vl, d)));
      }
    }
#endif
    for (; i < e; ++i) {
      const float gi = wd == 0.f ? g[i] : g[i] + wd * p[i];
      const float s = sq[i] * rho + one_minus_rho * gi * gi;
      sq[i] = s;
      const float d = std::sqrt(acc[i] + eps) / std::sqrt(s + eps) * gi;
      acc[i] = acc[i] * rho + one_minus_rho * d * d;
      p[i] = p[i] + neg_lr * d;
    }
  });
}

}  // namespace

void AdadeltaOptions::serialize(torch::serialize::InputArchive& archive) {
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, lr);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, rho);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, eps);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, weight_decay);
}

void AdadeltaOptions::serialize(torch::serialize::OutputArchive& archive) const {
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(lr);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(rho);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(eps);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(weight_decay);
}

void AdadeltaParamState::serialize(torch::serialize::InputArchive& archive) {
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(torch::Tensor, square_avg);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(torch::Tensor, acc_delta);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(int64_t, step);
}

void AdadeltaParamState::serialize(torch::serialize::OutputArchive& archive) const {
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(square_avg);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(acc_delta);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(step);
}

Adadelta::Adadelta(std::vector<torch::optim::OptimizerParamGroup> param_groups,
                   AdadeltaOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdadeltaOptions>(defaults)) {
  TORCH_CHECK(defaults.lr() >= 0, "Invalid learning rate: ", defaults.lr());
  TORCH_CHECK(defaults.rho() >= 0 && defaults.rho() <= 1, "Invalid rho: ", defaults.rho());
  TORCH_CHECK(defaults.eps() >= 0, "Invalid epsilon: ", defaults.eps());
  TORCH_CHECK(defaults.weight_decay() >= 0, "Invalid weight_decay: ", defaults.weight_decay());
}

torch::Tensor Adadelta::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    torch::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const AdadeltaOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      TORCH_CHECK(!p.grad().is_sparse(), "Adadelta does not support sparse gradients");
      const std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto it = state_.find(key);
      if (it == state_.end()) {
        auto s = std::make_unique<AdadeltaParamState>();
        s->square_avg(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        s->acc_delta(torch::zeros_like(p, at::MemoryFormat::Contiguous));
        it = state_.emplace(key, std::move(s)).first;
      }
      auto& st = static_cast<AdadeltaParamState&>(*it->second);
      st.step(st.step() + 1);
      auto grad = p.grad();
      auto& sq = st.square_avg();
      auto& acc = st.acc_delta();
      if (p.is_cpu() && p.scalar_type() == torch::kFloat && p.is_contiguous() &&
          sq.is_contiguous() && acc.is_contiguous()) {
        auto g = grad.contiguous();
        adadelta_kernel(p.data_ptr<float>(), g.data_ptr<float>(), sq.data_ptr<float>(),
                        acc.data_ptr<float>(), p.numel(), static_cast<float>(o.rho()),
                        static_cast<float>(1 - o.rho()), static_cast<float>(o.eps()),
                        static_cast<float>(-o.lr()), static_cast<float>(o.weight_decay()));
        continue;
      }
      if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
      sq.mul_(o.rho()).addcmul_(grad, grad, 1 - o.rho());
      auto stdv = sq.add(o.eps()).sqrt_();
      auto delta = acc.add(o.eps()).sqrt_().div_(stdv).mul_(grad);
      acc.mul_(o.rho()).addcmul_(delta, delta, 1 - o.rho());
      p.add_(delta, -o.lr());
    }
  }
  return loss;
}

void Adadelta::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<AdadeltaParamState, AdadeltaOptions>(archive, *this);
}

void Adadelta::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<AdadeltaParamState, AdadeltaOptions>(archive, *this);
}

}  // namespace seer::textcnn
