// The backbone of a two-stage detector: a convolutional network that turns a batch of images
// into one feature map, shared by the region proposal network and the RoI head.
//
// Every backbone says what its map is: `out_channels()` channels at `stride()` input pixels per
// cell (a cell (i, j) covers the input pixels [j * stride, (j + 1) * stride) x [i * stride,
// (i + 1) * stride)). Backbones are built by name (make_backbone):
//   vgg16        the Faster R-CNN paper's: VGG16's 13 convolutions up to conv5_3 (ReLU), stride
//                16, 512 channels; parameter names follow torchvision's vgg16 ("features.N."),
//                so a torchvision state_dict loads with --init.
//   zf           Zeiler & Fergus' net as py-faster-rcnn's ZF (conv1-conv5, LRN after conv1 and
//                conv2), stride 16, 256 channels.
//   resnet-lite  seer's CPU-sized backbone made to train from scratch (He et al. 2019; ScratchDet;
//                DSOD): a stem of two 3x3 convolutions, three stages of ResNet basic blocks,
//                GroupNorm (or BatchNorm) after every convolution, stride 16 (or 8: the last
//                stage keeps its input's resolution, for small objects whose shape matters).
//                Widths, blocks and stride are options (BackboneOptions).
#pragma once

#include "seer/core/checkpoint.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

namespace seer::detection::models {

struct BackboneOptions {
  std::string name = "resnet-lite";  // vgg16 | zf | resnet-lite
  // resnet-lite only:
  std::vector<int64_t> widths = {32, 64, 128, 256};  // stem, stage 1, 2, 3 channels
  std::vector<int64_t> blocks = {1, 2, 2};            // basic blocks in stage 1, 2, 3
  std::string norm = "gn";                            // gn (GroupNorm) | bn (BatchNorm) | none
  int64_t gn_groups = 16;                             // GroupNorm groups (capped by channels)
  int64_t stride = 16;                                // 16, or 8: stage 3 does not downsample

  nlohmann::json to_json() const;
  static BackboneOptions from_json(const nlohmann::json& j);  // seer::Error if malformed
};

class Backbone : public torch::nn::Module {
 public:
  // images: [N, 3, H, W], normalised. Returns [N, out_channels(), ceil(H / stride), ...].
  virtual torch::Tensor forward(const torch::Tensor& images) = 0;
  virtual int64_t out_channels() const = 0;
  virtual int64_t stride() const = 0;
};

// Builds the backbone `options.name` with fresh (He / Kaiming) initialisation. seer::Error on
// an unknown name or bad options.
std::shared_ptr<Backbone> make_backbone(const BackboneOptions& options);

// The backbone names make_backbone knows.
std::vector<std::string> backbone_names();

// --init (seer/core/checkpoint.h): the matching tensors of a seer model file or a PyTorch
// state_dict file.
using seer::init_from_file;
using seer::InitReport;

}  // namespace seer::detection::models
