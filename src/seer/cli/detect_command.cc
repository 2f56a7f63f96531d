// `seer detect synth | eval | draw | check` (train, test and image: detect_train_command.cc)
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "seer/cli/commands.h"
#include "seer/cli/detect_commands.h"
#include "seer/core/error.h"
#include "seer/detection/data/box_statistics.h"
#include "seer/detection/data/folder.h"
#include "seer/detection/data/image_io.h"
#include "seer/detection/data/synth.h"
#include "seer/detection/eval/draw.h"
#include "seer/detection/eval/histogram_plot.h"
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
  FolderReadOptions seeded;  // only the seeded-split fields are used
};

void add_data_flags(CLI::App* cmd, DataFlags& f) {
  cmd->add_option("--data", f.data, kDataHelp)->required();
  cmd->add_option("--split", f.split,
                  "ImageSets/Main/<split>.txt to use (without ImageSets/Main/: train, val, test or "
                  "trainval of a seeded split); also names the results files "
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
  add_seeded_split_flags(cmd, f.seeded);
}

DetectionDataset load_dataset(const DataFlags& f, bool check_images) {
  FolderReadOptions o = f.seeded;
  o.split = f.split;
  o.classes = f.classes;
  o.keep_difficult = true;  // evaluation needs them (neither TP nor FP)
  o.check_images = check_images;
  return read_detection_folder(f.data, o);
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
    j.update(voc_result_json(r));
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
    const cv::Mat pixels = read_image_bgr(image.image_path);
    const auto it = by_image.find(image.id);
    const cv::Mat drawn = draw_detections(pixels, gt.classes, image.objects,
                                          it == by_image.end() ? std::vector<Detection>{} : it->second,
                                          options);
    write_image_atomic(fs::path(f.out) / (image.id + "." + f.format), drawn);
    ++written;
  }
  std::cerr << fmt::format("drew {} images to {}\n", written, f.out);
}

// ---- check ----------------------------------------------------------------------------------
struct CheckFlags {
  std::string data;
  FolderReadOptions read;
  std::string out;
  int short_side = 600;
  int max_long_side = 1000;
  int num_sizes = 3;
  int num_ratios = 3;
  bool json = false;
};

// Faster R-CNN's anchors (Ren et al. 2015, section 3.1.1).
const std::vector<double> kDefaultSizes = {128, 256, 512};
const std::vector<double> kDefaultRatios = {0.5, 1, 2};
constexpr size_t kIdsShown = 10;

nlohmann::json summary_json(const Summary& s) {
  return {{"min", number(s.min)}, {"median", number(s.median)}, {"max", number(s.max)}};
}

std::string summary_cell(const Summary& s, int decimals) {
  if (!s.count) return "-";
  return fmt::format("{:.{}f} / {:.{}f} / {:.{}f}", s.min, decimals, s.median, decimals, s.max, decimals);
}

std::string list(const std::vector<double>& v, int decimals) {
  std::vector<std::string> parts;
  for (double x : v) parts.push_back(fmt::format("{:.{}f}", x, decimals));
  return fmt::format("{}", fmt::join(parts, " "));
}

