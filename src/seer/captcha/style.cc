#include "seer/captcha/style.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include <opencv2/imgproc.hpp>

#include "seer/captcha/folder_dataset.h"
#include "seer/captcha/label_codec.h"
#include "seer/core/error.h"

namespace seer::captcha {
namespace {

// q-quantile (0..1) of `v` (copied; empty: 0).
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(std::lround(q * (v.size() - 1))));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

// Mean of (max - min) over the three channels of `bgr` where `mask` is set.
double channel_spread(const cv::Mat& bgr, const cv::Mat& mask) {
  double sum = 0;
  int64_t n = 0;
  for (int r = 0; r < bgr.rows; ++r) {
    const auto* p = bgr.ptr<cv::Vec3b>(r);
    const uchar* m = mask.ptr<uchar>(r);
    for (int c = 0; c < bgr.cols; ++c) {
      if (!m[c]) continue;
      sum += std::max({p[c][0], p[c][1], p[c][2]}) - std::min({p[c][0], p[c][1], p[c][2]});
      ++n;
    }
  }
  return n ? sum / n : 0;
}

// Values of the CV_32F `image` where `mask` is set.
std::vector<double> values_at(const cv::Mat& image, const cv::Mat& mask) {
  std::vector<double> out;
  for (int r = 0; r < image.rows; ++r) {
    const float* p = image.ptr<float>(r);
    const uchar* m = mask.ptr<uchar>(r);
    for (int c = 0; c < image.cols; ++c)
      if (m[c]) out.push_back(p[c]);
  }
  return out;
}

}  // namespace

