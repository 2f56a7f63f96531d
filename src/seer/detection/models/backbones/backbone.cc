#include "seer/detection/models/backbones/backbone.h"

#include <fstream>
#include <iterator>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::detection::models {
namespace {

namespace nn = torch::nn;

// ---- resnet-lite ------------------------------------------------------------------------------

nn::AnyModule make_norm(const BackboneOptions& o, int64_t channels) {
  if (o.norm == "gn") {
    const int64_t groups = std::gcd(o.gn_groups, channels);
    return nn::AnyModule(nn::GroupNorm(nn::GroupNormOptions(groups, channels)));
  }
  if (o.norm == "bn") return nn::AnyModule(nn::BatchNorm2d(channels));
  return nn::AnyModule(nn::Identity());
}

nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride, bool bias) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(bias));
}

// A ResNet basic block: conv3x3-norm-relu-conv3x3-norm, plus the input (through a strided 1x1
// conv and norm when the shape changes), then relu. The second norm's scale starts at 0, so
// every block starts as the identity (Goyal et al. 2017), which steadies training from scratch.
class BasicBlockImpl : public nn::Module {
 public:
  BasicBlockImpl(const BackboneOptions& o, int64_t in, int64_t out, int64_t stride) {
    const bool bias = o.norm == "none";
    conv1_ = register_module("conv1", conv3x3(in, out, stride, bias));
    norm1_ = make_norm(o, out);
    register_module("norm1", norm1_.ptr());
    conv2_ = register_module("conv2", conv3x3(out, out, 1, bias));
    norm2_ = make_norm(o, out);
    register_module("norm2", norm2_.ptr());
    for (auto& p : norm2_.ptr()->named_parameters(false)) {
      if (p.key() == "weight") {
        torch::NoGradGuard no_grad;
        p.value().zero_();
      }
    }
    if (stride != 1 || in != out) {
      down_conv_ = register_module(
          "down_conv", nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(bias)));
      down_norm_ = make_norm(o, out);
      register_module("down_norm", down_norm_.ptr());
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::relu(norm1_.forward(conv1_(x)));
    y = norm2_.forward(conv2_(y));
    auto shortcut = down_conv_ ? down_norm_.forward(down_conv_(x)) : x;
    return torch::relu(y + shortcut);
  }

 private:
  nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, down_conv_{nullptr};
  nn::AnyModule norm1_, norm2_, down_norm_;
};
TORCH_MODULE(BasicBlock);

class ResNetLite : public Backbone {
 public:
  explicit ResNetLite(const BackboneOptions& o) {
    if (o.widths.size() != 4 || o.blocks.size() != 3) {
      throw Error("resnet-lite: widths needs 4 values (stem, stage 1-3) and blocks 3");
    }
    for (auto w : o.widths)
      if (w < 1) throw Error("resnet-lite: widths must be >= 1");
    for (auto b : o.blocks)
      if (b < 1) throw Error("resnet-lite: blocks must be >= 1");
    if (o.norm != "gn" && o.norm != "bn" && o.norm != "none") {
      throw Error("resnet-lite: norm must be gn, bn or none, not '" + o.norm + "'");
    }
    if (o.gn_groups < 1) throw Error("resnet-lite: gn_groups must be >= 1");
    if (o.stride != 8 && o.stride != 16) throw Error("resnet-lite: stride must be 8 or 16");
    stride_ = o.stride;
    const bool bias = o.norm == "none";
    nn::Sequential stem;
    stem->push_back(conv3x3(3, o.widths[0], 2, bias));
    stem->push_back(make_norm(o, o.widths[0]));
    stem->push_back(nn::Functional(torch::relu));
    stem->push_back(conv3x3(o.widths[0], o.widths[0], 1, bias));
    stem->push_back(make_norm(o, o.widths[0]));
    stem->push_back(nn::Functional(torch::relu));
    stem_ = register_module("stem", stem);
    int64_t in = o.widths[0];
    for (int s = 0; s < 3; ++s) {
      nn::Sequential stage;
      for (int64_t b = 0; b < o.blocks[s]; ++b) {
        const int64_t down = b == 0 && !(s == 2 && o.stride == 8) ? 2 : 1;
        stage->push_back(BasicBlock(o, in, o.widths[s + 1], down));
        in = o.widths[s + 1];
      }
      stages_.push_back(register_module("stage" + std::to_string(s + 1), stage));
    }
    channels_ = in;
    for (auto& m : modules(false)) {
      if (auto* conv = m->as<nn::Conv2d>()) {
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
        if (conv->bias.defined()) nn::init::zeros_(conv->bias);
      }
    }
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    auto y = stem_->forward(x);
    for (auto& s : stages_) y = s->forward(y);
    return y;
  }
  int64_t out_channels() const override { return channels_; }
  int64_t stride() const override { return stride_; }

