// The captcha network: a convolutional trunk (conv-BN-ReLU blocks with max pooling) and one of
// two heads:
//   multitask  one classifier per character position on the trunk's flattened features, each a
//              softmax over the charset (the course's multi-task reader; fixed length)
//   ctc        CRNN-style (Shi et al. 2015): the trunk keeps width (the blocks after the second
//              pool only the height), each column of its feature map is a time step, a
//              bidirectional LSTM reads them and a linear layer gives each a softmax over the
//              charset plus a blank; trained with CTC (Graves et al. 2006) and read by best-path
//              decoding. One classifier shared by every position, and lengths may vary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>
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
  std::string head = "multitask";  // "multitask" or "ctc"
  int rnn_hidden = 128;     // ctc: LSTM units per direction (0: no LSTM, a linear layer per column)

  nlohmann::json to_json() const;
  static CaptchaNetOptions from_json(const nlohmann::json& j);  // seer::Error if malformed
};

// The reading of a batch of images: [B, length] charset indices, -1 where a CTC reading came
// out shorter than `length` (a longer one is cut there); the probability of each chosen
// character (0 where none); and how many characters were read (always `length` for the
// multitask head), so that a reading of the wrong length counts as wrong.
struct CaptchaReading {
  torch::Tensor indices;     // int64 [B, length], on the CPU
  torch::Tensor confidence;  // float [B, length], on the CPU
  torch::Tensor lengths;     // int64 [B], on the CPU
};

// CTC best-path decoding of probs [T, B, K + 1] (class 0 the blank): each column's likeliest
// class, repeats merged, blanks dropped; a character's confidence is its first column's
// probability.
CaptchaReading ctc_best_path(const torch::Tensor& probs, int64_t length);

class CaptchaNetImpl : public torch::nn::Module {
 public:
  explicit CaptchaNetImpl(CaptchaNetOptions options);

  bool is_ctc() const { return options_.head == "ctc"; }

  // x: [B, 1, input_height, input_width] in [0, 1].
  // multitask: logits [B, length, num_classes]; ctc: logits [T, B, num_classes + 1] (class 0
  // is the blank, class c + 1 the charset's c), T = time_steps().
  torch::Tensor forward(const torch::Tensor& x);
  // multitask: the shared trunk's flattened features [B, F].
  torch::Tensor features(const torch::Tensor& x);
  // multitask: head `position`'s logits [B, num_classes] from features.
  torch::Tensor head(const torch::Tensor& features, int position);
  int64_t time_steps() const;  // ctc: columns of the feature map

  // The reading of each image in x (CaptchaReading).
  CaptchaReading read(const torch::Tensor& x);

  const CaptchaNetOptions& options() const { return options_; }

 private:
  CaptchaNetOptions options_;
  torch::nn::Sequential trunk_{nullptr};
  torch::nn::ModuleList heads_{nullptr};
  torch::nn::LSTM rnn_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(CaptchaNet);

}  // namespace seer::captcha
