#include "seer/detection/proposals/selective_search.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <climits>
#include <functional>
#include <queue>
#include <random>
#include <tuple>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc/segmentation.hpp>

#include "seer/core/error.h"

namespace seer::detection::proposals {
namespace {

namespace seg = cv::ximgproc::segmentation;

// One proposal: its box and its rank key (lower comes first).
struct Ranked {
  double key;
  cv::Rect box;
};

// The greedy grouping of one segmentation under one similarity strategy (Uijlings et al. 2013,
// section 3.1): start from the segments, merge the most similar pair of neighbours into one
// region until none are left, and give every region ever made a box. Regions are ranked as in
// section 3.4: their position counted from the top of the hierarchy (the last region made is 1),
// times a random number from `rng`.
void group(const cv::Mat& image, const cv::Mat& labels, const cv::Ptr<seg::SelectiveSearchSegmentationStrategy>& strategy,
           int image_id, std::mt19937_64& rng, std::vector<Ranked>& out) {
  double max_label = 0;
  cv::minMaxLoc(labels, nullptr, &max_label);
  const int n = static_cast<int>(max_label) + 1;
  struct Node {
    cv::Rect box;
    int id;  // the strategy's working id: the smallest segment id of the region
    bool alive = true;
    std::vector<int> neighbours;  // node indices, sorted
  };
  std::vector<Node> nodes(n);
  std::vector<int> x1(n, INT_MAX), y1(n, INT_MAX), x2(n, -1), y2(n, -1);
  cv::Mat sizes = cv::Mat::zeros(n, 1, CV_32SC1);  // shared with the strategy, updated on merges
  std::vector<std::pair<int, int>> edges;
  for (int y = 0; y < labels.rows; ++y) {
    const int* row = labels.ptr<int>(y);
    const int* up = y > 0 ? labels.ptr<int>(y - 1) : nullptr;
    for (int x = 0; x < labels.cols; ++x) {
      const int l = row[x];
      x1[l] = std::min(x1[l], x);
      x2[l] = std::max(x2[l], x);
      y1[l] = std::min(y1[l], y);
      y2[l] = std::max(y2[l], y);
      ++sizes.at<int>(l);
      auto link = [&](int m) {
        if (m != l) edges.emplace_back(std::min(l, m), std::max(l, m));
      };
      if (x > 0) link(row[x - 1]);
      if (up) {
        link(up[x]);
        if (x > 0) link(up[x - 1]);
        if (x + 1 < labels.cols) link(up[x + 1]);
      }
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  for (int i = 0; i < n; ++i) {
    nodes[i].id = i;
    nodes[i].box = x2[i] >= 0 ? cv::Rect(x1[i], y1[i], x2[i] - x1[i] + 1, y2[i] - y1[i] + 1) : cv::Rect();
  }
  for (const auto& [a, b] : edges) {
    nodes[a].neighbours.push_back(b);
    nodes[b].neighbours.push_back(a);
  }
  strategy->setImage(image, labels, sizes, image_id);

  // Max-heap of (similarity, a, b); pairs with a merged-away node are skipped when popped.
  using Pair = std::tuple<float, int, int>;
  std::priority_queue<Pair> heap;
  for (const auto& [a, b] : edges) heap.emplace(strategy->get(a, b), a, b);
  while (!heap.empty()) {
    const auto [similarity, a, b] = heap.top();
    heap.pop();
    if (!nodes[a].alive || !nodes[b].alive) continue;
    Node merged;
    merged.id = std::min(nodes[a].id, nodes[b].id);
    merged.box = nodes[a].box | nodes[b].box;
    strategy->merge(nodes[a].id, nodes[b].id);
    const int total = sizes.at<int>(nodes[a].id) + sizes.at<int>(nodes[b].id);
    sizes.at<int>(nodes[a].id) = sizes.at<int>(nodes[b].id) = total;
    nodes[a].alive = nodes[b].alive = false;
    std::set_union(nodes[a].neighbours.begin(), nodes[a].neighbours.end(), nodes[b].neighbours.begin(),
                   nodes[b].neighbours.end(), std::back_inserter(merged.neighbours));
    std::erase_if(merged.neighbours, [&](int k) { return k == a || k == b || !nodes[k].alive; });
    const int c = static_cast<int>(nodes.size());
    for (int k : merged.neighbours) {
      auto& nb = nodes[k].neighbours;
      std::erase_if(nb, [&](int m) { return m == a || m == b; });
      nb.push_back(c);  // c is the largest index: the list stays sorted
    }
    nodes.push_back(std::move(merged));
    for (int k : nodes[c].neighbours) heap.emplace(strategy->get(nodes[c].id, nodes[k].id), c, k);
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int made = static_cast<int>(nodes.size());
  for (int i = 0; i < made; ++i)
    if (!nodes[i].box.empty()) out.push_back({static_cast<double>(made - i) * unit(rng), nodes[i].box});
}

cv::Ptr<seg::SelectiveSearchSegmentationStrategy> strategy_colour_fill_texture_size() {
  return seg::createSelectiveSearchSegmentationStrategyMultiple(
      seg::createSelectiveSearchSegmentationStrategyColor(), seg::createSelectiveSearchSegmentationStrategyFill(),
      seg::createSelectiveSearchSegmentationStrategyTexture(), seg::createSelectiveSearchSegmentationStrategySize());
}
cv::Ptr<seg::SelectiveSearchSegmentationStrategy> strategy_fill_texture_size() {
  return seg::createSelectiveSearchSegmentationStrategyMultiple(seg::createSelectiveSearchSegmentationStrategyFill(),
                                                                seg::createSelectiveSearchSegmentationStrategyTexture(),
                                                                seg::createSelectiveSearchSegmentationStrategySize());
}

// The diversification of Uijlings et al. as OpenCV sets it up: colour spaces x segmentation
// scales k x similarity strategies, every grouping's regions pooled, ranked and deduplicated.
std::vector<cv::Rect> hierarchical_grouping(const cv::Mat& bgr, const SelectiveSearchOptions& o) {
  std::vector<cv::Mat> images;
  cv::Mat hsv, lab;
  cv::cvtColor(bgr, hsv, cv::COLOR_BGR2HSV);
  images.push_back(hsv);
  std::vector<int> ks{o.base_k};
  std::vector<std::function<cv::Ptr<seg::SelectiveSearchSegmentationStrategy>()>> strategies{
      strategy_colour_fill_texture_size};
  if (o.mode != "single") {
    cv::cvtColor(bgr, lab, cv::COLOR_BGR2Lab);
    images.push_back(lab);
    strategies.push_back(strategy_fill_texture_size);
    const int scales = o.mode == "fast" ? 3 : 5;
    ks.clear();
    for (int i = 0; i < scales; ++i) ks.push_back(o.base_k + i * o.inc_k);
  }
  if (o.mode == "quality") {
    cv::Mat gray, channels[3];
    cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
    images.push_back(gray);
    cv::split(hsv, channels);
    images.push_back(channels[0].clone());  // hue
    cv::Mat bgr_planes[3], rgi;
    cv::split(bgr, bgr_planes);
    cv::merge(std::vector<cv::Mat>{bgr_planes[2], bgr_planes[1], gray}, rgi);
    images.push_back(rgi);
    strategies.push_back([] { return seg::createSelectiveSearchSegmentationStrategyFill(); });
    strategies.push_back([] { return seg::createSelectiveSearchSegmentationStrategySize(); });
  }

  std::mt19937_64 rng(0x5EE7C0DEull);  // ranks: the same boxes in the same order on every run and thread
  std::vector<Ranked> ranked;
  int image_id = 0;
  for (const cv::Mat& image : images) {
    for (int k : ks) {
      auto segmentation = seg::createGraphSegmentation(o.sigma, static_cast<float>(k));
      cv::Mat labels;
      segmentation->processImage(image, labels);
      for (const auto& make : strategies) group(image, labels, make(), image_id, rng, ranked);
      ++image_id;
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.key < b.key; });
  std::vector<cv::Rect> rects;
  rects.reserve(ranked.size());
  for (const Ranked& r : ranked) rects.push_back(r.box);
  return rects;
}

}  // namespace

void SelectiveSearchOptions::validate() const {
  if (mode != "fast" && mode != "quality" && mode != "single")
    throw Error(fmt::format("selective search: mode must be fast, quality or single, not '{}'", mode));
  if (max_side < 0 || (max_side > 0 && max_side < 16)) throw Error("selective search: max_side must be 0 or >= 16");
  if (!(max_aspect >= 1.0 && max_aspect <= 2.4))
    throw Error("selective search: max_aspect must be in [1, 2.4] (OpenCV fails beyond about 2.4)");
  if (!(min_size >= 0)) throw Error("selective search: min_size must be >= 0");
  if (max_proposals < 0) throw Error("selective search: max_proposals must be >= 0");
  if (base_k < 1 || inc_k < 1) throw Error("selective search: k must be >= 1");
  if (!(sigma > 0)) throw Error("selective search: sigma must be > 0");
}

nlohmann::json SelectiveSearchOptions::to_json() const {
  return {{"mode", mode},         {"max_side", max_side},     {"max_aspect", max_aspect},
          {"min_size", min_size}, {"max_proposals", max_proposals}, {"base_k", base_k},
          {"inc_k", inc_k},       {"sigma", sigma}};
}

SelectiveSearchOptions SelectiveSearchOptions::from_json(const nlohmann::json& j) {
  SelectiveSearchOptions o;
  try {
    o.mode = j.value("mode", o.mode);
    o.max_side = j.value("max_side", o.max_side);
    o.max_aspect = j.value("max_aspect", o.max_aspect);
    o.min_size = j.value("min_size", o.min_size);
    o.max_proposals = j.value("max_proposals", o.max_proposals);
    o.base_k = j.value("base_k", o.base_k);
    o.inc_k = j.value("inc_k", o.inc_k);
    o.sigma = j.value("sigma", o.sigma);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("selective search options: ") + e.what());
  }
  o.validate();
  return o;
}

std::vector<Box> selective_search(const cv::Mat& bgr, const SelectiveSearchOptions& o, const std::string& name) {
  o.validate();
  if (bgr.empty() || bgr.type() != CV_8UC3) throw Error(name + ": selective search needs an 8-bit colour image");
  const int W = bgr.cols, H = bgr.rows;

  // 1. Resize so the long side is at most max_side.
  double scale = 1.0;
  cv::Mat work = bgr;
  if (o.max_side > 0 && std::max(W, H) > o.max_side) {
    scale = static_cast<double>(o.max_side) / std::max(W, H);
    cv::resize(bgr, work, cv::Size(std::max(1, cvRound(W * scale)), std::max(1, cvRound(H * scale))), 0, 0,
               cv::INTER_AREA);
  }
  // 2. Pad a long thin image to max_aspect (its border colour, so no new edges appear), and a
  //    tiny one to 16 px, below which the segmentation has nothing to work with.
  int w = work.cols, h = work.rows;
  int pad_w = std::max(16, static_cast<int>(std::ceil(h / o.max_aspect))) - w;
  int pad_h = std::max(16, static_cast<int>(std::ceil(w / o.max_aspect))) - h;
  pad_w = std::max(0, pad_w);
  pad_h = std::max(0, pad_h);
  if (pad_w > 0 || pad_h > 0)
    cv::copyMakeBorder(work, work, 0, pad_h, 0, pad_w, cv::BORDER_REPLICATE);

  // 3. Selective search: seer's grouping over OpenCV's segmentations and similarity strategies.
  std::vector<cv::Rect> rects;
  try {
    cv::setNumThreads(1);  // callers parallelise over images
    rects = hierarchical_grouping(work, o);
  } catch (const cv::Exception& e) {
    throw Error(fmt::format("{}: selective search failed ({}x{} image): {}", name, W, H, e.what()));
  }

  // 4. Back to image coordinates: clip to the unpadded image, drop duplicates and tiny boxes.
  std::vector<Box> boxes;
  boxes.reserve(rects.size());
  std::set<std::tuple<int, int, int, int>> seen;
  for (const cv::Rect& r : rects) {
    const int x1 = std::max(0, r.x), y1 = std::max(0, r.y);
    const int x2 = std::min(w, r.x + r.width), y2 = std::min(h, r.y + r.height);
    if (x2 <= x1 || y2 <= y1) continue;  // wholly in the padding
    if (!seen.insert({x1, y1, x2, y2}).second) continue;
    Box b{static_cast<float>(x1 / scale), static_cast<float>(y1 / scale), static_cast<float>(x2 / scale),
          static_cast<float>(y2 / scale)};
    b.x2 = std::min(b.x2, static_cast<float>(W));
    b.y2 = std::min(b.y2, static_cast<float>(H));
    if (b.width() < o.min_size || b.height() < o.min_size) continue;
    boxes.push_back(b);
    if (o.max_proposals > 0 && static_cast<int>(boxes.size()) >= o.max_proposals) break;
  }
  return boxes;
}

}  // namespace seer::detection::proposals
