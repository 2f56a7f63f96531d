#include "seer/detection/training/detector_task.h"

#include <chrono>
#include <torch/torch.h>

#include "seer/core/error.h"
#include "seer/core/progress_bar.h"
#include "seer/detection/data/image_io.h"
#include "seer/nn/bf16_autocast.h"

namespace seer::detection::training {

Schedule parse_schedule(const std::string& name) {
  if (name == "joint") return Schedule::kJoint;
  if (name == "alternating") return Schedule::kAlternating;
  throw Error("unknown --schedule '" + name + "' (expected joint or alternating)");
}

DetectorTask::DetectorTask(models::FasterRcnn model, std::unique_ptr<BatchLoader> train,
                           DetectionDataset eval, DetectorTaskOptions options, c10::Device device,
                           std::vector<std::vector<Box>> eval_proposals)
    : model_(std::move(model)),
      train_(std::move(train)),
      eval_(std::move(eval)),
      eval_proposals_(std::move(eval_proposals)),
      options_(options),
      device_(device) {
  if (!model_->config().uses_rpn()) {
    if (options_.schedule == Schedule::kAlternating)
      throw Error("fast-rcnn has no RPN to alternate with: use --schedule joint");
    if (!eval_.images.empty() && eval_proposals_.size() != eval_.images.size())
      throw Error("fast-rcnn: proposals for every evaluation image needed");
  }
  model_->to(device_);
}

int DetectorTask::phase(int64_t step) const {
  if (options_.schedule == Schedule::kJoint) return 0;
  const int64_t quarter = std::max<int64_t>(1, options_.total_steps / 4);
  return static_cast<int>(std::min<int64_t>(3, step / quarter));
}

void DetectorTask::enter_phase(int phase) {
  if (phase == current_phase_) return;
  current_phase_ = phase;
  const bool freeze_backbone = options_.schedule == Schedule::kAlternating && phase >= 2;
  const bool train_rpn = options_.schedule == Schedule::kJoint || phase == 0 || phase == 2;
  const bool train_head = options_.schedule == Schedule::kJoint || phase == 1 || phase == 3;
  for (auto& p : model_->backbone().parameters()) p.set_requires_grad(!freeze_backbone);
  if (!model_->rpn().is_empty())
    for (auto& p : model_->rpn()->parameters()) p.set_requires_grad(train_rpn);
  for (auto& p : model_->roi_heads()->parameters()) p.set_requires_grad(train_head);
  set_train_mode();
}

void DetectorTask::set_train_mode() {
  model_->train();
  if (current_phase_ >= 2 && options_.schedule == Schedule::kAlternating) model_->backbone().eval();
}

std::map<std::string, torch::Tensor> DetectorTask::train_step(int64_t step) {
  const int p = phase(step);
  enter_phase(p);
  TrainBatch batch = train_->batch(step);
  batch.images.images = batch.images.images.to(device_);
  for (auto& t : batch.targets) {
    t.boxes = t.boxes.to(device_);
    t.labels = t.labels.to(device_);
  }
  models::LossParts parts;
  if (options_.schedule == Schedule::kAlternating) {
    parts.rpn = p == 0 || p == 2;
    parts.head = p == 1 || p == 3;
  }
  // One autocast guard per step: its cached bf16 weights are stale after the optimizer's step.
  const seer::nn::Bf16Autocast bf16(options_.bf16);
  return model_->losses(batch.images, batch.targets, parts, batch.proposals);
}

std::vector<Detection> detect_dataset(models::FasterRcnn& model, const DetectionDataset& data,
                                      int64_t max_images, bool progress,
                                      const std::vector<std::vector<Box>>* proposals, DetectTiming* timing) {
  if (proposals && proposals->size() != data.images.size())
    throw Error("detect_dataset: one proposal list per image needed");
  std::vector<Detection> all;
  const int64_t n = max_images > 0 ? std::min<int64_t>(max_images, data.images.size())
                                   : static_cast<int64_t>(data.images.size());
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  if (timing) {
    timing->warmup_images = std::clamp<int64_t>(timing->warmup_images, 0, n);
    for (int64_t i = 0; i < timing->warmup_images; ++i)
      models::detect_picture(model, read_image_bgr(data.images[i].image_path), data.images[i].id,
                             proposals ? &(*proposals)[i] : nullptr);
    timing->images = n;
    timing->seconds = timing->model_seconds = 0;
  }
  const auto start = Clock::now();
  ProgressBarOptions bar_options;
  bar_options.label = "detect";
  bar_options.unit = "img";
  bar_options.enabled = progress;
  ProgressBar bar(n, bar_options);
  for (int64_t i = 0; i < n; ++i) {
    const auto& image = data.images[i];
    const cv::Mat bgr = read_image_bgr(image.image_path);
    const auto model_start = Clock::now();
    auto dets = models::detect_picture(model, bgr, image.id, proposals ? &(*proposals)[i] : nullptr);
    if (timing) timing->model_seconds += since(model_start);
    all.insert(all.end(), dets.begin(), dets.end());
    bar.update(i + 1, {});
  }
  if (timing) timing->seconds = since(start);
  bar.finish();
  return all;
}

std::map<std::string, double> DetectorTask::evaluate() {
  std::map<std::string, double> out;
  if (eval_.images.empty()) return out;
  DetectionDataset subset = eval_;
  if (options_.eval_max_images > 0 && static_cast<int64_t>(subset.images.size()) > options_.eval_max_images) {
    subset.images.resize(options_.eval_max_images);
  }
  auto dets = detect_dataset(model_, eval_, static_cast<int64_t>(subset.images.size()), false,
                             eval_proposals_.empty() ? nullptr : &eval_proposals_);
  auto result = voc_evaluate(subset, dets);
  out["mAP"] = std::isfinite(result.map) ? result.map : 0.0;
  for (const auto& c : result.per_class) {
    if (std::isfinite(c.ap)) out["AP_" + c.name] = c.ap;
  }
  return out;
}

}  // namespace seer::detection::training
