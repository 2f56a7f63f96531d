// COCO `instances_*.json` annotations read into the same DetectionDataset as VOC.
//
// Mapping:
//   categories, sorted by id        -> classes (label i = i-th category by id); the ids are
//                                      kept in DetectionDataset::category_ids
//   image                           -> DetectionImage: id = the numeric image id as text
//                                      ("397133"), image_path = images_dir / file_name,
//                                      width/height from the json (or the file, see below)
//   bbox [x, y, w, h]               -> Box{x, y, x + w, y + h} (COCO boxes are already 0-based
//                                      continuous coordinates: no +-1)
//   iscrowd = 1                     -> difficult = true (VOC AP then neither rewards nor punishes
//                                      detections of crowd regions, the nearest VOC equivalent
//                                      of COCO's crowd matching); dropped when keep_crowd=false
//   images without annotations      -> kept, with no objects
// Dirty data: bad json, a missing "images"/"annotations"/"categories" array, an annotation of an
// unknown image or category, or a non-numeric bbox -> seer::Error naming the file (and the
// annotation id); w <= 0 or h <= 0 -> annotation skipped with a warning; boxes outside the image
// -> clipped (warning), skipped when nothing remains; missing image file (check_images) ->
// image skipped with a warning; no image left -> seer::Error.
#pragma once

#include <filesystem>

#include "seer/detection/data/dataset.h"

namespace seer::detection {

struct CocoReadOptions {
  bool keep_crowd = true;     // iscrowd=1 annotations kept as difficult objects
  bool check_images = true;   // read each image header: it must exist, and its size wins over the json's
};

DetectionDataset read_coco(const std::filesystem::path& json_path, const std::filesystem::path& images_dir,
                           const CocoReadOptions& options = {});

}  // namespace seer::detection
