// A folder of region proposals, one versioned file per image, made once by `seer detect
// proposals` and read by every detector that takes `--proposals DIR` (R-CNN, SPP-Net, Fast R-CNN).
//
// <dir>/<image id>.proposals, little endian:
//   "SEERPROP"  8 bytes
//   uint32      format version (kProposalFileVersion)
//   uint32      image width, uint32 image height (of the image the boxes belong to)
//   uint32      length of the method string, then its bytes ("selective-search fast max-side 500 ...")
//   uint32      n, then n x 4 float32 boxes (x1, y1, x2, y2; image pixels, detection/boxes/box.h),
//               in rank order (best first)
// A file of another version, another method (when one is asked for), or an image of another
// size is stale: compute_proposals makes it again, readers refuse it with a message saying how
// to remake it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "seer/detection/boxes/box.h"
#include "seer/detection/data/dataset.h"
#include "seer/detection/proposals/selective_search.h"

namespace seer::detection::proposals {

inline constexpr uint32_t kProposalFileVersion = 1;

struct ProposalSet {
  std::string method;  // how the boxes were made
  int width = 0, height = 0;
  std::vector<Box> boxes;
};

std::filesystem::path proposal_path(const std::filesystem::path& dir, const std::string& image_id);

// Atomic write. Throws seer::Error.
void write_proposals(const std::filesystem::path& path, const ProposalSet& set);
// Throws seer::Error naming the file: missing, not a proposals file, another version,
// truncated, or a box that is not finite or not inside the image.
ProposalSet read_proposals(const std::filesystem::path& path);

// The method string of selective search with these options (what a cache file must say).
std::string selective_search_method(const SelectiveSearchOptions& options);

struct ComputeOptions {
  int threads = 0;         // 0: all cores
  bool progress = true;    // progress bar on stderr
  bool recompute = false;  // ignore files already there
};
struct ComputeReport {
  int computed = 0, reused = 0, failed = 0;
  double seconds = 0;             // wall time of the images computed
  double boxes_per_image = 0;     // over every image of the dataset
};

// Selective search proposals of every image of `data` into `dir` (created), in parallel; an
// image whose file is already there with the same method, version and size is reused. An image
// that cannot be read or segmented is warned about (naming it) and counted as failed; it gets
// no file, so a detector reading the folder says which image lacks proposals.
ComputeReport compute_proposals(const DetectionDataset& data, const std::filesystem::path& dir,
                                const SelectiveSearchOptions& options, const ComputeOptions& compute = {});

// The proposals of every image of `data`, from `dir`: the first `max_per_image` of each (0: all),
// checked against the image's size. Throws seer::Error naming the first image without a usable
// file and the command that makes the folder.
std::vector<std::vector<Box>> read_dataset_proposals(const std::filesystem::path& dir, const DetectionDataset& data,
                                                     int max_per_image = 0);

// A user's own boxes: a text file of lines "<image id> <xmin> <ymin> <xmax> <ymax> [score]" in
// VOC file coordinates (1-based, pixel-inclusive, as labelImg and the devkit's results files),
// '#' comments and blank lines ignored. Boxes of one image keep the file's order, or are sorted
// by descending score when every line has one. Writes one proposals file per image of `data`
// into `dir` (images absent from the file get none: a warning). Throws seer::Error naming the
// file and line of a malformed line; boxes are clipped to the image, degenerate ones skipped
// with a warning. Returns the number of boxes written.
int64_t import_boxes_file(const std::filesystem::path& file, const DetectionDataset& data,
                          const std::filesystem::path& dir);

}  // namespace seer::detection::proposals
