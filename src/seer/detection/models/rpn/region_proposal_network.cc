#include "seer/detection/models/rpn/region_proposal_network.h"

#include <torch/torch.h>

#include "seer/core/error.h"
#include "seer/nn/bf16_autocast.h"
#include "seer/detection/boxes/iou.h"
#include "seer/detection/boxes/matcher.h"
#include "seer/detection/boxes/nms.h"
#include "seer/detection/boxes/sampler.h"
#include "seer/detection/boxes/smooth_l1.h"

namespace seer::detection::models {

nlohmann::json RpnOptions::to_json() const {
  return {{"conv_channels", conv_channels},
          {"positive_iou", positive_iou},
          {"negative_iou", negative_iou},
          {"allowed_border", allowed_border},
          {"batch_per_image", batch_per_image},
          {"positive_fraction", positive_fraction},
          {"pre_nms_top_n_train", pre_nms_top_n_train},
          {"post_nms_top_n_train", post_nms_top_n_train},
          {"pre_nms_top_n_test", pre_nms_top_n_test},
          {"post_nms_top_n_test", post_nms_top_n_test},
          {"nms_iou", nms_iou},
          {"min_size", min_size},
          {"sigma", sigma}};
}

RpnOptions RpnOptions::from_json(const nlohmann::json& j) {
  RpnOptions o;
  try {
    o.conv_channels = j.value("conv_channels", o.conv_channels);
    o.positive_iou = j.value("positive_iou", o.positive_iou);
    o.negative_iou = j.value("negative_iou", o.negative_iou);
    o.allowed_border = j.value("allowed_border", o.allowed_border);
    o.batch_per_image = j.value("batch_per_image", o.batch_per_image);
    o.positive_fraction = j.value("positive_fraction", o.positive_fraction);
    o.pre_nms_top_n_train = j.value("pre_nms_top_n_train", o.pre_nms_top_n_train);
    o.post_nms_top_n_train = j.value("post_nms_top_n_train", o.post_nms_top_n_train);
    o.pre_nms_top_n_test = j.value("pre_nms_top_n_test", o.pre_nms_top_n_test);
    o.post_nms_top_n_test = j.value("post_nms_top_n_test", o.post_nms_top_n_test);
    o.nms_iou = j.value("nms_iou", o.nms_iou);
    o.min_size = j.value("min_size", o.min_size);
    o.sigma = j.value("sigma", o.sigma);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("rpn config: ") + e.what());
  }
  return o;
}

RpnHeadImpl::RpnHeadImpl(int64_t in_channels, int64_t conv_channels, int64_t anchors_per_location) {
  namespace nn = torch::nn;
  conv_ = register_module("conv", nn::Conv2d(nn::Conv2dOptions(in_channels, conv_channels, 3).padding(1)));
  objectness_ = register_module("objectness",
                                nn::Conv2d(nn::Conv2dOptions(conv_channels, anchors_per_location, 1)));
  deltas_ = register_module("deltas",
                            nn::Conv2d(nn::Conv2dOptions(conv_channels, 4 * anchors_per_location, 1)));
  for (auto* conv : {conv_.get(), objectness_.get(), deltas_.get()}) {
    nn::init::normal_(conv->weight, 0.0, 0.01);  // the paper's N(0, 0.01)
    nn::init::zeros_(conv->bias);
  }
}

std::pair<torch::Tensor, torch::Tensor> RpnHeadImpl::forward(const torch::Tensor& features) {
  auto x = seer::nn::full_precision(torch::relu(conv_(features)));
  const seer::nn::AutocastOff fp32;  // the two 1x1 predictors in fp32: boxes are decoded from them
  return {objectness_(x), deltas_(x)};
}

RegionProposalNetworkImpl::RegionProposalNetworkImpl(int64_t in_channels, int64_t stride,
                                                     AnchorOptions anchors, RpnOptions options)
    : anchors_(std::move(anchors), stride), options_(options), coder_(1.0, 1.0, 1.0, 1.0) {
  if (!(options_.negative_iou <= options_.positive_iou)) {
    throw Error("rpn: negative_iou must be <= positive_iou");
  }
  if (options_.pre_nms_top_n_train < 1 || options_.post_nms_top_n_train < 1 ||
      options_.pre_nms_top_n_test < 1 || options_.post_nms_top_n_test < 1) {
    throw Error("rpn: proposal counts must be >= 1");
  }
  const int64_t width = options_.conv_channels > 0 ? options_.conv_channels : in_channels;
  head_ = register_module("head", RpnHead(in_channels, width, anchors_.per_location()));
}

