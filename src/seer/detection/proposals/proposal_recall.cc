#include "seer/detection/proposals/proposal_recall.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "seer/core/error.h"
#include "seer/core/line_plot.h"

namespace seer::detection::proposals {

std::vector<RecallPoint> proposal_recall(const DetectionDataset& data, const std::vector<std::vector<Box>>& proposals,
                                         const std::vector<int>& counts) {
  if (proposals.size() != data.images.size())
    throw Error(fmt::format("proposal recall: {} proposal lists for {} images", proposals.size(), data.images.size()));
  // best[i][g]: for every ground-truth box, the best IoU among the first k proposals, filled in
  // proposal order so that every count is one pass.
  struct Gt {
    Box box;
    int label;
  };
  std::vector<std::vector<Gt>> gts(data.images.size());
  size_t total_gt = 0;
  for (size_t i = 0; i < data.images.size(); ++i)
    for (const DetectionObject& o : data.images[i].objects)
      if (!o.difficult) {
        gts[i].push_back({o.box, o.label});
        ++total_gt;
      }
  if (total_gt == 0) throw Error("proposal recall: the split has no (non-difficult) ground-truth boxes");

  std::vector<RecallPoint> out;
  for (int count : counts) {
    RecallPoint point;
    point.max_proposals = count;
    size_t hit05 = 0, hit07 = 0, used = 0;
    std::map<int, std::pair<double, size_t>> abo;  // label -> (sum of best overlaps, boxes)
    for (size_t i = 0; i < data.images.size(); ++i) {
      const auto& props = proposals[i];
      const size_t k = count > 0 ? std::min(props.size(), static_cast<size_t>(count)) : props.size();
      used += k;
      for (const Gt& g : gts[i]) {
        double best = 0;
        for (size_t p = 0; p < k; ++p) best = std::max(best, box_iou(g.box, props[p]));
        hit05 += best >= 0.5;
        hit07 += best >= 0.7;
        auto& a = abo[g.label];
        a.first += best;
        ++a.second;
      }
    }
    point.proposals_per_image = static_cast<double>(used) / static_cast<double>(data.images.size());
    point.recall_05 = static_cast<double>(hit05) / static_cast<double>(total_gt);
    point.recall_07 = static_cast<double>(hit07) / static_cast<double>(total_gt);
    double mabo = 0;
    for (const auto& [label, a] : abo) mabo += a.first / static_cast<double>(a.second);
    point.mabo = mabo / static_cast<double>(abo.size());
    out.push_back(point);
  }
  return out;
}

void write_recall_plot(const std::filesystem::path& png, const std::vector<RecallPoint>& curve,
                       const std::string& title) {
  Series r05{"recall IoU 0.5", {}, {}}, r07{"recall IoU 0.7", {}, {}}, mabo{"MABO", {}, {}};
  for (const RecallPoint& p : curve) {
    for (Series* s : {&r05, &r07, &mabo}) s->x.push_back(p.proposals_per_image);
    r05.y.push_back(p.recall_05);
    r07.y.push_back(p.recall_07);
    mabo.y.push_back(p.mabo);
  }
  LinePlotOptions options;
  options.title = title;
  options.x_label = "proposals per image";
  options.y_label = "recall / mean best overlap";
  options.log_x = true;
  write_line_plot(png, {r05, r07, mabo}, options);
}

}  // namespace seer::detection::proposals
