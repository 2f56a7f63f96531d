#include "seer/captcha/generator.h"

#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "test_support.h"
#include "seer/core/error.h"

namespace seer::captcha {
namespace {

namespace fs = std::filesystem;

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

GeneratorOptions options_with_seed(uint64_t seed) {
  GeneratorOptions o;
  o.seed = seed;
  return o;
}

TEST(Generator, SameSeedAndIndexGiveIdenticalImages) {
  Generator a(options_with_seed(42)), b(options_with_seed(42));
  for (uint64_t i : {0ull, 1ull, 17ull, 123456789ull}) {
    Sample sa = a.sample(i), sb = b.sample(i);
    EXPECT_EQ(sa.label, sb.label) << "index " << i;
    EXPECT_TRUE(same_pixels(sa.image, sb.image)) << "index " << i;
    // Asking again (after other samples) gives the same again: no hidden state.
    EXPECT_TRUE(same_pixels(a.sample(i).image, sa.image)) << "index " << i;
  }
}

TEST(Generator, DifferentIndexOrSeedGiveDifferentImages) {
  Generator a(options_with_seed(42)), b(options_with_seed(43));
  EXPECT_FALSE(same_pixels(a.sample(0).image, a.sample(1).image));
  EXPECT_FALSE(same_pixels(a.sample(0).image, b.sample(0).image));
  // The labels vary too: 20 samples of 4 digits all alike would be a broken stream.
  std::set<std::string> labels;
  for (uint64_t i = 0; i < 20; ++i) labels.insert(a.sample(i).label);
  EXPECT_GT(labels.size(), 15u);
}

TEST(Generator, ImageSizeAndType) {
  Generator g(GeneratorOptions{});
  cv::Mat image = g.sample(3).image;
  EXPECT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.cols, 160);
  EXPECT_EQ(image.rows, 60);

  GeneratorOptions o;
  o.width = 100;
  o.height = 40;
  o.length = 6;
  Generator small(o);
  Sample s = small.sample(3);
  EXPECT_EQ(s.image.type(), CV_8UC3);
  EXPECT_EQ(s.image.cols, 100);
  EXPECT_EQ(s.image.rows, 40);
  EXPECT_EQ(s.label.size(), 6u);
}

TEST(Generator, LabelsUseTheCharsetAndLength) {
  GeneratorOptions o;
  o.charset = "ABCDEFxyz";
  o.length = 5;
  Generator g(o);
  std::set<char> used;
  for (uint64_t i = 0; i < 100; ++i) {
    std::string label = g.sample(i).label;
    ASSERT_EQ(label.size(), 5u) << label;
    for (char c : label) {
      EXPECT_NE(o.charset.find(c), std::string::npos) << label;
      used.insert(c);
    }
  }
  EXPECT_EQ(used.size(), o.charset.size());  // 500 draws reach every character
}

TEST(Generator, ImagesAreNotBlank) {
  Generator g(GeneratorOptions{});
  for (uint64_t i = 0; i < 20; ++i) {
    cv::Mat gray;
    cv::cvtColor(g.sample(i).image, gray, cv::COLOR_BGR2GRAY);
    const double total = gray.total();
    // Text (and noise) in dark colours on a light background: a fair share of dark pixels,
    // but mostly background.
    const double dark = cv::countNonZero(gray < 150) / total;
    const double light = cv::countNonZero(gray > 200) / total;
    EXPECT_GT(dark, 0.05) << "index " << i;
    EXPECT_LT(dark, 0.6) << "index " << i;
    EXPECT_GT(light, 0.35) << "index " << i;
    // The ink spreads over the width (all characters drawn, not piled up in one place): the
    // middle is inked, and at least half of the columns hold some text.
    cv::Mat dark_mask = gray < 150;
    EXPECT_GT(cv::countNonZero(dark_mask(cv::Rect(40, 0, 40, 60))), 40) << "index " << i;
    EXPECT_GT(cv::countNonZero(dark_mask(cv::Rect(80, 0, 40, 60))), 40) << "index " << i;
    int inked_columns = 0;
    for (int x = 0; x < gray.cols; ++x) inked_columns += cv::countNonZero(dark_mask.col(x)) >= 3;
    EXPECT_GT(inked_columns, gray.cols / 2) << "index " << i;
  }
}

TEST(Generator, RenderOfTheSampleLabelIsTheSample) {
  Generator g(options_with_seed(9));
  Sample s = g.sample(77);
  EXPECT_TRUE(same_pixels(g.render(s.label, 77), s.image));
  // Another label at the same index is a different picture.
  std::string other = s.label;
  other[0] = other[0] == '1' ? '2' : '1';
  EXPECT_FALSE(same_pixels(g.render(other, 77), s.image));
}

TEST(Generator, RenderRejectsCharactersOutsideTheCharset) {
  Generator g(GeneratorOptions{});
  try {
    g.render("07a2", 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'a'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(g.render("", 0), Error);
}

TEST(Generator, BadOptionsAreErrors) {
  GeneratorOptions o;
  o.fonts = {"/nonexistent/font.ttf"};
  EXPECT_THROW(Generator{o}, Error);
  GeneratorOptions dup;
  dup.charset = "0012";
  EXPECT_THROW(Generator{dup}, Error);
  GeneratorOptions tiny;
  tiny.height = 4;
  EXPECT_THROW(Generator{tiny}, Error);
}

TEST(Generator, SampleFromManyThreadsEqualsSingleThread) {
  Generator g(options_with_seed(5));
  constexpr int kThreads = 4, kPerThread = 40;
  std::vector<Sample> expected;
  for (int i = 0; i < kThreads * kPerThread; ++i)
    expected.push_back(g.sample(static_cast<uint64_t>(i)));

  std::vector<Sample> got(expected.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      // Interleaved indices so that the threads really run sample() at the same time.
      for (int i = t; i < kThreads * kPerThread; i += kThreads)
        got[static_cast<size_t>(i)] = g.sample(static_cast<uint64_t>(i));
    });
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(got[i].label, expected[i].label) << "index " << i;
    EXPECT_TRUE(same_pixels(got[i].image, expected[i].image)) << "index " << i;
  }
}

TEST(Generator, WriteFolderWritesLabelIndexPngs) {
  seer::testing::ScratchDir scratch;
  const fs::path dir = scratch / "out" / "nested";  // created by write_folder
  Generator g(options_with_seed(11));
  std::vector<std::string> names = g.write_folder(dir, 7, 100, 3);
  ASSERT_EQ(names.size(), 7u);
  std::set<std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(dir)) on_disk.insert(entry.path().filename());
  EXPECT_EQ(on_disk, std::set<std::string>(names.begin(), names.end()));  // no temporaries left
  for (uint64_t i = 0; i < 7; ++i) {
    Sample s = g.sample(100 + i);
    EXPECT_EQ(names[i], s.label + "_" + std::to_string(100 + i) + ".png");
    cv::Mat read = cv::imread((dir / names[i]).string(), cv::IMREAD_COLOR);
    EXPECT_TRUE(same_pixels(read, s.image)) << names[i];  // PNG is lossless
  }
}

TEST(Generator, WriteFolderRefusesCharsetsThatBreakFileNames) {
  seer::testing::ScratchDir scratch;
  GeneratorOptions o;
  o.charset = "01_";
  Generator g(o);
  EXPECT_THROW(g.write_folder(scratch.path(), 2), Error);
}

}  // namespace
}  // namespace seer::captcha
