// `seer detect synth | eval | draw` (train, test and image: detect_train_command.cc)
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "seer/cli/commands.h"
#include "seer/cli/detect_commands.h"
#include "seer/core/error.h"
#include "seer/detection/data/synth.h"
#include "seer/detection/data/voc.h"
#include "seer/detection/eval/draw.h"
#include "seer/detection/eval/pr_plot.h"
#include "seer/detection/eval/voc_ap.h"
#include "seer/detection/eval/voc_results.h"

namespace seer::cli {
namespace {

using namespace seer::detection;
namespace fs = std::filesystem;

// ---- synth ----------------------------------------------------------------------------------
struct SynthFlags {
  std::string out;
  SynthOptions options;
};

void run_synth(const SynthFlags& f) {
  write_synthetic_voc(f.out, f.options);
  std::cerr << fmt::format("wrote {} synthetic scenes ({}x{}, classes: {}) to {}\n", f.options.count,
                           f.options.width, f.options.height, fmt::join(synth_classes(), ", "), f.out);
}

// ---- shared: the dataset and the detections -------------------------------------------------
struct DataFlags {
  std::string data;
  std::string split = "test";
  std::string detections;
  std::vector<std::string> classes;
  bool skip_unknown_images = false;
};

void add_data_flags(CLI::App* cmd, DataFlags& f) {
  cmd->add_option("--data", f.data, "PASCAL-VOC folder (Annotations/, JPEGImages/, ImageSets/Main/)")
      ->required();
  cmd->add_option("--split", f.split,
                  "ImageSets/Main/<split>.txt to use; also names the results files "
                  "comp4_det_<split>_<class>.txt")
      ->capture_default_str();
  cmd->add_option("--detections", f.detections,
                  "Folder of devkit results files comp4_det_<split>_<class>.txt (lines "
                  "'image_id score xmin ymin xmax ymax', 1-based inclusive)")
      ->required();
  cmd->add_option("--classes", f.classes,
                  "Class list, in label order (default: the classes of the annotations, sorted)")
      ->delimiter(',');
  cmd->add_flag("--skip-unknown-images", f.skip_unknown_images,
                "Skip (with a warning) results lines whose image is not in the split, instead of "
                "failing");
}

DetectionDataset load_dataset(const DataFlags& f, bool check_images) {
  VocReadOptions o;
  o.split = f.split;
  o.classes = f.classes;
  o.keep_difficult = true;  // evaluation needs them (neither TP nor FP)
  o.check_images = check_images;
  return read_voc(f.data, o);
}

std::vector<Detection> load_detections(const DataFlags& f, const DetectionDataset& gt) {
  VocResultsReadOptions o;
  o.skip_unknown_images = f.skip_unknown_images;
  return read_voc_results(f.detections, f.split, gt, o);
}

// ---- eval -----------------------------------------------------------------------------------
struct EvalFlags {
  DataFlags data;
  std::string metric = "voc07";
  double iou = 0.5;
  int max_dets = 100;
  std::string plots;
  bool json = false;
};

// NaN (a class without ground truth) as JSON null.
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

std::string ap_cell(double v) { return std::isfinite(v) ? fmt::format("{:.4f}", v) : "n/a"; }

int name_width(const std::vector<std::string>& names) {
  size_t w = 5;
  for (const auto& n : names) w = std::max(w, n.size());
  return static_cast<int>(w);
}

void run_eval(const EvalFlags& f) {
  if (f.metric != "voc07" && f.metric != "voc10" && f.metric != "coco") {
    throw Error("--metric must be voc07, voc10 or coco, not '" + f.metric + "'");
  }
  const DetectionDataset gt = load_dataset(f.data, /*check_images=*/false);
  const std::vector<Detection> dets = load_detections(f.data, gt);
  const int w = name_width(gt.classes);

  nlohmann::json j = {{"metric", f.metric},
                      {"split", f.data.split},
                      {"images", gt.images.size()},
                      {"detections", dets.size()}};
  std::vector<fs::path> plots;
  if (f.metric == "coco") {
    CocoEvalOptions options;
    options.max_dets = f.max_dets;
    const CocoEvalResult r = coco_ap(gt, dets, options);
    if (!f.plots.empty()) plots = write_coco_pr_plots(f.plots, r);
    j["mAP"] = number(r.map);
    j["mAP50"] = number(r.map50);
    j["mAP75"] = number(r.map75);
    j["ap"] = nlohmann::json::object();
    j["classes"] = nlohmann::json::array();
    for (const auto& c : r.per_class) {
      j["ap"][c.name] = number(c.ap);
      j["classes"].push_back({{"name", c.name}, {"ap", number(c.ap)}, {"ap50", number(c.ap50)},
                              {"ap75", number(c.ap75)}, {"npos", c.npos}});
    }
    if (!f.json) {
      std::cout << fmt::format("{:<{}}  {:>6}  {:>8}  {:>8}  {:>8}\n", "class", w, "npos", "AP", "AP50", "AP75");
      for (const auto& c : r.per_class) {
        std::cout << fmt::format("{:<{}}  {:>6}  {:>8}  {:>8}  {:>8}\n", c.name, w, c.npos, ap_cell(c.ap),
                                 ap_cell(c.ap50), ap_cell(c.ap75));
      }
      std::cout << fmt::format("{:<{}}  {:>6}  {:>8}  {:>8}  {:>8}\n", "mAP", w, "", ap_cell(r.map),
                               ap_cell(r.map50), ap_cell(r.map75));
      std::cout << fmt::format("COCO AP@[.5:.95] (101-point, at most {} detections per image and class), "
                               "{} images, {} detections\n",
                               f.max_dets, gt.images.size(), dets.size());
    }
  } else {
    VocEvalOptions options;
    options.iou_threshold = f.iou;
    options.use_07_metric = f.metric == "voc07";
    const VocEvalResult r = voc_evaluate(gt, dets, options);
    if (!f.plots.empty()) plots = write_voc_pr_plots(f.plots, r);
    for (auto& [k, v] : voc_result_json(r).items()) j[k] = v;
    if (!f.json) print_voc_table(r, gt.images.size(), dets.size());
  }
  if (!plots.empty()) {
    j["plots"] = f.plots;
    std::cerr << fmt::format("wrote {} PR curves to {}\n", plots.size(), f.plots);
  }
  if (f.json) std::cout << j.dump() << std::endl;
}

// ---- draw -----------------------------------------------------------------------------------
struct DrawFlags {
  DataFlags data;
  std::string out;
  float threshold = 0.5f;
  int limit = 0;
  int scale = 0;
  std::string format = "jpg";
  bool no_ground_truth = false;
};

void run_draw(const DrawFlags& f) {
  if (f.format != "jpg" && f.format != "png") throw Error("--format must be jpg or png");
  if (f.limit < 0) throw Error("--limit must be >= 0");
  const DetectionDataset gt = load_dataset(f.data, /*check_images=*/false);
  const std::vector<Detection> dets = load_detections(f.data, gt);
  std::map<std::string, std::vector<Detection>> by_image;
  for (const auto& d : dets) by_image[d.image_id].push_back(d);

  DrawOptions options;
  options.score_threshold = f.threshold;
  options.ground_truth = !f.no_ground_truth;
  options.scale = f.scale;
  size_t written = 0;
  for (const auto& image : gt.images) {
    if (f.limit > 0 && written >= static_cast<size_t>(f.limit)) break;
    // Pixels as stored (no EXIF rotation), the frame the annotation's coordinates refer to.
    const cv::Mat pixels =
        cv::imread(image.image_path.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    if (pixels.empty()) throw file_error(image.image_path.string(), "cannot read the image");
    const auto it = by_image.find(image.id);
    const cv::Mat drawn = draw_detections(pixels, gt.classes, image.objects,
                                          it == by_image.end() ? std::vector<Detection>{} : it->second,
                                          options);
    write_image_atomic(fs::path(f.out) / (image.id + "." + f.format), drawn);
    ++written;
  }
  std::cerr << fmt::format("drew {} images to {}\n", written, f.out);
}

}  // namespace

nlohmann::json voc_result_json(const VocEvalResult& r) {
  nlohmann::json j;
  j["mAP"] = number(r.map);
  j["iou_threshold"] = r.options.iou_threshold;
  j["ap"] = nlohmann::json::object();
  j["classes"] = nlohmann::json::array();
  for (const auto& c : r.per_class) {
    j["ap"][c.name] = number(c.ap);
    j["classes"].push_back({{"name", c.name}, {"ap", number(c.ap)}, {"npos", c.npos},
                            {"difficult", c.difficult}, {"detections", c.detections},
                            {"tp", c.tp}, {"fp", c.fp},
                            {"recall", number(c.recall.empty() ? 0.0 : c.recall.back())}});
  }
  return j;
}

void print_voc_table(const VocEvalResult& r, size_t images, size_t detections) {
  std::vector<std::string> names;
  for (const auto& c : r.per_class) names.push_back(c.name);
  const int w = name_width(names);
  std::cout << fmt::format("{:<{}}  {:>6}  {:>6}  {:>6}  {:>6}  {:>7}  {:>8}\n", "class", w, "npos",
                           "dets", "TP", "FP", "recall", "AP");
  for (const auto& c : r.per_class) {
    const double recall = c.recall.empty() ? 0.0 : c.recall.back();
    std::cout << fmt::format("{:<{}}  {:>6}  {:>6}  {:>6}  {:>6}  {:>7}  {:>8}\n", c.name, w, c.npos,
                             c.detections, c.tp, c.fp,
                             std::isfinite(recall) ? fmt::format("{:.4f}", recall) : "n/a", ap_cell(c.ap));
  }
  std::cout << fmt::format("{:<{}}  {:>6}  {:>6}  {:>6}  {:>6}  {:>7}  {:>8}\n", "mAP", w, "", "", "", "", "",
                           ap_cell(r.map));
  std::cout << fmt::format("PASCAL VOC {} AP, overlap > {}, {} images, {} detections\n",
                           r.options.use_07_metric ? "2007 11-point" : "2010+ area", r.options.iou_threshold,
                           images, detections);
}

void add_detect_command(CLI::App& app) {
  auto* detect = app.add_subcommand(
      "detect", "Object detection: train, test and run detectors; synthetic data, VOC evaluation, drawing");
  detect->require_subcommand(1);

  auto sy = std::make_shared<SynthFlags>();
  auto* s = detect->add_subcommand("synth", "Write synthetic scenes as a PASCAL-VOC folder");
  s->add_option("--out", sy->out, "Output folder")->required();
  s->add_option("--count", sy->options.count, "Images")->capture_default_str();
  s->add_option("--width", sy->options.width, "Image width")->capture_default_str();
  s->add_option("--height", sy->options.height, "Image height")->capture_default_str();
  s->add_option("--seed", sy->options.seed, "Random seed")->capture_default_str();
  s->add_option("--min-objects", sy->options.min_objects, "Objects per image, at least")
      ->capture_default_str();
  s->add_option("--max-objects", sy->options.max_objects, "Objects per image, at most")
      ->capture_default_str();
  s->add_option("--val-fraction", sy->options.val_fraction, "Fraction of images in val")
      ->capture_default_str();
  s->add_option("--test-fraction", sy->options.test_fraction, "Fraction of images in test")
      ->capture_default_str();
  s->callback([sy] { run_synth(*sy); });

  auto ev = std::make_shared<EvalFlags>();
  auto* e = detect->add_subcommand(
      "eval", "Per-class AP and mAP of devkit results files against a VOC folder");
  add_data_flags(e, ev->data);
  e->add_option("--metric", ev->metric,
                "voc07 (11-point AP), voc10 (area under the PR curve) or coco (AP@[.5:.95])")
      ->capture_default_str();
  e->add_option("--iou", ev->iou, "VOC metrics: a match needs an overlap above this")
      ->capture_default_str();
  e->add_option("--max-dets", ev->max_dets, "coco: detections per image and class")
      ->capture_default_str();
  e->add_option("--plots", ev->plots, "Write a PR curve PNG per class into this folder");
  e->add_flag("--json", ev->json,
              "Print one JSON object: {\"metric\", \"mAP\", \"ap\": {class: AP}, \"classes\": [...]}"
              " (undefined APs as null)");
  e->callback([ev] { run_eval(*ev); });

  auto dr = std::make_shared<DrawFlags>();
  auto* d = detect->add_subcommand("draw", "Draw detections and ground truth on the images");
  add_data_flags(d, dr->data);
  d->add_option("--out", dr->out, "Output folder (<image id>.jpg)")->required();
  d->add_option("--threshold", dr->threshold, "Lowest score drawn")->capture_default_str();
  d->add_option("--limit", dr->limit, "At most this many images (0 = all)")->capture_default_str();
  d->add_option("--scale", dr->scale, "Integer upscaling (0 = x2 for images under 400 px)")
      ->capture_default_str();
  d->add_option("--format", dr->format, "jpg or png")->capture_default_str();
  d->add_flag("--no-ground-truth", dr->no_ground_truth, "Draw only the detections");
  d->callback([dr] { run_draw(*dr); });

  add_detect_model_commands(detect);
}

}  // namespace seer::cli
