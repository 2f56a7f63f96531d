#include "seer/detection/models/roi_heads/roi_heads.h"

#include <numeric>

#include <fmt/format.h>
#include <torch/torch.h>

#include "seer/core/error.h"
#include "seer/detection/boxes/iou.h"
#include "seer/detection/boxes/nms.h"
#include "seer/detection/boxes/sampler.h"
#include "seer/detection/boxes/smooth_l1.h"
#include "seer/detection/models/roi_heads/truncated_svd.h"
#include "seer/detection/ops/roi_align.h"
#include "seer/detection/ops/roi_pool.h"
#include "seer/detection/ops/rois.h"
#include "seer/detection/ops/spatial_pyramid_pool.h"
#include "seer/nn/bf16_autocast.h"

namespace seer::detection::models {
namespace {

namespace nn = torch::nn;

nn::Sequential make_fc_head(int64_t in_features, int64_t dim) {
  nn::Sequential s;
  s->push_back(nn::Flatten());
  s->push_back(nn::Linear(in_features, dim));
  s->push_back(nn::Functional(torch::relu));
  s->push_back(nn::Linear(dim, dim));
  s->push_back(nn::Functional(torch::relu));
  return s;
}

nn::Sequential make_conv_head(int64_t channels, const RoiHeadsOptions& o) {
  nn::Sequential s;
  int64_t in = channels;
  for (int64_t i = 0; i < o.conv_layers; ++i) {
    auto conv = nn::Conv2d(nn::Conv2dOptions(in, o.conv_dim, 3).padding(1).bias(false));
    nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    s->push_back(conv);
    s->push_back(nn::GroupNorm(nn::GroupNormOptions(std::gcd<int64_t>(32, o.conv_dim), o.conv_dim)));
    s->push_back(nn::Functional(torch::relu));
    in = o.conv_dim;
  }
  s->push_back(nn::Flatten());
  s->push_back(nn::Linear(in * o.pool_size * o.pool_size, o.fc_dim));
  s->push_back(nn::Functional(torch::relu));
  return s;
}

}  // namespace

nlohmann::json RoiHeadsOptions::to_json() const {
  return {{"pooler", pooler},
          {"pool_size", pool_size},
          {"spp_levels", spp_levels},
          {"sampling_ratio", sampling_ratio},
          {"head", head},
          {"fc_dim", fc_dim},
          {"conv_layers", conv_layers},
          {"conv_dim", conv_dim},
          {"fg_iou", fg_iou},
          {"bg_iou_high", bg_iou_high},
          {"bg_iou_low", bg_iou_low},
          {"batch_per_image", batch_per_image},
          {"positive_fraction", positive_fraction},
          {"box_weights", box_weights},
          {"box_loss_weight", box_loss_weight},
          {"score_threshold", score_threshold},
          {"nms_iou", nms_iou},
          {"detections_per_image", detections_per_image}};
}

RoiHeadsOptions RoiHeadsOptions::from_json(const nlohmann::json& j) {
  RoiHeadsOptions o;
  try {
    o.pooler = j.value("pooler", o.pooler);
    o.pool_size = j.value("pool_size", o.pool_size);
    o.spp_levels = j.value("spp_levels", o.spp_levels);
    o.sampling_ratio = j.value("sampling_ratio", o.sampling_ratio);
    o.head = j.value("head", o.head);
    o.fc_dim = j.value("fc_dim", o.fc_dim);
    o.conv_layers = j.value("conv_layers", o.conv_layers);
    o.conv_dim = j.value("conv_dim", o.conv_dim);
    o.fg_iou = j.value("fg_iou", o.fg_iou);
    o.bg_iou_high = j.value("bg_iou_high", o.bg_iou_high);
    o.bg_iou_low = j.value("bg_iou_low", o.bg_iou_low);
    o.batch_per_image = j.value("batch_per_image", o.batch_per_image);
    o.positive_fraction = j.value("positive_fraction", o.positive_fraction);
    o.box_weights = j.value("box_weights", o.box_weights);
    o.box_loss_weight = j.value("box_loss_weight", o.box_loss_weight);
    o.score_threshold = j.value("score_threshold", o.score_threshold);
    o.nms_iou = j.value("nms_iou", o.nms_iou);
    o.detections_per_image = j.value("detections_per_image", o.detections_per_image);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("roi_heads config: ") + e.what());
  }
  return o;
}

