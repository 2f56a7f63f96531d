// `seer detect proposals`: selective search proposals of a detection folder, cached per image
// (detection/proposals/proposal_file.h) for R-CNN, SPP-Net and Fast R-CNN; a user's own boxes
// file imported the same way; recall and mean best overlap of a proposals folder.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "seer/cli/detect_commands.h"
#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/detection/data/folder.h"
#include "seer/detection/proposals/proposal_file.h"
#include "seer/detection/proposals/proposal_recall.h"
#include "seer/detection/proposals/selective_search.h"

namespace seer::cli {
namespace {

using namespace seer::detection;
using namespace seer::detection::proposals;
namespace fs = std::filesystem;

struct ProposalsFlags {
  std::string data;
  FolderReadOptions read;
  std::string out;        // compute (or import) into this folder
  std::string boxes;      // import this boxes file instead of computing
  std::string proposals;  // --recall: the folder to measure (default: --out)
  SelectiveSearchOptions search;
  int threads = 0;
  bool recompute = false;
  bool recall = false;
  std::string plot;
  bool json = false;
  bool no_progress = false;
};

const char* kSummaryFile = "proposals.json";

void run_proposals(const ProposalsFlags& f) {
  if (f.out.empty() && !f.recall) throw Error("detect proposals: give --out DIR (to compute) or --recall");
  if (!f.boxes.empty() && f.out.empty()) throw Error("detect proposals: --boxes needs --out DIR");
  FolderReadOptions read = f.read;
  read.keep_difficult = true;  // recall leaves them out itself
  const DetectionDataset data = read_detection_folder(f.data, read);
  if (data.images.empty()) throw Error(fmt::format("{}: the split '{}' has no images", f.data, read.split));

  nlohmann::json out = nlohmann::json::object();
  out["images"] = data.images.size();
  if (!f.out.empty()) {
    const fs::path dir = f.out;
    nlohmann::json summary;
    if (!f.boxes.empty()) {
      const int64_t n = import_boxes_file(f.boxes, data, dir);
      summary = {{"method", "boxes file " + f.boxes}, {"images", data.images.size()}, {"boxes", n}};
      std::cerr << fmt::format("{} boxes of {} images imported into {}\n", n, data.images.size(), dir.string());
    } else {
      ComputeOptions compute;
      compute.threads = f.threads;
      compute.recompute = f.recompute;
      compute.progress = !f.no_progress && !f.json;
      const ComputeReport r = compute_proposals(data, dir, f.search, compute);
      const double per_image = r.computed > 0 ? r.seconds / r.computed : 0.0;
      summary = {{"method", selective_search_method(f.search)},
                 {"options", f.search.to_json()},
                 {"images", data.images.size()},
                 {"computed", r.computed},
                 {"reused", r.reused},
                 {"failed", r.failed},
                 {"seconds", r.seconds},
                 {"seconds_per_image", per_image},
                 {"threads", f.threads},
                 {"boxes_per_image", r.boxes_per_image}};
      std::cerr << fmt::format(
          "selective search ({}): {} images computed, {} reused, {} failed; {:.1f} boxes per image; {:.2f} s per "
          "image ({} threads) -> {}\n",
          f.search.mode, r.computed, r.reused, r.failed, r.boxes_per_image, per_image, f.threads, dir.string());
      if (r.failed > 0)
        std::cerr << fmt::format("{} images have no proposals (see the warnings above)\n", r.failed);
    }
    // Timing of the computed images only: a run that reused every file keeps the old figures.
    const fs::path summary_path = dir / kSummaryFile;
    if (summary.value("computed", 1) > 0 || !fs::exists(summary_path))
      write_file_atomic(summary_path, summary.dump(1) + "\n");
    out["proposals"] = summary;
  }

  if (f.recall) {
    const fs::path dir = !f.proposals.empty() ? fs::path(f.proposals) : fs::path(f.out);
    if (dir.empty()) throw Error("detect proposals --recall: give --proposals DIR");
    const auto props = read_dataset_proposals(dir, data);
    size_t most = 0;
    for (const auto& p : props) most = std::max(most, p.size());
    std::vector<int> counts;
    for (int n : {1, 10, 30, 100, 300, 500, 1000, 2000, 3000, 5000, 10000})
      if (static_cast<size_t>(n) < most && (f.search.max_proposals == 0 || n < f.search.max_proposals)) counts.push_back(n);
    const int asked = f.search.max_proposals;  // the point reported as "the" figure (0: all)
    counts.push_back(asked);
    const auto curve = proposal_recall(data, props, counts);
    const RecallPoint& at = curve.back();

    const fs::path png = !f.plot.empty() ? fs::path(f.plot) : dir / fmt::format("recall_{}.png", read.split.empty() ? "all" : read.split);
    write_recall_plot(png, curve, fmt::format("proposal recall, {} ({} images)", f.data, data.images.size()));
    nlohmann::json rows = nlohmann::json::array();
    for (const RecallPoint& p : curve)
      rows.push_back({{"max_proposals", p.max_proposals},
                      {"proposals_per_image", p.proposals_per_image},
                      {"recall", {{"0.5", p.recall_05}, {"0.7", p.recall_07}}},
                      {"mabo", p.mabo}});
    out["recall"] = {{"0.5", at.recall_05}, {"0.7", at.recall_07}};
    out["mabo"] = at.mabo;
    out["proposals_per_image"] = at.proposals_per_image;
    out["max_proposals"] = asked;
    out["curve"] = rows;
    out["plot"] = png.string();
    if (fs::exists(dir / kSummaryFile)) {
      try {
        const auto s = nlohmann::json::parse(read_file(dir / kSummaryFile));
        if (s.contains("seconds_per_image")) out["seconds_per_image"] = s["seconds_per_image"];
        if (s.contains("method")) out["method"] = s["method"];
      } catch (const std::exception&) {
      }
    }
    if (!f.json) {
      std::cout << fmt::format("{:>10}  {:>10}  {:>10}  {:>10}  {:>6}\n", "first N", "per image", "recall@0.5",
                               "recall@0.7", "MABO");
      for (const RecallPoint& p : curve)
        std::cout << fmt::format("{:>10}  {:>10.1f}  {:>10.4f}  {:>10.4f}  {:>6.4f}\n",
                                 p.max_proposals ? std::to_string(p.max_proposals) : "all", p.proposals_per_image,
                                 p.recall_05, p.recall_07, p.mabo);
      std::cout << fmt::format("recall curve: {}\n", png.string());
    }
  }
  if (f.json) std::cout << out.dump() << "\n";
}

}  // namespace

void add_detect_proposals_command(CLI::App* detect) {
  auto f = std::make_shared<ProposalsFlags>();
  auto* p = detect->add_subcommand(
      "proposals",
      "Region proposals for R-CNN, SPP-Net and Fast R-CNN: selective search (OpenCV ximgproc) per image, cached "
      "in a folder; or a boxes file imported; --recall measures a proposals folder");
  p->add_option("--data", f->data, kDataHelp)->required();
  p->add_option("--split", f->read.split,
                "ImageSets/Main/<split>.txt (without ImageSets/Main/: train, val, test or trainval of a seeded "
                "split); default: every annotated image");
  add_seeded_split_flags(p, f->read);
  p->add_option("--out", f->out, "Compute proposals into this folder (<image id>.proposals; files already there "
                                 "with the same settings are reused)");
  p->add_option("--mode", f->search.mode, "Selective search: fast (about 2,000 boxes), quality (about 10,000) or single")
      ->capture_default_str();
  p->add_option("--max-proposals", f->search.max_proposals,
                "Computing: keep the first N boxes of each image; --recall: the N reported (0: all)")
      ->capture_default_str();
  p->add_option("--max-side", f->search.max_side, "Resize the long side to at most this before segmenting (0: as is)")
      ->capture_default_str();
  p->add_option("--min-size", f->search.min_size, "Drop boxes narrower or lower than this (px)")->capture_default_str();
  p->add_option("--k", f->search.base_k, "Graph segmentation scale k (fast / quality: the first of the k's)")
      ->capture_default_str();
  p->add_option("--k-step", f->search.inc_k, "fast / quality: step between the k's")->capture_default_str();
  p->add_option("--sigma", f->search.sigma, "Gaussian smoothing of the segmentation")->capture_default_str();
  p->add_option("--boxes", f->boxes,
                "Import your own boxes instead: lines '<image id> <xmin> <ymin> <xmax> <ymax> [score]' (VOC "
                "coordinates, 1-based inclusive)");
  p->add_option("--threads", f->threads, "Images segmented at once (0 = all cores)")->capture_default_str();
  p->add_flag("--recompute", f->recompute, "Ignore the files already in --out");
  p->add_flag("--recall", f->recall,
              "Measure recall at IoU 0.5 / 0.7 and MABO of the ground truth against the number of proposals "
              "(table, PNG curve)");
  p->add_option("--proposals", f->proposals, "--recall: the proposals folder (default: --out)");
  p->add_option("--plot", f->plot, "--recall: the PNG (default: <proposals>/recall_<split>.png)");
  p->add_flag("--no-progress", f->no_progress, "No progress bar");
  p->add_flag("--json", f->json,
              "Print one JSON object: {\"images\", \"proposals\": {...}, \"recall\": {\"0.5\", \"0.7\"}, \"mabo\", "
              "\"proposals_per_image\", \"curve\": [...]}");
  p->callback([f] { run_proposals(*f); });
}

}  // namespace seer::cli
