#include "seer/detection/models/roi_heads/truncated_svd.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::detection::models {

TruncatedLinear truncated_svd(const torch::nn::Linear& layer, int64_t rank) {
  torch::NoGradGuard no_grad;
  const auto& w = layer->weight;  // [out, in]
  const int64_t out = w.size(0), in = w.size(1);
  if (rank < 1 || rank >= std::min(in, out))
    throw Error(fmt::format("truncated SVD: rank {} of a {} x {} layer must be in [1, {})", rank, out, in,
                            std::min(in, out)));
  // In double for accuracy; U [out, k], S [k], Vh [k, in].
  auto [u, s, vh] = torch::linalg::svd(w.to(torch::kCPU, torch::kFloat64), /*full_matrices=*/false, c10::nullopt);
  TruncatedLinear t;
  t.first = torch::nn::Linear(torch::nn::LinearOptions(in, rank).bias(false));
  t.second = torch::nn::Linear(torch::nn::LinearOptions(rank, out).bias(layer->options.bias()));
  const auto first = s.slice(0, 0, rank).unsqueeze(1) * vh.slice(0, 0, rank);  // Sigma_r V_r^T
  const auto second = u.slice(1, 0, rank);
  t.first->weight.copy_(first.to(w.dtype()));
  t.second->weight.copy_(second.to(w.dtype()));
  if (layer->options.bias()) t.second->bias.copy_(layer->bias);
  t.first->to(w.device());
  t.second->to(w.device());
  const auto energy = s.pow(2);
  t.dropped_sigma = s[rank].item<double>();
  t.kept_energy = (energy.slice(0, 0, rank).sum() / energy.sum()).item<double>();
  return t;
}

}  // namespace seer::detection::models
