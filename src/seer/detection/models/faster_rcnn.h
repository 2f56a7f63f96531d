// Faster R-CNN (Ren et al. 2015): the meta-architecture that joins a backbone, a region
// proposal network and a Fast R-CNN RoI head sharing the backbone's feature map.
//
// The same class, from the same parts, is each of its predecessors (config.arch):
//   fast-rcnn  Fast R-CNN (Girshick 2015): no RPN; the proposals come from outside (selective
//              search, detection/proposals/), passed to losses() and detect() per image in
//              input coordinates. detect_picture computes them with the config's selective
//              search options when the caller has none (a picture from `seer detect image`).
//   sppnet     SPP-Net (He et al. 2014): as fast-rcnn with the spatial pyramid pooler; after
//              training, per-class linear SVMs and ridge box regressors on the windows' fc7
//              features (svm_head(), filled by training/svm_stage.h) score and place them.
//   rcnn       R-CNN (Girshick et al. 2014): every window cut out of the image with context and
//              warped to a fixed square (rcnn/warp.h), the backbone run on each warped window,
//              the box head on the whole window's map, then the same SVMs and box regressors.
//              Fine-tuning trains it as an N + 1 classifier on warped windows (the head's
//              sampled RoIs: 25% foreground, background below 0.5 IoU).
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
#include "seer/detection/models/rcnn/svm_head.h"
#include "seer/detection/models/rcnn/warp.h"
#include "seer/detection/models/roi_heads/roi_heads.h"
#include "seer/detection/models/rpn/region_proposal_network.h"
#include "seer/detection/proposals/selective_search.h"

namespace seer::detection::models {

inline constexpr const char* kFasterRcnnKind = "faster-rcnn";
inline constexpr const char* kFastRcnnKind = "fast-rcnn";
inline constexpr const char* kSppNetKind = "sppnet";
inline constexpr const char* kRcnnKind = "rcnn";

// The detector archs this class builds, in the course's order: rcnn, sppnet, fast-rcnn, faster-rcnn.
std::vector<std::string> detector_archs();

struct FasterRcnnConfig {
  std::string arch = kFasterRcnnKind;  // faster-rcnn (RPN proposals) | fast-rcnn | sppnet | rcnn (external proposals)
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
  // rcnn: the warped windows (R-CNN's 227 px for AlexNet with 16 px of context; seer's default
  // 96 px suits its stride-16 backbones: a 6 x 6 map per window, as AlexNet's pool5), and how
  // many windows go through the network at once at test.
  rcnn::WarpOptions warp;
  int64_t warp_batch = 128;
  // rcnn, sppnet: detections keep windows whose SVM margin exceeds this (R-CNN keeps everything
  // for evaluation; -1 is the margin's far side).
  double svm_score_threshold = -1.0;

  bool uses_rpn() const { return arch == kFasterRcnnKind; }
  bool uses_svm() const { return arch == kRcnnKind || arch == kSppNetKind; }
  bool warps_windows() const { return arch == kRcnnKind; }
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

  // The box head's output (fc7) of every window, image after image ([sum R_i, fc_dim]): the
  // features R-CNN and SPP-Net train their SVMs on. rcnn warps each window; the others pool
  // it from the image's feature map.
  torch::Tensor window_features(const ImageBatch& batch, const std::vector<torch::Tensor>& windows);

  const FasterRcnnConfig& config() const { return config_; }
  Backbone& backbone() { return *backbone_; }
  RegionProposalNetwork& rpn() { return rpn_; }  // empty (nullptr) for fast-rcnn
  RoiHeads& roi_heads() { return roi_heads_; }
  rcnn::SvmHead& svm_head() { return svm_; }  // empty (nullptr) unless rcnn or sppnet

 private:
  // rcnn's fine-tuning loss: the head's on the sampled windows, each warped.
  std::map<std::string, torch::Tensor> window_losses(const ImageBatch& batch, const std::vector<torch::Tensor>& gt_boxes,
                                                     const std::vector<torch::Tensor>& gt_labels,
                                                     const std::vector<torch::Tensor>& proposals);

  FasterRcnnConfig config_;
  std::shared_ptr<Backbone> backbone_;
  RegionProposalNetwork rpn_{nullptr};
  RoiHeads roi_heads_{nullptr};
  rcnn::SvmHead svm_{nullptr};
};
TORCH_MODULE(FasterRcnn);

// Builds every part from the config (fresh initialisation).
FasterRcnn make_faster_rcnn(const FasterRcnnConfig& config);

// A trained detector from a model file (model.pt or a checkpoint) of any arch of
// detector_archs(), on `device`, in eval mode.
FasterRcnn load_faster_rcnn(const std::filesystem::path& model_file, c10::Device device);

// One picture as the detector takes it: resized as config.input says, normalised, a batch of
// one on `device`; `boxes` (picture pixels) resized with it ([B, 4] float, input coordinates).
struct PreparedPicture {
  ImageBatch batch;
  torch::Tensor boxes;
  double scale = 1;  // input pixels per picture pixel
};
PreparedPicture prepare_picture(const FasterRcnnConfig& config, const cv::Mat& bgr, std::vector<Box> boxes,
                                int64_t size_divisible, c10::Device device);

// Detections of one picture (8-bit BGR) in its own pixel coordinates: resized as
// config().input says, detected, mapped back and clipped to the picture. `image_id` fills
// Detection::image_id. fast-rcnn: `proposals` in the picture's pixels (the first
// config().max_proposals used), or selective search on the picture when null. Puts the model
// in eval mode.
std::vector<Detection> detect_picture(FasterRcnn& model, const cv::Mat& bgr, const std::string& image_id,
                                      const std::vector<Box>* proposals = nullptr);

}  // namespace seer::detection::models