ImageStyle measure_image(const cv::Mat& image) {
  ImageStyle s;
  if (image.empty()) return s;
  cv::Mat bgr, bytes = image;
  if (image.depth() != CV_8U) {  // 16-bit or float images: to 0..255 bytes
    double lo = 0, hi = 0;
    cv::minMaxLoc(image.reshape(1), &lo, &hi);
    const double top = image.depth() == CV_16U ? 65535.0 : (hi <= 1.0 ? 1.0 : 255.0);
    image.convertTo(bytes, CV_8U, 255.0 / top);
  }
  if (bytes.channels() == 1) cv::cvtColor(bytes, bgr, cv::COLOR_GRAY2BGR);
  else if (bytes.channels() == 4) cv::cvtColor(bytes, bgr, cv::COLOR_BGRA2BGR);
  else bgr = bytes;
  const int H = bgr.rows, W = bgr.cols;
  if (H < 8 || W < 8) return s;
  cv::Mat gray_full;
  cv::cvtColor(bgr, gray_full, cv::COLOR_BGR2GRAY);

  // A frame: the outermost ring much darker than the ring three pixels in.
  auto ring_mean = [&](int inset) {
    const cv::Rect r(inset, inset, W - 2 * inset, H - 2 * inset);
    const double sum = cv::sum(gray_full(r))[0] -
                       (r.width > 2 && r.height > 2 ? cv::sum(gray_full(cv::Rect(r.x + 1, r.y + 1, r.width - 2, r.height - 2)))[0] : 0);
    return sum / std::max(1, 2 * (r.width + r.height) - 4);
  };
  s.frame = ring_mean(0) < ring_mean(3) - 60;

  // The inside (two pixels of edge dropped); the background by a closing wider than strokes.
  const cv::Rect inside(2, 2, W - 4, H - 4);
  cv::Mat gray, colour = bgr(inside);
  gray_full(inside).convertTo(gray, CV_32F);
  const int k = std::max(3, (H / 3) | 1);
  cv::Mat background;
  cv::morphologyEx(gray, background, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {k, k}));
  cv::Mat diff = cv::max(background - gray, 0.0);
  std::vector<double> all(diff.begin<float>(), diff.end<float>());
  const double contrast = quantile(all, 0.99);
  const double area = inside.area();

  cv::Mat bg_mask = diff < 0.1 * std::max(contrast, 20.0);
  const int tenth = std::max(1, inside.width / 10);
  auto side_luma = [&](int x0) {
    const cv::Rect band(x0, 0, tenth, inside.height);
    auto v = values_at(gray(band), bg_mask(band));
    return v.empty() ? cv::mean(background(band))[0] : median(v);
  };
  s.background_left = side_luma(0);
  s.background_right = side_luma(inside.width - tenth);
  s.background_tint = channel_spread(colour, bg_mask);
  if (contrast < 20) return s;  // no text to speak of

  // Ink against the local background (a gradient's dark end holds text as dark as its light
  // end does): diff over (background - the darkest ink), per pixel.
  std::vector<double> levels(gray.begin<float>(), gray.end<float>());
  const double ink_level = quantile(levels, 0.02);
  cv::Mat local = cv::max(background - ink_level, 20.0), relative;
  cv::divide(diff, local, relative);
  cv::Mat ink = relative > 0.5, core = relative > 0.8;
  s.ink_luma = median(values_at(gray, core));
  s.ink_tint = channel_spread(colour, core);
  const double ink_area = cv::countNonZero(ink);
  s.ink_fraction = ink_area / area;
  cv::Mat mid = (relative > 0.15) & (relative <= 0.5);
  s.midtone_fraction = cv::countNonZero(mid) / area;

  // The text's columns: those with more ink than a noise line or speck puts in one (a line
  // through the text would otherwise stretch its width to the line's).
  std::vector<int> per_column(ink.cols, 0);
  std::vector<double> xs, ys;
  for (int r = 0; r < ink.rows; ++r) {
    const uchar* m = ink.ptr<uchar>(r);
    for (int c = 0; c < ink.cols; ++c)
      if (m[c]) ys.push_back(r), ++per_column[c];
  }
  const int text_column = std::max(4, H / 8);
  for (int c = 0; c < ink.cols; ++c)
    for (int k = 0; k < per_column[c]; ++k)
      if (per_column[c] >= text_column) xs.push_back(c);
  s.text_height = (quantile(ys, 0.95) - quantile(ys, 0.05)) / H;
  if (!xs.empty()) {
    s.text_width = (quantile(xs, 0.98) - quantile(xs, 0.02)) / W;
    s.text_left = (quantile(xs, 0.02) + 2) / W;
  }

  cv::Mat eroded;
  cv::erode(ink, eroded, cv::getStructuringElement(cv::MORPH_CROSS, {3, 3}));
  cv::Mat boundary = ink & ~eroded;
  const double edge = cv::countNonZero(boundary);
  s.stroke_width = edge > 0 ? 2 * ink_area / edge : 0;

  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8);
  int small = 0;
  for (int i = 1; i < n; ++i) small += stats.at<int>(i, cv::CC_STAT_AREA) <= 12;
  s.specks = small * 10000.0 / area;

  cv::Mat laplacian;
  cv::Laplacian(gray, laplacian, CV_32F);
  laplacian = cv::abs(laplacian);
  cv::divide(laplacian, local, laplacian);
  s.sharpness = edge > 0 ? cv::mean(laplacian, boundary)[0] : 0;

  std::vector<cv::Vec4i> lines;
  cv::HoughLinesP(ink, lines, 1, CV_PI / 180, std::max(10, W / 4), W / 2.0, 3);
  for (const auto& l : lines) {
    const double dx = std::abs(l[2] - l[0]), dy = std::abs(l[3] - l[1]);
    if (dy <= dx * std::tan(30 * CV_PI / 180)) s.line = true;
  }
  return s;
}

