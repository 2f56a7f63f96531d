// How good a set of proposals is, as Uijlings et al. and Hosang et al. measure it: of the
// ground-truth boxes (difficult ones left out, as in VOC evaluation), the share covered by some
// proposal with IoU >= 0.5 and >= 0.7 (recall), and the mean best overlap (ABO per class, then
// the mean over classes: MABO), each for the first N proposals of every image.
#pragma once

#include <filesystem>
#include <vector>

#include "seer/detection/boxes/box.h"
#include "seer/detection/data/dataset.h"

namespace seer::detection::proposals {

struct RecallPoint {
  int max_proposals = 0;               // the first N of each image
  double proposals_per_image = 0;      // mean number actually used (images may have fewer)
  double recall_05 = 0, recall_07 = 0;
  double mabo = 0;
};

// One point per entry of `counts` (N; 0 = every proposal). `proposals[i]` belongs to
// data.images[i]. Throws seer::Error when the sizes differ or there is no ground truth.
std::vector<RecallPoint> proposal_recall(const DetectionDataset& data, const std::vector<std::vector<Box>>& proposals,
                                         const std::vector<int>& counts);

// Recall at IoU 0.5 and 0.7 and MABO against proposals per image (log x axis) as a PNG.
void write_recall_plot(const std::filesystem::path& png, const std::vector<RecallPoint>& curve,
                       const std::string& title);

}  // namespace seer::detection::proposals