 private:
  int64_t stride_ = 16;
  nn::Sequential stem_{nullptr};
  std::vector<nn::Sequential> stages_;
  int64_t channels_ = 0;
};

// ---- vgg16 and zf -----------------------------------------------------------------------------

void init_conv_stack(nn::Sequential& features) {
  for (auto& m : features->modules(false)) {
    if (auto* conv = m->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      nn::init::zeros_(conv->bias);
    }
  }
}

// VGG16 up to conv5_3 + ReLU, indexed as torchvision's `features` (0 conv1_1 ... 29 relu5_3).
class Vgg16 : public Backbone {
 public:
  Vgg16() {
    const std::vector<int64_t> cfg = {64, 64, -1, 128, 128, -1, 256, 256, 256, -1,
                                      512, 512, 512, -1, 512, 512, 512};
    nn::Sequential f;
    int64_t in = 3;
    for (auto c : cfg) {
      if (c < 0) {
        f->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2)));
        continue;
      }
      f->push_back(nn::Conv2d(nn::Conv2dOptions(in, c, 3).padding(1)));
      f->push_back(nn::ReLU(nn::ReLUOptions(true)));
      in = c;
    }
    features_ = register_module("features", f);
    init_conv_stack(features_);
  }
  torch::Tensor forward(const torch::Tensor& x) override { return features_->forward(x); }
  int64_t out_channels() const override { return 512; }
  int64_t stride() const override { return 16; }

 private:
  nn::Sequential features_{nullptr};
};

// ZF as in py-faster-rcnn's ZF prototxt: conv1 7x7/2 96, LRN, pool 3/2; conv2 5x5/2 256, LRN,
// pool 3/2; conv3-5 3x3 (384, 384, 256).
class Zf : public Backbone {
 public:
  Zf() {
    auto lrn = [] {
      return nn::LocalResponseNorm(nn::LocalResponseNormOptions(3).alpha(5e-5).beta(0.75).k(1.0));
    };
    auto pool = [] { return nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)); };
    nn::Sequential f;
    f->push_back(nn::Conv2d(nn::Conv2dOptions(3, 96, 7).stride(2).padding(3)));
    f->push_back(nn::ReLU(nn::ReLUOptions(true)));
    f->push_back(lrn());
    f->push_back(pool());
    f->push_back(nn::Conv2d(nn::Conv2dOptions(96, 256, 5).stride(2).padding(2)));
    f->push_back(nn::ReLU(nn::ReLUOptions(true)));
    f->push_back(lrn());
    f->push_back(pool());
    f->push_back(nn::Conv2d(nn::Conv2dOptions(256, 384, 3).padding(1)));
    f->push_back(nn::ReLU(nn::ReLUOptions(true)));
    f->push_back(nn::Conv2d(nn::Conv2dOptions(384, 384, 3).padding(1)));
    f->push_back(nn::ReLU(nn::ReLUOptions(true)));
    f->push_back(nn::Conv2d(nn::Conv2dOptions(384, 256, 3).padding(1)));
    f->push_back(nn::ReLU(nn::ReLUOptions(true)));
    features_ = register_module("features", f);
    init_conv_stack(features_);
  }
  torch::Tensor forward(const torch::Tensor& x) override { return features_->forward(x); }
  int64_t out_channels() const override { return 256; }
  int64_t stride() const override { return 16; }

 private:
  nn::Sequential features_{nullptr};
};

}  // namespace

nlohmann::json BackboneOptions::to_json() const {
  return {{"name", name}, {"widths", widths}, {"blocks", blocks}, {"norm", norm},
          {"gn_groups", gn_groups}, {"stride", stride}};
}

BackboneOptions BackboneOptions::from_json(const nlohmann::json& j) {
  BackboneOptions o;
  try {
    o.name = j.at("name").get<std::string>();
    o.widths = j.value("widths", o.widths);
    o.blocks = j.value("blocks", o.blocks);
    o.norm = j.value("norm", o.norm);
    o.gn_groups = j.value("gn_groups", o.gn_groups);
    o.stride = j.value("stride", o.stride);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("backbone config: ") + e.what());
  }
  return o;
}

std::vector<std::string> backbone_names() { return {"resnet-lite", "vgg16", "zf"}; }

std::shared_ptr<Backbone> make_backbone(const BackboneOptions& options) {
  if (options.name == "resnet-lite") return std::make_shared<ResNetLite>(options);
  if (options.name == "vgg16") return std::make_shared<Vgg16>();
  if (options.name == "zf") return std::make_shared<Zf>();
  throw Error("unknown backbone '" + options.name + "' (expected resnet-lite, vgg16 or zf)");
}

}  // namespace seer::detection::models
