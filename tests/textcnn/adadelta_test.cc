// seer's Adadelta against hand-computed steps (the same numbers torch.optim.Adadelta gives).
#include <sstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/textcnn/adadelta.h"

namespace seer::textcnn {
namespace {

// loss = sum(p * c): the gradient is c at every step.
void step(Adadelta& opt, torch::Tensor& p, const torch::Tensor& c) {
  opt.zero_grad();
  (p * c).sum().backward();
  opt.step();
}

TEST(TextCnnAdadelta, TwoStepsMatchHandComputedUpdates) {
  // rho 0.95, eps 1e-6, lr 1, gradient g:
  //   sq1 = 0.05 g^2, d1 = sqrt(1e-6) / sqrt(sq1 + 1e-6) g, acc1 = 0.05 d1^2, p1 = p0 - d1
  //   sq2 = 0.95 sq1 + 0.05 g^2, d2 = sqrt(acc1 + 1e-6) / sqrt(sq2 + 1e-6) g, p2 = p1 - d2
  // g = 0.5: p1 = 0.9955280429, p2 = 0.9909991183; g = -1: p1 = 1.0044720912, p2 = 1.0090011535
  for (bool fused : {true, false}) {
    // float: seer's fused kernel (within float rounding); double: the LibTorch-ops path.
    auto p = torch::ones({6}, fused ? torch::kFloat : torch::kDouble).requires_grad_(true);
    const double tol = fused ? 3e-7 : 1e-12;
    // 6 entries: 0..3 take the 4-wide SIMD loop, 4..5 the scalar tail.
    auto c = torch::tensor({0.5, -1.0, 0.5, -1.0, 0.5, -1.0}, p.scalar_type());
    Adadelta opt(std::vector<torch::Tensor>{p}, AdadeltaOptions(1.0).rho(0.95).eps(1e-6));
    step(opt, p, c);
    EXPECT_NEAR(p[0].item<double>(), 0.9955280429197062, tol);
    EXPECT_NEAR(p[1].item<double>(), 1.0044720912343108, tol);
    step(opt, p, c);
    EXPECT_TRUE(torch::equal(p.slice(0, 0, 2), p.slice(0, 4, 6)));
    EXPECT_NEAR(p[0].item<double>(), 0.9909991182590161, tol);
    EXPECT_NEAR(p[1].item<double>(), 1.009001153499844, tol);
    if (fused) {  // torch.optim.Adadelta (PyTorch 1.13, float32) gives exactly these
      EXPECT_FLOAT_EQ(p[0].item<float>(), 0.9909991025924683f);
      EXPECT_FLOAT_EQ(p[1].item<float>(), 1.0090012550354004f);
    }
  }
}

TEST(TextCnnAdadelta, DefaultsAreKims) {
  AdadeltaOptions o;
  EXPECT_EQ(o.lr(), 1.0);
  EXPECT_EQ(o.rho(), 0.95);
  EXPECT_EQ(o.eps(), 1e-6);
}

TEST(TextCnnAdadelta, StateSavesAndLoads) {
  auto c = torch::arange(1, 70001).to(torch::kFloat) / 70000;  // long enough for threads
  auto p = torch::zeros({70000}).requires_grad_(true);
  Adadelta a(std::vector<torch::Tensor>{p});
  step(a, p, c);
  std::stringstream buf;
  {
    torch::serialize::OutputArchive out;
    a.save(out);
    out.save_to(buf);
  }
  auto q = p.detach().clone().requires_grad_(true);
  Adadelta b(std::vector<torch::Tensor>{q});
  torch::serialize::InputArchive in;
  in.load_from(buf);
  b.load(in);
  step(a, p, c);
  step(b, q, c);
  EXPECT_TRUE(torch::equal(p, q));
}

}  // namespace
}  // namespace seer::textcnn
