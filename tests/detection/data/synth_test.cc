#include "seer/detection/data/synth.h"

#include <chrono>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "seer/core/atomic_file.h"
#include "seer/detection/data/voc.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using seer::testing::ScratchDir;
namespace fs = std::filesystem;

TEST(Synth, ClassesAreSortedSoThatReadVocKeepsTheirOrder) {
  auto classes = synth_classes();
  EXPECT_GE(classes.size(), 3u);
  EXPECT_TRUE(std::is_sorted(classes.begin(), classes.end()));
}

TEST(Synth, ScenesAreDeterministicPerSeedAndIndex) {
  SynthOptions o;
  SynthScene a = make_synthetic_scene(o, 5), b = make_synthetic_scene(o, 5), c = make_synthetic_scene(o, 6);
  EXPECT_EQ(cv::norm(a.image, b.image, cv::NORM_INF), 0);
  ASSERT_EQ(a.annotation.objects.size(), b.annotation.objects.size());
  for (size_t i = 0; i < a.annotation.objects.size(); ++i)
    EXPECT_EQ(a.annotation.objects[i].box, b.annotation.objects[i].box);
  EXPECT_GT(cv::norm(a.image, c.image, cv::NORM_L1), 0);
  o.seed = 2;
  EXPECT_GT(cv::norm(a.image, make_synthetic_scene(o, 5).image, cv::NORM_L1), 0);
  EXPECT_EQ(a.annotation.id, "000005");
}

