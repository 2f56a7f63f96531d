// The region proposal network (Ren et al. 2015): a 3x3 conv over the backbone's map, then per
// location one objectness logit and 4 box deltas for each of its A anchors; anchor targets and
// the RPN loss in training; proposals (decoded, clipped, NMS'd boxes) for the RoI head.
//
// Anchor targets (label_anchors), per image, from the non-difficult ground truth:
//   * anchors not fully inside the image (by more than allowed_border px) are ignored (-1),
//     as in the paper ("cross-boundary anchors are ignored");
//   * of the others: IoU >= positive_iou -> 1, IoU < negative_iou -> 0, in between ignored,
//     and each ground truth's best anchors are positive too (Matcher with low-quality matches);
//   * then batch_per_image anchors are sampled, at most positive_fraction of them positive
//     (256 at 1:1 by default); the rest are ignored. An image without objects gives negatives only.
// Loss: binary cross-entropy of the sampled anchors' objectness (mean over the sampled: the
// paper's 1 / N_cls with N_cls = 256) + smooth-L1 (sigma 3, py-faster-rcnn's RPN) of the
// positive anchors' deltas, summed and divided by the number sampled (py-faster-rcnn's 1 /
// N_sampled outside weights; the paper's lambda = 10 with 1 / N_reg = 1 / ~2400 locations is
// about the same weight). Each loss is averaged over the images of the batch.
//
// Proposals, per image: the top pre_nms_top_n anchors by objectness, decoded, clipped to the
// image, boxes narrower or lower than min_size dropped, NMS at nms_iou, the best
// post_nms_top_n kept (12000 -> 2000 in training, 6000 -> 300 at test). They are detached
// (approximate joint training: no gradient flows through the proposal coordinates).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "seer/detection/boxes/box_coder.h"
#include "seer/detection/models/anchors/anchor_generator.h"

namespace seer::detection::models {

struct RpnOptions {
  int64_t conv_channels = 0;      // the 3x3 conv's width (0: the backbone's channels)
  double positive_iou = 0.7;      // anchor IoU >= this: positive
  double negative_iou = 0.3;      // anchor IoU < this: negative
  double allowed_border = 0;      // px an anchor may cross the image border before it is ignored
  int64_t batch_per_image = 256;  // sampled anchors per image
  double positive_fraction = 0.5;
  int64_t pre_nms_top_n_train = 12000, post_nms_top_n_train = 2000;
  int64_t pre_nms_top_n_test = 6000, post_nms_top_n_test = 300;
  double nms_iou = 0.7;
  double min_size = 0;            // px (input scale); py-faster-rcnn uses 16, torchvision 0.001
  double sigma = 3.0;             // smooth-L1 sigma of the box loss

  nlohmann::json to_json() const;
  static RpnOptions from_json(const nlohmann::json& j);
};

// An image's anchor labels: 1 positive, 0 negative, -1 ignored ([M] int64) and the ground-truth
// box each anchor is matched to ([M, 4]; meaningful only where the label is 1).
struct AnchorLabels {
  at::Tensor labels;
  at::Tensor matched_boxes;
};

class RpnHeadImpl : public torch::nn::Module {
 public:
  RpnHeadImpl(int64_t in_channels, int64_t conv_channels, int64_t anchors_per_location);
  // features [N, C, H, W] -> objectness [N, A, H, W], deltas [N, 4A, H, W]
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& features);

 private:
  torch::nn::Conv2d conv_{nullptr}, objectness_{nullptr}, deltas_{nullptr};
};
TORCH_MODULE(RpnHead);

struct RpnOutput {
  std::vector<torch::Tensor> proposals;         // per image [K_i, 4], detached
  std::vector<torch::Tensor> proposal_scores;   // per image [K_i] objectness probability
  std::map<std::string, torch::Tensor> losses;  // "loss_rpn_cls", "loss_rpn_box" (training only)
};

class RegionProposalNetworkImpl : public torch::nn::Module {
 public:
  RegionProposalNetworkImpl(int64_t in_channels, int64_t stride, AnchorOptions anchors,
                            RpnOptions options);

  // features: the backbone's map [N, C, H, W]; image_sizes: each image's (height, width).
  // gt_boxes: per image [G_i, 4] (input coordinates; may be empty), needed when
  // `compute_losses`. Training (is_training()) picks the train proposal counts.
  RpnOutput forward(const torch::Tensor& features,
                    const std::vector<std::array<int64_t, 2>>& image_sizes,
                    const std::vector<torch::Tensor>& gt_boxes, bool compute_losses);

  // The anchor targets of one image (see above), before sampling.
  AnchorLabels label_anchors(const torch::Tensor& anchors, std::array<int64_t, 2> image_size,
                             const torch::Tensor& gt_boxes) const;
  // One image's proposals from its anchors' objectness logits [M] and deltas [M, 4].
  std::pair<torch::Tensor, torch::Tensor> select_proposals(const torch::Tensor& anchors,
                                                           const torch::Tensor& objectness,
                                                           const torch::Tensor& deltas,
                                                           std::array<int64_t, 2> image_size) const;

  const AnchorGenerator& anchor_generator() const { return anchors_; }
  const RpnOptions& options() const { return options_; }

 private:
  AnchorGenerator anchors_;
  RpnOptions options_;
  BoxCoder coder_;
  RpnHead head_{nullptr};
};
TORCH_MODULE(RegionProposalNetwork);

}  // namespace seer::detection::models