RoiHeadsImpl::RoiHeadsImpl(int64_t in_channels, int64_t stride, int64_t num_classes,
                           RoiHeadsOptions options)
    : stride_(stride),
      num_classes_(num_classes),
      options_(options),
      coder_(BoxCoderOptions{options.box_weights}) {
  if (num_classes_ < 1) throw Error("roi heads: at least one class needed");
  if (options_.pooler != "align" && options_.pooler != "pool" && options_.pooler != "spp") {
    throw Error("roi heads: pooler must be align, pool or spp, not '" + options_.pooler + "'");
  }
  if (options_.pooler == "spp" && options_.head != "fc") throw Error("roi heads: the spp pooler needs the fc head");
  for (int64_t n : options_.spp_levels)
    if (n < 1) throw Error("roi heads: spp levels must be >= 1");
  if (options_.pool_size < 1 || options_.fc_dim < 1) throw Error("roi heads: pool_size and fc_dim must be >= 1");
  if (options_.head == "fc") {
    const int64_t pooled = options_.pooler == "spp"
                               ? ops::spatial_pyramid_pool_size(in_channels, options_.spp_levels)
                               : in_channels * options_.pool_size * options_.pool_size;
    head_ = make_fc_head(pooled, options_.fc_dim);
  } else if (options_.head == "conv") {
    if (options_.conv_layers < 0 || options_.conv_dim < 1) throw Error("roi heads: bad conv head size");
    head_ = make_conv_head(in_channels, options_);
  } else {
    throw Error("roi heads: head must be fc or conv, not '" + options_.head + "'");
  }
  register_module("head", head_);
  cls_score_ = register_module("cls_score", nn::Linear(options_.fc_dim, num_classes_ + 1));
  bbox_pred_ = register_module("bbox_pred", nn::Linear(options_.fc_dim, 4 * (num_classes_ + 1)));
  nn::init::normal_(cls_score_->weight, 0.0, 0.01);
  nn::init::normal_(bbox_pred_->weight, 0.0, 0.001);
  nn::init::zeros_(cls_score_->bias);
  nn::init::zeros_(bbox_pred_->bias);
}

std::string TruncatedSvdReport::summary() const {
  std::string out;
  for (const auto& l : layers)
    out += fmt::format("{}fc {}->{} at rank {} ({:.1f}% of the energy kept)", out.empty() ? "" : ", ", l.in, l.out,
                       l.rank, 100 * l.kept_energy);
  return out.empty() ? "nothing truncated" : out;
}

nlohmann::json TruncatedSvdReport::to_json() const {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& l : layers)
    j.push_back({{"in", l.in}, {"out", l.out}, {"rank", l.rank}, {"dropped_sigma", l.dropped_sigma},
                 {"kept_energy", l.kept_energy}});
  return j;
}

TruncatedSvdReport RoiHeadsImpl::truncate_fc(const std::vector<int64_t>& ranks) {
  TruncatedSvdReport report;
  nn::Sequential compressed;
  size_t next = 0;
  for (const auto& module : *head_) {
    auto linear = std::dynamic_pointer_cast<nn::LinearImpl>(module.ptr());
    if (linear && next < ranks.size()) {
      nn::Linear layer(linear);
      const TruncatedLinear t = truncated_svd(layer, ranks[next]);
      report.layers.push_back({linear->options.in_features(), linear->options.out_features(), ranks[next],
                               t.dropped_sigma, t.kept_energy});
      compressed->push_back(t.first);
      compressed->push_back(t.second);
      ++next;
    } else {
      compressed->push_back(module);
    }
  }
  if (next < ranks.size())
    throw Error(fmt::format("truncated SVD: {} ranks given, the head has {} fc layers", ranks.size(), next));
  head_ = replace_module("head", compressed);
  return report;
}