void run_check(const CheckFlags& f) {
  if (f.short_side < 1) throw Error("--short-side must be at least 1");
  if (f.max_long_side < 0) throw Error("--max-long-side must be >= 0 (0 = no cap)");
  WarningCollector collected;
  const DetectionDataset d = read_detection_folder(f.data, f.read);
  const std::vector<std::string> warnings = collected.messages();

  const size_t num_classes = d.classes.size();
  const auto in_image = box_shapes(d, 0, 0);
  const auto at_input = box_shapes(d, f.short_side, f.max_long_side);
  // Per class: objects, images containing one, difficult ones, sizes and ratios.
  std::vector<size_t> objects(num_classes, 0), images(num_classes, 0), difficult(num_classes, 0);
  std::vector<std::vector<double>> sizes(num_classes), input_sizes(num_classes), ratios(num_classes);
  std::vector<std::vector<double>> per_image(num_classes + 1);  // objects per image: each class, then all
  std::vector<std::string> empty_images;
  for (const auto& im : d.images) {
    std::vector<size_t> here(num_classes, 0);
    for (const auto& o : im.objects) {
      ++here[o.label];
      difficult[o.label] += o.difficult;
    }
    for (size_t c = 0; c < num_classes; ++c) {
      objects[c] += here[c];
      images[c] += here[c] > 0;
      per_image[c].push_back(static_cast<double>(here[c]));
    }
    per_image[num_classes].push_back(static_cast<double>(im.objects.size()));
    if (im.objects.empty()) empty_images.push_back(im.id);
  }
  for (size_t i = 0; i < in_image.size(); ++i) {
    const int c = in_image[i].label;
    sizes[c].push_back(in_image[i].size());
    ratios[c].push_back(in_image[i].ratio());
    input_sizes[c].push_back(at_input[i].size());
  }
  size_t total_objects = 0, total_difficult = 0;
  for (size_t c = 0; c < num_classes; ++c) total_objects += objects[c], total_difficult += difficult[c];

  std::optional<AnchorSuggestion> suggested;
  if (!at_input.empty()) suggested = suggest_anchors(d, f.short_side, f.max_long_side, f.num_sizes, f.num_ratios);
  const double default_coverage = anchor_coverage(at_input, kDefaultSizes, kDefaultRatios);

  std::vector<fs::path> plots;
  if (!f.out.empty()) {
    const fs::path out(f.out);
    std::vector<HistogramSeries> size_series, ratio_series, count_series;
    for (size_t c = 0; c < num_classes; ++c) {
      size_series.push_back({d.classes[c], input_sizes[c]});
      ratio_series.push_back({d.classes[c], ratios[c]});
      count_series.push_back({d.classes[c], per_image[c]});
    }
    count_series.push_back({"all classes", per_image[num_classes]});  // last: class colours as in the others
    HistogramPlotOptions o;
    o.title = fmt::format("Box size at the network input (short side {}, long side <= {})", f.short_side,
                          f.max_long_side);
    o.x_label = "sqrt(width * height), pixels";
    plots.push_back(out / "box_size.png");
    write_histogram_plot(plots.back(), size_series, o);
    o.title = "Box aspect ratio";
    o.x_label = "height / width";
    plots.push_back(out / "aspect_ratio.png");
    write_histogram_plot(plots.back(), ratio_series, o);
    o.title = fmt::format("Objects per image ({} images)", d.images.size());
    o.x_label = "objects in the image";
    o.y_label = "images";
    o.integer_bins = true;
    o.fraction = false;
    plots.push_back(out / "objects_per_image.png");
    write_histogram_plot(plots.back(), count_series, o);
  }

  if (f.json) {
    nlohmann::json classes = nlohmann::json::object();
    for (size_t c = 0; c < num_classes; ++c) {
      classes[d.classes[c]] = {{"objects", objects[c]},
                               {"images", images[c]},
                               {"difficult", difficult[c]},
                               {"size", summary_json(summarize(sizes[c]))},
                               {"size_at_input", summary_json(summarize(input_sizes[c]))},
                               {"ratio", summary_json(summarize(ratios[c]))}};
    }
    nlohmann::json j = {{"data", f.data},
                        {"split", f.read.split},
                        {"images", d.images.size()},
                        {"objects", total_objects},
                        {"difficult", total_difficult},
                        {"classes", classes},
                        {"images_without_objects", empty_images},
                        {"objects_per_image", summary_json(summarize(per_image[num_classes]))},
                        {"short_side", f.short_side},
                        {"max_long_side", f.max_long_side},
                        {"default_anchors", {{"sizes", kDefaultSizes}, {"ratios", kDefaultRatios}}},
                        {"default_anchors_coverage", number(default_coverage)},
                        {"warnings", warnings}};
    j["suggested_anchors"] = suggested ? nlohmann::json{{"sizes", suggested->sizes},
                                                        {"ratios", suggested->ratios},
                                                        {"coverage", number(suggested->mean_best_iou)}}
                                       : nlohmann::json();
    if (!plots.empty()) {
      j["plots"] = nlohmann::json::array();
      for (const auto& p : plots) j["plots"].push_back(p.string());
    }
    std::cout << j.dump() << std::endl;
    return;
  }

  std::cout << fmt::format("{}{}: {} images, {} classes, {} objects ({} difficult)\n", f.data,
                           f.read.split.empty() ? "" : " (split " + f.read.split + ")", d.images.size(), num_classes,
                           total_objects, total_difficult);
  const int w = name_width(d.classes);
  std::cout << fmt::format("\n{:<{}}  {:>7}  {:>6}  {:>9}  {:>26}  {:>20}\n", "class", w, "objects", "images",
                           "difficult", "size px (min/median/max)", "h/w (min/median/max)");
  for (size_t c = 0; c < num_classes; ++c) {
    std::cout << fmt::format("{:<{}}  {:>7}  {:>6}  {:>9}  {:>26}  {:>20}\n", d.classes[c], w, objects[c], images[c],
                             difficult[c], summary_cell(summarize(sizes[c]), 1), summary_cell(summarize(ratios[c]), 2));
  }
  const Summary per = summarize(per_image[num_classes]);
  std::cout << fmt::format("\nobjects per image: {}\n", summary_cell(per, 0));
  std::cout << fmt::format("images without objects: {}", empty_images.size());
  if (!empty_images.empty()) {
    std::vector<std::string> shown(empty_images.begin(),
                                   empty_images.begin() + static_cast<ptrdiff_t>(std::min(kIdsShown, empty_images.size())));
    std::cout << fmt::format(" ({}{})", fmt::join(shown, ", "), empty_images.size() > kIdsShown ? ", ..." : "");
  }
  std::cout << "\n";

  std::vector<double> all_input_sizes;
  for (const auto& b : at_input) all_input_sizes.push_back(b.size());
  std::cout << fmt::format("\nanchors at the network input (short side {}, long side at most {}; box size {}):\n",
                           f.short_side, f.max_long_side, summary_cell(summarize(all_input_sizes), 1));
  if (suggested) {
    std::cout << fmt::format("  suggested  sizes {:<22} ratios {:<16} mean best IoU {:.3f}\n", list(suggested->sizes, 1),
                             list(suggested->ratios, 2), suggested->mean_best_iou);
  } else {
    std::cout << "  suggested  none (no non-difficult boxes)\n";
  }
  std::cout << fmt::format("  default    sizes {:<22} ratios {:<16} mean best IoU {}\n", list(kDefaultSizes, 0),
                           list(kDefaultRatios, 1),
                           std::isfinite(default_coverage) ? fmt::format("{:.3f}", default_coverage) : "n/a");
  std::cout << fmt::format("\nwarnings: {}{}\n", warnings.size(), warnings.empty() ? "" : " (printed above)");
  if (!plots.empty()) std::cout << fmt::format("wrote {} histograms to {}\n", plots.size(), f.out);
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

void add_seeded_split_flags(CLI::App* cmd, FolderReadOptions& o) {
  cmd->add_option("--val-fraction", o.val_fraction, "Without ImageSets/Main/: share of the images in val")
      ->capture_default_str();
  cmd->add_option("--test-fraction", o.test_fraction, "Without ImageSets/Main/: share of the images in test")
      ->capture_default_str();
  cmd->add_option("--split-seed", o.split_seed, "Without ImageSets/Main/: seed of the split")->capture_default_str();
}

void add_detect_command(CLI::App& app) {
  auto* detect = app.add_subcommand(
      "detect",
      "Object detection: train, test and run detectors; synthetic data, dataset checks, VOC evaluation, drawing");
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
  s->add_option("--min-size", sy->options.min_size, "Smallest object size, as a fraction of the short side")
      ->capture_default_str();
  s->add_option("--max-size", sy->options.max_size, "Largest object size, as a fraction of the short side")
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

  auto ck = std::make_shared<CheckFlags>();
  auto* c = detect->add_subcommand(
      "check", "Check a detection dataset: bad boxes and images, class counts, box sizes, suggested anchors");
  c->add_option("--data", ck->data, kDataHelp)->required();
  c->add_option("--split", ck->read.split,
                "ImageSets/Main/<split>.txt (without ImageSets/Main/: train, val, test or trainval of a "
                "seeded split); default: every annotated image");
  add_seeded_split_flags(c, ck->read);
  c->add_option("--classes", ck->read.classes,
                "Class list (objects of other classes are skipped with a warning); default: the "
                "annotations' classes")
      ->delimiter(',');
  c->add_option("--out", ck->out,
                "Write histograms here: box_size.png, aspect_ratio.png, objects_per_image.png");
  c->add_option("--short-side", ck->short_side, "The detector's input: short side of the resized image")
      ->capture_default_str();
  c->add_option("--max-long-side", ck->max_long_side, "The detector's input: cap on the long side (0 = none)")
      ->capture_default_str();
  c->add_option("--num-sizes", ck->num_sizes, "Anchor sizes to suggest")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--num-ratios", ck->num_ratios, "Anchor aspect ratios to suggest")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_flag("--json", ck->json,
              "Print one JSON object: {\"images\", \"classes\": {name: {\"objects\", \"images\", "
              "\"difficult\", ...}}, \"suggested_anchors\", \"default_anchors_coverage\", \"warnings\", ...}");
  c->callback([ck] { run_check(*ck); });

  add_detect_proposals_command(detect);
  add_detect_model_commands(detect);
  add_detect_compare_command(detect);
}

}  // namespace seer::cli
