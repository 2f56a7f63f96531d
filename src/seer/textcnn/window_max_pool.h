// The second half of the text CNN's convolution layer, fused: for every filter width h, the sum
// over the h word offsets of one GEMM's outputs (a convolution written as "multiply every word
// by every filter row once, then add the rows of each window"), plus bias, ReLU and
// max-over-time pooling, in one pass with an autograd backward.
//
// With the words X [B, L, D] and a width-h filter bank W_h [F, h, D] (Kim's Conv2d weight
// [F, 1, h, D]), the convolution at time t is sum_k X[t + k] . W_h[:, k]. Let
//   Y = X @ [W_h0[:, 0]; W_h0[:, 1]; ...; W_h1[:, 0]; ...]^T        [B, L, K], K = sum_h h F
// (one GEMM for all widths and offsets). Then for width h (column block `off_h`):
//   pooled[b, h, f] = max_t relu(bias[h, f] + sum_k Y[b, t + k, off_h + k F + f]),
//   t = 0 .. L - h.
// This op computes `pooled` from Y; the GEMM stays a LibTorch matmul. Same function as Conv2d
// with kernel {h, D} + ReLU + max over time, about twice as fast on CPU (bench/textcnn_speed).
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace seer::textcnn {

// y: [B, L, K] with K = sum(widths) * feature_maps, columns ordered (width, offset, map);
// bias: [widths.size() * feature_maps]. L must be >= max(widths).
// Returns [B, widths.size() * feature_maps], ordered (width, map).
// CPU float tensors use seer's kernel; anything else (CUDA, double) LibTorch ops.
torch::Tensor window_max_pool(const torch::Tensor& y, const torch::Tensor& bias,
                              const std::vector<int64_t>& widths, int64_t feature_maps);

// The same function from LibTorch ops only (slices, sum, relu, amax): the reference of the tests.
torch::Tensor window_max_pool_reference(const torch::Tensor& y, const torch::Tensor& bias,
                                        const std::vector<int64_t>& widths, int64_t feature_maps);

}  // namespace seer::textcnn
