#include "seer/detection/training/svm_stage.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <torch/torch.h>

#include "seer/core/archive_sink.h"
#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/core/progress_bar.h"
#include "seer/detection/boxes/box_coder.h"
#include "seer/detection/boxes/box_tensor.h"
#include "seer/detection/boxes/iou.h"
#include "seer/detection/data/image_io.h"
#include "seer/detection/models/rcnn/ridge_box_regressor.h"

namespace seer::detection::training {
namespace {

constexpr const char* kCacheMagic = "SEERSVMF";
constexpr int kCacheVersion = 1;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What every featurised window of the training set is, row by row.
struct WindowSet {
  torch::Tensor features;   // [W, D]
  torch::Tensor is_gt;      // [W] bool: a ground-truth box (an SVM positive of its class)
  torch::Tensor gt_label;   // [W] int64: its class (ground truth), or the best box's class
  torch::Tensor class_iou;  // [W, K]: the window's best IoU with a box of each class
  torch::Tensor targets;    // [W, 4]: deltas onto its best box (BoxCoder weights 1)
};

// The cache key: the network's weights (a checksum), the images and the options.
std::string cache_key(models::FasterRcnn& model, const DetectionDataset& train, const SvmStageOptions& o) {
  torch::NoGradGuard no_grad;
  double checksum = 0;
  for (const auto& p : model->parameters()) checksum += p.to(torch::kDouble).abs().sum().item<double>();
  std::size_t ids = 0;
  for (const auto& image : train.images) ids = ids * 1000003u + std::hash<std::string>{}(image.id);
  return fmt::format("{} v{} params {:.9e} images {} ids {} options {}", kCacheMagic, kCacheVersion, checksum,
                     train.images.size(), ids, o.to_json().dump());
}

WindowSet featurise(models::FasterRcnn& model, const DetectionDataset& train,
                    const std::vector<std::vector<Box>>& proposals, const SvmStageOptions& o, bool progress) {
  const int64_t k = static_cast<int64_t>(model->config().classes.size());
  const auto device = model->parameters().front().device();
  std::mt19937_64 rng(o.seed);
  std::vector<torch::Tensor> features, is_gt, gt_label, class_iou, targets;
  ProgressBarOptions bar_options;
  bar_options.label = "svm features";
  bar_options.unit = "img";
  bar_options.enabled = progress;
  ProgressBar bar(static_cast<int64_t>(train.images.size()), bar_options);
  model->eval();
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < train.images.size(); ++i) {
    const auto& image = train.images[i];
    std::vector<Box> windows;
    std::vector<int64_t> labels;
    for (const auto& object : image.objects) {
      if (object.difficult || !(object.box.width() > 0 && object.box.height() > 0)) continue;
      windows.push_back(object.box);
      labels.push_back(object.label);
    }
    const int64_t gt_count = static_cast<int64_t>(windows.size());
    std::vector<size_t> order(proposals[i].size());
    std::iota(order.begin(), order.end(), 0);
    if (static_cast<int64_t>(order.size()) > o.windows_per_image) {
      std::shuffle(order.begin(), order.end(), rng);
      order.resize(static_cast<size_t>(o.windows_per_image));
      std::sort(order.begin(), order.end());
    }
    for (size_t j : order) {
      const Box& b = proposals[i][j];
      if (b.width() > 0 && b.height() > 0) windows.push_back(b);
    }
    if (windows.empty()) continue;
    const cv::Mat bgr = read_image_bgr(image.image_path);
    auto picture = models::prepare_picture(model->config(), bgr, windows, model->backbone().stride(), device);
    auto f = model->window_features(picture.batch, {picture.boxes}).to(torch::kCPU);
    const int64_t w = f.size(0);
    auto gt_flags = torch::zeros({w}, torch::kBool);
    if (gt_count > 0) gt_flags.narrow(0, 0, gt_count).fill_(true);
    auto ious = torch::zeros({w, k});
    auto label = torch::full({w}, -1, torch::kInt64);
    auto target = torch::zeros({w, 4});
    if (gt_count > 0) {
      auto all = boxes_to_tensor(windows);  // picture pixels: IoU and deltas do not depend on the scale
      auto gt = all.narrow(0, 0, gt_count);
      auto gt_labels = torch::tensor(labels, torch::kInt64);
      auto iou = box_iou(gt, all);  // [G, W]
      for (int64_t c = 0; c < k; ++c) {
        auto of_class = torch::nonzero(gt_labels == c).view(-1);
        if (of_class.numel() > 0) ious.select(1, c).copy_(std::get<0>(iou.index_select(0, of_class).max(0)));
      }
      auto [best, best_gt] = iou.max(0);
      label = gt_labels.index_select(0, best_gt);
      target = BoxCoder().encode(gt.index_select(0, best_gt), all);
      target = torch::where(torch::isfinite(target), target, torch::zeros_like(target));
    }
    features.push_back(f);
    is_gt.push_back(gt_flags);
    gt_label.push_back(label);
    class_iou.push_back(ious);
    targets.push_back(target);
    bar.update(static_cast<int64_t>(i) + 1);
  }
  bar.finish();
  if (features.empty()) throw Error("svm stage: no training windows");
  return {torch::cat(features), torch::cat(is_gt), torch::cat(gt_label), torch::cat(class_iou), torch::cat(targets)};
}

void save_cache(const std::filesystem::path& path, const std::string& key, const WindowSet& s) {
  write_file_atomic(path, [&](std::ostream& out) {
    out << key << '\n';
    torch::save(std::vector<torch::Tensor>{s.features, s.is_gt, s.gt_label, s.class_iou, s.targets}, archive_sink(out));
  });
}

bool load_cache(const std::filesystem::path& path, const std::string& key, WindowSet* s) {
  if (path.empty() || !std::filesystem::exists(path)) return false;
  const std::string bytes = read_file(path);
  const auto end_of_header = bytes.find('\n');
  if (end_of_header == std::string::npos || bytes.compare(0, end_of_header, key) != 0)
    return false;  // another model, other images or other options: recompute
  // The archive reader seeks to absolute offsets: give it a stream of its own bytes.
  std::istringstream in(bytes.substr(end_of_header + 1));
  std::vector<torch::Tensor> t;
  try {
    torch::load(t, in);
  } catch (const c10::Error&) {
    return false;
  }
  if (t.size() != 5) return false;
  *s = {t[0], t[1], t[2], t[3], t[4]};
  return true;
}

}  // namespace

