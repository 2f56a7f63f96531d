// The in-memory detection dataset every reader (VOC, COCO, synthetic scenes) produces and every
// detector and evaluator consumes. Boxes follow the conventions of detection/boxes/box.h
// (0-based continuous coordinates; VOC files are converted on reading).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "seer/detection/boxes/box.h"

namespace seer::detection {

struct DetectionObject {
  Box box;                 // continuous 0-based coordinates (see box.h)
  int label = -1;          // index into DetectionDataset::classes
  bool difficult = false;  // VOC "difficult": neither a true nor a false positive in VOC AP
  bool truncated = false;
  std::string pose;        // VOC <pose>, "" when absent
};

struct DetectionImage {
  std::string id;                    // VOC image id: the annotation file's stem ("BloodImage_00001")
  std::filesystem::path image_path;  // the image file (may be resolved lazily, but must exist)
  int width = 0, height = 0;         // of the actual image (after fixing a wrong <size>)
  std::vector<DetectionObject> objects;
};

struct DetectionDataset {
  std::vector<std::string> classes;  // label i is classes[i]; stable order
  std::vector<DetectionImage> images;
  // COCO only: the category id of each class (category_ids[i] is classes[i]'s id), for writing
  // results files; empty for VOC and synthetic data.
  std::vector<long long> category_ids;

  // Index of `name` in classes, or -1.
  int class_index(const std::string& name) const {
    for (size_t i = 0; i < classes.size(); ++i)
      if (classes[i] == name) return static_cast<int>(i);
    return -1;
  }
};

}  // namespace seer::detection
