#include "seer/core/series_csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "seer/core/error.h"
#include "seer/core/strings.h"
#include "seer/text/encoding.h"

namespace seer {
namespace {

// Splits one CSV line into trimmed cells; a cell in double quotes may hold commas ("" is a quote).
std::vector<std::string> split_cells(const std::string& line, const std::string& path, long line_no) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"' && trim(cell).empty()) {
      quoted = was_quoted = true;
      cell.clear();
    } else if (c == ',') {
      cells.push_back(was_quoted ? cell : std::string(trim(cell)));
      cell.clear();
      was_quoted = false;
    } else {
      cell += c;
    }
  }
  if (quoted) throw file_error(path, line_no, "a quoted cell is not closed");
  cells.push_back(was_quoted ? cell : std::string(trim(cell)));
  return cells;
}

// A cell as a number; empty or nan is a missing point.
double parse_number(const std::string& cell, const std::string& path, long line_no, size_t column) {
  if (cell.empty() || cell == "nan" || cell == "NaN" || cell == "NAN") return NAN;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(cell.c_str(), &end);
  if (end != cell.c_str() + cell.size() || errno == ERANGE)
    throw file_error(path, line_no, "column " + std::to_string(column + 1) + ": '" + cell + "' is not a number");
  return v;
}

}  // namespace

SeriesTable read_series_csv(const std::filesystem::path& path) {
  const std::string p = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(p, "cannot open the CSV file");
  SeriesTable table;
  std::vector<std::string> header;
  long line_no = 0;
  size_t rows = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (trim(line).empty()) continue;
    std::vector<std::string> cells = split_cells(line, p, line_no);
    if (header.empty()) {
      // Names are drawn as text: bytes that are not UTF-8 are read as cp1252, with a warning.
      for (auto& cell : cells) {
        size_t invalid = 0;
        cell = text::utf8_or_cp1252(cell, &invalid);
        if (invalid > 0)
          warn(file_error(p, line_no, "header bytes that are not UTF-8 were read as cp1252/Latin-1").what());
      }
      header = cells;
      if (header.size() < 2)
        throw file_error(p, line_no, "the header needs an x column and at least one series column");
      for (size_t c = 0; c < header.size(); ++c)
        if (header[c].empty()) throw file_error(p, line_no, "header cell " + std::to_string(c + 1) + " is empty");
      table.x_name = header[0];
      for (size_t c = 1; c < header.size(); ++c) table.series.push_back(Series{header[c], {}, {}});
      continue;
    }
    if (cells.size() != header.size())
      throw file_error(p, line_no, std::to_string(cells.size()) + " cells where the header has " +
                                       std::to_string(header.size()));
    const double x = parse_number(cells[0], p, line_no, 0);
    if (std::isnan(x)) throw file_error(p, line_no, "the x cell is empty");
    for (size_t c = 1; c < cells.size(); ++c) {
      table.series[c - 1].x.push_back(x);
      table.series[c - 1].y.push_back(parse_number(cells[c], p, line_no, c));
    }
    ++rows;
  }
  if (header.empty()) throw file_error(p, "empty CSV file: no header row");
  if (rows == 0) throw file_error(p, "no data rows under the header");
  return table;
}

}  // namespace seer
