#include "seer/detection/models/faster_rcnn.h"

#include <algorithm>

#include <torch/torch.h>

#include "seer/core/checkpoint.h"
#include "seer/core/error.h"
#include "seer/detection/boxes/box_tensor.h"
#include "seer/detection/data/transforms.h"

namespace seer::detection::models {

std::vector<std::string> detector_archs() { return {kRcnnKind, kSppNetKind, kFastRcnnKind, kFasterRcnnKind}; }

namespace {

// One RoI per warped window covering all of it (R-CNN's head sees the whole window's map): RoI r
// of the list reads image r of the batch.
std::vector<torch::Tensor> whole_windows(int64_t count, int64_t size, const torch::TensorOptions& options) {
  return torch::tensor({0.0, 0.0, static_cast<double>(size), static_cast<double>(size)}, options)
      .view({1, 4})
      .expand({count, 4})
      .contiguous()
      .split(1, 0);
}

}  // namespace

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
  if (uses_svm()) j["svm_score_threshold"] = svm_score_threshold;
  if (warps_windows()) j["warp"] = {{"size", warp.size}, {"context", warp.context}, {"batch", warp_batch}};
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
    c.svm_score_threshold = j.value("svm_score_threshold", c.svm_score_threshold);
    if (j.contains("warp")) {
      c.warp.size = j.at("warp").value("size", c.warp.size);
      c.warp.context = j.at("warp").value("context", c.warp.context);
      c.warp_batch = j.at("warp").value("batch", c.warp_batch);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("faster-rcnn config: ") + e.what());
  }
  if (c.classes.empty()) throw Error("faster-rcnn config: no classes");
  const auto archs = detector_archs();
  if (std::find(archs.begin(), archs.end(), c.arch) == archs.end())
    throw Error("detector config: arch must be rcnn, sppnet, fast-rcnn or faster-rcnn, not '" + c.arch + "'");
  if (c.max_proposals < 1) throw Error("detector config: max_proposals must be >= 1");
  if (c.warp.context < 0 || 2 * c.warp.context >= c.warp.size || c.warp_batch < 1)
    throw Error("detector config: warp needs 0 <= 2 context < size and batch >= 1");
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
  if (config_.arch == kSppNetKind && roi_heads_->options().pooler != "spp")
    throw Error("sppnet pools its windows with the spatial pyramid (roi_heads pooler spp)");
  if (config_.uses_svm())
    svm_ = register_module("svm", rcnn::SvmHead(roi_heads_->num_classes(), roi_heads_->options().fc_dim));
}

torch::Tensor FasterRcnnImpl::window_features(const ImageBatch& batch, const std::vector<torch::Tensor>& windows) {
  if (static_cast<int64_t>(windows.size()) != batch.size())
    throw Error("window features: one windows tensor per image needed");
  std::vector<torch::Tensor> boxes;
  for (const auto& w : windows) boxes.push_back(w.to(batch.images.device(), torch::kFloat32));
  if (!config_.warps_windows()) return roi_heads_->fc_features(backbone_->forward(batch.images), boxes);
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < batch.size(); ++i) {
    auto image = batch.images.narrow(0, i, 1);
    for (int64_t start = 0; start < boxes[i].size(0); start += config_.warp_batch) {
      const int64_t n = std::min(config_.warp_batch, boxes[i].size(0) - start);
      auto crops = rcnn::warp_windows(image, {boxes[i].narrow(0, start, n)}, config_.warp);
      auto maps = backbone_->forward(crops);
      out.push_back(roi_heads_->fc_features(maps, whole_windows(n, config_.warp.size, maps.options())));
    }
  }
  if (out.empty()) return torch::zeros({0, roi_heads_->options().fc_dim}, batch.images.options());
  return torch::cat(out, 0);
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
  if (config_.warps_windows()) return window_losses(batch, gt_boxes, gt_labels, external);
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

std::map<std::string, torch::Tensor> FasterRcnnImpl::window_losses(const ImageBatch& batch,
                                                                   const std::vector<torch::Tensor>& gt_boxes,
                                                                   const std::vector<torch::Tensor>& gt_labels,
                                                                   const std::vector<torch::Tensor>& external) {
  std::vector<torch::Tensor> proposals;
  for (const auto& p : external) proposals.push_back(p.to(batch.images.device(), torch::kFloat32));
  auto sampled = roi_heads_->sample_proposals(proposals, gt_boxes, gt_labels);
  auto crops = rcnn::warp_windows(batch.images, sampled.boxes, config_.warp);
  auto maps = backbone_->forward(crops);
  // The head's loss on each warped window as its own image with one RoI covering it.
  SampledProposals per_window;
  per_window.boxes = whole_windows(maps.size(0), config_.warp.size, maps.options());
  per_window.labels = torch::cat(sampled.labels, 0).split(1, 0);
  per_window.box_targets = torch::cat(sampled.box_targets, 0).split(1, 0);
  auto out = roi_heads_->losses(maps, per_window);
  out["loss"] = out.at("loss_head_cls") + out.at("loss_head_box");
  return out;
}

