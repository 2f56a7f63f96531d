#include "seer/detection/eval/voc_ap.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>

#include "seer/core/error.h"

namespace seer::detection {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Box in VOC file coordinates (1-based, pixel-inclusive), in double.
struct VocBox {
  double xmin, ymin, xmax, ymax;
};

VocBox to_voc(const Box& b) {
  return {static_cast<double>(b.x1) + 1, static_cast<double>(b.y1) + 1,
          static_cast<double>(b.x2), static_cast<double>(b.y2)};
}

// voc_eval.py's overlap, operation for operation.
double voc_overlap_file(const VocBox& bb, const VocBox& gt) {
  const double ixmin = std::max(gt.xmin, bb.xmin);
  const double iymin = std::max(gt.ymin, bb.ymin);
  const double ixmax = std::min(gt.xmax, bb.xmax);
  const double iymax = std::min(gt.ymax, bb.ymax);
  const double iw = std::max(ixmax - ixmin + 1., 0.);
  const double ih = std::max(iymax - iymin + 1., 0.);
  const double inters = iw * ih;
  const double uni = (bb.xmax - bb.xmin + 1.) * (bb.ymax - bb.ymin + 1.) +
                     (gt.xmax - gt.xmin + 1.) * (gt.ymax - gt.ymin + 1.) - inters;
  return inters / uni;
}

// Image id -> index in gt.images; throws on duplicates.
std::unordered_map<std::string, size_t> image_index(const DetectionDataset& gt) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < gt.images.size(); ++i) {
    if (!index.emplace(gt.images[i].id, i).second) {
      throw Error(fmt::format("evaluation: image id '{}' appears twice in the dataset",
                              gt.images[i].id));
    }
  }
  return index;
}

// Validates every detection; returns, per class, the detection indices in input order, and
// the image index of each detection.
void group_detections(const DetectionDataset& gt, const std::vector<Detection>& dets,
                      const std::unordered_map<std::string, size_t>& index,
                      std::vector<std::vector<size_t>>& by_class, std::vector<size_t>& image_of) {
  const int num_classes = static_cast<int>(gt.classes.size());
  by_class.assign(gt.classes.size(), {});
  image_of.resize(dets.size());
  for (size_t d = 0; d < dets.size(); ++d) {
    const Detection& det = dets[d];
    auto it = index.find(det.image_id);
    if (it == index.end()) {
      throw Error(fmt::format("evaluation: detection {} is on image '{}', which is not in the "
                              "dataset",
                              d, det.image_id));
    }
    if (det.label < 0 || det.label >= num_classes) {
      throw Error(fmt::format("evaluation: detection {} on image '{}' has label {}, outside "
                              "[0, {})",
                              d, det.image_id, det.label, num_classes));
    }
    if (std::isnan(det.score)) {
      throw Error(fmt::format("evaluation: detection {} on image '{}' has a NaN score", d,
                              det.image_id));
    }
    image_of[d] = it->second;
    by_class[det.label].push_back(d);
  }
}

// Indices sorted by score descending, ties in their given order.
void sort_by_score(std::vector<size_t>& order, const std::vector<Detection>& dets) {
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return dets[a].score > dets[b].score; });
}

double finite_mean(const std::vector<double>& values) {
  double sum = 0;
  int n = 0;
  for (double v : values) {
    if (std::isfinite(v)) sum += v, ++n;
  }
  return n ? sum / n : kNaN;
}

void warn_no_ground_truth(const std::string& name) {
  warn(fmt::format("class '{}' has no (non-difficult) ground truth: its AP is undefined (NaN) "
                   "and left out of the mAP",
                   name));
}

}  // namespace

double voc_overlap(const Box& a, const Box& b) { return voc_overlap_file(to_voc(a), to_voc(b)); }

double voc_ap(const std::vector<double>& rec, const std::vector<double>& prec, bool use_07_metric) {
  const size_t n = std::min(rec.size(), prec.size());
  if (use_07_metric) {
    double ap = 0;
    for (int i = 0; i < 11; ++i) {
      const double t = i * 0.1;  // np.arange(0., 1.1, 0.1)[i]
      double p = 0;
      bool any = false;
      for (size_t k = 0; k < n; ++k) {
        if (rec[k] >= t) {
          p = any ? std::max(p, prec[k]) : prec[k];
          any = true;
        }
      }
      ap = ap + p / 11.;
    }
    return ap;
  }
  std::vector<double> mrec(n + 2), mpre(n + 2);
  mrec[0] = 0, mpre[0] = 0;
  for (size_t k = 0; k < n; ++k) mrec[k + 1] = rec[k], mpre[k + 1] = prec[k];
  mrec[n + 1] = 1, mpre[n + 1] = 0;
  for (size_t i = mpre.size() - 1; i > 0; --i) mpre[i - 1] = std::max(mpre[i - 1], mpre[i]);
  double ap = 0;
  for (size_t i = 0; i + 1 < mrec.size(); ++i) {
    if (mrec[i + 1] != mrec[i]) ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
  }
  return ap;
}

