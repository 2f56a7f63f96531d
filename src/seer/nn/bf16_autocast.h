#pragma once
// bfloat16 on CPUs that compute it natively (AVX-512 BF16, AMX): convolutions and matrix
// products take bf16 inputs and accumulate in fp32 (oneDNN), through LibTorch's CPU autocast;
// GroupNorm and BatchNorm (which LibTorch 1.13's CPU autocast leaves to fail on bf16 input) and
// everything else stay fp32, as do the parameters. Measured on this project's AVX-512 BF16
// machine: a 3x3 convolution 3.8x and a 12544 x 1024 fc layer 2x faster than in fp32.
#include <torch/torch.h>

namespace seer::nn {

// Whether this CPU has native bf16 dot products (without them bf16 runs emulated, slower).
bool cpu_has_native_bf16();

// While alive (and `enabled`), the calling thread's CPU autocast runs in bf16. Restores the
// previous autocast state, and drops autocast's cache of bf16 copies of the weights, when it
// ends: inference may hold one guard for many pictures, training must hold one per step (the
// cached copies are stale once the optimizer has stepped).
class Bf16Autocast {
 public:
  explicit Bf16Autocast(bool enabled);
  ~Bf16Autocast();
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool enabled_ = false;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kBFloat16;
};

// While alive, the calling thread's CPU autocast is off (and back as it was after): for the small
// last layers whose outputs are read as numbers (class scores, box deltas, SVM scores), which
// cost little in fp32. Give them full_precision inputs.
class AutocastOff {
 public:
  AutocastOff();
  ~AutocastOff();
  AutocastOff(const AutocastOff&) = delete;
  AutocastOff& operator=(const AutocastOff&) = delete;

 private:
  bool previous_enabled_ = false;
};

// `t` in fp32 when autocast left it in a reduced precision (bf16 or fp16), else `t` itself: for
// the outputs that boxes are decoded from and the inputs of seer's own RoI ops.
inline torch::Tensor full_precision(const torch::Tensor& t) {
  const auto type = t.scalar_type();
  return type == at::kBFloat16 || type == at::kHalf ? t.to(at::kFloat) : t;
}

}  // namespace seer::nn
