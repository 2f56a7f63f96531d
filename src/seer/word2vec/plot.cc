#include "seer/word2vec/plot.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <opencv2/freetype.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/word2vec/evaluation.h"

namespace seer::word2vec {
namespace {

// Labels in any script: DejaVu Sans through FreeType (fonts-dejavu-core, which the install
// script brings for the captcha generator too). Without that font, OpenCV's Hershey font, which
// has ASCII only: other characters are drawn as '?', with a warning.
class LabelFont {
 public:
  LabelFont() {
    constexpr const char* kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    if (!std::filesystem::is_regular_file(kFont)) return;
    try {
      auto ft = cv::freetype::createFreeType2();
      ft->loadFontData(kFont, 0);
      ft_ = ft;
    } catch (const cv::Exception&) {
    }
  }

  // `scale` as Hershey's fontScale (1: about 22 px capitals); `bold` thickens the strokes.
  cv::Size size(const std::string& text, double scale, bool bold, int* baseline) {
    if (ft_) return ft_->getTextSize(text, px(scale), -1, baseline);
    return cv::getTextSize(ascii(text), kHershey, scale, bold ? 2 : 1, baseline);
  }
  // `org`: the left end of the baseline. `halo`: a white outline first, for labels over lines.
  void draw(cv::Mat& image, const std::string& text, cv::Point org, double scale, const cv::Scalar& color,
            bool bold, bool halo = false) {
    if (ft_) {
      if (!warned_ && has_cjk(text)) {
        warn("plot: DejaVu Sans has no CJK glyphs: labels such as '" + text + "' show as boxes");
        warned_ = true;
      }
      if (halo) ft_->putText(image, text, org, px(scale), cv::Scalar(255, 255, 255), 3, cv::LINE_AA, true);
      ft_->putText(image, text, org, px(scale), color, -1, cv::LINE_AA, true);
      if (bold) ft_->putText(image, text, org, px(scale), color, 1, cv::LINE_AA, true);
      return;
    }
    const std::string a = ascii(text);
    if (halo) cv::putText(image, a, org, kHershey, scale, cv::Scalar(255, 255, 255), 5, cv::LINE_AA);
    cv::putText(image, a, org, kHershey, scale, color, bold ? 2 : 1, cv::LINE_AA);
  }

 private:
  static constexpr int kHershey = cv::FONT_HERSHEY_SIMPLEX;
  static int px(double scale) { return std::max(8, static_cast<int>(std::lround(30 * scale))); }
  // Any code point from U+2E80 (CJK radicals) on: the 3-byte leads E2 BA.. and above, E3-ED,
  // and the 4-byte planes; DejaVu Sans covers Latin, Greek, Cyrillic and symbols below that.
  static bool has_cjk(const std::string& text) {
    for (size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if ((c >= 0xE3 && c <= 0xED) || c >= 0xF0) return true;
      if (c == 0xE2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0xBA) return true;
    }
    return false;
  }
  std::string ascii(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x80) {
        out += text[i];
      } else if ((c & 0xC0) != 0x80) {  // one '?' per character, not per byte
        out += '?';
        if (!warned_) warn("plot: no DejaVuSans.ttf (fonts-dejavu-core): non-ASCII labels are drawn as '?'");
        warned_ = true;
      }
    }
    return out;
  }
  cv::Ptr<cv::freetype::FreeType2> ft_;
  bool warned_ = false;
};

const WordPairs kGender = {{"man", "woman"},   {"king", "queen"},    {"he", "she"},
                           {"boy", "girl"},    {"father", "mother"}, {"son", "daughter"},
                           {"brother", "sister"}, {"uncle", "aunt"}, {"husband", "wife"},
                           {"prince", "princess"}};
const WordPairs kTense = {{"walk", "walked"}, {"go", "went"},   {"see", "saw"},     {"take", "took"},
                          {"run", "ran"},     {"write", "wrote"}, {"speak", "spoke"}, {"swim", "swam"},
                          {"play", "played"}, {"give", "gave"}};
const WordPairs kCapital = {{"france", "paris"},  {"germany", "berlin"}, {"italy", "rome"},
                            {"spain", "madrid"},  {"russia", "moscow"},  {"japan", "tokyo"},
                            {"china", "beijing"}, {"greece", "athens"},  {"egypt", "cairo"},
                            {"poland", "warsaw"}};

}  // namespace