nlohmann::json SvmStageOptions::to_json() const {
  return {{"svm", svm.to_json()},          {"windows_per_image", windows_per_image},
          {"negative_iou", negative_iou},  {"box_iou", box_iou},
          {"ridge_lambda", ridge_lambda},  {"feature_norm", feature_norm},
          {"seed", seed}};
}

SvmStageOptions SvmStageOptions::from_json(const nlohmann::json& j) {
  SvmStageOptions o;
  try {
    if (j.contains("svm")) o.svm = models::rcnn::LinearSvmOptions::from_json(j.at("svm"));
    o.windows_per_image = j.value("windows_per_image", o.windows_per_image);
    o.negative_iou = j.value("negative_iou", o.negative_iou);
    o.box_iou = j.value("box_iou", o.box_iou);
    o.ridge_lambda = j.value("ridge_lambda", o.ridge_lambda);
    o.feature_norm = j.value("feature_norm", o.feature_norm);
    o.seed = j.value("seed", o.seed);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("svm stage options: ") + e.what());
  }
  return o;
}

std::string SvmStageReport::summary() const {
  std::string out = fmt::format("{} windows of {} images ({:.0f} s of features{}), SVMs and box regressors in {:.0f} s",
                                windows, images, feature_seconds, cache_used ? ", from the cache" : "", svm_seconds);
  for (size_t c = 0; c < classes.size() && c < svms.size(); ++c)
    out += fmt::format("\n  {}: {}; box regression on {} windows", classes[c], svms[c].summary(), box_samples[c]);
  for (const auto& w : warnings) out += "\n  warning: " + w;
  return out;
}

