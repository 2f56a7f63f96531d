#include "seer/detection/eval/pr_plot.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"

namespace seer::detection {
namespace fs = std::filesystem;
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kTickScale = 0.45;
constexpr double kLabelScale = 0.55;
constexpr double kTitleScale = 0.65;
constexpr int kShift = 4;  // sub-pixel bits of the antialiased drawing calls
constexpr size_t kMarkerMaxPoints = 30;
constexpr double kPad = 0.02;  // axis room beyond [0, 1], as a fraction of it

const cv::Scalar kWhite(255, 255, 255);
const cv::Scalar kBlack(0, 0, 0);
const cv::Scalar kGrid(225, 225, 225);
const cv::Scalar kGray(110, 110, 110);
// tab10 (BGR), as core/line_plot.
const std::array<cv::Scalar, 6> kPalette = {cv::Scalar(180, 119, 31), cv::Scalar(14, 127, 255),
                                            cv::Scalar(44, 160, 44),  cv::Scalar(40, 39, 214),
                                            cv::Scalar(189, 103, 148), cv::Scalar(75, 86, 140)};

cv::Size text_size(const std::string& text, double scale, int thickness = 1) {
  int baseline = 0;
  return cv::getTextSize(text, kFont, scale, thickness, &baseline);
}

void put_text(cv::Mat& img, const std::string& text, cv::Point at, double scale,
              const cv::Scalar& color, int thickness = 1) {
  cv::putText(img, text, at, kFont, scale, color, thickness, cv::LINE_AA);
}

std::string ap_text(double ap) {
  return std::isfinite(ap) ? fmt::format("AP {:.4f}", ap) : std::string("AP undefined (no ground truth)");
}

// The interpolated precision of a devkit curve (monotone from the right), as a step curve that
// ends by dropping to 0 at the last recall (the area voc_ap integrates).
PrCurve envelope(const ClassResult& r, const std::string& name) {
  PrCurve c;
  c.name = name;
  c.steps = true;
  const size_t n = std::min(r.recall.size(), r.precision.size());
  std::vector<double> env(r.precision.begin(), r.precision.begin() + n);
  for (size_t i = n; i-- > 1;) env[i - 1] = std::max(env[i - 1], env[i]);
  for (size_t i = 0; i < n; ++i) {
    c.recall.push_back(r.recall[i]);
    c.precision.push_back(env[i]);
  }
  if (n) {
    c.recall.push_back(r.recall[n - 1]);
    c.precision.push_back(0);
  }
  return c;
}

}  // namespace