SampledProposals RoiHeadsImpl::sample_proposals(const std::vector<torch::Tensor>& proposals,
                                                const std::vector<torch::Tensor>& gt_boxes,
                                                const std::vector<torch::Tensor>& gt_labels) const {
  if (gt_boxes.size() != proposals.size() || gt_labels.size() != proposals.size()) {
    throw Error("roi heads: one gt_boxes and gt_labels tensor per image needed");
  }
  BalancedPositiveNegativeSampler sampler(options_.batch_per_image, options_.positive_fraction);
  SampledProposals out;
  for (size_t i = 0; i < proposals.size(); ++i) {
    auto gt = gt_boxes[i].to(proposals[i].dtype());
    auto boxes = torch::cat({proposals[i], gt}, 0);
    auto long_opts = torch::TensorOptions().dtype(torch::kInt64).device(boxes.device());
    torch::Tensor labels, matched;
    if (gt.size(0) == 0) {
      labels = torch::zeros({boxes.size(0)}, long_opts);
      matched = torch::zeros_like(boxes);
    } else {
      auto [best_iou, best_gt] = box_iou(gt, boxes).max(0);
      auto cls = gt_labels[i].to(long_opts).index_select(0, best_gt) + 1;
      auto bg = (best_iou < options_.bg_iou_high) & (best_iou >= options_.bg_iou_low);
      labels = torch::where(best_iou >= options_.fg_iou, cls,
                            torch::where(bg, torch::zeros_like(cls), torch::full_like(cls, -1)));
      matched = gt.index_select(0, best_gt);
    }
    auto masks = sampler(labels);
    auto keep = torch::nonzero(masks.positive | masks.negative).view(-1);
    auto kept_boxes = boxes.index_select(0, keep);
    auto kept_labels = labels.index_select(0, keep);
    auto targets = coder_.encode(matched.index_select(0, keep), kept_boxes);
    // Background rows (and degenerate boxes) have no regression target.
    targets = torch::where((kept_labels > 0).unsqueeze(1), targets, torch::zeros_like(targets));
    out.boxes.push_back(kept_boxes);
    out.labels.push_back(kept_labels);
    out.box_targets.push_back(targets);
  }
  return out;
}

torch::Tensor RoiHeadsImpl::pool(const torch::Tensor& features, const std::vector<torch::Tensor>& boxes) {
  std::vector<torch::Tensor> as_float;
  for (const auto& b : boxes) as_float.push_back(b.to(features.dtype()));
  auto rois = ops::boxes_to_rois(as_float);
  const double scale = 1.0 / static_cast<double>(stride_);
  const int64_t p = options_.pool_size;
  if (options_.pooler == "pool") return ops::roi_pool(features, rois, {p, p}, scale);
  if (options_.pooler == "spp") return ops::spatial_pyramid_pool(features, rois, options_.spp_levels, scale);
  return ops::roi_align(features, rois, {p, p}, scale, options_.sampling_ratio, /*aligned=*/true);
}

std::pair<torch::Tensor, torch::Tensor> RoiHeadsImpl::predict(const torch::Tensor& features,
                                                              const std::vector<torch::Tensor>& boxes) {
  auto x = fc_features(features, boxes);  // fp32
  const seer::nn::AutocastOff fp32;       // the two small predictors in fp32
  return {cls_score_(x), bbox_pred_(x)};
}

std::map<std::string, torch::Tensor> RoiHeadsImpl::losses(const torch::Tensor& features,
                                                          const SampledProposals& sampled) {
  auto labels = torch::cat(sampled.labels, 0);
  auto targets = torch::cat(sampled.box_targets, 0);
  std::map<std::string, torch::Tensor> out;
  if (labels.numel() == 0) {
    auto zero = (features.sum() * 0.0);
    out["loss_head_cls"] = zero;
    out["loss_head_box"] = zero;
    return out;
  }
  auto [logits, deltas] = predict(features, sampled.boxes);
  out["loss_head_cls"] = torch::cross_entropy_loss(logits, labels);
  auto fg = torch::nonzero(labels > 0).view(-1);
  if (fg.numel() > 0) {
    auto fg_labels = labels.index_select(0, fg);
    auto rows = deltas.index_select(0, fg).view({fg.numel(), num_classes_ + 1, 4});
    auto pred = rows.gather(1, fg_labels.view({-1, 1, 1}).expand({-1, 1, 4})).squeeze(1);
    SmoothL1Options l1;
    l1.sigma = 1.0;
    l1.normalizer = static_cast<double>(labels.numel());
    out["loss_head_box"] = options_.box_loss_weight * smooth_l1_loss(pred, targets.index_select(0, fg), {}, {}, l1);
  } else {
    out["loss_head_box"] = deltas.sum() * 0.0;
  }
  torch::NoGradGuard no_grad;
  auto predicted = logits.argmax(1);
  out["head_acc"] = predicted.eq(labels).to(torch::kFloat32).mean();
  if (fg.numel() > 0) {
    out["head_fg_acc"] = predicted.index_select(0, fg).eq(labels.index_select(0, fg)).to(torch::kFloat32).mean();
  }
  return out;
}

