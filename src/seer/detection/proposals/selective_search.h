// Selective search (Uijlings et al. 2013), the class-agnostic region proposals of R-CNN, SPP-Net
// and Fast R-CNN: Felzenszwalb-Huttenlocher graph segmentations, then greedy merging of the most
// similar neighbouring regions (colour, texture, size and fill), every region's box a proposal.
//
// The segmentation (Felzenszwalb-Huttenlocher) and the similarity measures are OpenCV's
// (opencv_contrib ximgproc); the grouping and the ranking are seer's, because OpenCV's ranks the
// regions with std::rand() (its order, and so the first N boxes, changes from run to run and
// between threads) and re-sorts every similarity after each merge (a heap here). The
// diversification is OpenCV's: fast = HSV and Lab x k in {k, k + inc, k + 2 inc} x two
// strategies (colour + fill + texture + size, fill + texture + size); quality = five colour
// spaces x five k x four strategies; single = HSV, one k, one strategy. Regions are ranked as
// the paper says (position from the top of each hierarchy times a random number, from a fixed
// seed), so the same image gives the same boxes in the same order on every run and thread.
// Around it, so that no image crashes it:
//   * the image is resized so its long side is at most `max_side` (boxes mapped back), which
//     also bounds the time per image;
//   * an image further from square than `max_aspect` is padded with its border colour to that
//     aspect first (OpenCV's texture measure rotated-and-cropped outside the image for aspect
//     ratios above about 2.4, opencv_contrib #2102 / #705); boxes are clipped to the image and
//     boxes lying in the padding dropped;
//   * a cv::Exception from OpenCV becomes a seer::Error naming the image.
// Boxes come back in the image's pixel coordinates (detection/boxes/box.h), in OpenCV's order
// (best first), duplicates removed, boxes smaller than
// `min_size` on a side dropped, at most `max_proposals`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "seer/detection/boxes/box.h"

namespace seer::detection::proposals {

struct SelectiveSearchOptions {
  std::string mode = "fast";  // fast (~2k boxes, the R-CNN setting) | quality (~10k) | single
  int max_side = 500;         // long side the image is resized to before segmenting (0: as is)
  double max_aspect = 2.0;    // images further from square are padded to this aspect first
  float min_size = 4;         // boxes narrower or lower than this (image pixels) are dropped
  int max_proposals = 0;      // keep the first this many (0: all)
  int base_k = 50, inc_k = 50;  // graph segmentation scales: fast k, k + inc, k + 2 inc; quality
                                // five of them; single: k (the paper's fast mode: 50, 100)
  float sigma = 0.8f;         // Gaussian smoothing before segmenting

  void validate() const;  // seer::Error on a bad value
  nlohmann::json to_json() const;
  static SelectiveSearchOptions from_json(const nlohmann::json& j);  // missing keys: defaults
};

// Proposals of an 8-bit BGR image. `name` (the file) appears in errors.
std::vector<Box> selective_search(const cv::Mat& bgr, const SelectiveSearchOptions& options,
                                  const std::string& name = "image");

}  // namespace seer::detection::proposals