TEST(Synth, BoxesAreTightAroundVisibleObjectsInsideTheImage) {
  SynthOptions o;
  const int n = 120, S = std::min(o.width, o.height);
  std::vector<int> per_class(synth_classes().size(), 0);
  int objects = 0, difficult = 0, truncated = 0, overlapping = 0;
  double contrast = 0;
  int contrast_n = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    SynthScene s = make_synthetic_scene(o, i);
    ASSERT_EQ(s.image.size(), cv::Size(o.width, o.height));
    ASSERT_EQ(s.image.type(), CV_8UC3);
    const auto& objs = s.annotation.objects;
    EXPECT_GE(static_cast<int>(objs.size()), 1);
    EXPECT_LE(static_cast<int>(objs.size()), o.max_objects);
    for (size_t k = 0; k < objs.size(); ++k) {
      const DetectionObject& obj = objs[k];
      const Box& b = obj.box;
      ++objects;
      ++per_class.at(obj.label);
      difficult += obj.difficult;
      truncated += obj.truncated;
      EXPECT_GE(b.x1, 0);
      EXPECT_GE(b.y1, 0);
      EXPECT_LE(b.x2, o.width);
      EXPECT_LE(b.y2, o.height);
      // Not tiny: the visible part spans at least a few percent of the short side.
      EXPECT_GE(std::max(b.width(), b.height()), 0.05 * S);
      // Tight: the box is exactly the bounding rectangle of the object's visible pixels.
      cv::Mat mask = s.labels == static_cast<int>(k + 1);
      cv::Rect r = cv::boundingRect(mask);
      EXPECT_EQ(b, (Box{float(r.x), float(r.y), float(r.x + r.width), float(r.y + r.height)}));
      // Visible: the object's pixels stand out from the background around them.
      cv::Mat ring;
      cv::dilate(mask, ring, cv::Mat(), {-1, -1}, 4);
      ring &= (s.labels == 0);
      if (cv::countNonZero(ring) > 20) {
        cv::Scalar in = cv::mean(s.image, mask), out = cv::mean(s.image, ring);
        contrast += std::abs(in[0] - out[0]) + std::abs(in[1] - out[1]) + std::abs(in[2] - out[2]);
        ++contrast_n;
      }
      for (size_t j = k + 1; j < objs.size(); ++j) {
        const Box& c = objs[j].box;
        overlapping += std::max(b.x1, c.x1) < std::min(b.x2, c.x2) && std::max(b.y1, c.y1) < std::min(b.y2, c.y2);
      }
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  (void)n;  // speed is a benchmark matter (a loaded machine must not fail the suite); printed below
  for (int c : per_class) EXPECT_GT(c, objects / 8);  // every class is common
  EXPECT_GT(difficult, 0);
  EXPECT_LT(difficult, objects / 4);
  EXPECT_GT(truncated, 0);
  EXPECT_GT(overlapping, n / 4);
  EXPECT_GT(contrast / contrast_n, 80);
  std::printf("synth: %d scenes, %d objects, %d difficult, %d truncated, %d overlapping pairs, "
              "mean contrast %.0f, %.0f scenes/s\n", n, objects, difficult, truncated, overlapping,
              contrast / contrast_n, n / seconds);
}

TEST(Synth, WritesAVocDatasetThatReadVocReads) {
  ScratchDir dir;
  SynthOptions o;
  o.count = 20;
  o.seed = 9;
  write_synthetic_voc(dir.path(), o);
  DetectionDataset ds = read_voc(dir.path(), {.classes = synth_classes()});
  ASSERT_EQ(ds.images.size(), 20u);
  for (size_t i = 0; i < ds.images.size(); ++i) {
    SynthScene s = make_synthetic_scene(o, static_cast<int>(i));
    EXPECT_EQ(ds.images[i].id, s.annotation.id);
    EXPECT_EQ(ds.images[i].width, o.width);
    ASSERT_EQ(ds.images[i].objects.size(), s.annotation.objects.size());
    for (size_t k = 0; k < s.annotation.objects.size(); ++k) {
      EXPECT_EQ(ds.images[i].objects[k].box, s.annotation.objects[k].box);
      EXPECT_EQ(ds.images[i].objects[k].label, s.annotation.objects[k].label);
      EXPECT_EQ(ds.images[i].objects[k].difficult, s.annotation.objects[k].difficult);
    }
  }
  // Default classes from the data are the same list (when every class occurs).
  EXPECT_EQ(read_voc(dir.path(), {.check_images = false}).classes, synth_classes());
  // Splits: test 4, val 2, train 14; disjoint, covering everything.
  auto train = read_voc(dir.path(), {.split = "train", .check_images = false}).images.size();
  auto val = read_voc(dir.path(), {.split = "val", .check_images = false}).images.size();
  auto test = read_voc(dir.path(), {.split = "test", .check_images = false}).images.size();
  auto trainval = read_voc(dir.path(), {.split = "trainval", .check_images = false}).images.size();
  EXPECT_EQ(test, 4u);
  EXPECT_EQ(val, 2u);
  EXPECT_EQ(train, 14u);
  EXPECT_EQ(trainval, 16u);
  // Same options, same bytes.
  ScratchDir again;
  write_synthetic_voc(again.path(), o);
  for (const char* f : {"JPEGImages/000007.jpg", "Annotations/000013.xml", "ImageSets/Main/val.txt"})
    EXPECT_EQ(read_file(dir / f), read_file(again / f)) << f;
}

TEST(Synth, BadOptionsAreErrors) {
  ScratchDir dir;
  SynthOptions o;
  o.count = 0;
  EXPECT_NE(seer::testing::error_of([&] { write_synthetic_voc(dir.path(), o); }), "");
  o = {};
  o.min_objects = 5;
  o.max_objects = 2;
  EXPECT_NE(seer::testing::error_of([&] { write_synthetic_voc(dir.path(), o); }), "");
  o = {};
  o.val_fraction = 0.6;
  o.test_fraction = 0.6;
  EXPECT_NE(seer::testing::error_of([&] { write_synthetic_voc(dir.path(), o); }), "");
  o = {};
  o.min_size = 0.5;
  o.max_size = 0.3;
  EXPECT_NE(seer::testing::error_of([&] { write_synthetic_voc(dir.path(), o); }), "");
  o = {};
  o.min_size = 0;
  EXPECT_NE(seer::testing::error_of([&] { write_synthetic_voc(dir.path(), o); }), "");
}

TEST(Synth, ObjectSizesStayInTheAskedRange) {
  // Untruncated, unoccluded boxes of objects drawn at 20%..30% of the short side (240 px): the
  // box of a shape of size s (sqrt of w x h, aspect 0.75..1.33, rotated up to 36 degrees) lies
  // between about 0.5 s (a star's or triangle's inked part, unrotated) and 1.6 s per side.
  SynthOptions o;
  o.min_size = 0.20;
  o.max_size = 0.30;
  const double S = std::min(o.width, o.height);
  int checked = 0;
  for (int i = 0; i < 40; ++i) {
    for (const auto& obj : make_synthetic_scene(o, i).annotation.objects) {
      if (obj.truncated || obj.difficult) continue;
      const double side = std::sqrt(static_cast<double>((obj.box.x2 - obj.box.x1) * (obj.box.y2 - obj.box.y1)));
      EXPECT_LE(side, 1.6 * o.max_size * S) << "scene " << i;
      EXPECT_GE(side, 0.5 * o.min_size * S) << "scene " << i;
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
  // The default range is wider: some default objects are larger than 0.3 x 1.6 of the side.
  double largest = 0;
  for (int i = 0; i < 40; ++i)
    for (const auto& obj : make_synthetic_scene(SynthOptions{}, i).annotation.objects)
      largest = std::max(largest, std::sqrt(static_cast<double>((obj.box.x2 - obj.box.x1) * (obj.box.y2 - obj.box.y1))));
  EXPECT_GT(largest, 1.6 * 0.30 * S);
}

}  // namespace
}  // namespace seer::detection
