// `seer plot`: a line chart (PNG) from a CSV table, drawn like the charts of training runs, so
// that a benchmark's table (a learning curve, a speed sweep) becomes a picture a person reads.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "seer/cli/commands.h"
#include "seer/core/error.h"
#include "seer/core/line_plot.h"
#include "seer/core/series_csv.h"

namespace seer::cli {
namespace {

namespace fs = std::filesystem;

struct PlotFlags {
  std::string csv;
  std::string out;
  LinePlotOptions chart;
};

void run_plot(PlotFlags& f) {
  const SeriesTable table = read_series_csv(f.csv);
  if (f.chart.x_label.empty()) f.chart.x_label = table.x_name;
  if (fs::path(f.out).extension() != ".png") throw Error("--out " + f.out + ": the chart is a PNG, give a .png name");
  if (f.chart.width < 200 || f.chart.height < 150 || f.chart.width > 8000 || f.chart.height > 8000)
    throw Error("--width/--height: 200-8000 and height 150-8000 pixels");
  write_line_plot(f.out, table.series, f.chart);
  std::cout << "wrote " << f.out << " (" << table.series.size() << " series, x: " << table.x_name << ")\n";
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto f = std::make_shared<PlotFlags>();
  f->chart.x_label.clear();
  CLI::App* cmd = app.add_subcommand(
      "plot", "Draw a line chart (PNG) from a CSV table: first column x, one series per further column");
  cmd->add_option("--csv", f->csv, "The table: a header row, then numbers; empty cells are missing points")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", f->out, "The PNG to write (atomically)")->required();
  cmd->add_option("--title", f->chart.title, "Chart title");
  cmd->add_option("--x-label", f->chart.x_label, "x axis label (default: the first header cell)");
  cmd->add_option("--y-label", f->chart.y_label, "y axis label");
  cmd->add_flag("--log-x", f->chart.log_x, "log10 x axis");
  cmd->add_flag("--log-y", f->chart.log_y, "log10 y axis");
  cmd->add_option("--width", f->chart.width, "Width in pixels")->capture_default_str();
  cmd->add_option("--height", f->chart.height, "Height in pixels")->capture_default_str();
  cmd->callback([f] { run_plot(*f); });
}

}  // namespace seer::cli
