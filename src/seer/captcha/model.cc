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
          {"head_hidden", head_hidden}, {"dropout", dropout}};
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
  const int shrink = 1 << o.channels.size();
  if (o.input_width < shrink || o.input_height < shrink) {
    throw Error("captcha network: input " + std::to_string(o.input_width) + "x" +
                std::to_string(o.input_height) + " is too small for " +
                std::to_string(o.channels.size()) + " pooling blocks");
  }
  namespace nn = torch::nn;
  nn::Sequential trunk;
  int64_t in = 1;
  for (int64_t out : o.channels) {
    for (int c = 0; c < o.convs_per_block; ++c) {
      trunk->push_back(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
      trunk->push_back(nn::BatchNorm2d(out));
      // The block's last ReLU and its 2x2 max pooling run as one fused layer (same function).
      if (c + 1 < o.convs_per_block) trunk->push_back(nn::ReLU(nn::ReLUOptions(true)));
      in = out;
    }
    trunk->push_back(seer::nn::ReluMaxPool2x2());
  }
  trunk_ = register_module("trunk", trunk);

  const int64_t features =
      in * (o.input_height / shrink) * (o.input_width / shrink);
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

torch::Tensor CaptchaNetImpl::features(const torch::Tensor& x) {
  return trunk_->forward(x).flatten(1);
}

torch::Tensor CaptchaNetImpl::head(const torch::Tensor& features, int position) {
  return heads_->ptr(position)->as<torch::nn::SequentialImpl>()->forward(features);
}

torch::Tensor CaptchaNetImpl::forward(const torch::Tensor& x) {
  auto f = features(x);
  std::vector<torch::Tensor> logits;
  logits.reserve(options_.length);
  for (int p = 0; p < options_.length; ++p) logits.push_back(head(f, p));
  return torch::stack(logits, 1);
}

}  // namespace seer::captcha
