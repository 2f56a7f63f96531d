// The text CNN of Kim (2014), "Convolutional Neural Networks for Sentence Classification":
// word embeddings -> convolutions over windows of h words spanning the whole embedding (one
// bank of `feature_maps` filters per width) -> ReLU -> max-over-time pooling -> concatenation
// -> dropout -> linear layer to the classes. Dropout is Kim's (MLPDropout), not inverted: in
// training the kept features are not scaled up, and in evaluation they are scaled by (1 - p),
// so the output weights W (and the max-norm bound on them) are Kim's.
//
// Embedding modes (the paper's four variants):
//   rand          one channel, initialised U[-0.25, 0.25], trained
//   static        one channel of pretrained vectors, frozen
//   non-static    one channel of pretrained vectors, fine-tuned
//   multichannel  two channels of the same pretrained vectors: "embedding_static" frozen,
//                 "embedding" fine-tuned; every filter spans both (Conv2d with 2 in-channels)
// Row 0 of every embedding is the padding word: zeros, and it stays zero (its gradient is
// dropped, as Kim's set_zero does after each update).
//
// Input: word ids [B, T] already padded (pad_batch below). Parameters, by name:
//   embedding [V, D], embedding_static [V, D] (multichannel only),
//   convs.i.weight [F, C, h_i, D] and convs.i.bias [F] (Kim's Conv2d layout), fc.weight
//   [classes, widths * F], fc.bias [classes].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "seer/nn/dropout.h"

namespace seer::textcnn {

struct TextCnnOptions {
  int num_classes = 2;
  int64_t vocab_size = 1;      // including the padding id 0
  int64_t embed_dim = 300;
  std::vector<int64_t> filter_widths = {3, 4, 5};
  int64_t feature_maps = 100;  // filters per width
  double dropout = 0.5;        // on the pooled features
  double max_norm = 3.0;       // l2 bound s of each class's output weights (0: none)
  std::string mode = "rand";   // rand | static | non-static | multichannel
  // The padded sentence length Kim's convolution init assumes: his pooled length is
  // init_length - h + 1 (the dataset's longest sentence + 2 (widest - 1) words; MR's 64).
  int64_t init_length = 64;

  int64_t max_width() const;
  int channels() const { return mode == "multichannel" ? 2 : 1; }
  bool trains_embedding() const { return mode != "static"; }
  bool needs_vectors() const { return mode != "rand"; }
  void validate() const;  // seer::Error for a bad mode, sizes or widths

  nlohmann::json to_json() const;
  static TextCnnOptions from_json(const nlohmann::json& j);  // seer::Error if malformed
};

// How the convolutions run (the function is the same; bench/textcnn_speed measures them):
//   kGemm    one matmul for all widths, then seer's fused window-sum + ReLU + max pool (default)
//   kConv2d  torch::conv2d with kernel {h, D} over [B, C, T, D], as Kim's Theano code
//   kConv1d  torch::conv1d with kernel h over [B, C * D, T]
enum class ConvImpl { kGemm, kConv2d, kConv1d };
ConvImpl parse_conv_impl(const std::string& name);  // "gemm" | "conv2d" | "conv1d"

class TextCnnImpl : public torch::nn::Module {
 public:
  explicit TextCnnImpl(TextCnnOptions options);

  // ids: [B, T] int64, padded so that T >= the widest filter (pad_batch does). Logits [B, C].
  torch::Tensor forward(const torch::Tensor& ids);
  // The pooled, concatenated features before dropout [B, widths * F].
  torch::Tensor features(const torch::Tensor& ids);

  // Copies an initial embedding matrix [vocab_size, embed_dim] into every channel; row 0 is
  // zeroed.
  void set_embeddings(const torch::Tensor& vectors);
  // Kim's l2 constraint on the output layer: each class's weight row (Theano's W column) with
  // norm above max_norm is rescaled to max_norm. Returns how many rows were rescaled.
  int64_t apply_max_norm();

  void set_conv_impl(ConvImpl impl) { conv_impl_ = impl; }
  const TextCnnOptions& options() const { return options_; }
  torch::Tensor& embedding() { return embedding_; }
  torch::Tensor& embedding_static() { return embedding_static_; }  // undefined unless multichannel
  torch::nn::Linear& fc() { return fc_; }

 private:
  torch::Tensor embed(const torch::Tensor& ids);  // [B, T, C * D], channels (static, trained)

  TextCnnOptions options_;
  ConvImpl conv_impl_ = ConvImpl::kGemm;
  torch::Tensor embedding_, embedding_static_;
  torch::nn::ModuleList convs_{nullptr};
  seer::nn::Dropout dropout_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(TextCnn);

// Pads sentences of word ids as Kim's code does (max_width - 1 zeros before each sentence) to
// one length T = the batch's longest + 2 (max_width - 1) + 1 with zeros after it. Kim pads to
// the dataset's longest sentence; the max over time is the same either way, because every
// sentence here still has windows made only of padding (the extra trailing zero guarantees one
// for the widest filter too), as every sentence shorter than the dataset's longest has in Kim's.
torch::Tensor pad_batch(const std::vector<const std::vector<int>*>& sentences, int64_t max_width);
torch::Tensor pad_batch(const std::vector<std::vector<int>>& sentences, int64_t max_width);

}  // namespace seer::textcnn
