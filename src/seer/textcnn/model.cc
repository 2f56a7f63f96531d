#include "seer/textcnn/model.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "seer/core/error.h"
#include "seer/textcnn/window_max_pool.h"

namespace seer::textcnn {

int64_t TextCnnOptions::max_width() const {
  return filter_widths.empty() ? 0 : *std::max_element(filter_widths.begin(), filter_widths.end());
}

void TextCnnOptions::validate() const {
  if (mode != "rand" && mode != "static" && mode != "non-static" && mode != "multichannel") {
    throw Error("unknown embedding mode '" + mode +
                "' (expected rand, static, non-static or multichannel)");
  }
  if (num_classes < 2) throw Error("text CNN: at least 2 classes needed");
  if (vocab_size < 1 || embed_dim < 1 || feature_maps < 1) {
    throw Error("text CNN: vocabulary, embedding size and feature maps must be positive");
  }
  if (filter_widths.empty()) throw Error("text CNN: no filter widths");
  for (int64_t h : filter_widths) {
    if (h < 1) throw Error("text CNN: filter widths must be >= 1");
  }
  if (!(dropout >= 0 && dropout < 1)) throw Error("text CNN: dropout must be in [0, 1)");
  if (!(max_norm >= 0 && std::isfinite(max_norm))) throw Error("text CNN: max norm must be >= 0 (0: no constraint)");
}

nlohmann::json TextCnnOptions::to_json() const {
  return {{"num_classes", num_classes},   {"vocab_size", vocab_size},
          {"embed_dim", embed_dim},       {"filter_widths", filter_widths},
          {"feature_maps", feature_maps}, {"dropout", dropout},
          {"max_norm", max_norm},         {"mode", mode},
          {"init_length", init_length}};
}

TextCnnOptions TextCnnOptions::from_json(const nlohmann::json& j) {
  TextCnnOptions o;
  try {
    o.num_classes = j.at("num_classes").get<int>();
    o.vocab_size = j.at("vocab_size").get<int64_t>();
    o.embed_dim = j.at("embed_dim").get<int64_t>();
    o.filter_widths = j.at("filter_widths").get<std::vector<int64_t>>();
    o.feature_maps = j.at("feature_maps").get<int64_t>();
    o.dropout = j.at("dropout").get<double>();
    o.max_norm = j.at("max_norm").get<double>();
    o.mode = j.at("mode").get<std::string>();
    o.init_length = j.value("init_length", int64_t{64});  // models from before it: MR's 64
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("text CNN config: ") + e.what());
  }
  o.validate();
  return o;
}

ConvImpl parse_conv_impl(const std::string& name) {
  if (name == "gemm") return ConvImpl::kGemm;
  if (name == "conv2d") return ConvImpl::kConv2d;
  if (name == "conv1d") return ConvImpl::kConv1d;
  throw Error("unknown convolution implementation '" + name + "' (gemm, conv2d or conv1d)");
}

TextCnnImpl::TextCnnImpl(TextCnnOptions options) : options_(std::move(options)) {
  options_.validate();
  const auto& o = options_;
  torch::NoGradGuard no_grad;
  // rand: U[-0.25, 0.25] (Kim's unknown-word init); pretrained modes get set_embeddings().
  auto init = torch::empty({o.vocab_size, o.embed_dim}).uniform_(-0.25, 0.25);
  init[0].zero_();
  embedding_ = register_parameter("embedding", init, /*requires_grad=*/o.trains_embedding());
  if (o.mode == "multichannel") {
    embedding_static_ = register_parameter("embedding_static", init.clone(), false);
  }
  const int64_t C = o.channels();
  convs_ = register_module("convs", torch::nn::ModuleList());
  for (int64_t h : o.filter_widths) {
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(C, o.feature_maps, {h, o.embed_dim}));
    // Kim's init: U[-b, b], b = sqrt(6 / (fan_in + fan_out)), fan_in = C h D, fan_out =
    // F h D / pooled length, the pooled length that of the dataset's padded sentences.
    const double fan_in = static_cast<double>(C * h * o.embed_dim);
    const int64_t pooled = std::max<int64_t>(1, o.init_length - h + 1);
    const double fan_out =
        static_cast<double>(o.feature_maps * h * o.embed_dim) / static_cast<double>(pooled);
    const double bound = std::sqrt(6.0 / (fan_in + fan_out));
    conv->weight.uniform_(-bound, bound);
    conv->bias.zero_();
    convs_->push_back(conv);
  }
  dropout_ = register_module("dropout", seer::nn::Dropout(o.dropout));
  const int64_t features = o.feature_maps * static_cast<int64_t>(o.filter_widths.size());
  fc_ = register_module("fc", torch::nn::Linear(features, o.num_classes));
  fc_->weight.zero_();  // Kim's LogisticRegression starts at W = 0, b = 0
  fc_->bias.zero_();
}

void TextCnnImpl::set_embeddings(const torch::Tensor& vectors) {
  TORCH_CHECK(vectors.dim() == 2 && vectors.size(0) == options_.vocab_size &&
                  vectors.size(1) == options_.embed_dim,
              "set_embeddings: expected [", options_.vocab_size, ", ", options_.embed_dim,
              "], got ", vectors.sizes());
  torch::NoGradGuard no_grad;
  embedding_.copy_(vectors);
  embedding_[0].zero_();
  if (embedding_static_.defined()) embedding_static_.copy_(embedding_);
}