CaptchaStyle measure_style(const std::vector<cv::Mat>& images, const std::vector<std::string>& labels) {
  CaptchaStyle out;
  out.count = static_cast<int>(images.size());
  if (images.empty()) return out;
  std::vector<double> widths, heights, bg_mean, gradient, bg_tint, ink, ink_tint, ink_frac, th, tw, tl,
      stroke, specks, mid, sharp;
  int lines = 0, frames = 0;
  for (const auto& image : images) {
    const ImageStyle s = measure_image(image);
    widths.push_back(image.cols);
    heights.push_back(image.rows);
    bg_mean.push_back((s.background_left + s.background_right) / 2);
    gradient.push_back(s.background_right - s.background_left);
    bg_tint.push_back(s.background_tint);
    lines += s.line;
    frames += s.frame;
    if (s.ink_fraction <= 0) continue;  // blank: no text measurements
    ink.push_back(s.ink_luma);
    ink_tint.push_back(s.ink_tint);
    ink_frac.push_back(s.ink_fraction);
    th.push_back(s.text_height);
    tw.push_back(s.text_width);
    tl.push_back(s.text_left);
    stroke.push_back(s.stroke_width);
    specks.push_back(s.specks);
    mid.push_back(s.midtone_fraction);
    sharp.push_back(s.sharpness);
  }
  out.width = static_cast<int>(median(widths));
  out.height = static_cast<int>(median(heights));
  out.background_min = quantile(bg_mean, 0.1);
  out.background_max = quantile(bg_mean, 0.9);
  out.background_gradient = median(gradient);
  out.background_tint = median(bg_tint);
  out.ink_luma = median(ink);
  out.ink_luma_max = quantile(ink, 0.9);
  out.ink_tint = median(ink_tint);
  out.ink_fraction = median(ink_frac);
  out.text_height = median(th);
  out.text_width = median(tw);
  out.text_left = median(tl);
  out.stroke_width = median(stroke);
  out.specks = median(specks);
  out.midtone_fraction = median(mid);
  out.sharpness = median(sharp);
  out.line_fraction = static_cast<double>(lines) / images.size();
  out.frame_fraction = static_cast<double>(frames) / images.size();
  std::set<char> chars;
  for (size_t i = 0; i < labels.size(); ++i) {
    const int n = static_cast<int>(labels[i].size());
    out.min_length = i == 0 ? n : std::min(out.min_length, n);
    out.max_length = std::max(out.max_length, n);
    chars.insert(labels[i].begin(), labels[i].end());
  }
  out.charset.assign(chars.begin(), chars.end());
  return out;
}

CaptchaStyle measure_folder(const std::filesystem::path& dir, int limit) {
  // Any printable ASCII label of 1..64 characters: the folder's own decide the charset.
  std::string printable;
  for (char c = 33; c < 127; ++c) printable += c;
  FolderDatasetOptions options;
  options.skip_bad = true;
  options.verify_images = false;
  FolderDataset dataset(dir, LabelCodec(printable, 64, 1), options);
  const size_t n = dataset.size(), take = std::min<size_t>(n, static_cast<size_t>(std::max(1, limit)));
  std::vector<cv::Mat> images;
  std::vector<std::string> labels;
  for (size_t j = 0; j < take; ++j) {
    const size_t i = j * n / take;  // spread over the (sorted) folder
    cv::Mat image;
    try {
      image = dataset.load(i);
    } catch (const Error& e) {
      warn(std::string(e.what()) + " (not measured)");
      continue;
    }
    images.push_back(image);
    labels.push_back(dataset.items()[i].label);
  }
  if (images.empty()) throw file_error(dir.string(), "no readable image to measure");
  return measure_style(images, labels);
}

nlohmann::json CaptchaStyle::to_json() const {
  return {{"count", count},
          {"width", width},
          {"height", height},
          {"min_length", min_length},
          {"max_length", max_length},
          {"charset", charset},
          {"background_min", background_min},
          {"background_max", background_max},
          {"background_gradient", background_gradient},
          {"background_tint", background_tint},
          {"ink_luma", ink_luma},
          {"ink_luma_max", ink_luma_max},
          {"ink_tint", ink_tint},
          {"ink_fraction", ink_fraction},
          {"text_height", text_height},
          {"text_width", text_width},
          {"text_left", text_left},
          {"stroke_width", stroke_width},
          {"specks", specks},
          {"midtone_fraction", midtone_fraction},
          {"sharpness", sharpness},
          {"line_fraction", line_fraction},
          {"frame_fraction", frame_fraction}};
}

