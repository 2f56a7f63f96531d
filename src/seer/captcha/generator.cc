#include "seer/captcha/generator.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <random>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include <opencv2/freetype.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "seer/captcha/label_codec.h"
#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/core/random.h"

namespace seer::captcha {
namespace {

namespace fs = std::filesystem;

// A mix of weights, serif/sans and widths so the model cannot latch onto one typeface; all
// ship with the fonts-dejavu-core/-extra packages. Missing ones are simply not used.
constexpr const char* kDefaultFontDir = "/usr/share/fonts/truetype/dejavu";
constexpr const char* kDefaultFonts[] = {
    "DejaVuSans-Bold.ttf",           "DejaVuSans.ttf",          "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansCondensed.ttf",       "DejaVuSerif-Bold.ttf",    "DejaVuSerif.ttf",
    "DejaVuSerifCondensed-Bold.ttf", "DejaVuSansMono-Bold.ttf",
};


// Which random stream of a sample: the label and the picture draw from separate streams so
// that sample(i).image == render(sample(i).label, i).
enum class Stream : uint64_t { kLabel = 1, kImage = 2 };

// The standard fixes mt19937_64's output bit for bit, but not the std::*_distribution
// algorithms, so the distributions are written here: same images with any standard library.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t index, Stream stream)
      : engine_(mix64(mix64(mix64(seed) ^ index) ^ static_cast<uint64_t>(stream))) {}

  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  // Integer in [lo, hi], both inclusive.
  int uniform_int(int lo, int hi) {
    int v = lo + static_cast<int>(uniform01() * (hi - lo + 1));
    return std::min(v, hi);
  }
  bool chance(double p) { return uniform01() < p; }

