// read_detection_folder on every layout labelImg users have (VOC devkit, images/ + annotations/,
// XML beside the images), images never annotated, and the seeded split.
#include "seer/detection/data/folder.h"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "detection/data/voc_fixture.h"
#include "seer/detection/data/voc.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;
using seer::testing::ScratchDir;
using seer::testing::stderr_of;
using namespace seer::detection::testing;

std::vector<std::string> ids_of(const DetectionDataset& ds) {
  std::vector<std::string> ids;
  for (const auto& im : ds.images) ids.push_back(im.id);
  return ids;
}

// <dir>/<id>.xml and the image <image_dir>/<id>.jpg, one dog box.
void add_labelimg(const fs::path& xml_dir, const fs::path& image_dir, const std::string& id,
                  const std::string& objects = voc_object("dog", "2", "3", "10", "12")) {
  write_text(xml_dir / (id + ".xml"), voc_xml(id + ".jpg", 32, 24, objects));
  write_image(image_dir / (id + ".jpg"), 32, 24);
}

TEST(FolderRead, PlainLabelImgFolder) {
  ScratchDir dir;
  add_labelimg(dir.path(), dir.path(), "b");
  add_labelimg(dir.path(), dir.path(), "a", voc_object("cat", "1", "1", "5", "5") + voc_object("dog", "2", "2", "9", "9"));
  write_text(dir / "c.xml", voc_xml("c.png", 32, 24, ""));  // saved with no boxes: a background image
  write_image(dir / "c.png", 32, 24);
  DetectionDataset ds;
  const std::string warnings = stderr_of([&] { ds = read_detection_folder(dir.path()); });
  EXPECT_EQ(warnings, "");
  EXPECT_EQ(ids_of(ds), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(ds.images[0].image_path, dir / "a.jpg");
  EXPECT_EQ(ds.images[2].image_path, dir / "c.png");
  ASSERT_EQ(ds.images[0].objects.size(), 2u);
  EXPECT_EQ(ds.images[0].objects[0].box, (Box{0, 0, 5, 5}));
  EXPECT_EQ(ds.images[0].objects[1].label, 1);
  EXPECT_TRUE(ds.images[2].objects.empty());
}

TEST(FolderRead, ImagesWithoutXmlAreNotAnnotatedAndSkippedWithOneWarning) {
  ScratchDir dir;
  add_labelimg(dir.path(), dir.path(), "a");
  for (const char* name : {"x.jpg", "y.JPG", "z.png", "w1.jpg", "w2.jpg", "w3.jpg"}) write_image(dir / name, 8, 8);
  write_text(dir / "notes.txt", "not an image");
  DetectionDataset ds;
  const std::string warnings = stderr_of([&] { ds = read_detection_folder(dir.path()); });
  EXPECT_EQ(ids_of(ds), (std::vector<std::string>{"a"}));
  EXPECT_EQ(count_of(warnings, "warning:"), 1) << warnings;
  EXPECT_TRUE(Contains(warnings, dir.path().string() + ": 6 image(s) have no annotation XML and are skipped as not "
                                                       "annotated"));
  EXPECT_TRUE(Contains(warnings, ": w1.jpg, w2.jpg, w3.jpg, x.jpg, y.JPG, ...")) << warnings;

  // Only images without an annotation: nothing usable.
  ScratchDir empty;
  write_image(empty / "x.jpg", 8, 8);
  EXPECT_TRUE(Contains(error_of([&] { read_detection_folder(empty.path()); }),
                       empty.path().string() + ": no annotation files (*.xml): expected a PASCAL-VOC folder"));
}

TEST(FolderRead, ImagesAndAnnotationsSubfoldersInAnyCase) {
  for (const auto& [images, annotations] : std::vector<std::pair<std::string, std::string>>{
           {"images", "annotations"}, {"Images", "Annotations"}, {"IMAGES", "annotations"}}) {
    ScratchDir dir;
    add_labelimg(dir / annotations, dir / images, "p");
    add_labelimg(dir / annotations, dir / images, "q");
    write_image(dir / images / "r.jpg", 8, 8);  // not annotated
    DetectionDataset ds;
    const std::string warnings = stderr_of([&] { ds = read_detection_folder(dir.path()); });
    EXPECT_EQ(ids_of(ds), (std::vector<std::string>{"p", "q"})) << images;
    EXPECT_EQ(ds.images[0].image_path, dir / images / "p.jpg");
    EXPECT_EQ(ds.images[1].objects.size(), 1u);
    EXPECT_TRUE(Contains(warnings, "1 image(s) have no annotation XML")) << warnings;
    EXPECT_TRUE(Contains(warnings, (fs::path(images) / "r.jpg").string())) << warnings;
  }
}

TEST(FolderRead, MissingImagesAndDirtyBoxesAsReadVoc) {
  ScratchDir dir;
  add_labelimg(dir / "annotations", dir / "images", "a", voc_object("dog", "5", "5", "5", "9"));
  write_text(dir / "annotations/b.xml", voc_xml("b.jpg", 32, 24, ""));
  DetectionDataset ds;
  const std::string warnings = stderr_of([&] { ds = read_detection_folder(dir.path()); });
  EXPECT_EQ(ids_of(ds), (std::vector<std::string>{"a"}));
  ASSERT_EQ(ds.images[0].objects.size(), 1u);
  EXPECT_EQ(ds.images[0].objects[0].box, (Box{4, 4, 5, 9}));
  EXPECT_TRUE(Contains(warnings, "a.xml:10: object 1 'dog' is one pixel wide")) << warnings;
  EXPECT_TRUE(Contains(warnings, "b.xml: image 'b.jpg' not found in images/ or beside the annotation; image skipped"));
  // Broken files are errors naming them, as in read_voc.
  write_text(dir / "annotations/c.xml", "<annotation><object><name>x</name></object>");
  EXPECT_TRUE(Contains(error_of([&] { read_detection_folder(dir.path()); }), "c.xml:1: malformed XML"));
}

TEST(FolderRead, VocDevkitFolderMatchesReadVoc) {
  ScratchDir dir;
  for (const char* id : {"a", "b", "c", "d"}) add_image(dir.path(), id, 32, 32, voc_object("dog", "2", "2", "8", "8"));
  add_image(dir.path(), "e", 32, 32, voc_object("cat", "1", "1", "9", "9", "<difficult>1</difficult>"));
  write_text(dir / "ImageSets/Main/train.txt", "c\na\n");
  write_text(dir / "ImageSets/Main/mine.txt", "e\nb\n");
  for (const std::string split : {"", "train", "mine"}) {
    for (bool keep_difficult : {true, false}) {
      const DetectionDataset voc = read_voc(dir.path(), {.split = split, .keep_difficult = keep_difficult});
      const DetectionDataset folder =
          read_detection_folder(dir.path(), {.split = split, .keep_difficult = keep_difficult});
      EXPECT_EQ(ids_of(folder), ids_of(voc)) << split;
      EXPECT_EQ(folder.classes, voc.classes);
      for (size_t i = 0; i < voc.images.size(); ++i) {
        EXPECT_EQ(folder.images[i].image_path, voc.images[i].image_path);
        EXPECT_EQ(folder.images[i].objects.size(), voc.images[i].objects.size());
      }
    }
  }
  EXPECT_EQ(ids_of(read_detection_folder(dir.path(), {.split = "train"})), (std::vector<std::string>{"c", "a"}));
  // With ImageSets/Main/ the split must be one of its files.
  EXPECT_TRUE(Contains(error_of([&] { read_detection_folder(dir.path(), {.split = "test"}); }),
                       "test.txt: split file not found (split 'test')"));
  // A fixed class list as read_voc.
  EXPECT_EQ(read_detection_folder(dir.path(), {.classes = {"dog"}}).classes, (std::vector<std::string>{"dog"}));
}

TEST(FolderRead, SeededSplitIsDeterministicDisjointAndCovering) {
  ScratchDir dir;
  std::vector<std::string> all;
  for (int i = 0; i < 23; ++i) {
    const std::string id = fmt::format("img{:02d}", i);
    add_labelimg(dir.path(), dir.path(), id);
    all.push_back(id);
  }
  const FolderReadOptions base{.val_fraction = 0.2, .test_fraction = 0.3, .split_seed = 7};
  auto read = [&](const std::string& split, FolderReadOptions o) {
    o.split = split;
    return ids_of(read_detection_folder(dir.path(), o));
  };
  const auto train = read("train", base), val = read("val", base), test = read("test", base);
  EXPECT_EQ(test.size(), 7u);  // round(0.3 * 23)
  EXPECT_EQ(val.size(), 5u);   // round(0.2 * 23)
  EXPECT_EQ(train.size(), 11u);
  std::set<std::string> seen;
  for (const auto* part : {&train, &val, &test}) {
    EXPECT_TRUE(std::is_sorted(part->begin(), part->end()));
    for (const auto& id : *part) EXPECT_TRUE(seen.insert(id).second) << id << " in two splits";
  }
  EXPECT_EQ(seen, std::set<std::string>(all.begin(), all.end()));
  auto trainval = read("trainval", base);
  std::vector<std::string> expected = train;
  expected.insert(expected.end(), val.begin(), val.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(trainval, expected);

  // Deterministic: the same again, and pinned (mt19937_64 + Fisher-Yates is the same on every
  // standard library, so this holds everywhere).
  EXPECT_EQ(read("test", base), test);
  EXPECT_EQ(seeded_split(all, "test", 0.2, 0.3, 7), test);
  EXPECT_EQ(seeded_split({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, "test", 0, 0.2, 1),
            (std::vector<std::string>{"b", "h"}));
  // Another seed, another split; the order of the given ids does not matter.
  FolderReadOptions other = base;
  other.split_seed = 8;
  EXPECT_NE(read("test", other), test);
  std::vector<std::string> reversed(all.rbegin(), all.rend());
  EXPECT_EQ(seeded_split(reversed, "test", 0.2, 0.3, 7), test);
  // The default: 20% test, no val.
  EXPECT_EQ(read("test", {}).size(), 5u);
  EXPECT_EQ(read("train", {}).size(), 18u);
}

TEST(FolderRead, SeededSplitErrors) {
  ScratchDir dir;
  add_labelimg(dir.path(), dir.path(), "a");
  add_labelimg(dir.path(), dir.path(), "b");
  std::string msg = error_of([&] { read_detection_folder(dir.path(), {.split = "holdout"}); });
  EXPECT_TRUE(Contains(msg, dir.path().string() + ": no ImageSets/Main/ folder")) << msg;
  EXPECT_TRUE(Contains(msg, "train, val, test or trainval, not 'holdout'")) << msg;
  msg = error_of([&] { read_detection_folder(dir.path(), {.split = "val"}); });
  EXPECT_TRUE(Contains(msg, dir.path().string() + ": split 'val' is empty")) << msg;
  EXPECT_TRUE(Contains(error_of([&] {
                         read_detection_folder(dir.path(), {.split = "train", .val_fraction = 0.6, .test_fraction = 0.6});
                       }),
                       "must lie in [0, 1] and sum to at most 1"));
  EXPECT_TRUE(Contains(error_of([&] { read_detection_folder(dir / "absent"); }), "absent: not a folder"));
}

}  // namespace
}  // namespace seer::detection
