// A detection box, and seer's box conventions, stated once for the whole detection code.
//
// In memory (datasets, transforms, IoU, NMS, box coder, anchors, RoI ops): continuous pixel
// coordinates, 0-based, x to the right and y down. A box (x1, y1, x2, y2) covers the region
// [x1, x2) x [y1, y2): width = x2 - x1, height = y2 - y1, area = width * height. This is the
// convention of torchvision and detectron2, so seer's IoU and NMS agree with theirs exactly.
//
// In PASCAL-VOC files (labelImg annotations and the devkit's `comp4_det_*` results files):
// 1-based, pixel-inclusive: <xmin> and <xmax> are the first and last pixel columns covered,
// so width = xmax - xmin + 1. Reading a VOC box: x1 = xmin - 1, y1 = ymin - 1, x2 = xmax,
// y2 = ymax. Writing a results file does the inverse (xmin = x1 + 1, ymin = y1 + 1, ...).
//
// VOC evaluation (detection/eval/voc_ap) converts back to VOC file coordinates and computes
// overlaps with the devkit's "+1" formula, so its numbers are the devkit's.
#pragma once

namespace seer::detection {

struct Box {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;

  float width() const { return x2 - x1; }
  float height() const { return y2 - y1; }
  float area() const { return (x2 > x1 && y2 > y1) ? (x2 - x1) * (y2 - y1) : 0.0f; }
  bool operator==(const Box&) const = default;
};

// Intersection over union of two boxes (continuous convention, as box_iou in iou.h); 0 when the
// union is empty.
inline double box_iou(const Box& a, const Box& b) {
  const double iw = static_cast<double>(a.x2 < b.x2 ? a.x2 : b.x2) - (a.x1 > b.x1 ? a.x1 : b.x1);
  const double ih = static_cast<double>(a.y2 < b.y2 ? a.y2 : b.y2) - (a.y1 > b.y1 ? a.y1 : b.y1);
  if (iw <= 0 || ih <= 0) return 0.0;
  const double inter = iw * ih, uni = static_cast<double>(a.area()) + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

}  // namespace seer::detection
