// `seer detect train | test | image`: training a detector on a PASCAL-VOC / labelImg folder,
// scoring it with the devkit's mAP, and running it on pictures.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "seer/cli/detect_commands.h"
#include "seer/cli/inference_flags.h"
#include "seer/cli/train_flags.h"
#include "seer/core/checkpoint.h"
#include "seer/core/device.h"
#include "seer/core/error.h"
#include "seer/detection/data/image_io.h"
#include "seer/detection/data/box_statistics.h"
#include "seer/detection/data/folder.h"
#include "seer/detection/data/voc.h"
#include "seer/detection/eval/draw.h"
#include "seer/detection/eval/voc_ap.h"
#include "seer/detection/eval/voc_results.h"
#include "seer/core/atomic_file.h"
#include "seer/detection/models/faster_rcnn.h"
#include "seer/detection/proposals/proposal_file.h"
#include "seer/detection/training/detector_task.h"
#include "seer/detection/training/svm_stage.h"
#include "seer/nn/bf16_autocast.h"

namespace seer::cli {
namespace {

using namespace seer::detection;
namespace fs = std::filesystem;

// A split of a VOC devkit or labelImg folder (data/folder.h): ImageSets/Main/<split>.txt when the
// folder has it, else the seeded split (20% test by default).
DetectionDataset read_split(const std::string& data, const std::string& split,
                            const std::vector<std::string>& classes, double test_fraction = 0.2) {
  FolderReadOptions o;
  o.split = split;
  o.classes = classes;
  o.keep_difficult = true;
  o.check_images = true;
  o.test_fraction = test_fraction;
  return read_detection_folder(data, o);
}

// ---- train ----------------------------------------------------------------------------------
struct DetectTrainFlags {
  TrainFlags common;
  std::string arch = "faster-rcnn";
  std::string data;
  std::string split = "trainval";
  std::string eval_split = "test";
  std::string backbone = "resnet-lite";
  std::vector<int64_t> widths = models::BackboneOptions{}.widths;
  std::vector<int64_t> blocks = models::BackboneOptions{}.blocks;
  std::string norm = "gn";
  int64_t stride = 16;
  std::string init;
  std::string anchors = "default";
  std::string schedule = "joint";
  std::vector<int> short_sides = {600};
  int test_short_side = 0;  // 0: the largest training scale
  int max_long_side = 1000;
  int64_t batch = 2;
  double epochs = 12;
  double flip = 0.5;
  std::string optimizer = "sgd";  // sgd (py-faster-rcnn's) or adamw
  double momentum = 0.9;
  double weight_decay = 1e-4;
  std::string head = "fc";
  std::string pooler = "align";
  std::vector<int64_t> spp_levels = models::RoiHeadsOptions{}.spp_levels;
  int64_t fc_dim = 1024;
  int64_t conv_layers = models::RoiHeadsOptions{}.conv_layers;
  int64_t conv_dim = models::RoiHeadsOptions{}.conv_dim;
  int64_t rpn_post_nms_test = 300;
  int64_t eval_max_images = 0;
  bool strict_images = false;
  double test_fraction = 0.2;
  std::string proposals;         // fast-rcnn: the proposals folder (seer detect proposals)
  int64_t max_proposals = 2000;  // fast-rcnn: proposals per image
  int64_t rois_per_image = 0;    // RoIs sampled per image for the head (0: 128, fast-rcnn 64)
  double fg_fraction = models::RoiHeadsOptions{}.positive_fraction;  // foreground share of them
  double bg_iou_low = -1;  // background RoIs' lowest IoU with an object (< 0: the arch's default)
  bool bf16 = false;       // training forward passes in bfloat16 (CPU autocast)
  int warp_size = models::rcnn::WarpOptions{}.size;        // rcnn
  int warp_context = models::rcnn::WarpOptions{}.context;  // rcnn
  int64_t svm_windows = training::SvmStageOptions{}.windows_per_image;  // rcnn, sppnet
};

// --bf16: checked against the device and the CPU; returns whether to turn it on.
bool bf16_requested(bool bf16, const torch::Device& device) {
  if (!bf16) return false;
  if (!device.is_cpu()) throw Error("--bf16 is for the CPU (this run is on " + device.str() + ")");
  if (!seer::nn::cpu_has_native_bf16())
    warn("this CPU has no native bfloat16 (AVX-512 BF16): --bf16 runs emulated, likely slower than without it");
  return true;
}

// fast-rcnn: the proposals of every image of `data` from `dir` (the first `max_per_image`).
std::vector<std::vector<Box>> read_proposals_for(const std::string& dir, const DetectionDataset& data,
                                                 int64_t max_per_image) {
  if (dir.empty())
    throw Error("this detector needs --proposals DIR (made by `seer detect proposals --data DIR --out DIR`)");
  return proposals::read_dataset_proposals(dir, data, static_cast<int>(max_per_image));
}

// The selective search settings a proposals folder was made with (its proposals.json), so that
// pictures without a file get the same kind of proposals; the defaults when unknown.
proposals::SelectiveSearchOptions proposal_settings_of(const std::string& dir) {
  const fs::path summary = fs::path(dir) / "proposals.json";
  if (fs::exists(summary)) {
    try {
      const auto j = nlohmann::json::parse(read_file(summary));
      if (j.contains("options")) return proposals::SelectiveSearchOptions::from_json(j.at("options"));
    } catch (const std::exception&) {
    }
  }
  return {};
}

// The run's config.json. `train_out` receives the training split it read (so that it is read,
// and its warnings shown, once).
nlohmann::json train_config(const DetectTrainFlags& f, std::optional<DetectionDataset>* train_out) {
  if (f.data.empty()) throw Error("--data DIR is required (a PASCAL-VOC or labelImg folder)");
  const auto archs = models::detector_archs();
  if (std::find(archs.begin(), archs.end(), f.arch) == archs.end())
    throw Error("--arch " + f.arch + ": rcnn, sppnet, fast-rcnn or faster-rcnn");
  if (f.arch != models::kFasterRcnnKind && f.proposals.empty())
    throw Error("--arch " + f.arch + " needs --proposals DIR (made by `seer detect proposals --data DIR --out DIR`)");
  if (f.svm_windows < 1) throw Error("--svm-windows must be >= 1");
  if (f.max_proposals < 1) throw Error("--max-proposals must be >= 1");
  if (f.rois_per_image < 0) throw Error("--rois-per-image must be >= 0");
  if (!(f.fg_fraction > 0 && f.fg_fraction <= 1)) throw Error("--fg-fraction must be in (0, 1]");
  if (f.bg_iou_low != -1 && !(f.bg_iou_low >= 0 && f.bg_iou_low < 0.5))
    throw Error("--bg-iou-low must be in [0, 0.5)");
  training::parse_schedule(f.schedule);
  if (f.batch < 1) throw Error("--batch must be >= 1");
  if (!(f.epochs > 0)) throw Error("--epochs must be > 0");
  if (f.short_sides.empty()) throw Error("--short-side needs at least one value");
  for (int s : f.short_sides)
    if (s < 32) throw Error("--short-side values must be >= 32");
  if (f.max_long_side < 32) throw Error("--max-long-side must be >= 32");
  if (f.optimizer != "sgd" && f.optimizer != "adamw")
    throw Error("--optimizer must be sgd or adamw, not '" + f.optimizer + "'");
  if (!(f.momentum >= 0 && f.momentum < 1)) throw Error("--momentum must be in [0, 1)");
  if (!(f.weight_decay >= 0)) throw Error("--weight-decay must be >= 0");
  if (!(f.flip >= 0 && f.flip <= 1)) throw Error("--flip must be in [0, 1]");

  if (!(f.test_fraction > 0 && f.test_fraction < 1)) throw Error("--test-fraction must be in (0, 1)");
  const DetectionDataset& train = train_out->emplace(read_split(f.data, f.split, {}, f.test_fraction));
  if (train.classes.empty()) throw Error(f.data + ": the '" + f.split + "' split has no objects to learn from");
  models::FasterRcnnConfig model;
  model.arch = f.arch;
  model.classes = train.classes;
  model.backbone.name = f.backbone;
  model.backbone.widths = f.widths;
  model.backbone.blocks = f.blocks;
  model.backbone.norm = f.norm;
  if (f.stride != 16 && f.backbone != "resnet-lite") throw Error("--stride is a resnet-lite option (vgg16 and zf have stride 16)");
  model.backbone.stride = f.stride;
  model.input.short_side = f.test_short_side > 0 ? f.test_short_side
                                                 : *std::max_element(f.short_sides.begin(), f.short_sides.end());
  model.input.max_long_side = f.max_long_side;
  if (f.anchors == "auto") {
    // Sizes and ratios from the training boxes, as the detector sees them (largest scale).
    const int scale = *std::max_element(f.short_sides.begin(), f.short_sides.end());
    const AnchorSuggestion suggested = suggest_anchors(train, scale, f.max_long_side, 3, 3, f.common.seed);
    model.anchors.sizes = suggested.sizes;
    model.anchors.ratios = suggested.ratios;
    const models::AnchorOptions paper;
    std::cerr << fmt::format("--anchors auto: sizes {:.0f}, ratios {:.2f} (mean best shape IoU {:.3f}; the "
                             "paper's 128,256,512 x 0.5,1,2: {:.3f})\n",
                             fmt::join(suggested.sizes, ","), fmt::join(suggested.ratios, ","),
                             suggested.mean_best_iou,
                             anchor_coverage(train, scale, f.max_long_side, paper.sizes, paper.ratios));
  } else {
    model.anchors = models::AnchorOptions::parse(f.anchors);
  }
  model.roi_heads.head = f.head;
  model.roi_heads.pooler = f.pooler;
  model.roi_heads.spp_levels = f.spp_levels;
  model.roi_heads.fc_dim = f.fc_dim;
  model.roi_heads.conv_layers = f.conv_layers;
  model.roi_heads.conv_dim = f.conv_dim;
  model.rpn.post_nms_top_n_test = f.rpn_post_nms_test;
  if (!model.uses_rpn()) {
    model.max_proposals = f.max_proposals;
    model.selective_search = proposal_settings_of(f.proposals);
    model.roi_heads.batch_per_image = 64;  // the Fast R-CNN paper's 2 images x 64 RoIs
    read_proposals_for(f.proposals, train, f.max_proposals);  // every training image has its file
  }
  if (f.arch == models::kSppNetKind) model.roi_heads.pooler = "spp";
  if (f.arch == models::kRcnnKind) {
    // R-CNN's fine-tuning: 32 foreground and 96 background windows per step of 2 images,
    // background any window under 0.5 IoU, a classifier only (boxes come from the ridge stage).
    model.warp.size = f.warp_size;
    model.warp.context = f.warp_context;
    model.roi_heads.bg_iou_low = 0.0;
    model.roi_heads.box_loss_weight = 0.0;
  }
  if (f.rois_per_image > 0) model.roi_heads.batch_per_image = f.rois_per_image;
  model.roi_heads.positive_fraction = f.fg_fraction;
  if (f.bg_iou_low >= 0) model.roi_heads.bg_iou_low = f.bg_iou_low;
  models::make_faster_rcnn(model);  // checks every option before a run folder exists

  const auto images = static_cast<double>(train.images.size());
  const int64_t steps = f.common.steps > 0 ? f.common.steps
                                           : static_cast<int64_t>(std::ceil(f.epochs * images / f.batch));
  nlohmann::json c = {
      {"arch", f.arch},
      {"data", f.data},
      {"split", f.split},
      {"eval_split", f.eval_split},
      {"test_fraction", f.test_fraction},
      {"model", model.to_json()},
      {"init", f.init},
      {"schedule", f.schedule},
      {"train_short_sides", f.short_sides},
      {"batch", f.batch},
      {"flip", f.flip},
      {"optimizer", f.optimizer},
      {"momentum", f.momentum},
      {"weight_decay", f.weight_decay},
      {"strict_images", f.strict_images},
      {"bf16", f.bf16},
      {"eval_max_images", f.eval_max_images},
      {"proposals", f.proposals},
      {"svm_stage", [&] {
         training::SvmStageOptions o;
         o.windows_per_image = f.svm_windows;
         o.seed = f.common.seed;
         return o.to_json();
       }()},
      {"seed", f.common.seed},
      {"steps", steps},
      {"lr", f.common.lr > 0 ? f.common.lr : (f.optimizer == "adamw" ? 0.001 : 0.02)},
      {"eval_every", f.common.eval_every > 0 ? f.common.eval_every : std::max<int64_t>(1, steps / 8)},
      {"checkpoint_every", f.common.checkpoint_every},
      {"log_every", f.common.log_every},
  };
  add_schedule_config(f.common, c, "cosine");
  if (f.common.warmup == 0) c["warmup"] = std::min<int64_t>(500, steps / 10);
  return c;
}

void run_train(const DetectTrainFlags& f) {
  apply_runtime(f.common);
  const auto device = select_device(f.common.device);
  // `--resume` alone continues a run with its stored config; with --data a new run can start.
  std::optional<DetectionDataset> read_train;
  nlohmann::json config = f.common.resume && f.data.empty() ? nlohmann::json::object() : train_config(f, &read_train);
  std::optional<RunDir> run;
  bool created = false;
  config = open_run("detect", f.common, config, run, &created);
  DiscardRunOnFailure discard(*run, created);
  if (created && !read_train) throw Error("--data DIR is needed to start a new run in " + run->root().string());
  seed_everything(config.at("seed").get<uint64_t>());

  auto model_config = models::FasterRcnnConfig::from_json(config.at("model"));
  const double test_fraction = config.value("test_fraction", 0.2);
  DetectionDataset train = created ? std::move(*read_train)
                                   : read_split(config.at("data"), config.at("split"), model_config.classes, test_fraction);
  DetectionDataset eval;
  const std::string eval_split = config.at("eval_split");
  if (!eval_split.empty() && eval_split != "none") {
    eval = read_split(config.at("data"), eval_split, model_config.classes, test_fraction);
  }
  std::cerr << fmt::format("{} images for training ({}), {} for evaluation ({}); classes: {}\n",
                           train.images.size(), config.at("split").get<std::string>(), eval.images.size(),
                           eval_split, fmt::join(model_config.classes, ", "));

  models::FasterRcnn model = models::make_faster_rcnn(model_config);
  const std::string init = config.value("init", "");
  if (!init.empty() && !f.common.resume) {
    models::InitReport report;
    try {
      report = models::init_from_file(*model, init, {""});
    } catch (const Error&) {
      report = models::init_from_file(model->backbone(), init, {"", "backbone."});
    }
    std::cerr << "--init " << init << ": " << report.summary() << "\n";
  }

  training::BatchLoaderOptions lo;
  lo.images_per_batch = config.at("batch").get<int64_t>();
  lo.short_sides = config.at("train_short_sides").get<std::vector<int>>();
  lo.max_long_side = model_config.input.max_long_side;
  lo.flip_probability = config.at("flip").get<double>();
  lo.seed = config.at("seed").get<uint64_t>();
  lo.skip_bad_images = !config.value("strict_images", false);
  lo.size_divisible = model->backbone().stride();
  std::vector<std::vector<Box>> train_proposals, eval_proposals;
  if (!model_config.uses_rpn()) {
    const std::string dir = config.value("proposals", "");
    train_proposals = read_proposals_for(dir, train, model_config.max_proposals);
    if (!eval.images.empty()) eval_proposals = read_proposals_for(dir, eval, model_config.max_proposals);
  }
  auto loader = std::make_unique<training::BatchLoader>(train, lo, model_config.input, std::move(train_proposals));

  training::DetectorTaskOptions to;
  to.schedule = training::parse_schedule(config.at("schedule"));
  to.total_steps = config.at("steps").get<int64_t>();
  to.eval_max_images = config.value("eval_max_images", int64_t{0});
  to.bf16 = bf16_requested(config.value("bf16", false), device);
  training::DetectorTask task(model, std::move(loader), eval, to, device, std::move(eval_proposals));

  // SGD: py-faster-rcnn's rule, biases learn at twice the rate without weight decay. AdamW
  // (decoupled weight decay, Loshchilov & Hutter 2019): one rate, no decay on biases either.
  const double lr = config.at("lr").get<double>();
  const double momentum = config.at("momentum").get<double>();
  const double wd = config.at("weight_decay").get<double>();
  const bool adamw = config.value("optimizer", std::string("sgd")) == "adamw";
  std::vector<torch::Tensor> weights, biases;
  for (const auto& p : model->named_parameters()) {
    const auto& name = p.key();
    (name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0 ? biases : weights).push_back(p.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (adamw) {
    groups.emplace_back(weights, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(lr).weight_decay(wd)));
    groups.emplace_back(biases, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(lr).weight_decay(0)));
    optimizer = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(lr));
  } else {
    groups.emplace_back(weights, std::make_unique<torch::optim::SGDOptions>(
                                     torch::optim::SGDOptions(lr).momentum(momentum).weight_decay(wd)));
    groups.emplace_back(biases, std::make_unique<torch::optim::SGDOptions>(
                                    torch::optim::SGDOptions(2 * lr).momentum(momentum).weight_decay(0)));
    optimizer = std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(lr));
  }

