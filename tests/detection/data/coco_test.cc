#include "seer/detection/data/coco.h"

#include <gtest/gtest.h>

#include "detection/data/voc_fixture.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;
using seer::testing::ScratchDir;
using namespace seer::detection::testing;

const char* kTinyCoco = R"({
  "images": [
    {"id": 7, "file_name": "seven.jpg", "width": 64, "height": 48},
    {"id": 3, "file_name": "three.jpg", "width": 100, "height": 80},
    {"id": 9, "file_name": "nine.jpg", "width": 32, "height": 32}
  ],
  "categories": [
    {"id": 18, "name": "dog", "supercategory": "animal"},
    {"id": 1, "name": "person", "supercategory": "person"},
    {"id": 17, "name": "cat", "supercategory": "animal"}
  ],
  "annotations": [
    {"id": 100, "image_id": 7, "category_id": 18, "bbox": [10.5, 4, 20, 8.25], "iscrowd": 0, "area": 1},
    {"id": 101, "image_id": 7, "category_id": 1, "bbox": [0, 0, 64, 48], "iscrowd": 1},
    {"id": 102, "image_id": 3, "category_id": 17, "bbox": [90, 70, 20, 20], "iscrowd": 0},
    {"id": 103, "image_id": 3, "category_id": 17, "bbox": [5, 5, 0, 10], "iscrowd": 0}
  ]
})";

TEST(CocoRead, MapsCategoriesBoxesAndCrowds) {
  ScratchDir dir;
  write_text(dir / "instances_tiny.json", kTinyCoco);
  std::string warnings;
  ::testing::internal::CaptureStderr();
  DetectionDataset ds = read_coco(dir / "instances_tiny.json", dir / "images", {.check_images = false});
  warnings = ::testing::internal::GetCapturedStderr();
  // Sorted by category id: person (1), cat (17), dog (18).
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"person", "cat", "dog"}));
  EXPECT_EQ(ds.category_ids, (std::vector<long long>{1, 17, 18}));
  ASSERT_EQ(ds.images.size(), 3u);  // file order; image 9 has no annotations and is kept
  EXPECT_EQ(ds.images[0].id, "7");
  EXPECT_EQ(ds.images[0].image_path, dir / "images" / "seven.jpg");
  EXPECT_EQ(ds.images[0].width, 64);
  ASSERT_EQ(ds.images[0].objects.size(), 2u);
  EXPECT_EQ(ds.images[0].objects[0].box, (Box{10.5f, 4, 30.5f, 12.25f}));  // [x, y, w, h] -> (x, y, x+w, y+h)
  EXPECT_EQ(ds.images[0].objects[0].label, 2);
  EXPECT_FALSE(ds.images[0].objects[0].difficult);
  EXPECT_EQ(ds.images[0].objects[1].label, 0);
  EXPECT_TRUE(ds.images[0].objects[1].difficult);  // iscrowd
  ASSERT_EQ(ds.images[1].objects.size(), 1u);
  EXPECT_EQ(ds.images[1].objects[0].box, (Box{90, 70, 100, 80}));  // clipped
  EXPECT_TRUE(ds.images[2].objects.empty());
  EXPECT_TRUE(Contains(warnings, "annotation 102 bbox [90, 70, 20, 20] extends outside the 100x80 image 3; clipped"));
  EXPECT_TRUE(Contains(warnings, "annotation 103 has an empty bbox [5, 5, 0, 10]; skipped"));

  ::testing::internal::CaptureStderr();
  ds = read_coco(dir / "instances_tiny.json", dir / "images", {.keep_crowd = false, .check_images = false});
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(ds.images[0].objects.size(), 1u);
}