WordPairs load_pairs(const std::string& spec) {
  if (spec == "builtin:gender") return kGender;
  if (spec == "builtin:tense") return kTense;
  if (spec == "builtin:capital") return kCapital;
  if (spec.starts_with("builtin:")) {
    throw Error("unknown pair set '" + spec + "' (builtin:gender, builtin:tense, builtin:capital)");
  }
  std::ifstream in(spec);
  if (!in) throw file_error(spec, "cannot open the pairs file");
  WordPairs pairs;
  std::string line;
  long line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string a, b, extra;
    if (!(fields >> a >> b) || (fields >> extra)) {
      if (a.empty()) continue;
      throw file_error(spec, line_no, "expected two words: first second");
    }
    pairs.emplace_back(a, b);
  }
  if (pairs.empty()) throw file_error(spec, "no word pair found");
  return pairs;
}

Projection parse_projection(const std::string& name) {
  if (name == "relation") return Projection::kRelation;
  if (name == "pca") return Projection::kPca;
  throw Error("unknown projection '" + name + "' (relation, pca)");
}

const char* projection_name(Projection projection) {
  return projection == Projection::kRelation ? "relation" : "pca";
}

namespace {

using Vec = std::vector<double>;

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t j = 0; j < a.size(); ++j) s += a[j] * b[j];
  return s;
}

// Normalises v in place; returns its former norm.
double normalise(Vec& v) {
  const double norm = std::sqrt(dot(v, v));
  if (norm > 0) for (double& a : v) a /= norm;
  return norm;
}

// The top principal direction of the rows of x (n x d, centred) orthogonal to every vector in
// `fixed` (unit, mutually orthogonal), by power iteration on X^T X; `variance` gets its
// eigenvalue (sum of squared projections).
Vec top_direction(const std::vector<Vec>& x, const std::vector<Vec>& fixed, int seed, double* variance) {
  const size_t d = x.empty() ? 0 : x[0].size();
  Vec v(d);
  for (size_t j = 0; j < d; ++j) v[j] = 1.0 + 0.01 * static_cast<double>((j * 7919 + seed * 104729) % 97);
  const auto deflate = [&](Vec& w) {
    for (const Vec& u : fixed) {
      const double p = dot(u, w);
      for (size_t j = 0; j < d; ++j) w[j] -= p * u[j];
    }
  };
  double lambda = 0;
  for (int it = 0; it < 500; ++it) {
    deflate(v);
    if (normalise(v) == 0) break;
    Vec w(d, 0.0);
    for (const Vec& row : x) {
      const double s = dot(row, v);
      for (size_t j = 0; j < d; ++j) w[j] += row[j] * s;
    }
    lambda = dot(w, v);
    v = std::move(w);
  }
  deflate(v);
  normalise(v);
  *variance = lambda;
  return v;
}

// Mean cosine of each difference to the differences' mean (0 when the mean is zero).
double mean_cosine_to_mean(const std::vector<Vec>& diffs) {
  Vec mean(diffs[0].size(), 0.0);
  for (const Vec& v : diffs) {
    for (size_t j = 0; j < v.size(); ++j) mean[j] += v[j] / static_cast<double>(diffs.size());
  }
  const double mean_norm = std::sqrt(dot(mean, mean));
  if (mean_norm == 0) return 0;
  double sum = 0;
  for (const Vec& v : diffs) {
    const double norm = std::sqrt(dot(v, v));
    if (norm > 0) sum += dot(v, mean) / (norm * mean_norm);
  }
  return sum / static_cast<double>(diffs.size());
}

}  // namespace

