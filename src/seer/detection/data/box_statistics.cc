#include "seer/detection/data/box_statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "seer/core/error.h"
#include "seer/detection/data/transforms.h"

namespace seer::detection {
namespace {

constexpr int kSeedings = 8;        // k-means++ starts besides the quantile one
constexpr int kMaxIterations = 200;  // Lloyd iterations per start (1-D converges in far fewer)

struct Clustering {
  std::vector<double> centres;  // ascending
  double sse = std::numeric_limits<double>::infinity();
};

// Lloyd's algorithm on sorted values: clusters are runs of the sorted values, split halfway
// between neighbouring centres. Empty clusters are dropped.
Clustering lloyd(const std::vector<double>& sorted, std::vector<double> centres) {
  Clustering c;
  for (int it = 0; it < kMaxIterations; ++it) {
    std::sort(centres.begin(), centres.end());
    centres.erase(std::unique(centres.begin(), centres.end()), centres.end());
    std::vector<double> sum(centres.size(), 0.0);
    std::vector<size_t> count(centres.size(), 0);
    size_t k = 0;
    for (double v : sorted) {
      while (k + 1 < centres.size() && v > (centres[k] + centres[k + 1]) / 2) ++k;
      sum[k] += v;
      ++count[k];
    }
    std::vector<double> next;
    for (size_t j = 0; j < centres.size(); ++j)
      if (count[j]) next.push_back(sum[j] / static_cast<double>(count[j]));
    const bool done = next == centres;
    centres = std::move(next);
    if (done) break;
  }
  c.centres = centres;
  c.sse = 0;
  size_t k = 0;
  for (double v : sorted) {
    while (k + 1 < centres.size() && v > (centres[k] + centres[k + 1]) / 2) ++k;
    c.sse += (v - centres[k]) * (v - centres[k]);
  }
  return c;
}

// k-means++ seeding (squared-distance weighted draws) from the raw 64-bit outputs of the
// generator, so that the draws are the same on every standard library.
std::vector<double> plus_plus(const std::vector<double>& values, int k, std::mt19937_64& rng) {
  const auto uniform01 = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  std::vector<double> centres{values[static_cast<size_t>(rng() % values.size())]};
  std::vector<double> d2(values.size());
  while (static_cast<int>(centres.size()) < k) {
    double total = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      double best = std::numeric_limits<double>::infinity();
      for (double c : centres) best = std::min(best, (values[i] - c) * (values[i] - c));
      d2[i] = best;
      total += best;
    }
    if (total <= 0) break;  // every value is already a centre
    double r = uniform01() * total;
    size_t pick = values.size() - 1;
    for (size_t i = 0; i < values.size(); ++i) {
      if (d2[i] <= 0) continue;
      if (r < d2[i]) {
        pick = i;
        break;
      }
      r -= d2[i];
    }
    centres.push_back(values[pick]);
  }
  return centres;
}

// Deterministic 1-D k-means; returns the centres, ascending.
std::vector<double> kmeans_1d(std::vector<double> values, int k, uint64_t seed) {
  std::sort(values.begin(), values.end());
  std::vector<double> quantiles;
  for (int j = 0; j < k; ++j) {
    const double q = (j + 0.5) / k * static_cast<double>(values.size());
    quantiles.push_back(values[std::min(values.size() - 1, static_cast<size_t>(q))]);
  }
  Clustering best = lloyd(values, quantiles);
  std::mt19937_64 rng(seed);
  for (int s = 0; s < kSeedings; ++s) {
    Clustering c = lloyd(values, plus_plus(values, k, rng));
    // Strictly better only (with a relative margin against rounding), so ties keep the earlier.
    if (c.sse < best.sse * (1 - 1e-12)) best = std::move(c);
  }
  return best.centres;
}

void check_anchors(const std::vector<double>& sizes, const std::vector<double>& ratios) {
  if (sizes.empty() || ratios.empty()) throw Error("anchor coverage: no anchor sizes or ratios");
  for (const auto* v : {&sizes, &ratios})
    for (double x : *v)
      if (!(std::isfinite(x) && x > 0))
        throw Error(fmt::format("anchor coverage: anchor sizes and ratios must be positive, not {}", x));
}

std::vector<BoxShape> non_difficult(std::vector<BoxShape> boxes) {
  boxes.erase(std::remove_if(boxes.begin(), boxes.end(), [](const BoxShape& b) { return b.difficult; }),
              boxes.end());
  return boxes;
}

}  // namespace

