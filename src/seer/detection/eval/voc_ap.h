// Detection average precision: PASCAL VOC (the devkit's VOCevaldet / py-faster-rcnn's
// voc_eval.py, number for number) and COCO-style AP@[.5:.95] (pycocotools' COCOeval, bbox,
// area range "all").
//
// VOC AP, per class (voc_evaluate):
//   * Detections are sorted by score, descending; ties keep their input order (a stable sort:
//     MATLAB's sort in the devkit, numpy's argsort(kind="mergesort"); py-faster-rcnn's default
//     quicksort leaves the order of ties unspecified). For detections read from a results file
//     the input order is the file's line order.
//   * Boxes are converted back to VOC file coordinates (xmin = x1 + 1, ..., see boxes/box.h) and
//     overlaps use the devkit's "+1" formula: iw = min(xmax) - max(xmin) + 1, clamped at 0,
//     union = (w1 + 1)(h1 + 1) + (w2 + 1)(h2 + 1) - inter.
//   * Each detection takes the ground-truth object of its class and image with the highest
//     overlap (the first one on ties), matched or not. overlap > iou_threshold (strictly, as
//     `ovmax > ovthresh`): a true positive if that object is not yet matched (it becomes
//     matched), a false positive if it is (a duplicate); when the object is difficult the
//     detection is neither (and the object is not marked matched). Otherwise a false positive.
//   * npos = non-difficult ground-truth objects of the class; recall = cumulative tp / npos,
//     precision = cumulative tp / max(cumulative tp + fp, DBL_EPSILON), one point per detection.
//   * use_07_metric: 11-point AP, mean over t in {0, 0.1, ..., 1} of the highest precision at
//     recall >= t (0 where none). t is computed as i * 0.1 in double, the values of
//     np.arange(0., 1.1, 0.1) (so the third threshold is 0.30000000000000004 and a recall of
//     exactly 3/10 does not reach it, as in py-faster-rcnn).
//     Otherwise (VOC2010+): area under the precision envelope (precision made monotone
//     non-increasing from the right), summed where recall changes, with (0, 0) and (1, 0)
//     added at the ends.
//   * A class without (non-difficult) ground truth has no defined AP: ap = NaN, a warning is
//     printed and the class is left out of the mAP (the devkit would give 0 with the 11-point
//     metric and NaN with the area metric). mAP = mean AP of the other classes; NaN when no
//     class has ground truth.
//   * A detection whose image id is not in the dataset, or whose label is out of range, or
//     whose score is NaN, is a seer::Error (the devkit fails on an unknown id too).
//
// COCO AP (coco_ap): pycocotools' matching and accumulation with IoU thresholds .50:.05:.95,
// 101 recall points, at most max_dets detections per image and class (highest scores), plain
// continuous IoU (no +1). Difficult objects are pycocotools' "ignore" objects (not crowd): a
// detection matched to one is neither true nor false positive, they do not count in the
// number of positives, and an unmatched non-ignored object is preferred to them. Matching is
// greedy by score, to the unmatched object with the highest IoU >= threshold (>= here, as in
// pycocotools). Classes without non-difficult ground truth: NaN, left out, as above.
#pragma once

#include <string>
#include <vector>

#include "seer/detection/boxes/box.h"
#include "seer/detection/data/dataset.h"

namespace seer::detection {

struct Detection {
  std::string image_id;  // DetectionImage::id
  int label = -1;        // index into DetectionDataset::classes
  float score = 0;
  Box box;               // in-memory continuous 0-based coordinates (see boxes/box.h)
};

struct VocEvalOptions {
  double iou_threshold = 0.5;  // a match needs overlap > this (strictly)
  bool use_07_metric = true;   // 11-point AP (VOC2007); false: area (VOC2010+)
};

struct ClassResult {
  std::string name;
  int label = -1;
  double ap = 0;            // NaN when npos == 0
  int npos = 0;             // non-difficult ground-truth objects
  int difficult = 0;        // difficult ground-truth objects
  int detections = 0;       // all detections of the class
  int tp = 0, fp = 0;       // totals; detections - tp - fp were matched to difficult objects
  // One point per detection in score order, the devkit's cumulative arrays (recall is NaN
  // throughout when npos == 0).
  std::vector<double> precision, recall;
  std::vector<float> scores;  // the sorted scores, same length
};

struct VocEvalResult {
  std::vector<ClassResult> per_class;  // one per dataset class, in label order
  double map = 0;                      // mean of the finite per-class APs (NaN if none)
  VocEvalOptions options;
};

VocEvalResult voc_evaluate(const DetectionDataset& gt, const std::vector<Detection>& dets,
                           const VocEvalOptions& options = {});

// The devkit's overlap of two boxes given in in-memory coordinates (converted to VOC file
// coordinates and measured with the "+1" formula).
double voc_overlap(const Box& a, const Box& b);

// AP of one precision / recall curve (the devkit's voc_ap), exposed for tests and plots.
double voc_ap(const std::vector<double>& recall, const std::vector<double>& precision,
              bool use_07_metric);

// ---- COCO ---------------------------------------------------------------------------------

struct CocoEvalOptions {
  int max_dets = 100;  // per image and class, as pycocotools' maxDets[-1]
};

struct CocoClassResult {
  std::string name;
  int label = -1;
  int npos = 0;                 // non-difficult ground-truth objects
  double ap = 0;                // AP@[.5:.95]; NaN when npos == 0
  double ap50 = 0, ap75 = 0;    // AP at IoU .50 and .75
  // precision[t][r]: interpolated precision at iou_thresholds[t] and recall_thresholds[r]
  // (pycocotools' eval["precision"][t, r, k, 0, -1]); empty when npos == 0.
  std::vector<std::vector<double>> precision;
};

struct CocoEvalResult {
  std::vector<double> iou_thresholds;     // .50, .55, ..., .95
  std::vector<double> recall_thresholds;  // 0, .01, ..., 1
  std::vector<CocoClassResult> per_class;
  double map = 0, map50 = 0, map75 = 0;   // means over classes with ground truth
};

CocoEvalResult coco_ap(const DetectionDataset& gt, const std::vector<Detection>& dets,
                       const CocoEvalOptions& options = {});

}  // namespace seer::detection