  auto options = trainer_options(f.common, config);
  if (options.checkpoint_every == 0) options.checkpoint_every = options.eval_every;
  options.metric_to_show = "mAP";
  options.lr_multipliers = {1.0, adamw ? 1.0 : 2.0};
  Trainer trainer(*run, options, *optimizer, LrSchedule(schedule_options(config)));
  discard.started();
  auto result = trainer.fit(task);
  nlohmann::json extra;
  if (model_config.uses_svm() && result.stop_reason != "interrupted") {
    // R-CNN / SPP-Net's second stage on the fine-tuned network, then the final model again.
    const auto options = training::SvmStageOptions::from_json(config.value("svm_stage", nlohmann::json::object()));
    const auto proposals = read_proposals_for(config.value("proposals", ""), train, model_config.max_proposals);
    const auto report = training::train_svm_stage(model, train, proposals, options, !f.common.no_progress && !f.common.json,
                                                  run->root() / "svm_features.pt");
    save_model_file(run->model_path(), ModelFile{model_config.arch, config.at("model"), state_dict(*model), {}});
    if (!f.common.json) std::cerr << "svm stage: " << report.summary() << "\n";
    extra["svm_stage"] = report.to_json();
  }
  report_training(*run, result, f.common.json, extra);
}

// ---- test -----------------------------------------------------------------------------------
struct DetectTestFlags {
  InferenceFlags common;
  std::string data;
  std::string split = "test";
  std::string out;
  int64_t rpn_post_nms = 0;
  bool progress = true;
  double test_fraction = 0.2;
  std::string proposals;            // fast-rcnn: the proposals folder (else selective search per image)
  std::vector<int64_t> svd_ranks;   // truncated SVD of the head's fc layers (fc6, fc7)
  bool bf16 = false;                // convolutions and fc layers in bfloat16 (CPU autocast)
};

