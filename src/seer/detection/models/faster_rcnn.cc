#include "seer/detection/models/faster_rcnn.h"

#include <torch/torch.h>

#include "seer/core/checkpoint.h"
#include "seer/core/error.h"
#include "seer/detection/data/transforms.h"

namespace seer::detection::models {

nlohmann::json FasterRcnnConfig::to_json() const {
  return {{"classes", classes},         {"backbone", backbone.to_json()},
          {"anchors", anchors.to_json()}, {"rpn", rpn.to_json()},
          {"roi_heads", roi_heads.to_json()}, {"input", input.to_json()}};
}

FasterRcnnConfig FasterRcnnConfig::from_json(const nlohmann::json& j) {
  FasterRcnnConfig c;
  try {
    c.classes = j.at("classes").get<std::vector<std::string>>();
    c.backbone = BackboneOptions::from_json(j.at("backbone"));
    c.anchors = AnchorOptions::from_json(j.at("anchors"));
    c.rpn = RpnOptions::from_json(j.at("rpn"));
    c.roi_heads = RoiHeadsOptions::from_json(j.at("roi_heads"));
    c.input = InputOptions::from_json(j.at("input"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("faster-rcnn config: ") + e.what());
  }
  if (c.classes.empty()) throw Error("faster-rcnn config: no classes");
  return c;
}

FasterRcnnImpl::FasterRcnnImpl(FasterRcnnConfig config, std::shared_ptr<Backbone> backbone,
                               RegionProposalNetwork rpn, RoiHeads roi_heads)
    : config_(std::move(config)),
      backbone_(register_module("backbone", std::move(backbone))),
      rpn_(register_module("rpn", std::move(rpn))),
      roi_heads_(register_module("roi_heads", std::move(roi_heads))) {}

std::map<std::string, torch::Tensor> FasterRcnnImpl::losses(const ImageBatch& batch,
                                                            const std::vector<DetectionTargets>& targets,
                                                            LossParts parts) {
  if (static_cast<int64_t>(targets.size()) != batch.size()) {
    throw Error("faster-rcnn: one DetectionTargets per image needed");
  }
  std::vector<torch::Tensor> gt_boxes, gt_labels;
  for (const auto& t : targets) {
    gt_boxes.push_back(t.boxes);
    gt_labels.push_back(t.labels);
  }
  auto features = backbone_->forward(batch.images);
  auto proposals = rpn_->forward(features, batch.sizes, gt_boxes, parts.rpn);
  std::map<std::string, torch::Tensor> out = proposals.losses;
  torch::Tensor total = torch::zeros({}, features.options());
  if (parts.rpn) total = total + out.at("loss_rpn_cls") + out.at("loss_rpn_box");
  if (parts.head) {
    auto sampled = roi_heads_->sample_proposals(proposals.proposals, gt_boxes, gt_labels);
    for (auto& [name, value] : roi_heads_->losses(features, sampled)) out[name] = value;
    total = total + out.at("loss_head_cls") + out.at("loss_head_box");
  }
  out["loss"] = total;
  return out;
}

std::vector<ImageDetections> FasterRcnnImpl::detect(const ImageBatch& batch) {
  auto features = backbone_->forward(batch.images);
  auto proposals = rpn_->forward(features, batch.sizes, {}, false);
  return roi_heads_->detect(features, proposals.proposals, batch.sizes);
}

FasterRcnn make_faster_rcnn(const FasterRcnnConfig& config) {
  auto backbone = make_backbone(config.backbone);
  RegionProposalNetwork rpn(backbone->out_channels(), backbone->stride(), config.anchors, config.rpn);
  RoiHeads heads(backbone->out_channels(), backbone->stride(),
                 static_cast<int64_t>(config.classes.size()), config.roi_heads);
  return FasterRcnn(config, backbone, rpn, heads);
}

FasterRcnn load_faster_rcnn(const std::filesystem::path& model_file, c10::Device device) {
  ModelFile file = load_model_file_of_kind(model_file, kFasterRcnnKind, "Faster R-CNN detector");
  FasterRcnn model = make_faster_rcnn(parse_model_config(model_file, file, FasterRcnnConfig::from_json));
  load_for_inference(*model, file, model_file, device);
  return model;
}

std::vector<Detection> detect_picture(FasterRcnn& model, const cv::Mat& bgr, const std::string& image_id) {
  const auto& input = model->config().input;
  cv::Mat resized = bgr.clone();
  std::vector<Box> no_boxes;
  const double scale = resize_short_side(resized, no_boxes, input.short_side, input.max_long_side);
  auto device = model->parameters().front().device();
  ImageBatch batch = batch_images({image_to_tensor(resized, input)}, model->backbone().stride());
  batch.images = batch.images.to(device);
  model->eval();
  torch::NoGradGuard no_grad;
  auto dets = model->detect(batch).at(0);
  auto boxes = (dets.boxes / scale).to(torch::kCPU).contiguous();
  auto scores = dets.scores.to(torch::kCPU).contiguous();
  auto labels = dets.labels.to(torch::kCPU).contiguous();
  std::vector<Detection> out;
  const float w = static_cast<float>(bgr.cols), h = static_cast<float>(bgr.rows);
  auto b = boxes.accessor<float, 2>();
  for (int64_t i = 0; i < boxes.size(0); ++i) {
    Detection d;
    d.image_id = image_id;
    d.label = static_cast<int>(labels[i].item<int64_t>());
    d.score = scores[i].item<float>();
    d.box = Box{std::clamp(b[i][0], 0.f, w), std::clamp(b[i][1], 0.f, h), std::clamp(b[i][2], 0.f, w),
                std::clamp(b[i][3], 0.f, h)};
    out.push_back(d);
  }
  return out;
}

}  // namespace seer::detection::models
