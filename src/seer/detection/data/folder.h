// Detection datasets as labelImg users keep them, whatever the folder's layout: reading one
// into a DetectionDataset, with a reproducible train / val / test split when the folder has none.
//
// Layouts accepted by read_detection_folder(root) (folder names matched in any case):
//   PASCAL-VOC devkit   root/Annotations/*.xml, root/JPEGImages/, root/ImageSets/Main/ (optional)
//   images + annotations  root/images/* and root/annotations/*.xml (labelImg's "Change Save Dir")
//   plain labelImg folder root/*.jpg with root/*.xml beside them (labelImg's default)
// An annotations folder is used when there is one (its images in JPEGImages/ or images/, else
// beside the XML); otherwise the XML files directly in root. Each XML is read exactly as by
// read_voc (same image lookup, dirty-data rules and warnings; see voc.h).
//
// Images without an XML: labelImg writes <stem>.xml when an image is saved, even with no boxes,
// so an image without one was never annotated. Such images are skipped (not background images),
// with one warning that counts them and names a few.
//
// Splits: with root/ImageSets/Main/, the split is ImageSets/Main/<split>.txt (any name), as in
// read_voc. Without it the split is drawn from the sorted ids of every annotation file: a
// Fisher-Yates permutation driven by std::mt19937_64(split_seed) (identical on every standard
// library), whose first round(test_fraction * n) ids are "test", the next round(val_fraction * n)
// "val" and the rest "train"; "trainval" is train + val. Within a split, images are in id order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "seer/detection/data/dataset.h"

namespace seer::detection {

struct FolderReadOptions {
  std::string split;                 // "" = every annotated image; "train" | "val" | "test" | "trainval", or any ImageSets/Main/<split>.txt
  std::vector<std::string> classes;  // as VocReadOptions::classes (empty = from the data, sorted by name)
  bool keep_difficult = true;        // as VocReadOptions::keep_difficult
  bool check_images = true;          // as VocReadOptions::check_images
  double val_fraction = 0.0;         // seeded split only (no ImageSets/Main/): share of ids in "val"
  double test_fraction = 0.2;        // seeded split only: share of ids in "test"
  uint64_t split_seed = 1;           // seeded split only: the permutation's seed
};

// Reads a detection folder in any of the layouts above. Throws seer::Error naming the folder when
// it is not one (or has no annotation files), when a split named without ImageSets/Main/ is not
// train / val / test / trainval, when the fractions are outside [0, 1] or sum above 1, and when
// the split is empty; other errors and warnings as read_voc.
DetectionDataset read_detection_folder(const std::filesystem::path& root, const FolderReadOptions& options = {});

// The seeded split of `ids` (see above; `ids` are sorted first): the ids of `split` ("train",
// "val", "test" or "trainval"), in sorted order. Throws seer::Error on another split name or
// fractions outside [0, 1] or summing above 1.
std::vector<std::string> seeded_split(std::vector<std::string> ids, const std::string& split, double val_fraction,
                                      double test_fraction, uint64_t seed);

}  // namespace seer::detection