 private:
  std::mt19937_64 engine_;
};

// A white-on-black anti-aliased mask of one character, cropped to its ink.
cv::Mat render_glyph(cv::freetype::FreeType2& ft, char c, int font_px) {
  // A generous canvas with the origin in the middle: no glyph of this size can leave it,
  // whatever its bearings, and the crop below removes the slack.
  cv::Mat canvas(3 * font_px, 3 * font_px, CV_8UC3, cv::Scalar::all(0));
  ft.putText(canvas, std::string(1, c), cv::Point(font_px, 2 * font_px), font_px,
             cv::Scalar::all(255), -1, cv::LINE_AA, true);
  cv::Mat mask;
  cv::extractChannel(canvas, mask, 0);
  cv::Rect ink = cv::boundingRect(mask);
  if (ink.empty()) return cv::Mat(font_px, std::max(1, font_px / 3), CV_8UC1, cv::Scalar(0));
  return mask(ink).clone();
}

double luma(double b, double g, double r) { return 0.114 * b + 0.587 * g + 0.299 * r; }

// Moves the channels toward their luma: tint 1 leaves them, 0 makes them grey.
void tint(double& b, double& g, double& r, double amount) {
  if (amount >= 1) return;
  const double y = luma(b, g, r), k = std::max(0.0, amount);
  b = y + k * (b - y), g = y + k * (g - y), r = y + k * (r - y);
}

// A dark colour (BGR) with enough contrast against the light backgrounds used here (the
// default luma cap, 110, keeps the glyphs readable on a ~240 background).
cv::Vec3b dark_colour(Rng& rng, const GeneratorStyle& style) {
  double b = rng.uniform_int(10, 200), g = rng.uniform_int(10, 200), r = rng.uniform_int(10, 200);
  tint(b, g, r, style.ink_tint);
  const double y = luma(b, g, r), cap = std::max(0.0, style.ink_luma_max);
  if (y > cap) {
    double k = cap / y;
    b *= k, g *= k, r *= k;
  }
  auto channel = [](double v) { return static_cast<uchar>(std::clamp(v, 0.0, 255.0)); };  // truncates
  return {channel(b), channel(g), channel(r)};
}

// A glyph mask with its strokes thickened by `radius` pixels on each side (anti-aliased).
cv::Mat thicken(const cv::Mat& mask, double radius) {
  const int pad = static_cast<int>(std::ceil(radius)) + 1;
  cv::Mat padded;
  cv::copyMakeBorder(mask, padded, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::Mat outside = padded <= 127, distance;
  cv::distanceTransform(outside, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  cv::Mat grown;
  distance.convertTo(grown, CV_8U, -255.0, (radius + 0.5) * 255.0);  // saturates to 0..255
  return cv::max(padded, grown);
}

// Darkens `dst` by strength x the 8-bit alpha `mask` placed at (x, y); the parts of the mask
// outside `dst` are dropped.
void darken(cv::Mat& dst, const cv::Mat& mask, int x, int y, double strength) {
  const cv::Rect placed = cv::Rect(x, y, mask.cols, mask.rows) & cv::Rect(0, 0, dst.cols, dst.rows);
  for (int r = placed.y; r < placed.y + placed.height; ++r) {
    const uchar* a = mask.ptr<uchar>(r - y);
    auto* d = dst.ptr<cv::Vec3b>(r);
    for (int c = placed.x; c < placed.x + placed.width; ++c) {
      const double keep = 1.0 - strength * a[c - x] / 255.0;
      for (int k = 0; k < 3; ++k) d[c][k] = cv::saturate_cast<uchar>(d[c][k] * keep);
    }
  }
}

// Paints `colour` through the 8-bit alpha `mask` onto `dst` at (x, y) (mask fully inside).
void blend(cv::Mat& dst, const cv::Mat& mask, int x, int y, cv::Vec3b colour) {
  for (int r = 0; r < mask.rows; ++r) {
    const uchar* a = mask.ptr<uchar>(r);
    auto* d = dst.ptr<cv::Vec3b>(y + r) + x;
    for (int c = 0; c < mask.cols; ++c) {
      int alpha = a[c];
      if (alpha == 0) continue;
      for (int k = 0; k < 3; ++k)
        d[c][k] = static_cast<uchar>(d[c][k] + ((colour[k] - d[c][k]) * alpha + 127) / 255);
    }
  }
}

}  // namespace

struct Generator::Impl {
  LabelCodec codec;
  int font_px = 0;                           // size the glyph masks were rendered at
  std::vector<std::vector<cv::Mat>> glyphs;  // [font][charset index], read-only after construction

  // One character, scaled, rotated and perspective-warped, cropped to its ink.
  cv::Mat warp_char(const cv::Mat& glyph, int height, Rng& rng, const GeneratorStyle& style) const;
};

cv::Mat Generator::Impl::warp_char(const cv::Mat& glyph, int height, Rng& rng,
                                   const GeneratorStyle& style) const {
  const double w = glyph.cols, h = glyph.rows;
  // Font size 0.7..0.95 of the image height by default, like the font sizes ImageCaptcha picks.
  const double scale = rng.uniform(style.font_scale_min, style.font_scale_max) * height / font_px;
  const double angle = rng.uniform(-style.rotate_degrees, style.rotate_degrees) * CV_PI / 180.0;
  // Perspective: each corner moves independently by up to dx, dy (in glyph units); moderate
  // so that digits stay legible.
  const double dx = w * rng.uniform(0.05, 0.2), dy = h * rng.uniform(0.05, 0.18);
  const cv::Point2f src[4] = {{0, 0}, {float(w), 0}, {float(w), float(h)}, {0, float(h)}};
  cv::Point2f dst[4];
  const double cs = std::cos(angle), sn = std::sin(angle);
  for (int i = 0; i < 4; ++i) {
    double x = src[i].x - w / 2 + rng.uniform(-dx, dx);
    double y = src[i].y - h / 2 + rng.uniform(-dy, dy);
    dst[i] = cv::Point2f(float(scale * (cs * x - sn * y)), float(scale * (sn * x + cs * y)));
  }
  float min_x = dst[0].x, min_y = dst[0].y, max_x = dst[0].x, max_y = dst[0].y;
  for (const auto& p : dst) {
    min_x = std::min(min_x, p.x), min_y = std::min(min_y, p.y);
    max_x = std::max(max_x, p.x), max_y = std::max(max_y, p.y);
  }
  for (auto& p : dst) p += cv::Point2f(1 - min_x, 1 - min_y);  // one pixel of margin
  cv::Size size(int(std::ceil(max_x - min_x)) + 2, int(std::ceil(max_y - min_y)) + 2);
  cv::Mat tile;
  cv::warpPerspective(glyph, tile, cv::getPerspectiveTransform(src, dst), size, cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar(0));
  if (style.boldness > 0) tile = thicken(tile, style.boldness / 2);
  cv::Rect ink = cv::boundingRect(tile);
  return ink.empty() ? tile : tile(ink);  // a view is fine: the tile is only read
}

Generator::Generator(GeneratorOptions options)
    : options_(std::move(options)),
      impl_(std::make_unique<Impl>(Impl{LabelCodec(options_.charset, options_.length), 0, {}})) {
  if (options_.width < 16 || options_.height < 16)
    throw Error("captcha size " + std::to_string(options_.width) + "x" +
                std::to_string(options_.height) + " is too small (at least 16x16)");
  std::vector<std::string> fonts = options_.fonts;
  const bool defaults = fonts.empty();
  if (defaults)
    for (const char* name : kDefaultFonts)
      if (fs::exists(fs::path(kDefaultFontDir) / name))
        fonts.push_back((fs::path(kDefaultFontDir) / name).string());

  // Every glyph of every font is rendered once here, so that sample() never touches FreeType
  // (its objects are not thread-safe) and costs only warps and blends.
  impl_->font_px = static_cast<int>(std::lround(0.95 * options_.height));
  std::vector<std::string> loaded;
  for (const auto& path : fonts) {
    if (!fs::is_regular_file(path)) {
      warn(path + ": font not found, not used");
      continue;
    }
    std::vector<cv::Mat> masks;
    try {
      auto ft = cv::freetype::createFreeType2();
      ft->loadFontData(path, 0);
      for (char c : options_.charset) masks.push_back(render_glyph(*ft, c, impl_->font_px));
    } catch (const cv::Exception&) {
      warn(path + ": cannot load font, not used");
      continue;
    }
    impl_->glyphs.push_back(std::move(masks));
    loaded.push_back(path);
  }
  if (impl_->glyphs.empty())
    throw Error(defaults ? std::string("no usable captcha font in ") + kDefaultFontDir +
                               " (install fonts-dejavu or pass fonts explicitly)"
                         : std::string("none of the captcha fonts could be loaded"));
  options_.fonts = std::move(loaded);  // what is actually used, for the record
}

Generator::~Generator() = default;
Generator::Generator(Generator&&) noexcept = default;
Generator& Generator::operator=(Generator&&) noexcept = default;

Sample Generator::sample(uint64_t index) const {
  Rng rng(options_.seed, index, Stream::kLabel);
  std::string label(static_cast<size_t>(options_.length), ' ');
  for (auto& c : label)
    c = options_.charset[static_cast<size_t>(
        rng.uniform_int(0, static_cast<int>(options_.charset.size()) - 1))];
  return {render(label, index), label};
}

cv::Mat Generator::render(const std::string& label, uint64_t index) const {
  // Any length is allowed (rendering is not tied to the model), but every character needs a
  // glyph, and glyphs exist only for the charset.
  if (label.empty()) throw Error("cannot render an empty captcha label");
  std::vector<size_t> chars;
  for (size_t i = 0; i < label.size(); ++i) {
    auto k = options_.charset.find(label[i]);
    if (k == std::string::npos)
      throw Error("label \"" + label + "\": character '" + std::string(1, label[i]) +
                  "' at position " + std::to_string(i + 1) + " is not in charset \"" +
                  options_.charset + "\"");
    chars.push_back(k);
  }

  const int W = options_.width, H = options_.height;
  const GeneratorStyle& style = options_.style;
  Rng rng(options_.seed, index, Stream::kImage);
  const int bg_lo = static_cast<int>(std::lround(std::clamp(style.background_min, 0.0, 255.0)));
  const int bg_hi = std::max(bg_lo, static_cast<int>(std::lround(std::clamp(style.background_max, 0.0, 255.0))));
  // Red first: the order GCC gave the three draws when they were one call's arguments (the
  // built-in look's images stay as they were, now with a defined order).
  double bg_r = rng.uniform_int(bg_lo, bg_hi), bg_g = rng.uniform_int(bg_lo, bg_hi),
         bg_b = rng.uniform_int(bg_lo, bg_hi);
  tint(bg_b, bg_g, bg_r, style.background_tint);
  const cv::Vec3b background(cv::saturate_cast<uchar>(bg_b), cv::saturate_cast<uchar>(bg_g),
                             cv::saturate_cast<uchar>(bg_r));

  // 1. Each character on its own: random font, size, rotation, warp and colour.
  std::vector<cv::Mat> tiles;
  std::vector<cv::Vec3b> colours;
  double mean_width = 0;
  int tallest = 0;
  for (size_t k : chars) {
    const auto& font = impl_->glyphs[static_cast<size_t>(
        rng.uniform_int(0, static_cast<int>(impl_->glyphs.size()) - 1))];
    tiles.push_back(impl_->warp_char(font[k], H, rng, style));
    colours.push_back(dark_colour(rng, style));
    mean_width += tiles.back().cols;
    tallest = std::max(tallest, tiles.back().rows);
  }
  mean_width /= static_cast<double>(tiles.size());

  // 2. Left to right with random overlap (sometimes a small gap) on a strip at least as tall
  // as the tallest character; nothing is clipped, the strip is scaled to W x H at the end.
  std::vector<int> xs;
  double x = mean_width * rng.uniform(0.05, 0.25);
  for (const auto& t : tiles) {
    xs.push_back(static_cast<int>(std::lround(x)));
    x += t.cols - mean_width * rng.uniform(style.overlap_min, std::max(style.overlap_min, style.overlap_max));
  }
  const int text_right = xs.back() + tiles.back().cols;
  const int text_width = text_right + static_cast<int>(mean_width * rng.uniform(0.05, 0.25));
  const int strip_h = std::max(H, tallest + 2);
  const int strip_w = std::max(static_cast<int>(std::ceil(text_width / std::clamp(style.text_span, 0.05, 1.0))),
                               (W * strip_h + H - 1) / H);
  // Where the text is narrower than the strip, place it anywhere rather than always left.
  const double offset_lo = std::clamp(style.text_offset - style.text_offset_jitter, 0.0, 1.0);
  const double offset_hi = std::clamp(style.text_offset + style.text_offset_jitter, offset_lo, 1.0);
  const int shift = static_cast<int>((strip_w - text_width) * rng.uniform(offset_lo, offset_hi));
  cv::Mat strip(strip_h, strip_w, CV_8UC3, background);
  if (style.background_gradient != 0) {
    // A left-to-right ramp of luma centred on the drawn colour.
    for (int c = 0; c < strip_w; ++c) {
      const double add = style.background_gradient * (strip_w > 1 ? double(c) / (strip_w - 1) - 0.5 : 0.0);
      cv::Vec3b v;
      for (int k = 0; k < 3; ++k) v[k] = cv::saturate_cast<uchar>(background[k] + add);
      strip.col(c).setTo(cv::Scalar(v[0], v[1], v[2]));
    }
  }
  std::vector<cv::Point> at;
  for (size_t i = 0; i < tiles.size(); ++i) {
    const int slack = strip_h - tiles[i].rows;
    const int y = static_cast<int>(std::lround(slack * rng.uniform(0.25, 0.75)));
    at.emplace_back(std::clamp(xs[i] + shift, 0, strip_w - tiles[i].cols), y);
  }
  if (style.shadow_probability > 0 && rng.chance(style.shadow_probability)) {
    const int d = static_cast<int>(std::lround(style.shadow_offset * strip_h));
    for (size_t i = 0; i < tiles.size(); ++i) darken(strip, tiles[i], at[i].x + d, at[i].y + d, style.shadow_strength);
  }
  for (size_t i = 0; i < tiles.size(); ++i) blend(strip, tiles[i], at[i].x, at[i].y, colours[i]);
  cv::Mat image;
  if (strip.cols == W && strip.rows == H)
    image = strip;
  else
    cv::resize(strip, image, cv::Size(W, H), 0, 0, cv::INTER_AREA);  // always shrinking

  // 3. Noise in a text colour, so it cannot be removed by colour alone: dots and a sine curve
  // through the text band.
  const cv::Vec3b noise_colour =
      colours[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(colours.size()) - 1))];
  const cv::Scalar noise(noise_colour[0], noise_colour[1], noise_colour[2]);
  const int dots = static_cast<int>(rng.uniform_int(style.dots_min, std::max(style.dots_min, style.dots_max)) *
                                   (W * H) / (160.0 * 60.0));
  for (int i = 0; i < dots; ++i) {
    // Small square specks of 2-3 pixels, like the thick short strokes of the original.
    const int size = rng.uniform_int(2, 3);
    cv::Rect speck(rng.uniform_int(0, W - 1), rng.uniform_int(0, H - 1), size, size);
    image(speck & cv::Rect(0, 0, W, H)).setTo(noise);
  }
  if (style.curve_probability >= 1 || rng.chance(style.curve_probability)) {
    const double x1 = rng.uniform(0, W / 5.0), x2 = rng.uniform(W * 4 / 5.0, W);
    const double y0 = rng.uniform(H * 0.3, H * 0.7), amplitude = rng.uniform(0.06, 0.22) * H;
    const double period = rng.uniform(0.6, 1.6) * W, phase = rng.uniform(0, 2 * CV_PI);
    std::vector<cv::Point> curve;
    for (double cx = x1; cx <= x2; cx += 2)
      curve.emplace_back(static_cast<int>(std::lround(cx)),
                         static_cast<int>(std::lround(
                             y0 + amplitude * std::sin(2 * CV_PI * cx / period + phase))));
    cv::polylines(image, curve, false, noise, rng.uniform_int(1, 2), cv::LINE_AA);
  } else if (style.line_probability > 0 && rng.chance(style.line_probability)) {
    const cv::Point a(static_cast<int>(rng.uniform(0, W / 5.0)), static_cast<int>(rng.uniform(H * 0.3, H * 0.9)));
    const cv::Point b(static_cast<int>(rng.uniform(W * 4 / 5.0, W)), static_cast<int>(rng.uniform(H * 0.2, H * 0.8)));
    cv::line(image, a, b, noise, std::max(1, static_cast<int>(std::lround(style.line_width))), cv::LINE_AA);
  }

