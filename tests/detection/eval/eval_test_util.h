// Small builders for the evaluation tests: datasets and detections written in VOC file
// coordinates (1-based, pixel-inclusive), the way the hand computations in the tests are done.
#pragma once

#include <string>
#include <vector>

#include "seer/detection/data/dataset.h"
#include "seer/detection/eval/voc_ap.h"

namespace seer::detection::testing {

// In-memory box of the VOC file box (xmin, ymin, xmax, ymax): (xmin - 1, ymin - 1, xmax, ymax).
inline Box voc_box(double xmin, double ymin, double xmax, double ymax) {
  return {static_cast<float>(xmin - 1), static_cast<float>(ymin - 1), static_cast<float>(xmax),
          static_cast<float>(ymax)};
}

inline DetectionObject object(int label, Box box, bool difficult = false) {
  DetectionObject o;
  o.label = label;
  o.box = box;
  o.difficult = difficult;
  return o;
}

inline Detection detection(const std::string& image, int label, float score, Box box) {
  return {image, label, score, box};
}

// A dataset of `classes` and images "img1", "img2", ... (`count` of them, no objects yet).
inline DetectionDataset dataset(std::vector<std::string> classes, int count) {
  DetectionDataset d;
  d.classes = std::move(classes);
  for (int i = 1; i <= count; ++i) {
    DetectionImage image;
    image.id = "img" + std::to_string(i);
    image.width = 500;
    image.height = 400;
    d.images.push_back(image);
  }
  return d;
}

}  // namespace seer::detection::testing
