// The devkit results files: 1-based inclusive coordinates, round trips, dirty files.
#include "seer/detection/eval/voc_results.h"

#include <fstream>

#include <gtest/gtest.h>

#include "detection/eval/eval_test_util.h"
#include "seer/core/atomic_file.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;
using seer::testing::ScratchDir;
using testing::dataset;
using testing::detection;

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(VocResults, FileName) {
  EXPECT_EQ(voc_results_file_name("test", "dog"), "comp4_det_test_dog.txt");
}

// In memory (0, 1.5, 10.25, 20) is, in VOC file coordinates, xmin = 0 + 1 = 1,
// ymin = 1.5 + 1 = 2.5, xmax = 10.25, ymax = 20.
TEST(VocResults, WritesOneBasedCoordinates) {
  ScratchDir dir;
  write_voc_results(dir.path(), "test", {"a", "b"},
                    {detection("img1", 1, 0.75f, Box{0, 1.5f, 10.25f, 20}),
                     detection("img2", 1, 0.5f, Box{9, 19, 49, 59})});
  EXPECT_EQ(read_file(dir / "comp4_det_test_b.txt"),
            "img1 0.75 1 2.5 10.25 20\n"
            "img2 0.5 10 20 49 59\n");
  EXPECT_EQ(read_file(dir / "comp4_det_test_a.txt"), "");  // every class gets its file
}

// A line "img1 0.9 1 1 10 10" (columns and rows 1..10, 10x10 pixels) is the in-memory box
// (0, 0, 10, 10).
TEST(VocResults, ReadsOneBasedCoordinates) {
  ScratchDir dir;
  write_text(dir / "comp4_det_val_a.txt", "img1 0.9 1 1 10 10\n\n  img2\t0.25 5.5 6 7 +8  \n");
  const auto dets = read_voc_results(dir.path(), "val", dataset({"a"}, 2));
  ASSERT_EQ(dets.size(), 2u);
  EXPECT_EQ(dets[0].image_id, "img1");
  EXPECT_EQ(dets[0].label, 0);
  EXPECT_FLOAT_EQ(dets[0].score, 0.9f);
  EXPECT_EQ(dets[0].box, (Box{0, 0, 10, 10}));
  EXPECT_EQ(dets[1].box, (Box{4.5f, 5, 7, 8}));
}

TEST(VocResults, RoundTripIsExact) {
  ScratchDir dir;
  auto gt = dataset({"cat", "dog", "bird"}, 3);
  const std::vector<Detection> dets = {
      detection("img1", 0, 0.123456789f, Box{0.1f, 0.2f, 123.456f, 77.7f}),
      detection("img2", 1, 1e-7f, Box{-3.5f, 0, 1e4f / 3, 499.999f}),
      detection("img1", 1, 0.99999994f, Box{17, 18, 19, 20}),
      detection("img3", 2, 0.5f, Box{1.0f / 3, 2.0f / 3, 100.0f / 7, 300.1f})};
  write_voc_results(dir.path(), "test", gt.classes, dets);
  const auto back = read_voc_results(dir.path(), "test", gt);
  ASSERT_EQ(back.size(), dets.size());
  // Read back class by class, each file in its line order: cat (0), dog (1, 2), bird (3).
  for (size_t i = 0; i < dets.size(); ++i) {
    EXPECT_EQ(back[i].image_id, dets[i].image_id) << i;
    EXPECT_EQ(back[i].label, dets[i].label) << i;
    EXPECT_EQ(back[i].score, dets[i].score) << i;
    EXPECT_EQ(back[i].box, dets[i].box) << i;
  }
}

TEST(VocResults, MalformedLinesNameFileAndLine) {
  ScratchDir dir;
  const auto gt = dataset({"a"}, 1);
  const auto file = (dir / "comp4_det_test_a.txt").string();
  const std::pair<std::string, std::string> cases[] = {
      {"img1 0.9 1 1 10 10\nimg1 0.9 1 1 10\n", ":2: expected 6 fields"},
      {"img1 0.9 1 1 10 10 7\n", ":1: expected 6 fields"},
      {"img1 high 1 1 10 10\n", ":1: score 'high' is not a number"},
      {"img1 0.9 1 1 1O 10\n", ":1: xmax '1O' is not a number"},
      {"img1 0.9 1 nan 10 10\n", ":1: ymin 'nan' is not finite"},
      {"img1 nan 1 1 10 10\n", ":1: score 'nan' is not finite"},
      {"img1 0.9 1 1 10 10\n\nimg9 0.9 1 1 10 10\n", ":3: image id 'img9' is not in the dataset"},
  };
  for (const auto& [text, fragment] : cases) {
    write_text(file, text);
    const std::string message = error_of([&] { read_voc_results(dir.path(), "test", gt); });
    EXPECT_TRUE(Contains(message, file + fragment)) << text;
  }
}

TEST(VocResults, UnknownImagesCanBeSkipped) {
  ScratchDir dir;
  write_text(dir / "comp4_det_test_a.txt", "img9 0.9 1 1 10 10\nimg1 0.8 1 1 10 10\n");
  VocResultsReadOptions options;
  options.skip_unknown_images = true;
  const auto dets = read_voc_results(dir.path(), "test", dataset({"a"}, 1), options);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].image_id, "img1");
}

TEST(VocResults, MissingFiles) {
  ScratchDir dir;
  const auto gt = dataset({"a", "b"}, 1);
  // No file for b: b has no detections (a warning).
  write_text(dir / "comp4_det_test_a.txt", "img1 0.9 1 1 10 10\n");
  EXPECT_EQ(read_voc_results(dir.path(), "test", gt).size(), 1u);
  // No file for any class (here: wrong split): an error naming the folder.
  EXPECT_TRUE(Contains(error_of([&] { read_voc_results(dir.path(), "val", gt); }),
                       "no results files comp4_det_val_<class>.txt"));
  EXPECT_TRUE(Contains(error_of([&] { read_voc_results(dir / "nowhere", "test", gt); }),
                       "results folder not found"));
}

TEST(VocResults, OtherCompetitionAndSaltedNames) {
  ScratchDir dir;
  const auto gt = dataset({"a"}, 1);
  write_text(dir / "comp4_1a2b_det_test_a.txt", "img1 0.9 1 1 10 10\n");
  EXPECT_EQ(read_voc_results(dir.path(), "test", gt).size(), 1u);
  write_text(dir / "comp3_det_test_a.txt", "img1 0.9 1 1 10 10\n");
  EXPECT_TRUE(Contains(error_of([&] { read_voc_results(dir.path(), "test", gt); }),
                       "several results files for class 'a'"));
  // The exact name wins over the others.
  write_text(dir / "comp4_det_test_a.txt", "img1 0.9 1 1 10 10\nimg1 0.8 1 1 10 10\n");
  EXPECT_EQ(read_voc_results(dir.path(), "test", gt).size(), 2u);
}

TEST(VocResults, WriteErrors) {
  ScratchDir dir;
  EXPECT_TRUE(Contains(error_of([&] {
                         write_voc_results(dir.path(), "test", {"a"},
                                           {detection("img1", 1, 0.5f, Box{})});
                       }),
                       "label 1"));
  EXPECT_TRUE(Contains(error_of([&] {
                         write_voc_results(dir.path(), "test", {"a"},
                                           {detection("my image", 0, 0.5f, Box{})});
                       }),
                       "whitespace"));
}

}  // namespace
}  // namespace seer::detection
