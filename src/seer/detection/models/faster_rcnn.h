// Faster R-CNN (Ren et al. 2015): the meta-architecture that joins a backbone, a region
// proposal network and a Fast R-CNN RoI head sharing the backbone's feature map.
//
// The same class is Fast R-CNN (Girshick 2015) when config.arch is "fast-rcnn": no RPN; the
// proposals come from outside (selective search, detection/proposals/), passed to losses() and
// detect() per image in input coordinates. detect_picture computes them with the config's
// selective search options when the caller has none (a picture from `seer detect image`).
//
// Parts are built from a FasterRcnnConfig (make_faster_rcnn) or passed in through the
// constructor. Training returns named losses (loss_rpn_cls, loss_rpn_box, loss_head_cls, loss_head_box and their
// sum "loss"); inference returns per-image detections. A model file (kind "faster-rcnn") holds
// the config: class names, backbone, anchors, RPN and head options and the input normalisation,
// so `seer detect test / image` rebuild exactly the trained network.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "seer/detection/eval/voc_ap.h"
#include "seer/detection/models/anchors/anchor_generator.h"
#include "seer/detection/models/backbones/backbone.h"
#include "seer/detection/models/image_batch.h"
#include "seer/detection/models/roi_heads/roi_heads.h"
#include "seer/detection/models/rpn/region_proposal_network.h"
#include "seer/detection/proposals/selective_search.h"

namespace seer::detection::models {

inline constexpr const char* kFasterRcnnKind = "faster-rcnn";
inline constexpr const char* kFastRcnnKind = "fast-rcnn";

struct FasterRcnnConfig {
  std::string arch = kFasterRcnnKind;  // faster-rcnn (RPN proposals) | fast-rcnn (external proposals)
  std::vector<std::string> classes;  // label i is classes[i] (no background entry)
  BackboneOptions backbone;
  AnchorOptions anchors;
  RpnOptions rpn;
  RoiHeadsOptions roi_heads;
  InputOptions input;
  // fast-rcnn: proposals per image (the first of each image's ranked list; the paper's 2000),
  // and how pictures without a proposals file get theirs.
  int64_t max_proposals = 2000;
  proposals::SelectiveSearchOptions selective_search;

  bool uses_rpn() const { return arch == kFasterRcnnKind; }
  nlohmann::json to_json() const;
  static FasterRcnnConfig from_json(const nlohmann::json& j);  // seer::Error if malformed
};

// One image's training targets, in input (resized) coordinates; difficult objects left out.
struct DetectionTargets {
  torch::Tensor boxes;   // [G, 4] float
  torch::Tensor labels;  // [G] int64, 0-based class index
};

// Which parts a training step trains (the 4-step alternating schedule trains them in turn).
struct LossParts {
  bool rpn = true;
  bool head = true;
};

class FasterRcnnImpl : public torch::nn::Module {
 public:
  FasterRcnnImpl(FasterRcnnConfig config, std::shared_ptr<Backbone> backbone,
                 RegionProposalNetwork rpn, RoiHeads roi_heads);

  // Named losses of one batch, "loss" their sum over `parts`. `proposals` (per image, [P, 4] in
  // input coordinates): required by fast-rcnn, ignored by faster-rcnn.
  std::map<std::string, torch::Tensor> losses(const ImageBatch& batch,
                                              const std::vector<DetectionTargets>& targets,
                                              LossParts parts = {},
                                              const std::vector<torch::Tensor>& proposals = {});
  // Detections of every image of the batch in input coordinates (call in eval mode, no grad).
  std::vector<ImageDetections> detect(const ImageBatch& batch, const std::vector<torch::Tensor>& proposals = {});

  const FasterRcnnConfig& config() const { return config_; }
  Backbone& backbone() { return *backbone_; }
  RegionProposalNetwork& rpn() { return rpn_; }  // empty (nullptr) for fast-rcnn
  RoiHeads& roi_heads() { return roi_heads_; }

 private:
  FasterRcnnConfig config_;
  std::shared_ptr<Backbone> backbone_;
  RegionProposalNetwork rpn_{nullptr};
  RoiHeads roi_heads_{nullptr};
};
TORCH_MODULE(FasterRcnn);

// Builds every part from the config (fresh initialisation).
FasterRcnn make_faster_rcnn(const FasterRcnnConfig& config);

// A trained detector from a model file (model.pt or a checkpoint) of kind faster-rcnn or
// fast-rcnn, on `device`, in eval mode.
FasterRcnn load_faster_rcnn(const std::filesystem::path& model_file, c10::Device device);

// Detections of one picture (8-bit BGR) in its own pixel coordinates: resized as
// config().input says, detected, mapped back and clipped to the picture. `image_id` fills
// Detection::image_id. fast-rcnn: `proposals` in the picture's pixels (the first
// config().max_proposals used), or selective search on the picture when null. Puts the model
// in eval mode.
std::vector<Detection> detect_picture(FasterRcnn& model, const cv::Mat& bgr, const std::string& image_id,
                                      const std::vector<Box>* proposals = nullptr);

}  // namespace seer::detection::models