std::string plot_file_stem(const std::string& class_name) {
  std::string out;
  for (unsigned char ch : class_name) {
    out += (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.') ? static_cast<char>(ch) : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "class_" + out;
  return out;
}

void write_pr_plot(const fs::path& png, const std::vector<PrCurve>& curves,
                   const PrPlotOptions& options) {
  if (options.width < 240 || options.height < 200) {
    throw file_error(png.string(), fmt::format("plot size {}x{} is too small (at least 240x200)",
                                               options.width, options.height));
  }
  const int tick_h = text_size("0", kTickScale).height;
  const int label_h = text_size("Ag", kLabelScale).height;
  const int title_h = options.title.empty() ? 0 : text_size(options.title, kTitleScale, 2).height;
  const int sub_h = options.subtitle.empty() ? 0 : text_size(options.subtitle, kTickScale).height;
  const int top = 16 + title_h + (sub_h ? sub_h + 10 : 0) + 16;
  const int left = 14 + label_h + 14 + text_size("0.0", kTickScale).width + 10;
  const int bottom = tick_h + 22 + label_h + 16;
  const int right = 24;
  const cv::Rect area(left, top, options.width - left - right, options.height - top - bottom);
  if (area.width < 40 || area.height < 40) throw file_error(png.string(), "plot too small for its labels");

  // [0, 1] with a little room on each side, so that curves along the edges stay visible.
  const auto unit = [](double v) { return (v + kPad) / (1 + 2 * kPad); };
  const auto px = [&](double x) { return area.x + unit(x) * area.width; };
  const auto py = [&](double y) { return area.y + area.height - unit(y) * area.height; };
  const auto fixed = [&](double x, double y) {
    return cv::Point(cvRound((px(x) - area.x) * (1 << kShift)),
                     cvRound((py(y) - area.y) * (1 << kShift)));
  };

  cv::Mat img(options.height, options.width, CV_8UC3, kWhite);
  for (int i = 0; i <= 5; ++i) {
    const double v = i * 0.2;
    const std::string label = fmt::format("{:.1f}", v);
    const cv::Size size = text_size(label, kTickScale);
    const int x = cvRound(px(v)), y = cvRound(py(v));
    cv::line(img, {x, area.y}, {x, area.y + area.height}, kGrid, 1);
    cv::line(img, {area.x, y}, {area.x + area.width, y}, kGrid, 1);
    cv::line(img, {x, area.y + area.height}, {x, area.y + area.height + 5}, kBlack, 1);
    cv::line(img, {area.x - 5, y}, {area.x, y}, kBlack, 1);
    put_text(img, label, {x - size.width / 2, area.y + area.height + 10 + size.height}, kTickScale, kBlack);
    put_text(img, label, {area.x - 9 - size.width, y + size.height / 2}, kTickScale, kBlack);
  }

  cv::Mat plot = img(area);
  bool any = false;
  for (size_t i = 0; i < curves.size(); ++i) {
    const PrCurve& c = curves[i];
    const cv::Scalar& color = kPalette[i % kPalette.size()];
    std::vector<cv::Point> line;
    const size_t n = std::min(c.recall.size(), c.precision.size());
    double last_x = 0, last_y = NAN;
    for (size_t k = 0; k < n; ++k) {
      if (!std::isfinite(c.recall[k]) || !std::isfinite(c.precision[k])) continue;
      const double x = std::clamp(c.recall[k], 0.0, 1.0), y = std::clamp(c.precision[k], 0.0, 1.0);
      if (c.steps) {
        // steps-pre: the value of point k holds on (x[k-1], x[k]]; the curve starts at recall 0.
        if (line.empty()) line.push_back(fixed(0, y));
        else if (y != last_y) line.push_back(fixed(last_x, y));
      }
      line.push_back(fixed(x, y));
      last_x = x, last_y = y;
    }
    if (line.empty()) continue;
    any = true;
    if (line.size() > 1) cv::polylines(plot, line, false, color, c.steps ? 2 : 1, cv::LINE_AA, kShift);
    if (!c.steps && line.size() <= kMarkerMaxPoints) {
      for (const auto& p : line) cv::circle(plot, p, 3 << kShift, color, cv::FILLED, cv::LINE_AA, kShift);
    }
  }
  cv::rectangle(img, area, kBlack, 1);
  if (!any) {
    const std::string text = "no detections";
    const cv::Size size = text_size(text, kLabelScale);
    put_text(img, text, {area.x + (area.width - size.width) / 2, area.y + (area.height + size.height) / 2},
             kLabelScale, kGray);
  }

  if (!options.title.empty()) {
    const cv::Size size = text_size(options.title, kTitleScale, 2);
    put_text(img, options.title, {std::max(4, area.x + (area.width - size.width) / 2), 16 + size.height},
             kTitleScale, kBlack, 2);
  }
  if (!options.subtitle.empty()) {
    const cv::Size size = text_size(options.subtitle, kTickScale);
    put_text(img, options.subtitle,
             {std::max(4, area.x + (area.width - size.width) / 2), 16 + title_h + 10 + size.height},
             kTickScale, kGray);
  }
  {
    const std::string x_label = "recall";
    const cv::Size size = text_size(x_label, kLabelScale);
    put_text(img, x_label, {area.x + (area.width - size.width) / 2, options.height - 12}, kLabelScale, kBlack);
    // y label, rotated.
    const std::string y_label = "precision";
    int baseline = 0;
    const cv::Size ys = cv::getTextSize(y_label, kFont, kLabelScale, 1, &baseline);
    cv::Mat label(ys.height + baseline + 4, ys.width + 4, CV_8UC3, kWhite);
    put_text(label, y_label, {2, ys.height + 2}, kLabelScale, kBlack);
    cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
    const cv::Rect where(10, area.y + area.height / 2 - label.rows / 2, label.cols, label.rows);
    if ((where & cv::Rect(0, 0, img.cols, img.rows)) == where) label.copyTo(img(where));
  }

  // Legend, bottom left of the plot area (PR curves run from the top left to the bottom right).
  if (!curves.empty()) {
    int text_w = 0;
    for (const auto& c : curves) text_w = std::max(text_w, text_size(c.name, kTickScale).width);
    const int row_h = tick_h + 10, sample_w = 24, pad = 8;
    const cv::Size size(pad + sample_w + 8 + text_w + pad,
                        pad + row_h * static_cast<int>(curves.size()) + pad - 6);
    const cv::Rect box(area.x + 10, area.y + area.height - 10 - size.height, size.width, size.height);
    if ((box & area) == box) {
      cv::rectangle(img, box, kWhite, cv::FILLED);
      cv::rectangle(img, box, cv::Scalar(160, 160, 160), 1);
      for (size_t i = 0; i < curves.size(); ++i) {
        const int cy = box.y + pad + static_cast<int>(i) * row_h + tick_h / 2;
        const cv::Scalar& color = kPalette[i % kPalette.size()];
        cv::line(img, {box.x + pad, cy}, {box.x + pad + sample_w, cy}, color, 2, cv::LINE_AA);
        put_text(img, curves[i].name, {box.x + pad + sample_w + 8, cy + tick_h / 2}, kTickScale, kBlack);
      }
    }
  }

  std::vector<uchar> bytes;
  if (!cv::imencode(".png", img, bytes)) throw file_error(png.string(), "cannot encode PNG");
  write_file_atomic(png, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::vector<fs::path> write_voc_pr_plots(const fs::path& dir, const VocEvalResult& result) {
  const std::string metric = result.options.use_07_metric ? "VOC07 11-point" : "VOC2010+ area";
  std::vector<fs::path> written;
  for (const ClassResult& r : result.per_class) {
    PrCurve points{"precision / recall", r.recall, r.precision, false};
    PrPlotOptions options;
    options.title = fmt::format("{}  {} ({})", r.name, ap_text(r.ap), metric);
    options.subtitle = fmt::format("{} positives ({} difficult), {} detections: {} TP, {} FP", r.npos,
                                   r.difficult, r.detections, r.tp, r.fp);
    const fs::path png = dir / (plot_file_stem(r.name) + ".png");
    write_pr_plot(png, {points, envelope(r, "interpolated precision")}, options);
    written.push_back(png);
  }
  return written;
}

std::vector<fs::path> write_coco_pr_plots(const fs::path& dir, const CocoEvalResult& result) {
  std::vector<fs::path> written;
  for (const CocoClassResult& r : result.per_class) {
    if (r.precision.empty()) continue;
    std::vector<PrCurve> curves;
    for (size_t t : {size_t{0}, size_t{5}, size_t{9}}) {
      if (t >= r.precision.size()) continue;
      curves.push_back({fmt::format("IoU {:.2f}", result.iou_thresholds[t]), result.recall_thresholds,
                        r.precision[t], false});
    }
    PrPlotOptions options;
    options.title = fmt::format("{}  AP@[.5:.95] {:.4f}", r.name, r.ap);
    options.subtitle = fmt::format("{} positives; AP50 {:.4f}, AP75 {:.4f} (101-point)", r.npos,
                                   r.ap50, r.ap75);
    const fs::path png = dir / (plot_file_stem(r.name) + ".png");
    write_pr_plot(png, curves, options);
    written.push_back(png);
  }
  return written;
}

}  // namespace seer::detection
