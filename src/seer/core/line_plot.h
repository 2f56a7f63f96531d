// PNG line charts (loss and accuracy curves), drawn with OpenCV: axes with ticks, a title,
// a legend, one colour per series.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace seer {

struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;  // same length as x; non-finite points are skipped
};

struct LinePlotOptions {
  std::string title;
  std::string x_label = "step";
  std::string y_label;
  int width = 900;
  int height = 540;
  bool log_x = false;  // log10 x axis (values <= 0 skipped)
  bool log_y = false;  // log10 y axis (values <= 0 skipped)
};

// Writes the chart as a PNG atomically. Series with no finite points are listed in the legend
// but not drawn; an empty plot is still a valid PNG.
void write_line_plot(const std::filesystem::path& png, const std::vector<Series>& series,
                     const LinePlotOptions& options);

}  // namespace seer
