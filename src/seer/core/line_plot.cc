#include "seer/core/line_plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"

namespace seer {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kTickScale = 0.45;
constexpr double kLabelScale = 0.55;
constexpr double kTitleScale = 0.75;
constexpr int kShift = 4;  // sub-pixel bits for antialiased lines: coordinates are * 16
constexpr double kPadFraction = 0.04;  // room between the data and the frame
constexpr size_t kMarkerMaxPoints = 20;  // sparse series (evaluations) get dots on their points

const cv::Scalar kWhite(255, 255, 255);
const cv::Scalar kBlack(0, 0, 0);
const cv::Scalar kGrid(225, 225, 225);
const cv::Scalar kTextGray(110, 110, 110);

// Matplotlib's "tab10" colours (BGR): distinct, and still tellable apart when printed in grey.
const std::array<cv::Scalar, 10> kPalette = {
    cv::Scalar(180, 119, 31), cv::Scalar(14, 127, 255),  cv::Scalar(44, 160, 44),
    cv::Scalar(40, 39, 214),  cv::Scalar(189, 103, 148), cv::Scalar(75, 86, 140),
    cv::Scalar(194, 119, 227), cv::Scalar(127, 127, 127), cv::Scalar(34, 189, 188),
    cv::Scalar(207, 190, 23)};

struct Axis {
  double lo = 0, hi = 1;            // in plotted units (log10 of the value on a log axis)
  std::vector<double> ticks;        // positions, in plotted units
  std::vector<std::string> labels;  // one per tick
};

struct Points {
  std::vector<double> x, y;  // finite, y already in plotted units
};

cv::Size text_size(const std::string& text, double scale, int thickness = 1) {
  int baseline = 0;
  return cv::getTextSize(text, kFont, scale, thickness, &baseline);
}

void put_text(cv::Mat& img, const std::string& text, cv::Point bottom_left, double scale,
              const cv::Scalar& color, int thickness = 1) {
  cv::putText(img, text, bottom_left, kFont, scale, color, thickness, cv::LINE_AA);
}

// The smallest of 1, 2, 2.5, 5 (times a power of ten) that is >= raw.
double nice_step(double raw) {
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * power >= raw * (1 - 1e-9)) return m * power;
  }
  return 10 * power;
}

// Decimals needed to print every multiple of `step` exactly (2 for 0.25, 0 for 50).
int decimals_for(double step) {
  for (int d = 0; d <= 12; ++d) {
    const double scaled = step * std::pow(10.0, d);
    if (std::fabs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) return d;
  }
  return 12;
}

std::string format_tick(double value, int decimals) {
  if (std::fabs(value) < 1e-12) value = 0;  // no "-0"
  if (std::fabs(value) >= 1e6 || decimals > 6) return fmt::format("{:g}", value);
  return fmt::format("{:.{}f}", value, decimals);
}

// About five ticks on multiples of a nice step, all inside [lo, hi].
std::vector<double> linear_ticks(double lo, double hi, double* step_out) {
  const double step = nice_step((hi - lo) / 5);
  std::vector<double> ticks;
  for (double k = std::ceil(lo / step); k * step <= hi + step * 1e-9; ++k) {
    ticks.push_back(k * step);
  }
  *step_out = step;
  return ticks;
}

void set_linear_ticks(Axis& axis) {
  double step = 1;
  axis.ticks = linear_ticks(axis.lo, axis.hi, &step);
  const int decimals = decimals_for(step);
  for (double t : axis.ticks) axis.labels.push_back(format_tick(t, decimals));
}