nlohmann::json SvmStageReport::to_json() const {
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t c = 0; c < classes.size() && c < svms.size(); ++c)
    per_class[classes[c]] = {{"positives", svms[c].positives},       {"pool", svms[c].pool},
                             {"cached", svms[c].cached},             {"rounds", svms[c].rounds},
                             {"pool_violations", svms[c].pool_violations}, {"box_samples", box_samples[c]}};
  return {{"images", images},           {"windows", windows},     {"feature_seconds", feature_seconds},
          {"svm_seconds", svm_seconds}, {"cache_used", cache_used}, {"classes", per_class},
          {"warnings", warnings}};
}

SvmStageReport train_svm_stage(models::FasterRcnn& model, const DetectionDataset& train,
                               const std::vector<std::vector<Box>>& proposals, const SvmStageOptions& o,
                               bool progress, const std::filesystem::path& cache) {
  if (model->svm_head().is_empty()) throw Error("svm stage: the " + model->config().arch + " detector has no SVM head");
  if (proposals.size() != train.images.size()) throw Error("svm stage: one proposal list per image needed");
  if (!(o.feature_norm > 0) || o.windows_per_image < 0) throw Error("svm stage: bad options");
  SvmStageReport report;
  report.classes = model->config().classes;
  report.images = static_cast<int64_t>(train.images.size());
  auto start = Clock::now();
  const std::string key = cache.empty() ? std::string() : cache_key(model, train, o);
  WindowSet s;
  report.cache_used = load_cache(cache, key, &s);
  if (!report.cache_used) {
    s = featurise(model, train, proposals, o, progress);
    if (!cache.empty()) save_cache(cache, key, s);
  }
  report.windows = s.features.size(0);
  report.feature_seconds = since(start);
  start = Clock::now();

  // R-CNN's feature scaling: mean L2 norm feature_norm; folded into the weights below.
  const double mean_norm = s.features.norm(2, {1}).mean().item<double>();
  const double scale = mean_norm > 0 ? o.feature_norm / mean_norm : 1.0;
  auto x = s.features * scale;
  const int64_t k = static_cast<int64_t>(report.classes.size());
  for (int64_t c = 0; c < k; ++c) {
    const std::string& name = report.classes[c];
    auto pos = torch::nonzero(s.is_gt & (s.gt_label == c)).view(-1);
    auto neg = torch::nonzero(s.class_iou.select(1, c) < o.negative_iou).view(-1);
    if (pos.numel() == 0 || neg.numel() == 0) {
      // Nothing to separate: the class never fires (its windows score far below any threshold).
      report.warnings.push_back(fmt::format("class '{}' has no {} in the training windows: it is never detected",
                                            name, pos.numel() == 0 ? "ground-truth box" : "negative window"));
      models::rcnn::LinearSvm never{torch::zeros({x.size(1)}), -1e6};
      models::rcnn::RidgeBoxRegressor still{torch::zeros({x.size(1), 4}), torch::zeros({4})};
      report.svms.emplace_back();
      report.box_samples.push_back(0);
      model->svm_head()->set_class(c, never, still);
      continue;
    }
    models::rcnn::LinearSvmOptions svm_options = o.svm;
    svm_options.seed = o.seed + static_cast<uint64_t>(c);
    models::rcnn::LinearSvmReport svm_report;
    auto svm = models::rcnn::train_linear_svm(x.index_select(0, pos), x.index_select(0, neg), svm_options, &svm_report);
    svm.weights = svm.weights * scale;
    report.svms.push_back(svm_report);

    auto near = torch::nonzero((s.gt_label == c) & (s.class_iou.select(1, c) >= o.box_iou)).view(-1);
    models::rcnn::RidgeBoxRegressor regressor;
    if (near.numel() > 0) {
      regressor = models::rcnn::fit_ridge_box_regressor(x.index_select(0, near), s.targets.index_select(0, near),
                                                        o.ridge_lambda);
      regressor.weights = regressor.weights * scale;
    } else {  // nothing to learn from: the windows stay where they are
      regressor.weights = torch::zeros({x.size(1), 4});
      regressor.bias = torch::zeros({4});
    }
    report.box_samples.push_back(near.numel());
    model->svm_head()->set_class(c, svm, regressor);
  }
  report.svm_seconds = since(start);
  return report;
}

}  // namespace seer::detection::training