void run_test(const DetectTestFlags& f) {
  const auto device = apply_inference_flags(f.common);
  models::FasterRcnn model = models::load_faster_rcnn(f.common.model, device);
  if (f.rpn_post_nms > 0) {
    auto config = model->config();
    config.rpn.post_nms_top_n_test = f.rpn_post_nms;
    auto rebuilt = models::make_faster_rcnn(config);
    rebuilt->to(device);
    torch::NoGradGuard no_grad;
    auto src = model->named_parameters(true);
    for (auto& p : rebuilt->named_parameters(true)) p.value().copy_(src[p.key()]);
    auto src_buffers = model->named_buffers(true);
    for (auto& b : rebuilt->named_buffers(true)) b.value().copy_(src_buffers[b.key()]);
    model = rebuilt;
  }
  nlohmann::json svd = nullptr;
  if (!f.svd_ranks.empty()) {
    const auto report = model->roi_heads()->truncate_fc(f.svd_ranks);
    svd = report.to_json();
    if (!f.common.json) std::cerr << "truncated SVD: " << report.summary() << "\n";
  }
  const auto& classes = model->config().classes;
  const seer::nn::Bf16Autocast bf16(bf16_requested(f.bf16, device));
  DetectionDataset data = read_split(f.data, f.split, classes, f.test_fraction);
  std::vector<std::vector<Box>> props;
  if (!model->config().uses_rpn()) {
    if (!f.proposals.empty()) props = read_proposals_for(f.proposals, data, model->config().max_proposals);
    else if (!f.common.json) std::cerr << "no --proposals: selective search on every image (its time is counted)\n";
  }
  training::DetectTiming timing;
  timing.warmup_images = 2;
  auto dets = training::detect_dataset(model, data, 0, f.progress && !f.common.json, props.empty() ? nullptr : &props, &timing);
  const fs::path out = f.out.empty() ? fs::path(f.common.model).parent_path() / ("results-" + f.split) : fs::path(f.out);
  write_voc_results(out, f.split, classes, dets);
  const VocEvalResult r = voc_evaluate(data, dets);
  const double per_image = timing.seconds_per_image();
  if (f.common.json) {
    nlohmann::json j = voc_result_json(r);
    j["images"] = data.images.size();
    j["detections"] = dets.size();
    j["seconds_per_image"] = per_image;
    j["model_seconds_per_image"] = timing.model_seconds_per_image();
    j["results"] = out.string();
    j["split"] = f.split;
    j["arch"] = model->config().arch;
    if (!svd.is_null()) j["svd"] = svd;
    j["bf16"] = f.bf16;
    std::cout << j.dump() << std::endl;
  } else {
    print_voc_table(r, data.images.size(), dets.size());
    std::cout << fmt::format("{:.3f} s per image ({:.3f} s in the detector, the rest reading and decoding); devkit results files in {}\n",
                             per_image, timing.model_seconds_per_image(), out.string());
  }
}

