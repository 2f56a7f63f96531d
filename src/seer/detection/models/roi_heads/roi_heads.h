// The Fast R-CNN head of a two-stage detector: proposal targets (which RoIs train the head and
// what they should predict), RoI pooling of the shared map, a box head (two fc layers or a
// GroupNorm conv stack), N + 1 class scores and class-specific box deltas, the multi-task
// loss, and the test-time post-processing.
//
// Proposal targets (sample_proposals), per image, as py-faster-rcnn's proposal_target_layer:
//   * the non-difficult ground-truth boxes are added to the proposals;
//   * IoU with the ground truth: >= fg_iou -> foreground (class of the best box, 1..N);
//     in [bg_iou_low, bg_iou_high) -> background (0); otherwise not used. An image without
//     objects gives background RoIs of any overlap;
//   * batch_per_image RoIs sampled, at most positive_fraction foreground (128 at 25%);
//   * regression targets: the matched box encoded against the RoI with weights (10, 10, 5, 5)
//     (py-faster-rcnn's normalisation by the standard deviations 0.1, 0.1, 0.2, 0.2).
// Loss (the course's L = L_cls / N_cls + lambda * L_reg / N_reg): cross-entropy averaged over
// the sampled RoIs + box_loss_weight * smooth-L1 (sigma 1) of the foreground RoIs' deltas of
// their class, summed and divided by the number of sampled RoIs (py-faster-rcnn, torchvision).
// Test: softmax scores; each class's deltas decoded and clipped; per class, boxes scoring above
// score_threshold kept, NMS at nms_iou; the best detections_per_image of the image kept.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "seer/detection/boxes/box_coder.h"

namespace seer::detection::models {

struct RoiHeadsOptions {
  std::string pooler = "align";  // align (RoIAlign, aligned) | pool (the paper's RoI max pooling)
                                 // | spp (SPP-Net's spatial pyramid, fc head only)
  int64_t pool_size = 7;         // output bins per side (align, pool)
  std::vector<int64_t> spp_levels = {6, 3, 2, 1};  // spp: bins per side of each level (SPP-Net's)
  int64_t sampling_ratio = 2;    // RoIAlign points per bin side (0: adaptive)
  std::string head = "fc";       // fc (two fc layers, the paper's) | conv (GN convs + one fc)
  int64_t fc_dim = 1024;         // width of the fc layers
  int64_t conv_layers = 4;       // conv head: 3x3 conv + GroupNorm + ReLU layers
  int64_t conv_dim = 256;        // conv head: their channels
  double fg_iou = 0.5;
  double bg_iou_high = 0.5, bg_iou_low = 0.1;
  int64_t batch_per_image = 128;
  double positive_fraction = 0.25;
  std::array<double, 4> box_weights = {10.0, 10.0, 5.0, 5.0};
  double box_loss_weight = 1.0;  // lambda
  double score_threshold = 0.05;
  double nms_iou = 0.3;          // py-faster-rcnn's TEST.NMS
  int64_t detections_per_image = 100;

  nlohmann::json to_json() const;
  static RoiHeadsOptions from_json(const nlohmann::json& j);
};

struct SampledProposals {
  std::vector<torch::Tensor> boxes;           // per image [R_i, 4]
  std::vector<torch::Tensor> labels;          // per image [R_i] int64, 0 = background
  std::vector<torch::Tensor> box_targets;     // per image [R_i, 4] encoded deltas (fg rows only meaningful)
};

struct ImageDetections {
  torch::Tensor boxes;   // [D, 4] input coordinates
  torch::Tensor scores;  // [D]
  torch::Tensor labels;  // [D] int64, 0-based class index (no background)
};

// The test-time selection of one image's detections: boxes [R, K, 4] (or [R, 4K]) in input
// coordinates, scores [R, K] (no background column): clipped to the image, boxes scoring above
// score_threshold kept, tiny ones dropped, per-class NMS, the best detections_per_image kept.
struct DetectionSelectOptions {
  double score_threshold = 0.05;
  double nms_iou = 0.3;
  int64_t detections_per_image = 100;
};
ImageDetections select_detections(torch::Tensor boxes, torch::Tensor scores, const std::array<int64_t, 2>& image_size,
                                  const DetectionSelectOptions& options);

// What truncate_fc did to each fc layer of the head.
struct TruncatedSvdReport {
  struct Layer {
    int64_t in = 0, out = 0, rank = 0;
    double dropped_sigma = 0, kept_energy = 1;
  };
  std::vector<Layer> layers;
  std::string summary() const;  // "fc 12544->1024 at rank 256 (99.1% of the energy), ..."
  nlohmann::json to_json() const;
};

class RoiHeadsImpl : public torch::nn::Module {
 public:
  RoiHeadsImpl(int64_t in_channels, int64_t stride, int64_t num_classes, RoiHeadsOptions options);

  // Proposal targets of every image (see above). gt_boxes / gt_labels (0-based) per image.
  SampledProposals sample_proposals(const std::vector<torch::Tensor>& proposals,
                                    const std::vector<torch::Tensor>& gt_boxes,
                                    const std::vector<torch::Tensor>& gt_labels) const;

  // Class logits [R, N + 1] and deltas [R, 4 (N + 1)] of the RoIs (per image boxes).
  std::pair<torch::Tensor, torch::Tensor> predict(const torch::Tensor& features,
                                                  const std::vector<torch::Tensor>& boxes);

  // Training: "loss_head_cls", "loss_head_box" losses, and "head_fg_acc" / "head_acc" (not differentiable).
  std::map<std::string, torch::Tensor> losses(const torch::Tensor& features,
                                              const SampledProposals& sampled);

  // The box head's output (fc7 of the fc head) of each RoI: [R, fc_dim]. R-CNN and SPP-Net
  // train their SVMs and box regressors on it.
  torch::Tensor fc_features(const torch::Tensor& features, const std::vector<torch::Tensor>& boxes);

  // Test: detections per image, in input coordinates.
  std::vector<ImageDetections> detect(const torch::Tensor& features,
                                      const std::vector<torch::Tensor>& proposals,
                                      const std::vector<std::array<int64_t, 2>>& image_sizes);
  // The same from the RoIs' fc_features (rows in the order of `proposals`, image after image).
  std::vector<ImageDetections> detect_from_fc(const torch::Tensor& fc, const std::vector<torch::Tensor>& proposals,
                                              const std::vector<std::array<int64_t, 2>>& image_sizes);
  DetectionSelectOptions select_options() const;

  const RoiHeadsOptions& options() const { return options_; }
  int64_t num_classes() const { return num_classes_; }

  // Fast R-CNN's test-time compression: the head's fc layers (fc6 and fc7 of the fc head, the
  // conv head's fc), in order, replaced by their truncated SVD at ranks[i] (truncated_svd.h);
  // fewer ranks than layers leave the rest as they are. seer::Error on a bad rank or more
  // ranks than layers.
  TruncatedSvdReport truncate_fc(const std::vector<int64_t>& ranks);

  // The output layers.
  torch::nn::Linear& cls_score() { return cls_score_; }
  torch::nn::Linear& bbox_pred() { return bbox_pred_; }

 private:
  torch::Tensor pool(const torch::Tensor& features, const std::vector<torch::Tensor>& boxes);

  int64_t stride_;
  int64_t num_classes_;
  RoiHeadsOptions options_;
  BoxCoder coder_;
  torch::nn::Sequential head_{nullptr};
  torch::nn::Linear cls_score_{nullptr}, bbox_pred_{nullptr};
};
TORCH_MODULE(RoiHeads);

}  // namespace seer::detection::models
