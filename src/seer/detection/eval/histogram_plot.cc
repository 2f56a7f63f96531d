#include "seer/detection/eval/histogram_plot.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "seer/core/error.h"
#include "seer/core/line_plot.h"

namespace seer::detection {

std::vector<double> histogram_edges(const std::vector<HistogramSeries>& series, const HistogramPlotOptions& options) {
  if (options.bins < 1) throw Error(fmt::format("histogram: bins must be at least 1, not {}", options.bins));
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) lo = hi = 0;
  std::vector<double> edges;
  if (options.integer_bins) {
    for (double k = std::round(lo); k <= std::round(hi) + 1; ++k) edges.push_back(k - 0.5);
    return edges;
  }
  if (lo == hi) return {lo - 0.5, hi + 0.5};
  for (int i = 0; i <= options.bins; ++i) edges.push_back(lo + (hi - lo) * i / options.bins);
  edges.back() = hi;
  return edges;
}

std::vector<size_t> histogram_counts(const std::vector<double>& values, const std::vector<double>& edges) {
  std::vector<size_t> counts(edges.size() > 1 ? edges.size() - 1 : 0, 0);
  if (counts.empty()) return counts;
  for (double v : values) {
    if (!std::isfinite(v) || v < edges.front() || v > edges.back()) continue;
    // The bin whose left edge is the last one <= v; the right edge of the last bin belongs to it.
    auto it = std::upper_bound(edges.begin(), edges.end(), v);
    size_t bin = static_cast<size_t>(it - edges.begin()) - 1;
    ++counts[std::min(bin, counts.size() - 1)];
  }
  return counts;
}

void write_histogram_plot(const std::filesystem::path& png, const std::vector<HistogramSeries>& series,
                          const HistogramPlotOptions& options) {
  const std::vector<double> edges = histogram_edges(series, options);
  std::vector<Series> lines;
  for (const auto& s : series) {
    const std::vector<size_t> counts = histogram_counts(s.values, edges);
    size_t total = 0;
    for (size_t c : counts) total += c;
    Series line;
    line.name = fmt::format("{} ({})", s.name, total);
    // The outline: up at the first edge, across each bin, down at the last edge.
    line.x.push_back(edges.front());
    line.y.push_back(0);
    for (size_t i = 0; i < counts.size(); ++i) {
      const double y = options.fraction ? (total ? static_cast<double>(counts[i]) / static_cast<double>(total) : 0)
                                        : static_cast<double>(counts[i]);
      line.x.insert(line.x.end(), {edges[i], edges[i + 1]});
      line.y.insert(line.y.end(), {y, y});
    }
    line.x.push_back(edges.back());
    line.y.push_back(0);
    if (!total) line.x.clear(), line.y.clear();  // listed in the legend as "(no data)"
    lines.push_back(std::move(line));
  }
  LinePlotOptions plot;
  plot.title = options.title;
  plot.x_label = options.x_label;
  plot.y_label = !options.y_label.empty() ? options.y_label : options.fraction ? "fraction of the series" : "count";
  plot.width = options.width;
  plot.height = options.height;
  write_line_plot(png, lines, plot);
}

}  // namespace seer::detection