std::vector<ImageDetections> FasterRcnnImpl::detect(const ImageBatch& batch, const std::vector<torch::Tensor>& external) {
  if (config_.uses_svm()) {
    if (static_cast<int64_t>(external.size()) != batch.size())
      throw Error(config_.arch + ": one proposals tensor per image needed");
    std::vector<torch::Tensor> proposals;
    for (const auto& p : external) proposals.push_back(p.to(batch.images.device(), torch::kFloat32));
    auto fc = window_features(batch, proposals);
    if (!svm_->trained()) return roi_heads_->detect_from_fc(fc, proposals, batch.sizes);  // still fine-tuning
    DetectionSelectOptions select = roi_heads_->select_options();
    select.score_threshold = config_.svm_score_threshold;
    std::vector<ImageDetections> out;
    int64_t offset = 0;
    for (size_t i = 0; i < proposals.size(); ++i) {
      const int64_t r = proposals[i].size(0);
      auto f = fc.narrow(0, offset, r);
      offset += r;
      out.push_back(select_detections(svm_->boxes(f, proposals[i]), svm_->scores(f), batch.sizes[i], select));
    }
    return out;
  }
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
  const auto archs = detector_archs();
  if (std::find(archs.begin(), archs.end(), file.kind) == archs.end())
    throw file_error(model_file.string(), "is a '" + file.kind + "' model, not an R-CNN family detector");
  FasterRcnn model = make_faster_rcnn(parse_model_config(model_file, file, FasterRcnnConfig::from_json));
  load_for_inference(*model, file, model_file, device);
  return model;
}

PreparedPicture prepare_picture(const FasterRcnnConfig& config, const cv::Mat& bgr, std::vector<Box> boxes,
                                int64_t size_divisible, c10::Device device) {
  PreparedPicture out;
  cv::Mat resized = bgr.clone();
  out.scale = resize_short_side(resized, boxes, config.input.short_side, config.input.max_long_side);
  out.batch = batch_images({image_to_tensor(resized, config.input)}, size_divisible);
  out.batch.images = out.batch.images.to(device);
  out.boxes = boxes_to_tensor(boxes).to(device);
  return out;
}

std::vector<Detection> detect_picture(FasterRcnn& model, const cv::Mat& bgr, const std::string& image_id,
                                      const std::vector<Box>* given) {
  const auto& config = model->config();
  std::vector<Box> boxes_in;  // fast-rcnn: the proposals, resized with the picture
  if (!config.uses_rpn()) {
    boxes_in = given ? *given : proposals::selective_search(bgr, config.selective_search, image_id);
    if (static_cast<int64_t>(boxes_in.size()) > config.max_proposals) boxes_in.resize(config.max_proposals);
  }
  auto device = model->parameters().front().device();
  PreparedPicture picture = prepare_picture(config, bgr, std::move(boxes_in), model->backbone().stride(), device);
  const double scale = picture.scale;
  std::vector<torch::Tensor> external;
  if (!config.uses_rpn()) external.push_back(picture.boxes);
  model->eval();
  c10::InferenceMode inference;
  auto dets = model->detect(picture.batch, external).at(0);
  auto boxes = (dets.boxes / scale).to(torch::kCPU).contiguous();
  auto scores = dets.scores.to(torch::kCPU).contiguous();
  auto labels = dets.labels.to(torch::kCPU).contiguous();
  std::vector<Detection> out;
  const float w = static_cast<float>(bgr.cols), h = static_cast<float>(bgr.rows);
  auto b = boxes.accessor<float, 2>();
  auto l = labels.accessor<int64_t, 1>();
  auto sc = scores.accessor<float, 1>();
  for (int64_t i = 0; i < boxes.size(0); ++i) {
    Detection d;
    d.image_id = image_id;
    d.label = static_cast<int>(l[i]);
    d.score = sc[i];
    d.box = Box{std::clamp(b[i][0], 0.f, w), std::clamp(b[i][1], 0.f, h), std::clamp(b[i][2], 0.f, w),
                std::clamp(b[i][3], 0.f, h)};
    out.push_back(d);
  }
  return out;
}

}  // namespace seer::detection::models