VocEvalResult voc_evaluate(const DetectionDataset& gt, const std::vector<Detection>& dets,
                           const VocEvalOptions& options) {
  const auto index = image_index(gt);
  std::vector<std::vector<size_t>> by_class;
  std::vector<size_t> image_of;
  group_detections(gt, dets, index, by_class, image_of);

  VocEvalResult result;
  result.options = options;
  std::vector<double> aps;
  for (size_t c = 0; c < gt.classes.size(); ++c) {
    ClassResult r;
    r.name = gt.classes[c];
    r.label = static_cast<int>(c);

    // Ground truth of this class per image: boxes, difficult flags, matched flags.
    struct Gt {
      VocBox box;
      bool difficult;
      bool matched = false;
    };
    std::vector<std::vector<Gt>> recs(gt.images.size());
    for (size_t i = 0; i < gt.images.size(); ++i) {
      for (const auto& o : gt.images[i].objects) {
        if (o.label != r.label) continue;
        recs[i].push_back({to_voc(o.box), o.difficult});
        if (o.difficult) ++r.difficult;
        else ++r.npos;
      }
    }

    std::vector<size_t> order = by_class[c];
    sort_by_score(order, dets);
    r.detections = static_cast<int>(order.size());
    double tp = 0, fp = 0;
    for (size_t d : order) {
      auto& objects = recs[image_of[d]];
      const VocBox bb = to_voc(dets[d].box);
      double ovmax = -std::numeric_limits<double>::infinity();
      size_t jmax = 0;
      for (size_t j = 0; j < objects.size(); ++j) {
        const double ov = voc_overlap_file(bb, objects[j].box);
        if (ov > ovmax) ovmax = ov, jmax = j;  // np.argmax: the first maximum
      }
      if (ovmax > options.iou_threshold) {
        if (!objects[jmax].difficult) {
          if (!objects[jmax].matched) {
            tp += 1;
            objects[jmax].matched = true;
          } else {
            fp += 1;
          }
        }
      } else {
        fp += 1;
      }
      r.recall.push_back(tp / static_cast<double>(r.npos));  // NaN when npos == 0
      r.precision.push_back(tp / std::max(tp + fp, DBL_EPSILON));
      r.scores.push_back(dets[d].score);
    }
    r.tp = static_cast<int>(tp);
    r.fp = static_cast<int>(fp);
    if (r.npos == 0) {
      r.ap = kNaN;
      warn_no_ground_truth(r.name);
    } else {
      r.ap = voc_ap(r.recall, r.precision, options.use_07_metric);
    }
    aps.push_back(r.ap);
    result.per_class.push_back(std::move(r));
  }
  result.map = finite_mean(aps);
  return result;
}

// ---- COCO -----------------------------------------------------------------------------------