// ---- image ----------------------------------------------------------------------------------
struct DetectImageFlags {
  InferenceFlags common;
  std::vector<std::string> inputs;
  std::string out;
  float threshold = 0.5f;
  bool save_voc = false;
  std::vector<int64_t> svd_ranks;  // truncated SVD of the head's fc layers (fc6, fc7)
  bool bf16 = false;               // convolutions and fc layers in bfloat16 (CPU autocast)
};

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".tif" ||
         ext == ".tiff" || ext == ".webp";
}

void run_image(const DetectImageFlags& f) {
  const auto device = apply_inference_flags(f.common);
  models::FasterRcnn model = models::load_faster_rcnn(f.common.model, device);
  if (!f.svd_ranks.empty()) std::cerr << model->roi_heads()->truncate_fc(f.svd_ranks).summary() << "\n";
  const seer::nn::Bf16Autocast bf16(bf16_requested(f.bf16, device));
  const auto& classes = model->config().classes;
  std::vector<fs::path> files;
  for (const auto& input : f.inputs) {
    if (fs::is_directory(input)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(input))
        if (e.is_regular_file() && is_image_file(e.path())) found.push_back(e.path());
      std::sort(found.begin(), found.end());
      if (found.empty()) warn(input + ": no image files in this folder");
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(input)) {
      files.push_back(input);
    } else {
      throw Error(input + ": no such file or folder");
    }
  }
  DrawOptions draw;
  draw.score_threshold = f.threshold;
  draw.ground_truth = false;
  int failed = 0;
  for (const auto& file : files) {
    cv::Mat pixels;
    try {
      pixels = read_image_bgr(file);
    } catch (const Error& e) {
      warn(std::string(e.what()) + " (skipped)");
      ++failed;
      continue;
    }
    const std::string stem = file.stem().string();
    auto dets = models::detect_picture(model, pixels, stem);
    std::vector<Detection> shown;
    for (const auto& d : dets)
      if (d.score >= f.threshold) shown.push_back(d);
    write_image_atomic(fs::path(f.out) / (stem + ".jpg"), draw_detections(pixels, classes, {}, shown, draw));
    if (f.save_voc) {
      DetectionImage image;
      image.id = stem;
      image.image_path = file;
      image.width = pixels.cols;
      image.height = pixels.rows;
      for (const auto& d : shown) {
        DetectionObject o;
        o.box = d.box;
        o.label = d.label;
        image.objects.push_back(o);
      }
      write_voc_annotation(fs::path(f.out) / "annotations" / (stem + ".xml"), image, classes,
                           file.filename().string());
    }
    if (f.common.json) {
      nlohmann::json j = {{"file", file.string()}, {"detections", nlohmann::json::array()}};
      for (const auto& d : shown) {
        j["detections"].push_back({{"class", classes.at(d.label)},
                                   {"score", d.score},
                                   {"box", {d.box.x1, d.box.y1, d.box.x2, d.box.y2}}});
      }
      std::cout << j.dump() << std::endl;
    } else {
      std::cerr << fmt::format("{}: {} detections >= {}\n", file.string(), shown.size(), f.threshold);
    }
  }
  std::cerr << fmt::format("drew {} images to {}{}\n", files.size() - failed, f.out,
                           f.save_voc ? " (labelImg XML in " + (fs::path(f.out) / "annotations").string() + ")" : "");
  if (failed > 0 && static_cast<size_t>(failed) == files.size()) throw Error("no image could be read");
}

}  // namespace