// Review defects: iscrowd written as a JSON boolean, a size that is not a whole number of pixels,
// a file_name that would leave the images folder.
TEST(CocoRead, BooleanCrowdsFractionalSizesAndEscapingNames) {
  ScratchDir dir;
  write_text(dir / "c.json", R"({
    "images": [{"id": 1, "file_name": "/elsewhere/one.jpg", "width": 64.7, "height": 48},
               {"id": 2, "file_name": "../two.jpg", "width": 1e300, "height": 32}],
    "categories": [{"id": 1, "name": "cat"}],
    "annotations": [
      {"id": 10, "image_id": 1, "category_id": 1, "bbox": [1, 1, 10, 10], "iscrowd": true},
      {"id": 11, "image_id": 1, "category_id": 1, "bbox": [5, 5, 10, 10], "iscrowd": false},
      {"id": 12, "image_id": 2, "category_id": 1, "bbox": [5, 5, 10, 10]}]})");
  write_image(dir / "images/one.jpg", 60, 48);
  write_image(dir / "images/two.jpg", 40, 32);
  write_image(dir / "two.jpg", 99, 99);  // outside the images folder: never read
  ::testing::internal::CaptureStderr();
  DetectionDataset ds = read_coco(dir / "c.json", dir / "images", {.check_images = false});
  const std::string warnings = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(ds.images.size(), 2u);
  EXPECT_EQ(ds.images[0].image_path, dir / "images" / "one.jpg");
  EXPECT_EQ(ds.images[1].image_path, dir / "images" / "two.jpg");
  EXPECT_EQ(ds.images[0].width, 60);  // 64.7 is not trusted: the header says 60
  EXPECT_EQ(ds.images[1].width, 40);
  EXPECT_TRUE(Contains(warnings, "image 1 has width 64.7, not a whole number of pixels")) << warnings;
  EXPECT_TRUE(Contains(warnings, "image 2 has width 1e+300")) << warnings;
  ASSERT_EQ(ds.images[0].objects.size(), 2u);
  EXPECT_TRUE(ds.images[0].objects[0].difficult);   // "iscrowd": true
  EXPECT_FALSE(ds.images[0].objects[1].difficult);  // "iscrowd": false
  EXPECT_FALSE(ds.images[1].objects[0].difficult);  // absent

  write_text(dir / "bad.json", R"({"images": [{"id": 1, "file_name": "a.jpg", "width": 9, "height": 9}],
    "categories": [{"id": 1, "name": "cat"}],
    "annotations": [{"id": 10, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "iscrowd": "yes"}]})");
  EXPECT_TRUE(Contains(error_of([&] { read_coco(dir / "bad.json", dir / "images", {.check_images = false}); }),
                       "bad.json: annotation 10: \"iscrowd\" is \"yes\", not 0, 1, true or false"));
}

TEST(CocoRead, ChecksImagesWhenAsked) {
  ScratchDir dir;
  write_text(dir / "instances_tiny.json", kTinyCoco);
  write_image(dir / "images/seven.jpg", 64, 48);
  write_image(dir / "images/nine.jpg", 30, 32);
  ::testing::internal::CaptureStderr();
  DetectionDataset ds = read_coco(dir / "instances_tiny.json", dir / "images");
  std::string warnings = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(ds.images.size(), 2u);  // three.jpg is missing
  EXPECT_EQ(ds.images[0].id, "7");
  EXPECT_EQ(ds.images[1].id, "9");
  EXPECT_EQ(ds.images[1].width, 30);
  EXPECT_TRUE(Contains(warnings, "three.jpg: image file not found"));
  EXPECT_TRUE(Contains(warnings, "image 9 is 32x32 in the json but 30x32"));
}

TEST(CocoRead, BadFilesAreErrorsNamingTheFile) {
  ScratchDir dir;
  write_text(dir / "bad.json", "{\n  \"images\": [\n    {\"id\": 1,,}\n  ]\n}");
  std::string msg = error_of([&] { read_coco(dir / "bad.json", dir.path()); });
  EXPECT_TRUE(Contains(msg, (dir / "bad.json").string() + ":3: bad JSON")) << msg;
  // Found by fuzz/fuzz_coco_json: a number too large for a double is nlohmann's out_of_range,
  // not a parse_error, and escaped as a bare exception.
  write_text(dir / "bad.json", "1e309{is");
  msg = error_of([&] { read_coco(dir / "bad.json", dir.path()); });
  EXPECT_TRUE(Contains(msg, (dir / "bad.json").string() + ": bad JSON")) << msg;
  write_text(dir / "bad.json", R"({"images": [], "annotations": []})");
  EXPECT_TRUE(Contains(error_of([&] { read_coco(dir / "bad.json", dir.path()); }), "no \"categories\" array"));
  write_text(dir / "bad.json",
             R"({"images": [{"id": 1, "file_name": "a.jpg", "width": 5, "height": 5}], "categories": [{"id": 1, "name": "a"}],
                 "annotations": [{"id": 4, "image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1]}]})");
  EXPECT_TRUE(Contains(error_of([&] { read_coco(dir / "bad.json", dir.path(), {.check_images = false}); }),
                       "bad.json: annotation 4: unknown category_id 2"));
  EXPECT_TRUE(Contains(error_of([&] { read_coco(dir / "absent.json", dir.path()); }), "absent.json"));
}

}  // namespace
}  // namespace seer::detection
