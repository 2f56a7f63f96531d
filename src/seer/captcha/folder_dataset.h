// A folder of labelled captcha images, in either form:
//   1. the label starts the file name: 0782_13.png, 0782.jpg (label = name up to the first '_'
//      or '.', or the whole stem), or
//   2. images plus labels.txt / labels.tsv with lines "file<TAB>label" (a header line
//      "file<TAB>label" is allowed; '#' starts a comment).
// Images of any size, grayscale or colour.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "seer/captcha/label_codec.h"

namespace seer::captcha {

struct FolderItem {
  std::filesystem::path path;
  std::string label;
};

struct FolderDatasetOptions {
  // false: the first bad entry (unreadable image, label of the wrong length, a character
  // outside the charset) throws seer::Error naming the file (and line of labels.txt);
  // true: bad entries are skipped with a warning each and counted.
  bool skip_bad = false;
  // Decode every image while scanning (catches corrupt files up front). Costs a full read.
  bool verify_images = true;
};

class FolderDataset {
 public:
  // Scans `dir` (image extensions: png jpg jpeg bmp gif tif tiff webp, case-insensitive),
  // sorted by file name. An empty result (no images / all skipped) throws seer::Error.
  FolderDataset(const std::filesystem::path& dir, const LabelCodec& codec,
                FolderDatasetOptions options = {});

  const std::vector<FolderItem>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  int64_t skipped() const { return skipped_; }
  const std::filesystem::path& dir() const { return dir_; }

  // The image of item i as CV_8UC3 BGR (grayscale is expanded); seer::Error if unreadable.
  cv::Mat load(size_t i) const;

 private:
  std::filesystem::path dir_;
  std::vector<FolderItem> items_;
  int64_t skipped_ = 0;
};

// Converts any image to the model's input: grayscale, resized to width x height (INTER_AREA
// when shrinking, linear otherwise), as floats in [0, 1] written row-major into `out`
// (height*width floats).
void to_model_input(const cv::Mat& image, int width, int height, float* out);

}  // namespace seer::captcha
