// Detections in the PASCAL VOC devkit's results format: a folder with one text file per class,
// `comp4_det_<split>_<class>.txt`, one line per detection:
//
//   <image_id> <score> <xmin> <ymin> <xmax> <ymax>
//
// in VOC file coordinates (1-based, pixel-inclusive; see detection/boxes/box.h): writing gives
// xmin = x1 + 1, ymin = y1 + 1, xmax = x2, ymax = y2, and reading does the inverse. Numbers are
// written in the shortest form that reads back to the same value, so a write / read round trip
// gives identical boxes and scores.
//
// Reading (read_voc_results), for every class of the dataset:
//   * the file is comp4_det_<split>_<class>.txt; when absent, the single file in the folder
//     whose name ends in _det_<split>_<class>.txt (comp3_..., py-faster-rcnn's salted
//     comp4_<salt>_det_...) is taken; several candidates are a seer::Error listing them.
//   * no file for a class: the class has no detections, with a warning. No file for any class:
//     seer::Error naming the folder and split (a wrong folder or split, not an empty result).
//     A comp4_det_<split>_<name>.txt whose <name> is no class of the dataset: a warning.
//   * blank lines are skipped; a line without exactly 6 fields, a number that does not parse,
//     a non-finite coordinate or a NaN score: seer::Error "file:line: ...".
//   * an image id that is not in the dataset: seer::Error "file:line: image id '...' is not in
//     the dataset" (evaluating a results folder against the wrong split would otherwise give a
//     silently wrong AP); with skip_unknown_images such lines are skipped, one warning per file
//     with their count.
//   * boxes are taken as they are (an inverted box simply overlaps nothing), as the devkit does.
//   * detections come out class by class (label order), each file in line order: the input order
//     that voc_evaluate keeps for equal scores.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "seer/detection/data/dataset.h"
#include "seer/detection/eval/voc_ap.h"

namespace seer::detection {

// "comp4_det_<split>_<class>.txt"
std::string voc_results_file_name(const std::string& split, const std::string& class_name);

// Writes one file per class of `classes` (an empty file for a class without detections), each
// atomically, creating the folder. Detections keep their order within a class. Throws
// seer::Error for a label outside `classes` or an image id that is empty or holds whitespace.
void write_voc_results(const std::filesystem::path& dir, const std::string& split,
                       const std::vector<std::string>& classes,
                       const std::vector<Detection>& detections);

struct VocResultsReadOptions {
  bool skip_unknown_images = false;  // skip (and warn about) lines whose image is not in the dataset
};

// Reads the results of every class of `gt` (labels are indices into gt.classes). See above.
std::vector<Detection> read_voc_results(const std::filesystem::path& dir, const std::string& split,
                                        const DetectionDataset& gt,
                                        const VocResultsReadOptions& options = {});

}  // namespace seer::detection
