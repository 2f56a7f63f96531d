// Faster R-CNN (Ren et al. 2015): the meta-architecture that joins a backbone, a region
// proposal network and a Fast R-CNN RoI head sharing the backbone's feature map.
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

namespace seer::detection::models {

inline constexpr const char* kFasterRcnnKind = "faster-rcnn";

struct FasterRcnnConfig {
  std::vector<std::string> classes;  // label i is classes[i] (no background entry)
  BackboneOptions backbone;
  AnchorOptions anchors;
  RpnOptions rpn;
  RoiHeadsOptions roi_heads;
  InputOptions input;

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

  // Named losses of one batch, "loss" their sum over `parts`.
  std::map<std::string, torch::Tensor> losses(const ImageBatch& batch,
                                              const std::vector<DetectionTargets>& targets,
                                              LossParts parts = {});
  // Detections of every image of the batch in input coordinates (call in eval mode, no grad).
  std::vector<ImageDetections> detect(const ImageBatch& batch);

  const FasterRcnnConfig& config() const { return config_; }
  Backbone& backbone() { return *backbone_; }
  RegionProposalNetwork& rpn() { return rpn_; }
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

// A trained detector from a model file (model.pt or a checkpoint), on `device`, in eval mode.
FasterRcnn load_faster_rcnn(const std::filesystem::path& model_file, c10::Device device);

// Detections of one picture (8-bit BGR) in its own pixel coordinates: resized as
// config().input says, detected, mapped back and clipped to the picture. `image_id` fills
// Detection::image_id. Puts the model in eval mode.
std::vector<Detection> detect_picture(FasterRcnn& model, const cv::Mat& bgr, const std::string& image_id);

}  // namespace seer::detection::models
