// Dropout (inverted: kept units scaled by 1 / (1 - p) in training, identity in evaluation) with
// a fast, parallel mask generator.
//
// LibTorch 1.13's CPU dropout draws its mask with a serial, locked bernoulli_ (about 9 ns per
// element here); seer draws one 64-bit seed from LibTorch's default generator per call and
// derives each element's keep/drop bit from a counter-based hash of (seed, index). So masks are
// reproducible under torch::manual_seed (and across a checkpoint's saved RNG state), identical
// for any number of threads, and cost a fraction of a nanosecond per element.
#pragma once

#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace seer::nn {

// Applies dropout with probability p when `training`; returns x unchanged otherwise.
// CPU float/double tensors use seer's generator, other devices torch::dropout.
torch::Tensor dropout(const torch::Tensor& x, double p, bool training);

class DropoutImpl : public torch::nn::Cloneable<DropoutImpl> {
 public:
  explicit DropoutImpl(double p = 0.5);
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x) { return ::seer::nn::dropout(x, p_, is_training()); }
  double p() const { return p_; }

 private:
  double p_;
};
TORCH_MODULE(Dropout);

}  // namespace seer::nn
