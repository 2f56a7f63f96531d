// Series for a line chart read from a CSV table: the first column is x, every other column one
// series named by its header; an empty cell is a missing point. `seer plot` draws such a file,
// so that benchmarks (and users) turn their own tables into the same charts as training runs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "seer/core/line_plot.h"

namespace seer {

struct SeriesTable {
  std::string x_name;           // the first header cell
  std::vector<Series> series;   // one per further column, in column order
};

// Reads `path`: a header row, then rows of numbers, comma-separated (cells trimmed; a cell may
// be double-quoted). Every row has the header's number of cells. Empty cells and "nan" are
// missing points (kept as NaN, which write_line_plot skips). Errors name the file and line:
// no header, fewer than two columns, a row of the wrong width, a cell that is not a number, an
// empty x, no data row.
SeriesTable read_series_csv(const std::filesystem::path& path);

}  // namespace seer
