// Histograms as PNG charts (box sizes, aspect ratios, objects per image of `seer detect check`):
// every series binned on the same edges and drawn as a step outline by core/line_plot, so that
// the axes, ticks, legend and colours are those of seer's other charts.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace seer::detection {

struct HistogramSeries {
  std::string name;            // legend entry
  std::vector<double> values;  // non-finite values are ignored
};

struct HistogramPlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;        // "" = "fraction of the series" or "count"
  int bins = 30;              // equal-width bins spanning the finite values of all series
  bool integer_bins = false;  // instead one bin per integer value (counts such as objects per image)
  bool fraction = true;       // y = share of the series' values in the bin (series of different
                              // sizes compare); false: y = count
  int width = 900;
  int height = 540;
};

// The bin edges used for `series` (bins + 1 ascending values; integer bins are [k - 0.5, k + 0.5)).
// One value, or none, gets a single bin of width 1 around it (around 0 when none).
std::vector<double> histogram_edges(const std::vector<HistogramSeries>& series, const HistogramPlotOptions& options);

// The count of values in each bin [edges[i], edges[i + 1]) (the last bin includes its right edge).
std::vector<size_t> histogram_counts(const std::vector<double>& values, const std::vector<double>& edges);

// Writes the chart atomically (parent folders created). Throws seer::Error (bins < 1, a plot too
// small, an unwritable file).
void write_histogram_plot(const std::filesystem::path& png, const std::vector<HistogramSeries>& series,
                          const HistogramPlotOptions& options);

}  // namespace seer::detection
