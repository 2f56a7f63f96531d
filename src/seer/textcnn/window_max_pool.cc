#include "seer/textcnn/window_max_pool.h"

#include <limits>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::textcnn {
namespace {

void check_args(const torch::Tensor& y, const torch::Tensor& bias,
                const std::vector<int64_t>& widths, int64_t feature_maps) {
  if (widths.empty() || feature_maps < 1) throw Error("window_max_pool: no filters");
  int64_t total = 0, widest = 0;
  for (int64_t h : widths) {
    if (h < 1) throw Error("window_max_pool: filter widths must be >= 1");
    total += h;
    widest = std::max(widest, h);
  }
  TORCH_CHECK(y.dim() == 3 && y.size(2) == total * feature_maps,
              "window_max_pool: y must be [B, L, sum(widths) * feature_maps]");
  TORCH_CHECK(bias.numel() == static_cast<int64_t>(widths.size()) * feature_maps,
              "window_max_pool: bias must have widths * feature_maps entries");
  TORCH_CHECK(y.size(1) >= widest, "window_max_pool: sequence (", y.size(1),
              ") shorter than the widest filter (", widest, "); pad it");
}

// Forward and backward of the fused op on CPU float tensors.
class WindowMaxPoolFunction : public torch::autograd::Function<WindowMaxPoolFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor y,
                               torch::Tensor bias, std::vector<int64_t> widths,
                               int64_t feature_maps) {
    y = y.contiguous();
    auto b_c = bias.contiguous();
    const int64_t B = y.size(0), L = y.size(1), K = y.size(2), F = feature_maps;
    const int64_t W = static_cast<int64_t>(widths.size());
    auto out = torch::empty({B, W * F}, y.options());
    auto arg = torch::empty({B, W * F}, y.options().dtype(torch::kInt32));
    const float* yp = y.data_ptr<float>();
    const float* bp = b_c.data_ptr<float>();
    float* op = out.data_ptr<float>();
    int32_t* ap = arg.data_ptr<int32_t>();
    at::parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<float> acc(F), best(F);
      std::vector<int32_t> best_t(F);
      for (int64_t b = b0; b < b1; ++b) {
        int64_t off = 0;
        for (int64_t w = 0; w < W; ++w) {
          const int64_t h = widths[w];
          std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
          std::fill(best_t.begin(), best_t.end(), 0);
          for (int64_t t = 0; t + h <= L; ++t) {
            const float* bw = bp + w * F;
            for (int64_t f = 0; f < F; ++f) acc[f] = bw[f];
            for (int64_t k = 0; k < h; ++k) {
              const float* row = yp + ((b * L) + t + k) * K + off + k * F;
              for (int64_t f = 0; f < F; ++f) acc[f] += row[f];
            }
            for (int64_t f = 0; f < F; ++f) {
              if (acc[f] > best[f]) {
                best[f] = acc[f];
                best_t[f] = static_cast<int32_t>(t);
              }
            }
          }
          for (int64_t f = 0; f < F; ++f) {
            const bool on = best[f] > 0;  // ReLU after the max: relu(max) == max(relu)
            op[b * W * F + w * F + f] = on ? best[f] : 0.f;
            ap[b * W * F + w * F + f] = on ? best_t[f] : -1;
          }
          off += h * F;
        }
      }
    });
    ctx->save_for_backward({arg});
    ctx->saved_data["L"] = L;
    ctx->saved_data["K"] = K;
    ctx->saved_data["F"] = F;
    ctx->saved_data["widths"] = c10::IValue(widths);
    ctx->mark_non_differentiable({arg});
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                  torch::autograd::variable_list grads) {
    auto arg = ctx->get_saved_variables()[0];
    const int64_t L = ctx->saved_data["L"].toInt(), K = ctx->saved_data["K"].toInt();
    const int64_t F = ctx->saved_data["F"].toInt();
    const auto widths = ctx->saved_data["widths"].toIntVector();
    auto g = grads[0].contiguous();
    const int64_t B = g.size(0), W = static_cast<int64_t>(widths.size());
    auto dy = torch::zeros({B, L, K}, g.options());
    const float* gp = g.data_ptr<float>();
    const int32_t* ap = arg.data_ptr<int32_t>();
    float* dp = dy.data_ptr<float>();
    at::parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        int64_t off = 0;
        for (int64_t w = 0; w < W; ++w) {
          const int64_t h = widths[w];
          for (int64_t f = 0; f < F; ++f) {
            const int32_t t = ap[b * W * F + w * F + f];
            if (t < 0) continue;
            const float v = gp[b * W * F + w * F + f];
            for (int64_t k = 0; k < h; ++k) dp[((b * L) + t + k) * K + off + k * F + f] = v;
          }
          off += h * F;
        }
      }
    });
    auto dbias = (g * arg.ge(0).to(g.scalar_type())).sum(0);
    return {dy, dbias, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor window_max_pool_reference(const torch::Tensor& y, const torch::Tensor& bias,
                                        const std::vector<int64_t>& widths, int64_t feature_maps) {
  check_args(y, bias, widths, feature_maps);
  const int64_t L = y.size(1), F = feature_maps;
  std::vector<torch::Tensor> pooled;
  int64_t off = 0;
  for (size_t w = 0; w < widths.size(); ++w) {
    const int64_t h = widths[w], T = L - h + 1;
    torch::Tensor acc;
    for (int64_t k = 0; k < h; ++k) {
      auto part = y.slice(1, k, k + T).slice(2, off + k * F, off + (k + 1) * F);
      acc = k == 0 ? part : acc + part;
    }
    acc = acc + bias.slice(0, w * F, (w + 1) * F);
    pooled.push_back(torch::relu(acc).amax(1));
    off += h * F;
  }
  return torch::cat(pooled, 1);
}

torch::Tensor window_max_pool(const torch::Tensor& y, const torch::Tensor& bias,
                              const std::vector<int64_t>& widths, int64_t feature_maps) {
  check_args(y, bias, widths, feature_maps);
  if (!y.is_cpu() || y.scalar_type() != torch::kFloat || bias.scalar_type() != torch::kFloat) {
    return window_max_pool_reference(y, bias, widths, feature_maps);
  }
  return WindowMaxPoolFunction::apply(y, bias, widths, feature_maps);
}

}  // namespace seer::textcnn
