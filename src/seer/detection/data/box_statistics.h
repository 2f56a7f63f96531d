// Box statistics of a detection dataset as the detector sees it (each image resized by
// transforms.h's short_side_scale), and anchors suggested from them.
//
// An anchor of size s and ratio r (py-faster-rcnn's convention: ratio = height / width, area
// kept) is s / sqrt(r) wide and s * sqrt(r) high. Anchors are compared with boxes by shape only:
// the IoU of the two centred on the same point, as in YOLOv2's anchor k-means, so
//   IoU = min(w, aw) * min(h, ah) / (w * h + aw * ah - min(w, aw) * min(h, ah)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "seer/detection/data/dataset.h"

namespace seer::detection {

// One object's box, scaled.
struct BoxShape {
  size_t image = 0;        // index into DetectionDataset::images
  int label = -1;          // the object's label
  bool difficult = false;  // the object's flag
  double width = 0, height = 0;  // in pixels of the scaled image (> 0)

  double size() const;   // sqrt(width * height)
  double ratio() const;  // height / width
};

// Every object with a positive area, in image order, its box multiplied by
// short_side_scale(image size, short_side, max_long_side); short_side <= 0 keeps the image's
// own pixels (scale 1). Throws seer::Error for an image with no size.
std::vector<BoxShape> box_shapes(const DetectionDataset& d, int short_side, int max_long_side);

// min / median / max of some values (the median of an even count is the mean of the middle
// two); all NaN, count 0, when there is none.
struct Summary {
  size_t count = 0;
  double min = 0, median = 0, max = 0;
};
Summary summarize(std::vector<double> values);

struct AnchorSuggestion {
  std::vector<double> sizes;   // sqrt(w * h) in pixels of the network input, ascending
  std::vector<double> ratios;  // h / w, ascending
  double mean_best_iou = 0;    // anchor_coverage of these anchors
};

// Anchors for the non-difficult boxes of `d`, scaled as box_shapes does: sizes by 1-D k-means of
// log(sqrt(area)), ratios by 1-D k-means of log(h / w); each centre is the geometric mean of its
// cluster. k-means is Lloyd's algorithm started from the k quantiles and from 8 k-means++ seedings
// drawn with std::mt19937_64(seed), keeping the lowest sum of squares: deterministic. Fewer
// sizes / ratios come back when the data has fewer distinct values. Throws seer::Error when there
// is no non-difficult box or num_sizes / num_ratios < 1.
AnchorSuggestion suggest_anchors(const DetectionDataset& d, int short_side, int max_long_side, int num_sizes = 3,
                                 int num_ratios = 3, uint64_t seed = 1);

// The mean over the non-difficult boxes (scaled as box_shapes does) of the best shape-only IoU
// of the anchors sizes x ratios. NaN when there is no non-difficult box. Throws seer::Error when
// sizes or ratios is empty or holds a value that is not positive and finite.
double anchor_coverage(const DetectionDataset& d, int short_side, int max_long_side, const std::vector<double>& sizes,
                       const std::vector<double>& ratios);
double anchor_coverage(const std::vector<BoxShape>& boxes, const std::vector<double>& sizes,
                       const std::vector<double>& ratios);

// The best shape-only IoU of one box (width x height) with the anchors sizes x ratios.
double best_anchor_iou(double width, double height, const std::vector<double>& sizes,
                       const std::vector<double>& ratios);

}  // namespace seer::detection