// Log axis: whole decades when the range spans several, else 1-2-5 within decades, else (a
// narrow range) plain linear ticks placed on the log scale.
void set_log_ticks(Axis& axis) {
  const double span = axis.hi - axis.lo;
  const double every = std::max(1.0, std::ceil(span / 6));
  for (double k = std::ceil(axis.lo / every) * every; k <= axis.hi; k += every) {
    axis.ticks.push_back(k);
    axis.labels.push_back(fmt::format("{:g}", std::pow(10.0, k)));
  }
  if (axis.ticks.size() >= 3) return;

  axis.ticks.clear();
  axis.labels.clear();
  for (double k = std::floor(axis.lo); k <= std::ceil(axis.hi); ++k) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double value = m * std::pow(10.0, k);
      const double position = std::log10(value);
      if (position < axis.lo || position > axis.hi) continue;
      axis.ticks.push_back(position);
      axis.labels.push_back(fmt::format("{:g}", value));
    }
  }
  if (axis.ticks.size() >= 3) return;

  axis.ticks.clear();
  axis.labels.clear();
  double step = 1;
  const auto values = linear_ticks(std::pow(10.0, axis.lo), std::pow(10.0, axis.hi), &step);
  const int decimals = decimals_for(step);
  for (double v : values) {
    if (v <= 0) continue;
    axis.ticks.push_back(std::log10(v));
    axis.labels.push_back(format_tick(v, decimals));
  }
}

// Range of the data, padded so that lines do not run along the frame. A single value gets a
// range around it (a flat line in the middle rather than a division by zero).
Axis make_axis(double lo, double hi, bool log_scale) {
  Axis axis;
  if (!(lo <= hi)) {  // no data at all
    lo = 0;
    hi = 1;
  } else if (lo == hi) {
    const double pad = log_scale ? 0.5 : (lo == 0 ? 1 : std::fabs(lo) * 0.1);
    lo -= pad;
    hi += pad;
  } else {
    const double pad = (hi - lo) * kPadFraction;
    lo -= pad;
    hi += pad;
  }
  axis.lo = lo;
  axis.hi = hi;
  if (log_scale) set_log_ticks(axis);
  else set_linear_ticks(axis);
  return axis;
}

Points finite_points(const Series& s, bool log_x, bool log_y) {
  Points p;
  const size_t n = std::min(s.x.size(), s.y.size());
  for (size_t i = 0; i < n; ++i) {
    double x = s.x[i], y = s.y[i];
    if (log_x) x = x > 0 ? std::log10(x) : std::numeric_limits<double>::quiet_NaN();
    if (log_y) y = y > 0 ? std::log10(y) : std::numeric_limits<double>::quiet_NaN();
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    p.x.push_back(x);
    p.y.push_back(y);
  }
  return p;
}

// The y label reads bottom to top: drawn horizontally on its own image, then rotated.
void put_vertical_text(cv::Mat& img, const std::string& text, int left, int center_y) {
  int baseline = 0;
  const cv::Size size = cv::getTextSize(text, kFont, kLabelScale, 1, &baseline);
  cv::Mat label(size.height + baseline + 4, size.width + 4, CV_8UC3, kWhite);
  put_text(label, text, {2, size.height + 2}, kLabelScale, kBlack);
  cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
  cv::Rect where(left, center_y - label.rows / 2, label.cols, label.rows);
  const cv::Rect visible = where & cv::Rect(0, 0, img.cols, img.rows);
  if (visible.empty()) return;
  label(cv::Rect(visible.x - where.x, visible.y - where.y, visible.width, visible.height))
      .copyTo(img(visible));
}

// Top right unless another corner of the plot area hides less of the curves already drawn
// (accuracy curves end in the top right corner, loss curves in the bottom right one).
cv::Rect legend_place(const cv::Mat& img, const cv::Rect& area, cv::Size size) {
  const int inset = 10;
  const int left = area.x + inset, right = area.x + area.width - inset - size.width;
  const int top = area.y + inset, bottom = area.y + area.height - inset - size.height;
  const cv::Rect corners[] = {{right, top, size.width, size.height},
                              {left, top, size.width, size.height},
                              {right, bottom, size.width, size.height},
                              {left, bottom, size.width, size.height}};
  cv::Rect best = corners[0];
  int best_hidden = std::numeric_limits<int>::max();
  for (const cv::Rect& corner : corners) {
    const cv::Rect visible = corner & area;
    if (visible.empty()) continue;
    // Pixels of the series: every palette colour has a channel below 200; white and the grid
    // do not.
    std::vector<cv::Mat> channels;
    cv::split(img(visible), channels);
    const int hidden = cv::countNonZero(cv::min(cv::min(channels[0], channels[1]), channels[2]) < 200);
    if (hidden < best_hidden) {
      best = corner;
      best_hidden = hidden;
    }
  }
  return best;
}

}  // namespace

