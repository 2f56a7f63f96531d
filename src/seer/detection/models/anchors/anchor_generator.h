// Anchors: the reference boxes of the region proposal network, `sizes x ratios` of them centred
// on every cell of the feature map (Faster R-CNN's 3 scales x 3 aspect ratios = 9 per location).
//
// An anchor of size s and ratio r (height / width) has width s / sqrt(r) and height s * sqrt(r),
// so its area is s^2 whatever the ratio. The anchors of cell (i, j) are centred on the cell's
// centre ((j + 0.5) * stride, (i + 0.5) * stride) in input pixels (box.h's continuous
// coordinates; no rounding). Order: cell-major, row by row, and within a cell size-major then
// ratio: anchor index = (i * W + j) * A + (s_index * R + r_index), A = S * R - the order the RPN
// head's outputs are flattened in (see rpn/region_proposal_network.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

namespace seer::detection::models {

struct AnchorOptions {
  std::vector<double> sizes = {128, 256, 512};  // sqrt(area) in input pixels (the paper's)
  std::vector<double> ratios = {0.5, 1.0, 2.0};  // height / width

  int64_t per_location() const { return static_cast<int64_t>(sizes.size() * ratios.size()); }
  nlohmann::json to_json() const;
  static AnchorOptions from_json(const nlohmann::json& j);
  // "default" (the paper's), or "S1,S2,...:R1,R2,..." (sizes, then ratios). "auto" is resolved
  // by the caller from the training boxes (data/box_statistics.h). seer::Error otherwise.
  static AnchorOptions parse(const std::string& spec);
};

class AnchorGenerator {
 public:
  // seer::Error unless there is at least one size and ratio, all positive and finite, and the
  // stride is >= 1.
  AnchorGenerator(AnchorOptions options, int64_t stride);

  const AnchorOptions& options() const { return options_; }
  int64_t stride() const { return stride_; }
  int64_t per_location() const { return options_.per_location(); }

  // The A anchors of a cell centred at (0, 0): [A, 4] float.
  at::Tensor cell_anchors() const;
  // Every anchor of a height x width feature map: [height * width * A, 4] float on `device`.
  at::Tensor grid_anchors(int64_t height, int64_t width, at::Device device) const;

 private:
  AnchorOptions options_;
  int64_t stride_;
};

}  // namespace seer::detection::models
