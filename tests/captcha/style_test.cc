#include "seer/captcha/style.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "seer/core/error.h"
#include "test_support.h"

namespace seer::captcha {
namespace {

// A hand-made captcha: a grey ramp from 100 (left) to 200 (right), three black bars 6 pixels
// wide and 30 high (rows 10..39), a black one-pixel frame and a 2-pixel straight line.
cv::Mat hand_made(bool frame, bool line) {
  const int W = 200, H = 50;
  cv::Mat image(H, W, CV_8UC3);
  for (int c = 0; c < W; ++c) image.col(c).setTo(cv::Scalar::all(100 + 100.0 * c / (W - 1)));
  for (int x : {40, 90, 140}) image(cv::Rect(x, 10, 6, 30)).setTo(cv::Scalar::all(0));
  if (line) cv::line(image, {10, 44}, {190, 46}, cv::Scalar::all(0), 2);
  if (frame) cv::rectangle(image, cv::Rect(0, 0, W, H), cv::Scalar::all(0), 1);
  return image;
}

TEST(CaptchaStyle, MeasuresAHandMadeImage) {
  const ImageStyle s = measure_image(hand_made(true, false));
  // The background: the ramp's value a twentieth of the width in from each side (+- the bars'
  // influence: none there).
  EXPECT_NEAR(s.background_left, 100 + 100.0 * 11 / 199, 4);
  EXPECT_NEAR(s.background_right, 200 - 100.0 * 11 / 199, 4);
  EXPECT_NEAR(s.background_tint, 0, 1e-9);
  EXPECT_NEAR(s.ink_luma, 0, 1);
  // 3 bars of 6 x 30 inside 196 x 46.
  EXPECT_NEAR(s.ink_fraction, 3 * 6 * 30 / (196.0 * 46.0), 0.003);
  // The middle 90% of the ink's rows: 27 of 30 rows, / 50.
  EXPECT_NEAR(s.text_height, 27.0 / 50, 0.03);
  // Columns from the first bar to the last: 40..145, / 200.
  EXPECT_NEAR(s.text_width, 105.0 / 200, 0.03);
  // 2 x area / boundary of 6 x 30 bars: 2 * 180 / (2 * 30 + 2 * 4) = 5.3 (a bar's ends count too).
  EXPECT_NEAR(s.stroke_width, 2 * 180.0 / 68, 0.3);
  EXPECT_EQ(s.specks, 0);
  EXPECT_TRUE(s.frame);
  EXPECT_FALSE(s.line);
  EXPECT_TRUE(measure_image(hand_made(false, true)).line);
  EXPECT_FALSE(measure_image(hand_made(false, true)).frame);
}

TEST(CaptchaStyle, BlankAndTinyImagesMeasureNoText) {
  cv::Mat blank(40, 120, CV_8UC3, cv::Scalar(200, 180, 160));
  const ImageStyle s = measure_image(blank);
  EXPECT_EQ(s.ink_fraction, 0);
  EXPECT_NEAR(s.background_left, 0.114 * 200 + 0.587 * 180 + 0.299 * 160, 1);
  EXPECT_NEAR(s.background_tint, 40, 1e-9);
  EXPECT_EQ(measure_image(cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(0))).ink_fraction, 0);
  EXPECT_EQ(measure_image(cv::Mat()).ink_fraction, 0);
  // A 16-bit and a float copy measure as the 8-bit image does.
  const cv::Mat hand = hand_made(true, false);
  cv::Mat wide, unit;
  hand.convertTo(wide, CV_16U, 257.0);
  hand.convertTo(unit, CV_32F, 1 / 255.0);
  EXPECT_NEAR(measure_image(wide).stroke_width, measure_image(hand).stroke_width, 1e-6);
  EXPECT_NEAR(measure_image(unit).background_right, measure_image(hand).background_right, 1.0);
}

// A look far from the built-in one: 250 x 50, a grey ramp from dark to light, black bold text
// with a drop shadow, a straight line, a frame, 6 characters.
GeneratorOptions real_like() {
  GeneratorOptions o;
  o.width = 250;
  o.height = 50;
  o.length = 6;
  o.seed = 77;
  GeneratorStyle& s = o.style;
  s.background_min = 140;
  s.background_max = 160;
  s.background_tint = 0;
  s.background_gradient = 150;
  s.ink_luma_max = 5;
  s.ink_tint = 0;
  s.font_scale_min = 0.8;
  s.font_scale_max = 1.0;
  s.rotate_degrees = 10;
  s.boldness = 3;
  s.text_span = 0.6;
  s.dots_min = s.dots_max = 0;
  s.curve_probability = 0;
  s.line_probability = 1;
  s.line_width = 3;
  s.shadow_probability = 1;
  s.shadow_offset = 0.08;
  s.shadow_strength = 0.35;
  s.border_probability = 1;
  return o;
}

CaptchaStyle measure_sample(const GeneratorOptions& o, int n, uint64_t first = 0) {
  Generator g(o);
  std::vector<cv::Mat> images;
  std::vector<std::string> labels;
  for (int i = 0; i < n; ++i) {
    auto s = g.sample(first + i);
    images.push_back(s.image);
    labels.push_back(s.label);
  }
  return measure_style(images, labels);
}

TEST(CaptchaStyle, FittedGeneratorMeasuresLikeTheFolder) {
  // The "folder": 120 images of the real-like look. The fit starts from the built-in look.
  const CaptchaStyle target = measure_sample(real_like(), 120, 1000);
  EXPECT_EQ(target.width, 250);
  EXPECT_EQ(target.height, 50);
  EXPECT_EQ(target.min_length, 6);
  EXPECT_EQ(target.max_length, 6);
  EXPECT_NEAR(target.background_gradient, 150 * 0.8, 25);  // the ramp between the two tenths' middles
  const StyleFit fit = fit_generator_style(target);
  EXPECT_EQ(fit.options.width, 250);
  EXPECT_EQ(fit.options.height, 50);
  EXPECT_EQ(fit.options.length, 6);
  EXPECT_EQ(fit.options.charset, target.charset);
  EXPECT_EQ(fit.options.style.background_tint, 0);
  EXPECT_EQ(fit.options.style.ink_tint, 0);
  EXPECT_GT(fit.options.style.shadow_probability, 0);
  // What the fitted generator's images measure, against the folder's.
  const CaptchaStyle& a = fit.achieved;
  EXPECT_NEAR(a.background_min, target.background_min, 10);
  EXPECT_NEAR(a.background_max, target.background_max, 10);
  EXPECT_NEAR(a.background_gradient, target.background_gradient, 10);
  EXPECT_NEAR(a.ink_luma, target.ink_luma, 10);
  EXPECT_NEAR(a.text_height, target.text_height, 0.1 * target.text_height);
  EXPECT_NEAR(a.text_width, target.text_width, 0.1 * target.text_width);
  EXPECT_NEAR(a.stroke_width, target.stroke_width, 0.15 * target.stroke_width);
  EXPECT_NEAR(a.midtone_fraction, target.midtone_fraction, 0.3 * target.midtone_fraction);
  EXPECT_NEAR(a.line_fraction, target.line_fraction, 0.15);
  EXPECT_NEAR(a.frame_fraction, target.frame_fraction, 0.1);
  // And the built-in look, unfitted, is far from it on the same measures.
  const CaptchaStyle built_in = measure_sample(GeneratorOptions{}, 60);
  EXPECT_GT(std::abs(built_in.background_gradient - target.background_gradient), 80);
  EXPECT_GT(std::abs(built_in.stroke_width - target.stroke_width), 0.15 * target.stroke_width);
  EXPECT_GT(std::abs(built_in.ink_luma - target.ink_luma), 50);
}

TEST(CaptchaStyle, FittingTheBuiltInLookStaysClose) {
  const CaptchaStyle target = measure_sample(GeneratorOptions{}, 120, 5000);
  const StyleFit fit = fit_generator_style(target);
  const CaptchaStyle& a = fit.achieved;
  EXPECT_NEAR(a.text_height, target.text_height, 0.1 * target.text_height);
  EXPECT_NEAR(a.stroke_width, target.stroke_width, 0.15 * target.stroke_width);
  EXPECT_NEAR(a.specks, target.specks, 0.3 * target.specks + 0.5);
  EXPECT_NEAR(a.background_min, target.background_min, 10);
  EXPECT_EQ(fit.options.style.background_tint, 1);  // tinted backgrounds stay tinted
}

TEST(CaptchaStyle, StyleJsonRoundTripsAndRefusesUnknownKeys) {
  GeneratorOptions o = real_like();
  const auto j = generator_options_to_json(o);
  const GeneratorOptions back = generator_options_from_json(j);
  EXPECT_EQ(back.width, 250);
  EXPECT_EQ(back.length, 6);
  EXPECT_EQ(style_to_json(back.style), style_to_json(o.style));
  auto bad = j;
  bad["style"]["boldnes"] = 2;
  auto msg = testing::error_of([&] { generator_options_from_json(bad); });
  EXPECT_NE(msg.find("unknown key 'boldnes'"), std::string::npos) << msg;
  bad = j;
  bad["style"]["boldness"] = "thick";
  EXPECT_THROW(generator_options_from_json(bad), Error);
  bad = j;
  bad["width"] = "wide";
  EXPECT_THROW(generator_options_from_json(bad), Error);
}

TEST(CaptchaStyle, ReadsAFolderAndItsStyleFile) {
  testing::ScratchDir dir;
  GeneratorOptions o = real_like();
  o.charset = "abc123";
  o.length = 5;
  Generator(o).write_folder(dir / "imgs", 12);
  const CaptchaStyle s = measure_folder(dir / "imgs");
  EXPECT_EQ(s.count, 12);
  EXPECT_EQ(s.width, 250);
  EXPECT_EQ(s.max_length, 5);
  EXPECT_EQ(s.min_length, 5);
  for (char c : s.charset) EXPECT_NE(o.charset.find(c), std::string::npos) << c;
  // A style.json as `generate --like` writes it, read back; a broken one names the file.
  StyleFit fit;
  fit.options = o;
  std::ofstream(dir / "style.json") << fit.to_json().dump();
  EXPECT_EQ(read_generator_options(dir / "style.json").charset, "abc123");
  std::ofstream(dir / "broken.json") << "{\"options\": ";
  auto msg = testing::error_of([&] { read_generator_options(dir / "broken.json"); });
  EXPECT_NE(msg.find("broken.json"), std::string::npos) << msg;
  EXPECT_THROW(measure_folder(dir / "missing"), Error);
  EXPECT_THROW(fit_generator_style(CaptchaStyle{}), Error);
}

}  // namespace
}  // namespace seer::captcha
