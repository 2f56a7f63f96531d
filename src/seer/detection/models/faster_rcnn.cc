#include "seer/detection/models/faster_rcnn.h"

#include <torch/torch.h>

#include "seer/core/checkpoint.h"
#include "seer/core/error.h"
#include "seer/detection/boxes/box_tensor.h"
#include "seer/detection/data/transforms.h"

namespace seer::detection::models {

nlohmann::json FasterRcnnConfig::to_json() const {
  nlohmann::json j = {{"arch", arch},
                      {"classes", classes},
                      {"backbone", backbone.to_json()},
                      {"anchors", anchors.to_json()},
                      {"rpn", rpn.to_json()},
                      {"roi_heads", roi_heads.to_json()},
                      {"input", input.to_json()}};
  if (!uses_rpn()) {
    j["max_proposals"] = max_proposals;
    j["selective_search"] = selective_search.to_json();
  }
  return j;
}

FasterRcnnConfig FasterRcnnConfig::from_json(const nlohmann::json& j) {
  FasterRcnnConfig c;
  try {
    c.arch = j.value("arch", std::string(kFasterRcnnKind));  // files before fast-rcnn have none
    c.classes = j.at("classes").get<std::vector<std::string>>();
    c.backbone = BackboneOptions::from_json(j.at("backbone"));
    c.anchors = AnchorOptions::from_json(j.at("anchors"));
    c.rpn = RpnOptions::from_json(j.at("rpn"));
    c.roi_heads = RoiHeadsOptions::from_json(j.at("roi_heads"));
    c.input = InputOptions::from_json(j.at("input"));
    c.max_proposals = j.value("max_proposals", c.max_proposals);
    if (j.contains("selective_search"))
      c.selective_search = proposals::SelectiveSearchOptions::from_json(j.at("selective_search"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("faster-rcnn config: ") + e.what());
  }
  if (c.classes.empty()) throw Error("faster-rcnn config: no classes");
  if (c.arch != kFasterRcnnKind && c.arch != kFastRcnnKind)
    throw Error("detector config: arch must be faster-rcnn or fast-rcnn, not '" + c.arch + "'");
  if (c.max_proposals < 1) throw Error("detector config: max_proposals must be >= 1");
  return c;
}

FasterRcnnImpl::FasterRcnnImpl(FasterRcnnConfig config, std::shared_ptr<Backbone> backbone,
                               RegionProposalNetwork rpn, RoiHeads roi_heads)
    : config_(std::move(config)),
      backbone_(register_module("backbone", std::move(backbone))),
      roi_heads_(register_module("roi_heads", std::move(roi_heads))) {
  if (config_.uses_rpn() != !rpn.is_empty())
    throw Error(config_.uses_rpn() ? "faster-rcnn needs a region proposal network" : "fast-rcnn has no RPN");
  if (!rpn.is_empty()) rpn_ = register_module("rpn", std::move(rpn));
}

std::map<std::string, torch::Tensor> FasterRcnnImpl::losses(const ImageBatch& batch,
                                                            const std::vector<DetectionTargets>& targets,
                                                            LossParts parts,
                                                            const std::vector<torch::Tensor>& external) {
  if (static_cast<int64_t>(targets.size()) != batch.size()) {
    throw Error("faster-rcnn: one DetectionTargets per image needed");
  }
  if (!config_.uses_rpn() && static_cast<int64_t>(external.size()) != batch.size())
    throw Error("fast-rcnn: one proposals tensor per image needed");
  std::vector<torch::Tensor> gt_boxes, gt_labels;
  for (const auto& t : targets) {
    gt_boxes.push_back(t.boxes);
    gt_labels.push_back(t.labels);
  }
  auto features = backbone_->forward(batch.images);
  std::map<std::string, torch::Tensor> out;
  std::vector<torch::Tensor> proposals;
  torch::Tensor total = torch::zeros({}, features.options());
  if (config_.uses_rpn()) {
    auto rpn_out = rpn_->forward(features, batch.sizes, gt_boxes, parts.rpn);
    out = rpn_out.losses;
    proposals = std::move(rpn_out.proposals);
    if (parts.rpn) total = total + out.at("loss_rpn_cls") + out.at("loss_rpn_box");
  } else {
    for (const auto& p : external) proposals.push_back(p.to(features.device(), torch::kFloat32));
  }
  if (parts.head) {
    auto sampled = roi_heads_->sample_proposals(proposals, gt_boxes, gt_labels);
    for (auto& [name, value] : roi_heads_->losses(features, sampled)) out[name] = value;
    total = total + out.at("loss_head_cls") + out.at("loss_head_box");
  }
  out["loss"] = total;
  return out;
}

std::vector<ImageDetections> FasterRcnnImpl::detect(const ImageBatch& batch, const std::vector<torch::Tensor>& external) {
  auto features = backbone_->forward(batch.images);
  if (!config_.uses_rpn()) {
    if (static_cast<int64_t>(external.size()) != batch.size())
      throw Error("fast-rcnn: one proposals tensor per image needed");
    std::vector<torch::Tensor> proposals;
    for (const auto& p : external) proposals.push_back(p.to(features.device(), torch::kFloat32));
    return roi_heads_->detect(features, proposals, batch.sizes);
  }
  auto proposals = rpn_->forward(features, batch.sizes, {}, false);
  return roi_heads_->detect(features, proposals.proposals, batch.sizes);
}

FasterRcnn make_faster_rcnn(const FasterRcnnConfig& config) {
  auto backbone = make_backbone(config.backbone);
  RegionProposalNetwork rpn{nullptr};
  if (config.uses_rpn()) rpn = RegionProposalNetwork(backbone->out_channels(), backbone->stride(), config.anchors, config.rpn);
  RoiHeads heads(backbone->out_channels(), backbone->stride(),
                 static_cast<int64_t>(config.classes.size()), config.roi_heads);
  return FasterRcnn(config, backbone, rpn, heads);
}

FasterRcnn load_faster_rcnn(const std::filesystem::path& model_file, c10::Device device) {
  ModelFile file = load_model_file(model_file);
  if (file.kind != kFasterRcnnKind && file.kind != kFastRcnnKind)
    throw file_error(model_file.string(), "is a '" + file.kind + "' model, not a Faster R-CNN or Fast R-CNN detector");
  FasterRcnn model = make_faster_rcnn(parse_model_config(model_file, file, FasterRcnnConfig::from_json));
  load_for_inference(*model, file, model_file, device);
  return model;
}

std::vector<Detection> detect_picture(FasterRcnn& model, const cv::Mat& bgr, const std::string& image_id,
                                      const std::vector<Box>* given) {
  const auto& config = model->config();
  const auto& input = config.input;
  cv::Mat resized = bgr.clone();
  std::vector<Box> boxes_in;  // fast-rcnn: the proposals, resized with the picture
  if (!config.uses_rpn()) {
    boxes_in = given ? *given : proposals::selective_search(bgr, config.selective_search, image_id);
    if (static_cast<int64_t>(boxes_in.size()) > config.max_proposals) boxes_in.resize(config.max_proposals);
  }
  const double scale = resize_short_side(resized, boxes_in, input.short_side, input.max_long_side);
  auto device = model->parameters().front().device();
  ImageBatch batch = batch_images({image_to_tensor(resized, input)}, model->backbone().stride());
  batch.images = batch.images.to(device);
  std::vector<torch::Tensor> external;
  if (!config.uses_rpn()) external.push_back(boxes_to_tensor(boxes_in));
  model->eval();
  torch::NoGradGuard no_grad;
  auto dets = model->detect(batch, external).at(0);
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