void add_detect_model_commands(CLI::App* detect) {
  auto tr = std::make_shared<DetectTrainFlags>();
  auto* t = detect->add_subcommand("train", "Train a detector (Faster R-CNN, Fast R-CNN) on a PASCAL-VOC / labelImg folder");
  add_train_flags(t, tr->common);
  t->add_option("--arch", tr->arch, "Detector: faster-rcnn (RPN proposals), or fast-rcnn, sppnet, rcnn (--proposals from selective search)")
      ->capture_default_str();
  t->add_option("--proposals", tr->proposals,
                "fast-rcnn: the proposals folder of every training and evaluation image (seer detect proposals)");
  t->add_option("--warp-size", tr->warp_size, "rcnn: side of the warped windows (px)")->capture_default_str();
  t->add_option("--warp-context", tr->warp_context, "rcnn: context around each window in the warped square (px)")
      ->capture_default_str();
  t->add_option("--svm-windows", tr->svm_windows,
                "rcnn, sppnet: proposals per image whose features train the SVMs and box regressors")
      ->capture_default_str();
  t->add_option("--max-proposals", tr->max_proposals, "fast-rcnn: proposals per image (the first of each)")
      ->capture_default_str();
  t->add_option("--rois-per-image", tr->rois_per_image,
                "RoIs sampled per image for the head, --fg-fraction of them foreground (0: 128; fast-rcnn 64, the paper's)")
      ->capture_default_str();
  t->add_option("--fg-fraction", tr->fg_fraction,
                "Largest foreground share of the sampled RoIs (IoU >= 0.5; the papers' 0.25); the rest background")
      ->capture_default_str();
  t->add_flag("--bf16", tr->bf16,
              "Forward passes in bfloat16 (CPU autocast: convolutions and fc layers in bf16 with fp32 sums; "
              "parameters, norms, losses and the optimizer in fp32); evaluation stays fp32");
  t->add_option("--bg-iou-low", tr->bg_iou_low,
                "Background RoIs overlap an object by IoU in [this, 0.5) (default 0.1, py-faster-rcnn's; rcnn 0). "
                "0 also shows the head empty regions and clutter, which it otherwise never sees as background");
  t->add_option("--data", tr->data, "PASCAL-VOC folder, or a labelImg folder (XML beside the images, or images/ + annotations/); "
                "not needed with --resume");
  t->add_option("--split", tr->split, "Training split (ImageSets/Main/<split>.txt)")->capture_default_str();
  t->add_option("--test-fraction", tr->test_fraction,
                "Folders without ImageSets/Main: the seeded share of images in 'test' (the rest is "
                "'train' = 'trainval')")
      ->capture_default_str();
  t->add_option("--eval-split", tr->eval_split, "Split evaluated during training (none: no evaluation)")
      ->capture_default_str();
  t->add_option("--backbone", tr->backbone, "resnet-lite, vgg16 or zf")->capture_default_str();
  t->add_option("--widths", tr->widths, "resnet-lite: stem and stage widths")->delimiter(',')->capture_default_str();
  t->add_option("--blocks", tr->blocks, "resnet-lite: blocks per stage")->delimiter(',')->capture_default_str();
  t->add_option("--norm", tr->norm, "resnet-lite: gn, bn or none")->capture_default_str();
  t->add_option("--stride", tr->stride, "resnet-lite: feature stride, 16 or 8 (finer features for small shapes)")
      ->capture_default_str();
  t->add_option("--init", tr->init,
                "Start from the matching tensors of a seer model file or a PyTorch state_dict file");
  t->add_option("--anchors", tr->anchors, "default (128,256,512 x 0.5,1,2), auto, or SIZES:RATIOS")
      ->capture_default_str();
  t->add_option("--schedule", tr->schedule, "joint or alternating (the paper's 4 steps)")->capture_default_str();
  t->add_option("--short-side", tr->short_sides, "Training scales (short side, px); several = scale jitter")
      ->delimiter(',')
      ->capture_default_str();
  t->add_option("--test-short-side", tr->test_short_side, "Test scale (0: the largest training scale)")
      ->capture_default_str();
  t->add_option("--max-long-side", tr->max_long_side, "Cap on the long side (px)")->capture_default_str();
  t->add_option("--batch", tr->batch, "Images per step")->capture_default_str();
  t->add_option("--epochs", tr->epochs, "Passes over the training split (when --steps is not given)")
      ->capture_default_str();
  t->add_option("--flip", tr->flip, "Horizontal flip probability")->capture_default_str();
  t->add_option("--optimizer", tr->optimizer,
                 "sgd (momentum, biases at twice the rate: py-faster-rcnn's) or adamw (e.g. --lr 0.001)")
      ->capture_default_str();
  t->add_option("--momentum", tr->momentum, "SGD momentum")->capture_default_str();
  t->add_option("--weight-decay", tr->weight_decay, "Weight decay (not on biases; decoupled with adamw)")->capture_default_str();
  t->add_option("--head", tr->head, "RoI head: fc (two fc layers) or conv (GroupNorm convs + fc)")
      ->capture_default_str();
  t->add_option("--pooler", tr->pooler, "align (RoIAlign), pool (RoI max pooling) or spp (SPP-Net's pyramid)")
      ->capture_default_str();
  t->add_option("--spp-levels", tr->spp_levels, "spp: bins per side of each pyramid level")
      ->delimiter(',')
      ->capture_default_str();
  t->add_option("--fc-dim", tr->fc_dim, "Width of the head's fc layers")->capture_default_str();
  t->add_option("--conv-layers", tr->conv_layers, "conv head: 3x3 conv + GroupNorm layers")->capture_default_str();
  t->add_option("--conv-dim", tr->conv_dim, "conv head: their channels")->capture_default_str();
  t->add_option("--rpn-post-nms-test", tr->rpn_post_nms_test, "Proposals per image at test time")
      ->capture_default_str();
  t->add_option("--eval-max-images", tr->eval_max_images, "Evaluate on at most this many images (0: all)")
      ->capture_default_str();
  t->add_flag("--strict-images", tr->strict_images,
              "A training image that cannot be decoded stops training (default: warn and skip it)");
  t->callback([tr] { run_train(*tr); });

  auto te = std::make_shared<DetectTestFlags>();
  auto* s = detect->add_subcommand("test", "Detect on a split, write devkit results files and print the mAP");
  add_inference_flags(s, te->common, "Print {\"mAP\", \"ap\": {class: AP}, \"images\", \"seconds_per_image\" (decoding included), \"model_seconds_per_image\", ...}");
  s->add_option("--data", te->data, "PASCAL-VOC or labelImg folder")->required();
  s->add_option("--test-fraction", te->test_fraction, "Folders without ImageSets/Main: as in train")
      ->capture_default_str();
  s->add_option("--split", te->split, "Split to test")->capture_default_str();
  s->add_option("--out", te->out, "Folder for comp4_det_<split>_<class>.txt (default: results-<split> beside the model)");
  s->add_option("--rpn-post-nms", te->rpn_post_nms, "Proposals per image (0: the model's)")->capture_default_str();
  s->add_option("--proposals", te->proposals,
                "fast-rcnn: the split's proposals folder (default: selective search on each image, timed)");
  s->add_option("--svd", te->svd_ranks,
                "Truncated SVD of the head's fc layers at these ranks (fc6[,fc7]), as Fast R-CNN's test-time speed-up")
      ->delimiter(',');
  s->add_flag("--bf16", te->bf16,
              "Convolutions and fc layers in bfloat16 (fp32 accumulation; norms, RoI ops and box decoding in fp32): "
              "1.7x faster on BCCD with this project's AVX-512 BF16 CPU, the same mAP");
  s->callback([te] { run_test(*te); });

  auto im = std::make_shared<DetectImageFlags>();
  auto* i = detect->add_subcommand("image", "Detect objects in pictures; draw them, print them, save labelImg XML");
  add_inference_flags(i, im->common,
                      "One JSON line per image: {\"file\", \"detections\": [{\"class\", \"score\", \"box\": [x1, y1, x2, y2]}]}"
                      " (0-based pixel coordinates, x2/y2 exclusive)");
  i->add_option("inputs", im->inputs, "Image files or folders")->required();
  i->add_option("--out", im->out, "Output folder for the drawn images")->required();
  i->add_option("--threshold", im->threshold, "Lowest score kept")->capture_default_str();
  i->add_flag("--save-voc", im->save_voc,
              "Also write <out>/annotations/<image>.xml (labelImg: set its save folder there to correct them)");
  i->add_option("--svd", im->svd_ranks,
                "Truncated SVD of the head's fc layers at these ranks (fc6[,fc7]): faster, see `detect test --svd`")
      ->delimiter(',');
  i->add_flag("--bf16", im->bf16, "Convolutions and fc layers in bfloat16 (see `detect test --bf16`)");
  i->callback([im] { run_image(*im); });
}

}  // namespace seer::cli
