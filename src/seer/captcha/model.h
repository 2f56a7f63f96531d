// The multi-task captcha network: a shared convolutional trunk (conv-BN-ReLU blocks with max
// pooling) and one classifier head per character position, each a softmax over the charset.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

namespace seer::captcha {

struct CaptchaNetOptions {
  int length = 4;          // character positions = heads
  int num_classes = 10;    // charset size
  // Grayscale input; images are resized to this. 96x32 keeps 160x60 captchas legible at a
  // quarter of the cost of 128x48 (measured: 3x the images/s, same accuracy per step).
  int input_width = 96;
  int input_height = 32;
  std::vector<int64_t> channels = {32, 64, 128, 256};  // one block per entry, each halves H, W
  int convs_per_block = 1;  // 3x3 conv-BN-ReLU layers per block
  int head_hidden = 256;    // hidden units of each head (0: a linear head)
  double dropout = 0.2;     // before each head's layers

  nlohmann::json to_json() const;
  static CaptchaNetOptions from_json(const nlohmann::json& j);  // seer::Error if malformed
};

class CaptchaNetImpl : public torch::nn::Module {
 public:
  explicit CaptchaNetImpl(CaptchaNetOptions options);

  // x: [B, 1, input_height, input_width] in [0, 1]. Returns logits [B, length, num_classes].
  torch::Tensor forward(const torch::Tensor& x);
  // The shared trunk's flattened features [B, F].
  torch::Tensor features(const torch::Tensor& x);
  // Head `position`'s logits [B, num_classes] from features.
  torch::Tensor head(const torch::Tensor& features, int position);

  const CaptchaNetOptions& options() const { return options_; }

 private:
  CaptchaNetOptions options_;
  torch::nn::Sequential trunk_{nullptr};
  torch::nn::ModuleList heads_{nullptr};
};
TORCH_MODULE(CaptchaNet);

}  // namespace seer::captcha