int64_t TextCnnImpl::apply_max_norm() {
  if (options_.max_norm <= 0) return 0;
  torch::NoGradGuard no_grad;
  auto& w = fc_->weight;  // [classes, features]: row c = Theano's W[:, c]
  auto norms = w.norm(2, {1}, /*keepdim=*/true);
  auto over = norms.gt(options_.max_norm);
  const int64_t count = over.sum().item<int64_t>();
  if (count == 0) return 0;
  // Kim: W * clip(n, 0, s) / (1e-7 + n); rows at or under s are left exactly as they are.
  auto scale = torch::where(over, options_.max_norm / (norms + 1e-7), torch::ones_like(norms));
  w.mul_(scale);
  return count;
}

torch::Tensor TextCnnImpl::embed(const torch::Tensor& ids) {
  auto trained = torch::embedding(embedding_, ids, /*padding_idx=*/0);
  if (!embedding_static_.defined()) return trained;
  return torch::cat({torch::embedding(embedding_static_, ids, 0), trained}, 2);
}

torch::Tensor TextCnnImpl::features(const torch::Tensor& ids) {
  TORCH_CHECK(ids.dim() == 2, "text CNN input must be [batch, length] word ids");
  const auto& o = options_;
  const int64_t B = ids.size(0), T = ids.size(1), C = o.channels(), D = o.embed_dim;
  const int64_t F = o.feature_maps;
  TORCH_CHECK(T >= o.max_width(), "text CNN input (", T, " words) shorter than the widest filter (",
              o.max_width(), "); pad it (pad_batch)");
  auto x = embed(ids);  // [B, T, C * D]
  std::vector<torch::Tensor> pooled;
  switch (conv_impl_) {
    case ConvImpl::kGemm: {
      std::vector<torch::Tensor> rows, biases;
      for (size_t i = 0; i < convs_->size(); ++i) {
        auto conv = convs_->ptr<torch::nn::Conv2dImpl>(i);
        const int64_t h = o.filter_widths[i];
        rows.push_back(conv->weight.permute({2, 0, 1, 3}).reshape({h * F, C * D}));
        biases.push_back(conv->bias);
      }
      auto w_all = torch::cat(rows, 0);  // [K, C D], rows (width, offset, map)
      auto y = torch::matmul(x.reshape({B * T, C * D}), w_all.t()).view({B, T, w_all.size(0)});
      return window_max_pool(y, torch::cat(biases, 0), o.filter_widths, F);
    }
    case ConvImpl::kConv2d: {
      auto x4 = x.view({B, T, C, D}).permute({0, 2, 1, 3}).contiguous();  // [B, C, T, D]
      for (size_t i = 0; i < convs_->size(); ++i) {
        auto conv = convs_->ptr<torch::nn::Conv2dImpl>(i);
        pooled.push_back(torch::relu(conv->forward(x4).squeeze(3)).amax(2));
      }
      break;
    }
    case ConvImpl::kConv1d: {
      auto x3 = x.transpose(1, 2).contiguous();  // [B, C D, T]
      for (size_t i = 0; i < convs_->size(); ++i) {
        auto conv = convs_->ptr<torch::nn::Conv2dImpl>(i);
        const int64_t h = o.filter_widths[i];
        auto w = conv->weight.permute({0, 1, 3, 2}).reshape({F, C * D, h});
        pooled.push_back(torch::relu(torch::conv1d(x3, w, conv->bias)).amax(2));
      }
      break;
    }
  }
  return torch::cat(pooled, 1);
}

torch::Tensor TextCnnImpl::forward(const torch::Tensor& ids) {
  auto f = features(ids);
  const double p = options_.dropout;
  if (p > 0) {
    // Kim's dropout: kept units are NOT scaled up in training; at test time the output weights
    // are scaled by (1 - p) instead (here the features, the same product). Inverted dropout
    // computes the same function with W / (1 - p), which would loosen the max-norm bound on W
    // by 1 / (1 - p) and change Adadelta's steps on it. seer's dropout scales kept units by
    // 1 / (1 - p); times (1 - p) that is the 0/1 mask again (exactly so for p = 0.5).
    f = is_training() ? dropout_->forward(f) * (1 - p) : f * (1 - p);
  }
  return fc_->forward(f);
}

torch::Tensor pad_batch(const std::vector<const std::vector<int>*>& sentences, int64_t max_width) {
  const int64_t pad = std::max<int64_t>(0, max_width - 1);
  size_t longest = 0;
  for (const auto* s : sentences) longest = std::max(longest, s->size());
  const int64_t T = static_cast<int64_t>(longest) + 2 * pad + 1;
  auto ids = torch::zeros({static_cast<int64_t>(sentences.size()), T}, torch::kInt64);
  auto* p = ids.data_ptr<int64_t>();
  for (size_t i = 0; i < sentences.size(); ++i) {
    int64_t* row = p + static_cast<int64_t>(i) * T + pad;
    for (size_t j = 0; j < sentences[i]->size(); ++j) row[j] = (*sentences[i])[j];
  }
  return ids;
}

torch::Tensor pad_batch(const std::vector<std::vector<int>>& sentences, int64_t max_width) {
  std::vector<const std::vector<int>*> ptrs;
  ptrs.reserve(sentences.size());
  for (const auto& s : sentences) ptrs.push_back(&s);
  return pad_batch(ptrs, max_width);
}

}  // namespace seer::textcnn