double BoxShape::size() const { return std::sqrt(width * height); }
double BoxShape::ratio() const { return height / width; }

std::vector<BoxShape> box_shapes(const DetectionDataset& d, int short_side, int max_long_side) {
  std::vector<BoxShape> out;
  for (size_t i = 0; i < d.images.size(); ++i) {
    const DetectionImage& im = d.images[i];
    if (im.width <= 0 || im.height <= 0)
      throw file_error(im.image_path.string(), fmt::format("image '{}' has no size", im.id));
    const double scale = short_side > 0 ? short_side_scale({im.width, im.height}, short_side, max_long_side) : 1.0;
    for (const DetectionObject& o : im.objects) {
      const double w = static_cast<double>(o.box.width()) * scale, h = static_cast<double>(o.box.height()) * scale;
      if (!(w > 0 && h > 0)) continue;
      out.push_back({i, o.label, o.difficult, w, h});
    }
  }
  return out;
}

Summary summarize(std::vector<double> values) {
  Summary s;
  s.count = values.size();
  if (values.empty()) {
    s.min = s.median = s.max = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  s.min = values.front();
  s.max = values.back();
  s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return s;
}

double best_anchor_iou(double width, double height, const std::vector<double>& sizes,
                       const std::vector<double>& ratios) {
  double best = 0;
  for (double s : sizes) {
    for (double r : ratios) {
      const double aw = s / std::sqrt(r), ah = s * std::sqrt(r);
      const double inter = std::min(width, aw) * std::min(height, ah);
      best = std::max(best, inter / (width * height + aw * ah - inter));
    }
  }
  return best;
}

double anchor_coverage(const std::vector<BoxShape>& boxes, const std::vector<double>& sizes,
                       const std::vector<double>& ratios) {
  check_anchors(sizes, ratios);
  double sum = 0;
  size_t n = 0;
  for (const BoxShape& b : boxes) {
    if (b.difficult) continue;
    sum += best_anchor_iou(b.width, b.height, sizes, ratios);
    ++n;
  }
  return n ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

double anchor_coverage(const DetectionDataset& d, int short_side, int max_long_side, const std::vector<double>& sizes,
                       const std::vector<double>& ratios) {
  return anchor_coverage(box_shapes(d, short_side, max_long_side), sizes, ratios);
}

AnchorSuggestion suggest_anchors(const DetectionDataset& d, int short_side, int max_long_side, int num_sizes,
                                 int num_ratios, uint64_t seed) {
  if (num_sizes < 1 || num_ratios < 1)
    throw Error(fmt::format("suggest_anchors: need at least one size and one ratio (got {} and {})", num_sizes,
                            num_ratios));
  const std::vector<BoxShape> boxes = non_difficult(box_shapes(d, short_side, max_long_side));
  if (boxes.empty()) throw Error("suggest_anchors: the dataset has no (non-difficult) boxes");
  std::vector<double> log_sizes, log_ratios;
  for (const BoxShape& b : boxes) {
    log_sizes.push_back(std::log(b.size()));
    log_ratios.push_back(std::log(b.ratio()));
  }
  AnchorSuggestion a;
  for (double c : kmeans_1d(log_sizes, num_sizes, seed)) a.sizes.push_back(std::exp(c));
  // A seed of its own for the ratios, so that the two clusterings do not share draws.
  for (double c : kmeans_1d(log_ratios, num_ratios, seed ^ 0x9E3779B97F4A7C15ull)) a.ratios.push_back(std::exp(c));
  a.mean_best_iou = anchor_coverage(boxes, a.sizes, a.ratios);
  return a;
}

}  // namespace seer::detection