void write_line_plot(const std::filesystem::path& png, const std::vector<Series>& series,
                     const LinePlotOptions& options) {
  if (options.width < 200 || options.height < 150) {
    throw file_error(png.string(), fmt::format("plot size {}x{} is too small (at least 200x150)",
                                               options.width, options.height));
  }
  std::vector<Points> points;
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const auto& s : series) {
    points.push_back(finite_points(s, options.log_x, options.log_y));
    for (double x : points.back().x) x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
    for (double y : points.back().y) y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
  }
  const Axis x_axis = make_axis(x_lo, x_hi, options.log_x);
  const Axis y_axis = make_axis(y_lo, y_hi, options.log_y);

  // Margins follow the text that goes in them.
  const int tick_h = text_size("0", kTickScale).height;
  const int label_h = text_size("Ag", kLabelScale).height;
  int y_tick_w = 0;
  for (const auto& l : y_axis.labels) y_tick_w = std::max(y_tick_w, text_size(l, kTickScale).width);
  int x_tick_half = 0;
  for (const auto& l : x_axis.labels) {
    x_tick_half = std::max(x_tick_half, text_size(l, kTickScale).width / 2);
  }
  const int top = options.title.empty() ? 20 : text_size(options.title, kTitleScale, 2).height + 30;
  const int bottom_margin = tick_h + 22 + (options.x_label.empty() ? 0 : label_h + 16);
  const int left = 14 + (options.y_label.empty() ? 0 : label_h + 14) + y_tick_w + 10;
  const int right_margin = std::max(20, x_tick_half + 8);
  const cv::Rect area(left, top, options.width - left - right_margin,
                      options.height - top - bottom_margin);
  if (area.width < 20 || area.height < 20) {
    throw file_error(png.string(), "plot too small for its labels");
  }

  const auto px = [&](double x) {
    return area.x + (x - x_axis.lo) / (x_axis.hi - x_axis.lo) * area.width;
  };
  const auto py = [&](double y) {
    return area.y + area.height - (y - y_axis.lo) / (y_axis.hi - y_axis.lo) * area.height;
  };
  const auto fixed = [](double x, double y) {  // sub-pixel point for the kShift drawing calls
    return cv::Point(cvRound(x * (1 << kShift)), cvRound(y * (1 << kShift)));
  };

  cv::Mat img(options.height, options.width, CV_8UC3, kWhite);
  const int area_right = area.x + area.width, area_bottom = area.y + area.height;

  // Grid, ticks and tick labels.
  for (size_t i = 0; i < x_axis.ticks.size(); ++i) {
    const int x = cvRound(px(x_axis.ticks[i]));
    cv::line(img, {x, area.y}, {x, area_bottom}, kGrid, 1);
    cv::line(img, {x, area_bottom}, {x, area_bottom + 5}, kBlack, 1);
    const cv::Size size = text_size(x_axis.labels[i], kTickScale);
    put_text(img, x_axis.labels[i], {x - size.width / 2, area_bottom + 10 + size.height}, kTickScale,
             kBlack);
  }
  for (size_t i = 0; i < y_axis.ticks.size(); ++i) {
    const int y = cvRound(py(y_axis.ticks[i]));
    cv::line(img, {area.x, y}, {area_right, y}, kGrid, 1);
    cv::line(img, {area.x - 5, y}, {area.x, y}, kBlack, 1);
    const cv::Size size = text_size(y_axis.labels[i], kTickScale);
    put_text(img, y_axis.labels[i], {area.x - 9 - size.width, y + size.height / 2}, kTickScale,
             kBlack);
  }

  // The series, clipped to the plot area so that nothing spills into the margins.
  bool any_drawn = false;
  cv::Mat plot = img(area);
  for (size_t i = 0; i < points.size(); ++i) {
    const Points& p = points[i];
    if (p.x.empty()) continue;
    any_drawn = true;
    const cv::Scalar& color = kPalette[i % kPalette.size()];
    std::vector<cv::Point> line;
    for (size_t j = 0; j < p.x.size(); ++j) line.push_back(fixed(px(p.x[j]) - area.x, py(p.y[j]) - area.y));
    if (line.size() > 1) cv::polylines(plot, line, false, color, 2, cv::LINE_AA, kShift);
    if (line.size() <= kMarkerMaxPoints) {
      for (const auto& point : line) cv::circle(plot, point, 3 << kShift, color, cv::FILLED, cv::LINE_AA, kShift);
    }
  }
  cv::rectangle(img, area, kBlack, 1);
  if (!any_drawn) {
    const std::string text = "no data";
    const cv::Size size = text_size(text, kLabelScale);
    put_text(img, text, {area.x + (area.width - size.width) / 2, area.y + (area.height + size.height) / 2},
             kLabelScale, kTextGray);
  }

  // Title and axis labels.
  if (!options.title.empty()) {
    // A long title is set smaller until it fits the image (with a margin), never cut off.
    double scale = kTitleScale;
    while (scale > 0.3 && text_size(options.title, scale, 2).width > img.cols - 20) scale *= 0.9;
    const cv::Size size = text_size(options.title, scale, 2);
    const int x = std::clamp(area.x + (area.width - size.width) / 2, 10, std::max(10, img.cols - 10 - size.width));
    put_text(img, options.title, {x, 14 + size.height}, scale, kBlack, 2);
  }
  if (!options.x_label.empty()) {
    const cv::Size size = text_size(options.x_label, kLabelScale);
    put_text(img, options.x_label,
             {area.x + (area.width - size.width) / 2, options.height - 12}, kLabelScale, kBlack);
  }
  if (!options.y_label.empty()) put_vertical_text(img, options.y_label, 10, area.y + area.height / 2);

  // Legend inside the plot area: a colour sample and the name of each series.
  if (!series.empty()) {
    std::vector<std::string> names;
    int text_w = 0;
    for (size_t i = 0; i < series.size(); ++i) {
      std::string name = series[i].name.empty() ? fmt::format("series {}", i + 1) : series[i].name;
      if (points[i].x.empty()) name += " (no data)";
      text_w = std::max(text_w, text_size(name, kTickScale).width);
      names.push_back(std::move(name));
    }
    const int row_h = tick_h + 10, sample_w = 24, pad = 8;
    const cv::Size size(pad + sample_w + 8 + text_w + pad,
                        pad + row_h * static_cast<int>(names.size()) + pad - 6);
    const cv::Rect box = legend_place(img, area, size);
    cv::rectangle(img, box, kWhite, cv::FILLED);
    cv::rectangle(img, box, cv::Scalar(160, 160, 160), 1);
    for (size_t i = 0; i < names.size(); ++i) {
      const int center_y = box.y + pad + static_cast<int>(i) * row_h + tick_h / 2;
      const cv::Scalar& color = kPalette[i % kPalette.size()];
      cv::line(img, {box.x + pad, center_y}, {box.x + pad + sample_w, center_y}, color, 2, cv::LINE_AA);
      put_text(img, names[i], {box.x + pad + sample_w + 8, center_y + tick_h / 2}, kTickScale,
               points[i].x.empty() ? kTextGray : kBlack);
    }
  }

  std::vector<uchar> bytes;
  if (!cv::imencode(".png", img, bytes)) throw file_error(png.string(), "cannot encode PNG");
  write_file_atomic(png, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace seer