CocoEvalResult coco_ap(const DetectionDataset& gt, const std::vector<Detection>& dets,
                       const CocoEvalOptions& options) {
  if (options.max_dets < 1) throw Error("COCO evaluation: max_dets must be at least 1");
  const auto index = image_index(gt);
  std::vector<std::vector<size_t>> by_class;
  std::vector<size_t> image_of;
  group_detections(gt, dets, index, by_class, image_of);

  CocoEvalResult result;
  // np.linspace(.5, .95, 10) and np.linspace(0, 1, 101): i * step + start, last = stop.
  const double iou_step = (0.95 - 0.5) / 9;
  for (int i = 0; i < 10; ++i) result.iou_thresholds.push_back(i == 9 ? 0.95 : i * iou_step + 0.5);
  const double rec_step = 1.0 / 100;
  for (int i = 0; i <= 100; ++i) result.recall_thresholds.push_back(i == 100 ? 1.0 : i * rec_step);
  const size_t T = result.iou_thresholds.size(), R = result.recall_thresholds.size();

  std::vector<double> aps, aps50, aps75;
  for (size_t c = 0; c < gt.classes.size(); ++c) {
    CocoClassResult r;
    r.name = gt.classes[c];
    r.label = static_cast<int>(c);

    // Detections of this class per image, each image's sorted by score (stable), capped.
    std::vector<std::vector<size_t>> per_image(gt.images.size());
    for (size_t d : by_class[c]) per_image[image_of[d]].push_back(d);

    // Concatenated over images (in dataset order): score, matched flag and ignore flag per
    // threshold.
    std::vector<float> scores;
    std::vector<std::vector<char>> matched(T), ignored(T);
    for (size_t i = 0; i < gt.images.size(); ++i) {
      // Ground truth sorted with ignored (difficult) objects last, stable.
      std::vector<const DetectionObject*> objects;
      for (const auto& o : gt.images[i].objects) {
        if (o.label == r.label && !o.difficult) objects.push_back(&o);
      }
      const size_t non_ignored = objects.size();
      r.npos += static_cast<int>(non_ignored);
      for (const auto& o : gt.images[i].objects) {
        if (o.label == r.label && o.difficult) objects.push_back(&o);
      }
      std::vector<size_t>& order = per_image[i];
      sort_by_score(order, dets);
      if (order.size() > static_cast<size_t>(options.max_dets)) order.resize(options.max_dets);
      if (order.empty()) continue;

      // IoU matrix, maskApi.c's bbIou (no +1).
      const size_t D = order.size(), G = objects.size();
      std::vector<double> ious(D * G, 0.0);
      for (size_t d = 0; d < D; ++d) {
        const Box& db = dets[order[d]].box;
        const double da = (static_cast<double>(db.x2) - db.x1) * (static_cast<double>(db.y2) - db.y1);
        for (size_t g = 0; g < G; ++g) {
          const Box& gb = objects[g]->box;
          const double ga = (static_cast<double>(gb.x2) - gb.x1) * (static_cast<double>(gb.y2) - gb.y1);
          const double w = std::min<double>(db.x2, gb.x2) - std::max<double>(db.x1, gb.x1);
          if (w <= 0) continue;
          const double h = std::min<double>(db.y2, gb.y2) - std::max<double>(db.y1, gb.y1);
          if (h <= 0) continue;
          const double inter = w * h;
          ious[d * G + g] = inter / (da + ga - inter);
        }
      }
      for (size_t t = 0; t < T; ++t) {
        std::vector<char> gt_matched(G, 0);
        for (size_t d = 0; d < D; ++d) {
          double iou = std::min(result.iou_thresholds[t], 1 - 1e-10);
          long m = -1;
          for (size_t g = 0; g < G; ++g) {
            if (gt_matched[g]) continue;
            if (m > -1 && static_cast<size_t>(m) < non_ignored && g >= non_ignored) break;
            if (ious[d * G + g] < iou) continue;
            iou = ious[d * G + g];
            m = static_cast<long>(g);
          }
          if (m == -1) {
            matched[t].push_back(0);
            ignored[t].push_back(0);
          } else {
            gt_matched[m] = 1;
            matched[t].push_back(1);
            ignored[t].push_back(static_cast<size_t>(m) >= non_ignored ? 1 : 0);
          }
        }
      }
      for (size_t d : order) scores.push_back(dets[d].score);
    }

    if (r.npos == 0) {
      r.ap = r.ap50 = r.ap75 = kNaN;
      warn_no_ground_truth(r.name);
    } else {
      std::vector<size_t> sorted(scores.size());
      std::iota(sorted.begin(), sorted.end(), 0);
      std::stable_sort(sorted.begin(), sorted.end(),
                       [&](size_t a, size_t b) { return scores[a] > scores[b]; });
      r.precision.assign(T, std::vector<double>(R, 0.0));
      for (size_t t = 0; t < T; ++t) {
        const size_t nd = sorted.size();
        std::vector<double> rc(nd), pr(nd);
        double tp = 0, fp = 0;
        for (size_t k = 0; k < nd; ++k) {
          const size_t d = sorted[k];
          if (!ignored[t][d]) {
            if (matched[t][d]) tp += 1;
            else fp += 1;
          }
          rc[k] = tp / r.npos;
          pr[k] = tp / (fp + tp + DBL_EPSILON);  // np.spacing(1) == DBL_EPSILON
        }
        for (size_t k = nd; k-- > 1;) {
          if (pr[k] > pr[k - 1]) pr[k - 1] = pr[k];
        }
        for (size_t ri = 0; ri < R; ++ri) {
          const size_t pi = static_cast<size_t>(
              std::lower_bound(rc.begin(), rc.end(), result.recall_thresholds[ri]) - rc.begin());
          if (pi >= nd) break;
          r.precision[t][ri] = pr[pi];
        }
      }
      auto mean_at = [&](size_t t) {
        return std::accumulate(r.precision[t].begin(), r.precision[t].end(), 0.0) / R;
      };
      double sum = 0;
      for (size_t t = 0; t < T; ++t) sum += mean_at(t);
      r.ap = sum / T;
      r.ap50 = mean_at(0);
      r.ap75 = mean_at(5);
    }
    aps.push_back(r.ap);
    aps50.push_back(r.ap50);
    aps75.push_back(r.ap75);
    result.per_class.push_back(std::move(r));
  }
  result.map = finite_mean(aps);
  result.map50 = finite_mean(aps50);
  result.map75 = finite_mean(aps75);
  return result;
}

}  // namespace seer::detection
