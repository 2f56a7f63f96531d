// Precision / recall curves as PNG charts: recall on x and precision on y, both fixed to
// [0, 1], one colour per curve, a legend, the AP in the title. Drawn with OpenCV (core's
// line_plot fits its axes to the data, which a PR chart must not do).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "seer/detection/eval/voc_ap.h"

namespace seer::detection {

struct PrCurve {
  std::string name;               // legend entry
  std::vector<double> recall;     // x, in [0, 1]
  std::vector<double> precision;  // y, same length; non-finite points are skipped
  bool steps = false;             // draw as a step function (interpolated precision)
};

struct PrPlotOptions {
  std::string title;
  std::string subtitle;  // a smaller second line (counts), may be empty
  int width = 640;
  int height = 560;
};

// Writes the chart atomically (parent folders created). Throws seer::Error.
void write_pr_plot(const std::filesystem::path& png, const std::vector<PrCurve>& curves,
                   const PrPlotOptions& options = {});

// A file name made of a class name: letters, digits, '-', '_' and '.' kept, others as '_'.
std::string plot_file_stem(const std::string& class_name);

// One PNG per class, <dir>/<class>.png: the devkit's precision / recall points and the
// interpolated precision the AP is computed from; title "<class>  AP 0.8125 (VOC07 11-point)".
// Returns the files written.
std::vector<std::filesystem::path> write_voc_pr_plots(const std::filesystem::path& dir,
                                                      const VocEvalResult& result);

// One PNG per class with ground truth: pycocotools' interpolated precision over the 101
// recall points at IoU .50, .75 and .95; title with AP@[.5:.95].
std::vector<std::filesystem::path> write_coco_pr_plots(const std::filesystem::path& dir,
                                                       const CocoEvalResult& result);

}  // namespace seer::detection
