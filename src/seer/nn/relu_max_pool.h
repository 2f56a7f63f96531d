// ReLU followed by 2x2 max pooling (stride 2), fused into one pass with its own CPU kernels.
//
// max(relu(a), relu(b), ...) == relu(max(a, b, ...)), so the fused layer computes exactly what
// `relu` then `max_pool2d(2)` compute, gradients included (the gradient goes to the window's
// first maximum when that maximum is positive, as max_pool2d's argmax routing followed by
// ReLU's backward does; NaN propagates as in max_pool2d). Why fuse: on this LibTorch (1.13,
// CPU, NCHW) max_pool2d is the slowest layer of the captcha network (17 ms for a
// 64x32x32x96 batch, 10x the memory-bound cost), and the separate ReLU reads and writes the
// largest activation twice more. The fused kernels are branch-free loops the compiler
// vectorises; the backward recomputes each window's argmax from the saved input and output
// instead of keeping max_pool2d's int64 indices (less memory than relu + max_pool2d, which
// keep the ReLU output and the indices).
#pragma once

#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

namespace seer::nn {

// x: [N, C, H, W] (any float type, any device). Returns [N, C, H / 2, W / 2] (floor, as
// max_pool2d's default). CPU float/double tensors use seer's kernels, others fall back to
// torch::max_pool2d(torch::relu(x), 2).
torch::Tensor relu_max_pool2x2(const torch::Tensor& x);

// The same as a module, to sit in a torch::nn::Sequential.
class ReluMaxPool2x2Impl : public torch::nn::Cloneable<ReluMaxPool2x2Impl> {
 public:
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x) { return ::seer::nn::relu_max_pool2x2(x); }
};
TORCH_MODULE(ReluMaxPool2x2);

}  // namespace seer::nn