PlotResult project_pairs(const WordVectors& vectors, const WordPairs& pairs, Projection projection) {
  VectorIndex index(vectors);
  PlotResult result;
  std::vector<int32_t> ids;
  for (const auto& [a, b] : pairs) {
    const int32_t ia = index.find(a), ib = index.find(b);
    if (ia < 0 || ib < 0) {
      warn(fmt::format("plot: skipping {} -> {}: '{}' is not in the vocabulary", a, b, ia < 0 ? a : b));
      continue;
    }
    result.kept.emplace_back(a, b);
    ids.push_back(ia);
    ids.push_back(ib);
  }
  if (result.kept.size() < 2) throw Error("plot: fewer than 2 pairs have both words in the vocabulary");
  const size_t d = static_cast<size_t>(vectors.dim), n = ids.size();
  std::vector<Vec> x(n, Vec(d));
  Vec mean(d, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) mean[j] += (x[i][j] = index.unit(ids[i])[j]) / static_cast<double>(n);
  }
  std::vector<Vec> diffs;
  for (size_t p = 0; p < n / 2; ++p) {
    Vec diff(d);
    for (size_t j = 0; j < d; ++j) diff[j] = x[2 * p + 1][j] - x[2 * p][j];
    diffs.push_back(std::move(diff));
  }
  result.parallelism = mean_cosine_to_mean(diffs);
  double total_var = 0;
  for (Vec& row : x) {
    for (size_t j = 0; j < d; ++j) row[j] -= mean[j];
    total_var += dot(row, row);
  }
  std::vector<Vec> axes;
  double explained = 0;
  if (projection == Projection::kRelation) {
    Vec relation(d, 0.0);
    for (const Vec& diff : diffs) {
      for (size_t j = 0; j < d; ++j) relation[j] += diff[j];
    }
    if (normalise(relation) == 0) throw Error("plot: the pairs' mean difference is zero: no relation axis");
    for (const Vec& row : x) explained += dot(row, relation) * dot(row, relation);
    axes.push_back(std::move(relation));
  }
  while (axes.size() < 2) {
    double variance = 0;
    Vec axis = top_direction(x, axes, static_cast<int>(axes.size()), &variance);
    explained += variance;
    axes.push_back(std::move(axis));
  }
  std::vector<Vec> arrows;
  for (size_t i = 0; i < n; ++i) {
    result.points.emplace_back(static_cast<float>(dot(x[i], axes[0])), static_cast<float>(dot(x[i], axes[1])));
    if (i % 2 == 1) {
      arrows.push_back({result.points[i].first - result.points[i - 1].first,
                        result.points[i].second - result.points[i - 1].second});
    }
  }
  result.picture_parallelism = mean_cosine_to_mean(arrows);
  result.explained = total_var > 0 ? explained / total_var : 0;
  return result;
}