ImageDetections select_detections(torch::Tensor boxes, torch::Tensor scores, const std::array<int64_t, 2>& image_size,
                                  const DetectionSelectOptions& options) {
  const int64_t r = scores.size(0), k = scores.size(1);
  auto long_opts = torch::TensorOptions().dtype(torch::kInt64).device(scores.device());
  boxes = clip_boxes_to_image(boxes.reshape({r, 4 * k}), static_cast<double>(image_size[0]),
                              static_cast<double>(image_size[1]));
  boxes = boxes.view({r * k, 4});
  scores = scores.reshape(-1);
  auto labels = torch::arange(k, long_opts).repeat({r});
  auto keep = torch::nonzero(scores > options.score_threshold).view(-1);
  boxes = boxes.index_select(0, keep);
  scores = scores.index_select(0, keep);
  labels = labels.index_select(0, keep);
  keep = remove_small_boxes(boxes, 1e-2);
  boxes = boxes.index_select(0, keep);
  scores = scores.index_select(0, keep);
  labels = labels.index_select(0, keep);
  keep = batched_nms(boxes.contiguous(), scores.contiguous(), labels, options.nms_iou);
  keep = keep.slice(0, 0, std::min<int64_t>(options.detections_per_image, keep.size(0)));
  return {boxes.index_select(0, keep), scores.index_select(0, keep), labels.index_select(0, keep)};
}

torch::Tensor RoiHeadsImpl::fc_features(const torch::Tensor& features, const std::vector<torch::Tensor>& boxes) {
  return seer::nn::full_precision(head_->forward(pool(seer::nn::full_precision(features), boxes)));
}

std::vector<ImageDetections> RoiHeadsImpl::detect(const torch::Tensor& features,
                                                  const std::vector<torch::Tensor>& proposals,
                                                  const std::vector<std::array<int64_t, 2>>& image_sizes) {
  int64_t total = 0;
  for (const auto& p : proposals) total += p.size(0);
  if (total == 0) return detect_from_fc(torch::zeros({0, options_.fc_dim}, features.options()), proposals, image_sizes);
  return detect_from_fc(fc_features(features, proposals), proposals, image_sizes);
}

std::vector<ImageDetections> RoiHeadsImpl::detect_from_fc(const torch::Tensor& fc,
                                                          const std::vector<torch::Tensor>& proposals,
                                                          const std::vector<std::array<int64_t, 2>>& image_sizes) {
  std::vector<ImageDetections> out;
  auto long_opts = torch::TensorOptions().dtype(torch::kInt64).device(fc.device());
  if (fc.size(0) == 0) {
    for (size_t i = 0; i < proposals.size(); ++i) {
      out.push_back({torch::zeros({0, 4}, fc.options()), torch::zeros({0}, fc.options()),
                     torch::zeros({0}, long_opts)});
    }
    return out;
  }
  const seer::nn::AutocastOff fp32;  // the two small predictors in fp32
  auto probs = torch::softmax(cls_score_(seer::nn::full_precision(fc)), 1);
  auto deltas = bbox_pred_(seer::nn::full_precision(fc));
  int64_t offset = 0;
  const int64_t k = num_classes_;
  for (size_t i = 0; i < proposals.size(); ++i) {
    const int64_t r = proposals[i].size(0);
    auto p = probs.narrow(0, offset, r).narrow(1, 1, k);            // [r, k] without background
    auto d = deltas.narrow(0, offset, r).narrow(1, 4, 4 * k);       // [r, 4k]
    offset += r;
    auto boxes = coder_.decode(d, proposals[i].to(d.dtype()));      // [r, 4k]
    out.push_back(select_detections(boxes, p, image_sizes[i], select_options()));
  }
  return out;
}

DetectionSelectOptions RoiHeadsImpl::select_options() const {
  return {options_.score_threshold, options_.nms_iou, options_.detections_per_image};
}

}  // namespace seer::detection::models