  // 4. Mostly a light blur (as the originals are smoothed), sometimes none.
  if (rng.chance(style.blur_probability)) {
    const double sigma = rng.uniform(style.blur_sigma_min, std::max(style.blur_sigma_min, style.blur_sigma_max));
    const int k = sigma <= 1 ? 3 : 2 * static_cast<int>(std::ceil(2 * sigma)) + 1;
    cv::GaussianBlur(image, image, cv::Size(k, k), sigma, sigma, cv::BORDER_REPLICATE);
  }
  if (style.border_probability > 0 && rng.chance(style.border_probability)) {
    cv::rectangle(image, cv::Rect(0, 0, W, H), cv::Scalar(colours[0][0], colours[0][1], colours[0][2]), 1);
  }
  return image;
}

std::vector<std::string> Generator::write_folder(const fs::path& dir, uint64_t count,
                                                 uint64_t start, int threads) const {
  // The label is part of the file name, and FolderDataset reads it back up to the first '_'
  // or '.': characters that break either are refused before anything is written.
  for (char c : options_.charset)
    if (c == '/' || c == '\\' || c == '_' || c == '.' || c == '\0')
      throw Error("charset \"" + options_.charset + "\": character '" + std::string(1, c) +
                  "' cannot appear in a captcha file name <label>_<index>.png");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw file_error(dir.string(), "cannot create folder: " + ec.message());

  std::vector<std::string> names(count);
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    try {
      for (uint64_t i = next++; i < count && !failed; i = next++) {
        const uint64_t index = start + i;
        Sample s = sample(index);
        std::string name = s.label + "_" + std::to_string(index) + ".png";
        std::vector<uchar> png;
        if (!cv::imencode(".png", s.image, png))
          throw file_error((dir / name).string(), "cannot encode PNG");
        write_file_atomic(dir / name, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()),
                          Durability::unsynced);  // regenerable: one sync for the folder below
        names[i] = std::move(name);
      }
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  const auto n = static_cast<int>(std::clamp<uint64_t>(static_cast<uint64_t>(std::max(threads, 1)),
                                                       1, std::max<uint64_t>(count, 1)));
  std::vector<std::thread> workers;
  for (int t = 1; t < n; ++t) {
    try {
      workers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads (a process or container limit): the ones started do the work
    }
  }
  work();  // the calling thread is one of the workers
  for (auto& w : workers) w.join();
  if (error) std::rethrow_exception(error);
  sync_file_system(dir);
  return names;
}

}  // namespace seer::captcha