PlotResult plot_pairs(const WordVectors& vectors, const WordPairs& pairs, const std::filesystem::path& png,
                      const PlotOptions& options) {
  PlotResult r = project_pairs(vectors, pairs, options.projection);
  cv::Mat image(options.height, options.width, CV_8UC3, cv::Scalar(255, 255, 255));
  float x0 = r.points[0].first, x1 = x0, y0 = r.points[0].second, y1 = y0;
  for (const auto& [x, y] : r.points) {
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  const int margin = 90, top = options.title.empty() ? 40 : 80;
  const double sx = (options.width - 2.0 * margin) / std::max(1e-6f, x1 - x0);
  const double sy = (options.height - top - margin) / std::max(1e-6f, y1 - y0);
  const auto at = [&](size_t i) {
    return cv::Point(static_cast<int>(margin + (r.points[i].first - x0) * sx),
                     static_cast<int>(options.height - margin - (r.points[i].second - y0) * sy));
  };
  const cv::Scalar first_color(200, 90, 30), second_color(40, 40, 210), arrow_color(120, 120, 120);
  LabelFont font;
  for (size_t p = 0; p < r.kept.size(); ++p) {
    cv::arrowedLine(image, at(2 * p), at(2 * p + 1), arrow_color, 2, cv::LINE_AA, 0, 0.04);
  }
  // Points first, then labels placed greedily: for each word, candidate spots around its point
  // (right, left, above, below, diagonals; then farther out) are tried in order and the first
  // whose rectangle stays inside the image and meets no placed label and no other point wins;
  // when none is free, the spot with the least overlap. A label set away from its point gets a
  // thin leader line.
  std::vector<cv::Rect> points_box, placed;
  for (size_t i = 0; i < r.points.size(); ++i) {
    const cv::Point pt = at(i);
    cv::circle(image, pt, 5, i % 2 == 0 ? first_color : second_color, cv::FILLED, cv::LINE_AA);
    points_box.emplace_back(pt.x - 6, pt.y - 6, 13, 13);
  }
  // The title and the footer line are taken.
  if (!options.title.empty()) {
    int baseline = 0;
    const cv::Size size = font.size(options.title, 0.9, true, &baseline);
    placed.emplace_back(margin - 4, 45 - size.height - 4, size.width + 8, size.height + baseline + 8);
  }
  placed.emplace_back(0, options.height - 52, options.width, 52);
  const double scale = 0.7;
  const int pad = 3;
  for (size_t i = 0; i < r.points.size(); ++i) {
    const auto& word = i % 2 == 0 ? r.kept[i / 2].first : r.kept[i / 2].second;
    const cv::Scalar color = i % 2 == 0 ? first_color : second_color;
    const cv::Point pt = at(i);
    int baseline = 0;
    const cv::Size size = font.size(word, scale, true, &baseline);
    const int w = size.width + 2 * pad, h = size.height + baseline + 2 * pad;
    const auto overlap = [&](const cv::Rect& box) {
      long area = 0;
      for (const auto& p : placed) area += (box & p).area();
      for (size_t j = 0; j < points_box.size(); ++j) {
        if (j != i) area += (box & points_box[j]).area();
      }
      const cv::Rect inside = box & cv::Rect(0, 0, options.width, options.height);
      return area + 4L * (box.area() - inside.area());  // leaving the image is worse
    };
    cv::Rect best;
    long best_cost = -1;
    for (int ring = 0; ring < 5 && best_cost != 0; ++ring) {
      const int d = 6 + 14 * ring;
      // Top-left corners: right-up, right-down, left-up, left-down, up, down, right, left.
      const cv::Point candidates[] = {
          {pt.x + d, pt.y - d - h + pad}, {pt.x + d, pt.y + d - pad},  {pt.x - d - w, pt.y - d - h + pad},
          {pt.x - d - w, pt.y + d - pad}, {pt.x - w / 2, pt.y - d - h}, {pt.x - w / 2, pt.y + d},
          {pt.x + d + 2, pt.y - h / 2},   {pt.x - d - 2 - w, pt.y - h / 2}};
      for (const auto& c : candidates) {
        const cv::Rect box(c.x, c.y, w, h);
        const long cost = overlap(box);
        if (best_cost < 0 || cost < best_cost) best = box, best_cost = cost;
        if (cost == 0) break;
      }
    }
    placed.push_back(best);
    const cv::Point label(best.x + pad, best.y + pad + size.height);
    const cv::Point centre(best.x + w / 2, best.y + h / 2);
    if (std::hypot(centre.x - pt.x, centre.y - pt.y) > 0.5 * std::hypot(w, h) + 12) {
      // Leader line from the point to the nearest spot of the label's box.
      const cv::Point near(std::clamp(pt.x, best.x, best.x + w), std::clamp(pt.y, best.y, best.y + h));
      cv::line(image, pt, near, cv::Scalar(170, 170, 170), 1, cv::LINE_AA);
    }
    font.draw(image, word, label, scale, color, true, true);
  }
  if (!options.title.empty()) {
    font.draw(image, options.title, cv::Point(margin, 45), 0.9, cv::Scalar(30, 30, 30), true);
  }
  const std::string axes = options.projection == Projection::kRelation
                               ? "x: the pairs' mean first -> second difference, y: the main remaining direction"
                               : "PCA of the words";
  font.draw(image, fmt::format("{}; {} words, {:.0f}% of their variance", axes, r.points.size(), 100 * r.explained),
            cv::Point(10, options.height - 33), 0.45, cv::Scalar(90, 90, 90), false);
  font.draw(image,
            fmt::format("pairs' differences: mean cos to their mean {:.2f} (drawn arrows {:.2f})", r.parallelism,
                        r.picture_parallelism),
            cv::Point(10, options.height - 12), 0.45, cv::Scalar(90, 90, 90), false);
  std::vector<uchar> bytes;
  if (!cv::imencode(".png", image, bytes)) throw file_error(png.string(), "cannot encode the PNG");
  write_file_atomic(png, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  return r;
}

}  // namespace seer::word2vec