AnchorLabels RegionProposalNetworkImpl::label_anchors(const torch::Tensor& anchors,
                                                      std::array<int64_t, 2> image_size,
                                                      const torch::Tensor& gt_boxes) const {
  const int64_t m = anchors.size(0);
  auto long_opts = torch::TensorOptions().dtype(torch::kInt64).device(anchors.device());
  AnchorLabels out;
  out.labels = torch::full({m}, -1, long_opts);
  out.matched_boxes = torch::zeros({m, 4}, anchors.options());
  const double b = options_.allowed_border;
  const double h = static_cast<double>(image_size[0]), w = static_cast<double>(image_size[1]);
  auto inside = (anchors.select(1, 0) >= -b) & (anchors.select(1, 1) >= -b) &
                (anchors.select(1, 2) <= w + b) & (anchors.select(1, 3) <= h + b);
  auto inside_idx = torch::nonzero(inside).view(-1);
  if (inside_idx.numel() == 0) return out;
  auto inside_anchors = anchors.index_select(0, inside_idx);
  torch::Tensor labels;
  if (gt_boxes.size(0) == 0) {
    labels = torch::zeros({inside_idx.numel()}, long_opts);
  } else {
    Matcher matcher(options_.positive_iou, options_.negative_iou, /*allow_low_quality_matches=*/true);
    auto matches = matcher(box_iou(gt_boxes.to(anchors.dtype()), inside_anchors));
    labels = torch::where(matches >= 0, torch::ones_like(matches),
                          torch::where(matches == Matcher::kBelowLowThreshold,
                                       torch::zeros_like(matches), torch::full_like(matches, -1)));
    auto matched = gt_boxes.to(anchors.dtype()).index_select(0, matches.clamp_min(0));
    out.matched_boxes.index_copy_(0, inside_idx, matched);
  }
  out.labels.index_copy_(0, inside_idx, labels);
  return out;
}

std::pair<torch::Tensor, torch::Tensor> RegionProposalNetworkImpl::select_proposals(
    const torch::Tensor& anchors, const torch::Tensor& objectness, const torch::Tensor& deltas,
    std::array<int64_t, 2> image_size) const {
  const bool training = is_training();
  const int64_t pre = training ? options_.pre_nms_top_n_train : options_.pre_nms_top_n_test;
  const int64_t post = training ? options_.post_nms_top_n_train : options_.post_nms_top_n_test;
  auto scores = objectness.detach();
  auto top = std::get<1>(scores.topk(std::min<int64_t>(pre, scores.size(0))));
  auto boxes = coder_.decode(deltas.detach().index_select(0, top), anchors.index_select(0, top));
  boxes = clip_boxes_to_image(boxes, static_cast<double>(image_size[0]),
                              static_cast<double>(image_size[1]));
  scores = scores.index_select(0, top);
  auto keep = remove_small_boxes(boxes, std::max(options_.min_size, 1e-3));
  boxes = boxes.index_select(0, keep);
  scores = scores.index_select(0, keep);
  keep = nms(boxes.contiguous(), scores.contiguous(), options_.nms_iou);
  keep = keep.slice(0, 0, std::min<int64_t>(post, keep.size(0)));
  return {boxes.index_select(0, keep), torch::sigmoid(scores.index_select(0, keep))};
}

RpnOutput RegionProposalNetworkImpl::forward(const torch::Tensor& features,
                                            const std::vector<std::array<int64_t, 2>>& image_sizes,
                                            const std::vector<torch::Tensor>& gt_boxes,
                                            bool compute_losses) {
  const int64_t n = features.size(0), fh = features.size(2), fw = features.size(3);
  const int64_t a = anchors_.per_location();
  auto [objectness, deltas] = head_->forward(features);
  // [N, A, H, W] -> [N, H*W*A]; [N, 4A, H, W] -> [N, H*W*A, 4]: the anchors' order.
  objectness = objectness.permute({0, 2, 3, 1}).reshape({n, -1});
  deltas = deltas.view({n, a, 4, fh, fw}).permute({0, 3, 4, 1, 2}).reshape({n, -1, 4});
  auto anchors = anchors_.grid_anchors(fh, fw, features.device());

  RpnOutput out;
  for (int64_t i = 0; i < n; ++i) {
    auto [boxes, scores] = select_proposals(anchors, objectness[i], deltas[i], image_sizes[i]);
    out.proposals.push_back(boxes);
    out.proposal_scores.push_back(scores);
  }
  if (!compute_losses) return out;
  if (static_cast<int64_t>(gt_boxes.size()) != n) throw Error("rpn: one gt_boxes tensor per image needed");

  BalancedPositiveNegativeSampler sampler(options_.batch_per_image, options_.positive_fraction);
  SmoothL1Options l1;
  l1.sigma = options_.sigma;
  torch::Tensor cls_loss = torch::zeros({}, objectness.options());
  torch::Tensor box_loss = torch::zeros({}, objectness.options());
  for (int64_t i = 0; i < n; ++i) {
    auto targets = label_anchors(anchors, image_sizes[i], gt_boxes[i]);
    auto masks = sampler(targets.labels);
    auto sampled = torch::nonzero(masks.positive | masks.negative).view(-1);
    if (sampled.numel() == 0) continue;
    auto pos = torch::nonzero(masks.positive).view(-1);
    auto logits = objectness[i].index_select(0, sampled);
    auto truth = masks.positive.index_select(0, sampled).to(logits.dtype());
    cls_loss = cls_loss + torch::binary_cross_entropy_with_logits(logits, truth);
    if (pos.numel() > 0) {
      auto target = coder_.encode(targets.matched_boxes.index_select(0, pos), anchors.index_select(0, pos));
      l1.normalizer = static_cast<double>(sampled.numel());
      box_loss = box_loss + smooth_l1_loss(deltas[i].index_select(0, pos), target, {}, {}, l1);
    }
  }
  out.losses["loss_rpn_cls"] = cls_loss / static_cast<double>(n);
  out.losses["loss_rpn_box"] = box_loss / static_cast<double>(n);
  return out;
}

}  // namespace seer::detection::models
