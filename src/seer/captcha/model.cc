#include "seer/captcha/model.h"

#include <torch/torch.h>

#include "seer/core/error.h"
#include "seer/nn/dropout.h"
#include "seer/nn/relu_max_pool.h"

namespace seer::captcha {

nlohmann::json CaptchaNetOptions::to_json() const {
  return {{"length", length},           {"num_classes", num_classes},
          {"input_width", input_width}, {"input_height", input_height},
          {"channels", channels},       {"convs_per_block", convs_per_block},
          {"head_hidden", head_hidden}, {"dropout", dropout},
          {"head", head},               {"rnn_hidden", rnn_hidden}};
}

CaptchaNetOptions CaptchaNetOptions::from_json(const nlohmann::json& j) {
  CaptchaNetOptions o;
  try {
    o.length = j.at("length").get<int>();
    o.num_classes = j.at("num_classes").get<int>();
    o.input_width = j.at("input_width").get<int>();
    o.input_height = j.at("input_height").get<int>();
    o.channels = j.at("channels").get<std::vector<int64_t>>();
    o.convs_per_block = j.at("convs_per_block").get<int>();
    o.head_hidden = j.at("head_hidden").get<int>();
    o.dropout = j.at("dropout").get<double>();
    o.head = j.value("head", std::string("multitask"));  // models before the CTC head: multitask
    o.rnn_hidden = j.value("rnn_hidden", 128);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("captcha network config: ") + e.what());
  }
  return o;
}

CaptchaNetImpl::CaptchaNetImpl(CaptchaNetOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.length < 1 || o.num_classes < 2 || o.channels.empty() || o.convs_per_block < 1) {
    throw Error("captcha network: length >= 1, num_classes >= 2 and at least one block needed");
  }
  if (o.head != "multitask" && o.head != "ctc") {
    throw Error("captcha network: unknown head '" + o.head + "' (multitask or ctc)");
  }
  const bool ctc = is_ctc();
  // CTC keeps width after the second block: the feature map's columns are its time steps.
  const int blocks = static_cast<int>(o.channels.size());
  const int width_pools = ctc ? std::min(blocks, 2) : blocks;
  const int shrink_h = 1 << blocks, shrink_w = 1 << width_pools;
  if (o.input_width < shrink_w || o.input_height < shrink_h) {
    throw Error("captcha network: input " + std::to_string(o.input_width) + "x" +
                std::to_string(o.input_height) + " is too small for " +
                std::to_string(o.channels.size()) + " pooling blocks");
  }
  namespace nn = torch::nn;
  nn::Sequential trunk;
  int64_t in = 1;
  for (int b = 0; b < blocks; ++b) {
    const int64_t out = o.channels[b];
    for (int c = 0; c < o.convs_per_block; ++c) {
      trunk->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
      trunk->push_back(nn::BatchNorm2d(out));
      // The block's last ReLU and its 2x2 max pooling run as one fused layer (same function).
      if (c + 1 < o.convs_per_block) trunk->push_back(nn::ReLU(nn::ReLUOptions(true)));
      in = out;
    }
    if (b < width_pools) {
      trunk->push_back(seer::nn::ReluMaxPool2x2());
    } else {
      trunk->push_back(nn::ReLU(nn::ReLUOptions(true)));
      trunk->push_back(nn::MaxPool2d(nn::MaxPool2dOptions({2, 1}).stride({2, 1})));
    }
  }
  trunk_ = register_module("trunk", trunk);

  if (ctc) {
    // Each column: the feature map's channels x remaining rows.
    const int64_t column = in * (o.input_height / shrink_h);
    int64_t width = column;
    if (o.rnn_hidden > 0) {
      rnn_ = register_module("rnn", nn::LSTM(nn::LSTMOptions(column, o.rnn_hidden).bidirectional(true)));
      width = 2 * o.rnn_hidden;
    }
    classifier_ = register_module("classifier", nn::Linear(width, o.num_classes + 1));
    return;
  }
  const int64_t features = in * (o.input_height / shrink_h) * (o.input_width / shrink_w);
  nn::ModuleList heads;
  for (int p = 0; p < o.length; ++p) {
    nn::Sequential head;
    head->push_back(seer::nn::Dropout(o.dropout));
    if (o.head_hidden > 0) {
      head->push_back(nn::Linear(features, o.head_hidden));
      head->push_back(nn::ReLU(nn::ReLUOptions(true)));
      head->push_back(nn::Linear(o.head_hidden, o.num_classes));
    } else {
      head->push_back(nn::Linear(features, o.num_classes));
    }
    heads->push_back(head);
  }
  heads_ = register_module("heads", heads);
}

int64_t CaptchaNetImpl::time_steps() const {
  return options_.input_width / (1 << std::min<int>(static_cast<int>(options_.channels.size()), 2));
}

torch::Tensor CaptchaNetImpl::features(const torch::Tensor& x) {
  return trunk_->forward(x).flatten(1);
}

torch::Tensor CaptchaNetImpl::head(const torch::Tensor& features, int position) {
  return heads_->ptr(position)->as<torch::nn::SequentialImpl>()->forward(features);
}

torch::Tensor CaptchaNetImpl::forward(const torch::Tensor& x) {
  if (is_ctc()) {
    auto f = trunk_->forward(x);                          // [B, C, H', T]
    auto seq = f.flatten(1, 2).permute({2, 0, 1});        // [T, B, C * H']
    seq = seer::nn::dropout(seq, options_.dropout, is_training());
    if (rnn_) seq = std::get<0>(rnn_->forward(seq.contiguous()));
    return classifier_->forward(seq);                     // [T, B, classes + 1]
  }
  auto f = features(x);
  std::vector<torch::Tensor> logits;
  logits.reserve(options_.length);
  for (int p = 0; p < options_.length; ++p) logits.push_back(head(f, p));
  return torch::stack(logits, 1);
}

CaptchaReading CaptchaNetImpl::read(const torch::Tensor& x) {
  auto probs = torch::softmax(forward(x), 2).to(torch::kCPU);
  if (is_ctc()) return ctc_best_path(probs, options_.length);
  auto [conf, idx] = probs.max(2);
  return {idx, conf.to(torch::kFloat32), torch::full({idx.size(0)}, options_.length, torch::kInt64)};
}

CaptchaReading ctc_best_path(const torch::Tensor& probs, int64_t length) {
  auto [conf, idx] = probs.to(torch::kCPU).to(torch::kFloat32).max(2);  // [T, B]
  const int64_t T = idx.size(0), B = idx.size(1);
  auto indices = torch::full({B, length}, -1, torch::kInt64);
  auto confidence = torch::zeros({B, length}, torch::kFloat32);
  auto lengths = torch::zeros({B}, torch::kInt64);
  auto ia = idx.accessor<int64_t, 2>();
  auto ca = conf.accessor<float, 2>();
  auto out_i = indices.accessor<int64_t, 2>();
  auto out_c = confidence.accessor<float, 2>();
  auto out_n = lengths.accessor<int64_t, 1>();
  for (int64_t b = 0; b < B; ++b) {
    int64_t n = 0, previous = 0;
    for (int64_t t = 0; t < T; ++t) {
      const int64_t k = ia[t][b];
      if (k != 0 && k != previous) {
        if (n < length) {
          out_i[b][n] = k - 1;
          out_c[b][n] = ca[t][b];
        }
        ++n;
      }
      previous = k;
    }
    out_n[b] = n;
  }
  return {indices, confidence, lengths};
}

}  // namespace seer::captcha