namespace {

// Every GeneratorStyle field with its JSON name, for both directions.
template <typename Style, typename F>
void each_field(Style& s, F&& f) {
  f("background_min", s.background_min);
  f("background_max", s.background_max);
  f("background_tint", s.background_tint);
  f("background_gradient", s.background_gradient);
  f("ink_luma_max", s.ink_luma_max);
  f("ink_tint", s.ink_tint);
  f("font_scale_min", s.font_scale_min);
  f("font_scale_max", s.font_scale_max);
  f("rotate_degrees", s.rotate_degrees);
  f("boldness", s.boldness);
  f("text_span", s.text_span);
  f("text_offset", s.text_offset);
  f("text_offset_jitter", s.text_offset_jitter);
  f("overlap_min", s.overlap_min);
  f("overlap_max", s.overlap_max);
  f("dots_min", s.dots_min);
  f("dots_max", s.dots_max);
  f("curve_probability", s.curve_probability);
  f("line_probability", s.line_probability);
  f("line_width", s.line_width);
  f("shadow_probability", s.shadow_probability);
  f("shadow_offset", s.shadow_offset);
  f("shadow_strength", s.shadow_strength);
  f("border_probability", s.border_probability);
  f("blur_probability", s.blur_probability);
  f("blur_sigma_min", s.blur_sigma_min);
  f("blur_sigma_max", s.blur_sigma_max);
}

// A sample of the generator's images, measured.
CaptchaStyle measure_generated(const GeneratorOptions& options, int count) {
  Generator generator(options);
  std::vector<cv::Mat> images;
  std::vector<std::string> labels;
  for (int i = 0; i < count; ++i) {
    Sample s = generator.sample(static_cast<uint64_t>(i));
    images.push_back(s.image);
    labels.push_back(s.label);
  }
  return measure_style(images, labels);
}

}  // namespace

nlohmann::json style_to_json(const GeneratorStyle& style) {
  nlohmann::json j = nlohmann::json::object();
  each_field(style, [&](const char* name, const auto& value) { j[name] = value; });
  return j;
}

GeneratorStyle style_from_json(const nlohmann::json& json) {
  if (!json.is_object()) throw Error("captcha style: expected a JSON object");
  GeneratorStyle style;
  std::set<std::string> known;
  each_field(style, [&](const char* name, auto& value) {
    known.insert(name);
    if (auto it = json.find(name); it != json.end()) {
      if (!it->is_number()) throw Error(std::string("captcha style: '") + name + "' must be a number");
      value = it->template get<std::decay_t<decltype(value)>>();
    }
  });
  for (const auto& [key, _] : json.items())
    if (!known.count(key)) throw Error("captcha style: unknown key '" + key + "'");
  return style;
}

nlohmann::json generator_options_to_json(const GeneratorOptions& options) {
  return {{"width", options.width},
          {"height", options.height},
          {"length", options.length},
          {"charset", options.charset},
          {"style", style_to_json(options.style)}};
}

GeneratorOptions generator_options_from_json(const nlohmann::json& json, GeneratorOptions base) {
  if (!json.is_object()) throw Error("captcha generator options: expected a JSON object");
  try {
    if (json.contains("width")) base.width = json.at("width").get<int>();
    if (json.contains("height")) base.height = json.at("height").get<int>();
    if (json.contains("length")) base.length = json.at("length").get<int>();
    if (json.contains("charset")) base.charset = json.at("charset").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("captcha generator options: ") + e.what());
  }
  if (json.contains("style")) base.style = style_from_json(json.at("style"));
  return base;
}

GeneratorOptions read_generator_options(const std::filesystem::path& file, GeneratorOptions base) {
  std::ifstream in(file);
  if (!in) throw file_error(file.string(), "cannot read");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw file_error(file.string(), std::string("not JSON: ") + e.what());
  }
  try {
    return generator_options_from_json(j.contains("options") ? j.at("options") : j, std::move(base));
  } catch (const Error& e) {
    throw file_error(file.string(), e.what());
  }
}

nlohmann::json StyleFit::to_json() const {
  return {{"options", generator_options_to_json(options)},
          {"target", target.to_json()},
          {"achieved", achieved.to_json()},
          {"rounds", rounds}};
}

