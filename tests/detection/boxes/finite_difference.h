// Gradient check for the box tests: autograd's gradient against central finite differences.
#pragma once

#include <functional>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace seer::testing {

// f maps a double tensor shaped like x to a scalar. Compares d f / d x from autograd with
// (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every element i.
inline ::testing::AssertionResult GradientMatchesFiniteDifferences(
    const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& x,
    double eps = 1e-6, double tol = 1e-5) {
  auto input = x.detach().to(torch::kDouble).clone().requires_grad_(true);
  const auto grad = torch::autograd::grad({f(input)}, {input})[0].contiguous();
  auto probe = x.detach().to(torch::kDouble).clone().contiguous();
  auto* p = probe.data_ptr<double>();
  for (int64_t i = 0; i < probe.numel(); ++i) {
    const double saved = p[i];
    p[i] = saved + eps;
    const double up = f(probe).item<double>();
    p[i] = saved - eps;
    const double down = f(probe).item<double>();
    p[i] = saved;
    const double numeric = (up - down) / (2 * eps);
    const double analytic = grad.data_ptr<double>()[i];
    if (std::abs(numeric - analytic) > tol * (1 + std::abs(numeric)))
      return ::testing::AssertionFailure() << "element " << i << ": autograd " << analytic
                                           << ", finite differences " << numeric;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace seer::testing
