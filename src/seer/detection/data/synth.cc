#include "seer/detection/data/synth.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <fstream>
#include <mutex>
#include <numeric>
#include <random>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/cores.h"
#include "seer/core/error.h"
#include "seer/detection/data/voc.h"
#include "seer/core/random.h"

namespace seer::detection {
namespace {

namespace fs = std::filesystem;

constexpr double kMinVisible = 0.35;    // an occluder may leave no object less visible than this
constexpr double kDifficultBelow = 0.5;  // objects less visible than this are marked difficult
constexpr double kMinInside = 0.75;     // part of an object that must lie inside the image


enum class Stream : uint64_t { kScene = 1, kNoise = 2, kSplit = 3 };

// Distributions written out so that scenes are identical with any standard library.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t index, Stream stream)
      : engine_(mix64(mix64(mix64(seed) ^ index) ^ static_cast<uint64_t>(stream))) {}
  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  int uniform_int(int lo, int hi) { return std::min(hi, lo + static_cast<int>(uniform01() * (hi - lo + 1))); }
  bool chance(double p) { return uniform01() < p; }
  uint64_t bits() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

enum Shape { kCircle = 0, kSquare = 1, kStar = 2, kTriangle = 3 };  // synth_classes() order

cv::Scalar hsv_colour(double h, double s, double v) {
  cv::Mat3b px(1, 1, cv::Vec3b(static_cast<uchar>(h), static_cast<uchar>(s), static_cast<uchar>(v)));
  cv::cvtColor(px, px, cv::COLOR_HSV2BGR);
  return cv::Scalar(px(0, 0)[0], px(0, 0)[1], px(0, 0)[2]);
}

double colour_distance(const cv::Scalar& a, const cv::Scalar& b) {
  return std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
}

// Textured background: a two-colour gradient, plus stripes or blotches.
cv::Mat make_background(Rng& rng, int W, int H) {
  auto base = [&] {
    double g = rng.uniform(40, 215);
    return cv::Vec3d(g + rng.uniform(-30, 30), g + rng.uniform(-30, 30), g + rng.uniform(-30, 30));
  };
  const cv::Vec3d c0 = base(), c1 = base();
  const double angle = rng.uniform(0, 2 * M_PI), ca = std::cos(angle), sa = std::sin(angle);
  const int texture = rng.uniform_int(0, 2);  // 0 plain gradient, 1 stripes, 2 blotches
  const double period = rng.uniform(6, 40), amp = rng.uniform(10, 35);
  const double sangle = rng.uniform(0, M_PI), sc = std::cos(sangle), ss = std::sin(sangle);
  cv::Mat blotch;
  if (texture == 2) {
    cv::Mat small(rng.uniform_int(3, 8), rng.uniform_int(3, 8), CV_32F);
    for (int y = 0; y < small.rows; ++y)
      for (int x = 0; x < small.cols; ++x) small.at<float>(y, x) = static_cast<float>(rng.uniform(-1, 1));
    cv::resize(small, blotch, cv::Size(W, H), 0, 0, cv::INTER_CUBIC);
  }
  const double half = 0.5 * std::hypot(W, H);
  cv::Mat3b bg(H, W);
  for (int y = 0; y < H; ++y) {
    cv::Vec3b* row = bg.ptr<cv::Vec3b>(y);
    for (int x = 0; x < W; ++x) {
      double t = 0.5 + ((x - 0.5 * W) * ca + (y - 0.5 * H) * sa) / (2 * half);
      double d = 0;
      if (texture == 1) d = amp * std::sin(2 * M_PI * (x * sc + y * ss) / period);
      if (texture == 2) d = amp * blotch.at<float>(y, x);
      for (int c = 0; c < 3; ++c)
        row[x][c] = cv::saturate_cast<uchar>(c0[c] + (c1[c] - c0[c]) * t + d);
    }
  }
  return bg;
}

// Distractors that are not objects: lines, zig-zags, open arcs and small dots.
void draw_clutter(cv::Mat& image, Rng& rng) {
  const int W = image.cols, H = image.rows, S = std::min(W, H);
  const int n = rng.uniform_int(2, 8);
  for (int i = 0; i < n; ++i) {
    cv::Scalar colour(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
    cv::Point p(rng.uniform_int(0, W - 1), rng.uniform_int(0, H - 1));
    switch (rng.uniform_int(0, 3)) {
      case 0:
        cv::line(image, p, {rng.uniform_int(0, W - 1), rng.uniform_int(0, H - 1)}, colour, rng.uniform_int(1, 3),
                 cv::LINE_AA);
        break;
      case 1: {
        std::vector<cv::Point> pts{p};
        for (int k = 0, m = rng.uniform_int(3, 6); k < m; ++k)
          pts.emplace_back(pts.back().x + rng.uniform_int(-S / 5, S / 5), pts.back().y + rng.uniform_int(-S / 5, S / 5));
        cv::polylines(image, pts, false, colour, rng.uniform_int(1, 2), cv::LINE_AA);
        break;
      }
      case 2: {
        double start = rng.uniform(0, 360);
        int r = rng.uniform_int(S / 12, S / 3);
        cv::ellipse(image, p, {r, rng.uniform_int(r / 2, r)}, rng.uniform(0, 180), start,
                    start + rng.uniform(40, 200), colour, rng.uniform_int(1, 2), cv::LINE_AA);
        break;
      }
      default:
        for (int k = 0, m = rng.uniform_int(3, 12); k < m; ++k)
          cv::circle(image, {rng.uniform_int(0, W - 1), rng.uniform_int(0, H - 1)},
                     rng.uniform_int(1, std::max(2, S / 40)), colour, cv::FILLED, cv::LINE_AA);
    }
  }
}

// The filled mask of one shape (w x h before rotation), cropped to its pixels; `origin` is the
// position of the shape's centre inside the returned mask.
cv::Mat1b shape_mask(Shape shape, double w, double h, double angle_deg, cv::Point2d& origin) {
  const int side = static_cast<int>(std::ceil(std::hypot(w, h))) + 4;
  cv::Mat1b canvas(side, side, uchar(0));
  const cv::Point2d c(side / 2.0, side / 2.0);
  const double a = angle_deg * M_PI / 180, ca = std::cos(a), sa = std::sin(a);
  auto poly = [&](const std::vector<cv::Point2d>& unit) {  // unit coords in [-1, 1]
    std::vector<cv::Point> pts;
    for (const auto& u : unit) {
      double x = u.x * w / 2, y = u.y * h / 2;
      pts.emplace_back(cvRound(c.x + x * ca - y * sa), cvRound(c.y + x * sa + y * ca));
    }
    return pts;
  };
  switch (shape) {
    case kCircle:
      cv::ellipse(canvas, cv::Point(cvRound(c.x), cvRound(c.y)), cv::Size(cvRound(w / 2), cvRound(h / 2)), angle_deg,
                  0, 360, 255, cv::FILLED, cv::LINE_8);
      break;
    case kSquare:
      cv::fillConvexPoly(canvas, poly({{-1, -1}, {1, -1}, {1, 1}, {-1, 1}}), 255, cv::LINE_8);
      break;
    case kTriangle:
      cv::fillConvexPoly(canvas, poly({{0, -1}, {1, 0.8}, {-1, 0.8}}), 255, cv::LINE_8);
      break;
    case kStar: {
      std::vector<cv::Point2d> unit;
      for (int k = 0; k < 10; ++k) {
        double r = k % 2 ? 0.45 : 1.0, t = -M_PI / 2 + k * M_PI / 5;
        unit.emplace_back(r * std::cos(t), r * std::sin(t));
      }
      std::vector<std::vector<cv::Point>> polys{poly(unit)};
      cv::fillPoly(canvas, polys, 255, cv::LINE_8);
      break;
    }
  }
  cv::Rect ink = cv::boundingRect(canvas);
  origin = c - cv::Point2d(ink.x, ink.y);
  return canvas(ink).clone();
}

void validate(const SynthOptions& o) {
  if (o.count < 1) throw Error("synth: count must be at least 1");
  if (o.width < 32 || o.height < 32 || o.width > 8192 || o.height > 8192)
    throw Error("synth: width and height must be in 32..8192");
  if (o.min_objects < 0 || o.max_objects < o.min_objects || o.max_objects > 64)
    throw Error("synth: need 0 <= min_objects <= max_objects <= 64");
  if (!(o.min_size > 0 && o.min_size <= o.max_size && o.max_size <= 1))
    throw Error("synth: need 0 < min_size <= max_size <= 1 (fractions of the short side)");
  if (!(o.val_fraction >= 0 && o.test_fraction >= 0 && o.val_fraction + o.test_fraction <= 1))
    throw Error("synth: val_fraction and test_fraction must be >= 0 and sum to at most 1");
}

}  // namespace

std::vector<std::string> synth_classes() { return {"circle", "square", "star", "triangle"}; }

SynthScene make_synthetic_scene(const SynthOptions& o, int index) {
  validate(o);
  Rng rng(o.seed, static_cast<uint64_t>(index), Stream::kScene);
  const int W = o.width, H = o.height, S = std::min(W, H);
  const cv::Mat background = make_background(rng, W, H);
  SynthScene scene;
  scene.image = background.clone();
  draw_clutter(scene.image, rng);
  scene.labels = cv::Mat1b(H, W, uchar(0));

  struct Placed {
    Shape shape;
    long full = 0, visible = 0;
    bool cut = false;
    cv::Scalar colour;
  };
  std::vector<Placed> placed;
  const int wanted = rng.uniform_int(o.min_objects, o.max_objects);
  for (int n = 0; n < wanted; ++n) {
    const Shape shape = static_cast<Shape>(rng.uniform_int(0, 3));
    double size = rng.uniform(o.min_size, o.max_size) * S;
    for (int attempt = 0; attempt < 30; ++attempt, size = std::max(o.min_size * S, size * 0.93)) {
      const double aspect = rng.uniform(0.75, 1.33);
      const double w = size * std::sqrt(aspect), h = size / std::sqrt(aspect);
      double angle = 0;
      if (shape == kSquare) angle = rng.uniform(-25, 25);
      if (shape == kCircle) angle = rng.uniform(0, 180);
      if (shape == kTriangle) angle = rng.uniform(-30, 30);
      if (shape == kStar) angle = rng.uniform(-36, 36);
      cv::Point2d origin;
      cv::Mat1b mask = shape_mask(shape, std::min(w, o.max_size * S * 1.15), std::min(h, o.max_size * S * 1.15), angle, origin);
      const long full = cv::countNonZero(mask);
      if (full < 16) continue;
      const cv::Point centre(rng.uniform_int(0, W - 1), rng.uniform_int(0, H - 1));
      const cv::Rect where(centre.x - cvRound(origin.x), centre.y - cvRound(origin.y), mask.cols, mask.rows);
      const cv::Rect inside = where & cv::Rect(0, 0, W, H);
      if (inside.empty()) continue;
      const cv::Mat1b m = mask(inside - where.tl());
      const long in = cv::countNonZero(m);
      if (in < kMinInside * full) continue;
      // Pixels of earlier objects this one would hide.
      std::vector<long> covered(placed.size(), 0);
      const cv::Mat1b lab = scene.labels(inside);
      for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x)
          if (m(y, x) && lab(y, x)) ++covered[lab(y, x) - 1];
      bool ok = true;
      for (size_t k = 0; k < placed.size() && ok; ++k)
        ok = placed[k].visible - covered[k] >= kMinVisible * placed[k].full;
      if (!ok) continue;
      // A colour that stands out from the background and from the objects it overlaps.
      const cv::Scalar bg_mean = cv::mean(background(inside), m);
      cv::Scalar colour;
      double best = -1;
      for (int c = 0; c < 8 && best < 200; ++c) {
        cv::Scalar cand = hsv_colour(rng.uniform(0, 180), rng.uniform(150, 255), rng.uniform(110, 255));
        double d = colour_distance(cand, bg_mean);
        for (size_t k = 0; k < placed.size(); ++k)
          if (covered[k] > 0) d = std::min(d, colour_distance(cand, placed[k].colour));
        if (d > best) best = d, colour = cand;
      }
      // Draw: a darker rim, then the body.
      cv::Mat1b body;
      cv::erode(m, body, cv::Mat(), cv::Point(-1, -1), std::max(1, cvRound(size / 40)));
      scene.image(inside).setTo(colour * 0.55, m);
      scene.image(inside).setTo(colour, body);
      for (size_t k = 0; k < placed.size(); ++k) placed[k].visible -= covered[k];
      scene.labels(inside).setTo(static_cast<uchar>(placed.size() + 1), m);
      placed.push_back(Placed{shape, full, in, in < full, colour});
      break;
    }
  }