StyleFit fit_generator_style(const CaptchaStyle& target, const GeneratorOptions& base, int sample, int rounds) {
  if (target.count == 0 || target.width < 16 || target.height < 16) {
    throw Error("captcha style: nothing measured to fit a generator to (no images, or images under 16 x 16)");
  }
  StyleFit fit;
  fit.target = target;
  GeneratorOptions& o = fit.options;
  o = base;
  o.width = target.width;
  o.height = target.height;
  if (target.max_length > 0) o.length = target.max_length;
  if (!target.charset.empty()) o.charset = target.charset;
  GeneratorStyle& s = o.style;
  // Copied directly.
  s.background_min = target.background_min;
  s.background_max = std::max(target.background_min, target.background_max);
  s.background_gradient = target.background_gradient;
  s.background_tint = target.background_tint < 6 ? 0 : 1;
  s.ink_luma_max = target.ink_luma_max;
  s.ink_tint = target.ink_tint < 8 ? 0 : 1;
  if (target.line_fraction > 0.5) {
    s.curve_probability = 0;
    s.line_probability = target.line_fraction;
  } else {
    s.curve_probability = 1 - target.line_fraction;
    s.line_probability = 1;
  }
  s.line_width = std::max(1.0, 0.4 * target.stroke_width);
  s.border_probability = target.frame_fraction;

  // Adjusted by measuring samples.
  double dots = (s.dots_min + s.dots_max) / 2.0;
  double sigma = (s.blur_sigma_min + s.blur_sigma_max) / 2.0;
  CaptchaStyle got;
  for (int round = 0; round < rounds; ++round) {
    got = measure_generated(o, sample);
    ++fit.rounds;
    auto ratio = [](double want, double have) { return have > 1e-9 ? want / have : 1.0; };
    const double scale = std::clamp(ratio(target.text_height, got.text_height), 0.5, 2.0);
    s.font_scale_min = std::clamp(s.font_scale_min * scale, 0.2, 1.6);
    s.font_scale_max = std::clamp(s.font_scale_max * scale, s.font_scale_min, 1.8);
    // The text's width: the share of the image it may fill, and once that is all of it, less
    // overlap between characters.
    const double wider = ratio(target.text_width, got.text_width);
    if (s.text_span >= 1 && wider > 1.02) {
      s.overlap_min -= 0.1 * (wider - 1) / 0.1;
      s.overlap_max -= 0.1 * (wider - 1) / 0.1;
    }
    s.text_span = std::clamp(s.text_span * wider, 0.1, 1.0);
    // Where it sits: the free width's share left of it.
    if (round == 0) s.text_offset_jitter = 0.2;
    s.text_offset = std::clamp(s.text_offset + (target.text_left - got.text_left) / std::max(0.05, 1 - target.text_width), 0.0, 1.0);
    s.background_gradient *= std::clamp(ratio(target.background_gradient, got.background_gradient), 0.5, 2.0);
    s.line_probability = std::clamp(s.line_probability * (s.curve_probability > 0 ? 1.0 : ratio(target.line_fraction, got.line_fraction)), 0.0, 1.0);
    s.boldness = std::clamp(s.boldness + (target.stroke_width - got.stroke_width), 0.0, o.height / 4.0);
    if (got.specks > 0) dots *= ratio(target.specks, got.specks);
    else if (target.specks > 0) dots += 10;
    dots = std::clamp(dots, 0.0, 400.0);
    s.dots_min = static_cast<int>(std::lround(dots * 2 / 3));
    s.dots_max = static_cast<int>(std::lround(dots * 4 / 3));
    // Sharper than the folder: blur more (always); blurrier: less, and less often.
    const double sharp = ratio(got.sharpness, target.sharpness);
    if (sharp > 1.05) s.blur_probability = 1;
    if (sharp < 0.95) s.blur_probability = std::max(0.0, s.blur_probability * sharp * sharp);
    sigma = std::clamp(sigma * std::sqrt(sharp), 0.2, 3.0);
    s.blur_sigma_min = 0.75 * sigma;
    s.blur_sigma_max = 1.25 * sigma;
    // Mid-tones well beyond the anti-aliasing's: a drop shadow, as strong as they say.
    if (round == 0 && target.midtone_fraction > 1.5 * got.midtone_fraction) s.shadow_probability = 1;
    // (Darker than half the way to the ink, a shadow would measure as ink: 0.45 at most; past
    // that, a wider offset shows more of it.)
    if (s.shadow_probability > 0) {
      const double more = ratio(target.midtone_fraction, got.midtone_fraction);
      if (s.shadow_strength >= 0.45 && more > 1.05) s.shadow_offset = std::min(0.2, s.shadow_offset * std::min(1.5, more));
      s.shadow_strength = std::clamp(s.shadow_strength * std::sqrt(more), 0.1, 0.45);
    }
  }
  fit.achieved = measure_generated(o, sample);
  return fit;
}

}  // namespace seer::captcha
