// Internal to detection/data: labelImg / PASCAL-VOC annotation files read one at a time into a
// DetectionDataset, with the dirty-data rules documented in voc.h. read_voc (devkit folders) and
// read_detection_folder (plain labelImg folders) differ only in where they find the annotation
// files, the split and the images; both pass every file through one AnnotationReader.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "seer/detection/data/dataset.h"
#include "seer/detection/data/voc.h"
#include "seer/detection/data/warnings.h"

namespace seer::detection::internal {

struct AnnotationFile {
  std::string id;               // the file's stem
  std::filesystem::path xml;
};

// The image file extensions looked for (both cases), in the order tried.
const std::vector<std::string>& image_extensions();

// Every *.xml (any case) directly in `dir`, sorted by id. Throws seer::Error naming `dir` when
// there is none.
std::vector<AnnotationFile> list_annotation_files(const std::filesystem::path& dir);

// The ids of a split file (one id per line; blank lines and extra columns ignored), in the file's
// order, each with its <id>.xml in `dir`. A repeated id is ignored with a warning. Throws
// seer::Error when the file is missing (naming `split`), an id has no XML (file and line), or the
// file lists no id.
std::vector<AnnotationFile> read_split_file(const std::filesystem::path& split_file,
                                            const std::filesystem::path& dir,
                                            const std::string& split);

class AnnotationReader {
 public:
  // options.split is not used here. Throws seer::Error on an empty or repeated class name.
  explicit AnnotationReader(const VocReadOptions& options);
  AnnotationReader(const AnnotationReader&) = delete;
  AnnotationReader& operator=(const AnnotationReader&) = delete;

  // Reads one annotation file and adds its image. The image is the XML's <filename>, else a file
  // named after that name's stem or the id with a common extension, looked for in `image_dirs`
  // (in order) and then beside the XML. Returns false when the image is missing or unreadable
  // (skipped with a warning); throws seer::Error naming the file (and line) when it is broken.
  bool read(const AnnotationFile& file, const std::vector<std::filesystem::path>& image_dirs);

  // Image files resolved so far (to tell annotated images from the others).
  const std::vector<std::filesystem::path>& image_paths() const { return image_paths_; }

  // The dataset read: warnings for objects of classes outside the list (naming `annotations`)
  // and the per-kind counts printed, classes assigned (the fixed list, or the names kept,
  // sorted). Throws seer::Error naming `root` when no image was usable.
  DetectionDataset finish(const std::filesystem::path& root, const std::filesystem::path& annotations);

 private:
  VocReadOptions options_;
  std::map<std::string, int> fixed_;            // fixed class list: name -> label
  std::map<std::string, int> unknown_classes_;  // name -> objects skipped
  Warnings warnings_;
  DetectionDataset dataset_;
  std::vector<std::vector<std::string>> names_;  // per image kept, each object's class name
  std::vector<std::filesystem::path> image_paths_;
  size_t files_ = 0, unusable_images_ = 0;
};

}  // namespace seer::detection::internal