  // Sensor noise over everything.
  cv::RNG noise_rng(Rng(o.seed, static_cast<uint64_t>(index), Stream::kNoise).bits());
  cv::Mat noise(H, W, CV_16SC3);
  noise_rng.fill(noise, cv::RNG::NORMAL, 0, rng.uniform(2, 10));
  cv::Mat wide;
  scene.image.convertTo(wide, CV_16SC3);
  wide += noise;
  wide.convertTo(scene.image, CV_8UC3);

  DetectionImage& a = scene.annotation;
  a.id = fmt::format("{:06d}", index);
  a.width = W;
  a.height = H;
  for (size_t k = 0; k < placed.size(); ++k) {
    cv::Rect r = cv::boundingRect(scene.labels == static_cast<int>(k + 1));
    DetectionObject obj;
    obj.box = Box{static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.x + r.width),
                  static_cast<float>(r.y + r.height)};
    obj.label = static_cast<int>(placed[k].shape);
    obj.truncated = placed[k].cut;
    obj.difficult = placed[k].visible < kDifficultBelow * placed[k].full;
    a.objects.push_back(obj);
  }
  return scene;
}

void write_synthetic_voc(const fs::path& out, const SynthOptions& o) {
  validate(o);
  const auto classes = synth_classes();
  std::error_code ec;
  fs::create_directories(out / "JPEGImages", ec);
  fs::create_directories(out / "Annotations", ec);
  fs::create_directories(out / "ImageSets" / "Main", ec);
  if (!fs::is_directory(out / "Annotations", ec) || !fs::is_directory(out / "JPEGImages", ec))
    throw file_error(out.string(), "cannot create the dataset folders");

  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (int i = next++; i < o.count; i = next++) {
      try {
        SynthScene s = make_synthetic_scene(o, i);
        std::vector<uchar> jpg;
        cv::imencode(".jpg", s.image, jpg, {cv::IMWRITE_JPEG_QUALITY, 92});
        write_file_atomic(out / "JPEGImages" / (s.annotation.id + ".jpg"),
                          std::string_view(reinterpret_cast<const char*>(jpg.data()), jpg.size()),
                          Durability::unsynced);  // regenerable: one sync for the dataset below
        write_voc_annotation(out / "Annotations" / (s.annotation.id + ".xml"), s.annotation, classes,
                             s.annotation.id + ".jpg", Durability::unsynced);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = o.count;
      }
    }
  };
  const int threads = std::clamp(available_cores(), 1, std::min(4, o.count));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no more threads: the ones started do the work
    }
  }
  worker();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);

  // Splits: a seeded permutation; test first, then val, the rest train. Ids sorted per file.
  std::vector<int> order(o.count);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(o.seed, 0, Stream::kSplit);
  for (int i = o.count - 1; i > 0; --i) std::swap(order[i], order[rng.uniform_int(0, i)]);
  const int n_test = static_cast<int>(std::lround(o.count * o.test_fraction));
  const int n_val = std::min(o.count - n_test, static_cast<int>(std::lround(o.count * o.val_fraction)));
  auto write_split = [&](const std::string& name, int begin, int end) {
    std::vector<int> ids(order.begin() + begin, order.begin() + end);
    std::sort(ids.begin(), ids.end());
    std::string text;
    for (int id : ids) text += fmt::format("{:06d}\n", id);
    write_file_atomic(out / "ImageSets" / "Main" / (name + ".txt"), text);
  };
  write_split("test", 0, n_test);
  write_split("val", n_test, n_test + n_val);
  write_split("train", n_test + n_val, o.count);
  write_split("trainval", n_test, o.count);
  sync_file_system(out);  // the unsynced images and annotations, in one call

  // Annotations of an earlier, larger run would be read by read_voc without a split.
  size_t stale = 0;
  for (const auto& e : fs::directory_iterator(out / "Annotations", ec)) {
    const std::string stem = e.path().stem().string();
    const bool ours = stem.size() == 6 && std::all_of(stem.begin(), stem.end(), ::isdigit) && std::stoi(stem) < o.count;
    if (!ours) ++stale;
  }
  if (stale)
    warn(fmt::format("{}: {} annotation file(s) from an earlier run remain in Annotations/ (use a split, or an "
                     "empty folder)", out.string(), stale));
}

}  // namespace seer::detection
