#include "seer/detection/data/voc.h"

#include <chrono>
#include <map>

#include <cstdio>

#include <gtest/gtest.h>

#include "detection/data/voc_fixture.h"
#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;
using seer::testing::ScratchDir;
using namespace seer::detection::testing;

// Runs read_voc capturing stderr (the warnings).
DetectionDataset read_capturing(const fs::path& root, std::string& warnings, const VocReadOptions& o = {}) {
  ::testing::internal::CaptureStderr();
  try {
    DetectionDataset ds = read_voc(root, o);
    warnings = ::testing::internal::GetCapturedStderr();
    return ds;
  } catch (...) {
    warnings = ::testing::internal::GetCapturedStderr();
    throw;
  }
}

TEST(VocRead, ConvertsOneBasedInclusiveToZeroBasedContinuous) {
  ScratchDir dir;
  add_image(dir.path(), "a", 64, 48,
            voc_object("dog", "1", "1", "10", "20") + voc_object("cat", "5.0", "6.5", "64", "48",
                                                                 "<pose>Left</pose><truncated>1</truncated><difficult>1</difficult>"));
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings);
  EXPECT_EQ(warnings, "");
  ASSERT_EQ(ds.classes, (std::vector<std::string>{"cat", "dog"}));  // sorted by name
  ASSERT_EQ(ds.images.size(), 1u);
  const DetectionImage& im = ds.images[0];
  EXPECT_EQ(im.id, "a");
  EXPECT_EQ(im.image_path, dir.path() / "JPEGImages" / "a.jpg");
  EXPECT_EQ(im.width, 64);
  EXPECT_EQ(im.height, 48);
  ASSERT_EQ(im.objects.size(), 2u);
  // xmin 1 .. xmax 10 covers the 10 pixel columns 0..9: the box [0, 10).
  EXPECT_EQ(im.objects[0].box, (Box{0, 0, 10, 20}));
  EXPECT_EQ(im.objects[0].label, 1);
  EXPECT_FALSE(im.objects[0].difficult);
  EXPECT_FALSE(im.objects[0].truncated);
  EXPECT_EQ(im.objects[0].pose, "Unspecified");
  // Float coordinates are accepted; a box touching the right/bottom edge ends at W, H.
  EXPECT_EQ(im.objects[1].box, (Box{4, 5.5f, 64, 48}));
  EXPECT_EQ(im.objects[1].label, 0);
  EXPECT_TRUE(im.objects[1].difficult);
  EXPECT_TRUE(im.objects[1].truncated);
  EXPECT_EQ(im.objects[1].pose, "Left");
}

TEST(VocRead, MissingDifficultTruncatedPoseTakeDefaults) {
  ScratchDir dir;
  add_image(dir.path(), "a", 32, 32, voc_object("dog", "2", "2", "8", "8", ""));
  DetectionDataset ds = read_voc(dir.path());
  ASSERT_EQ(ds.images[0].objects.size(), 1u);
  const auto& o = ds.images[0].objects[0];
  EXPECT_FALSE(o.difficult);
  EXPECT_FALSE(o.truncated);
  EXPECT_EQ(o.pose, "");
}

TEST(VocRead, InvertedBoxesAreSkippedAndOnePixelBoxesKeptWithAWarning) {
  ScratchDir dir;
  add_image(dir.path(), "a", 64, 48,
            voc_object("dog", "5", "5", "20", "20") +   // kept
                voc_object("dog", "30", "7", "30", "7") +  // a click: xmax == xmin, ymax == ymin (as in BCCD)
                voc_object("cat", "40", "30", "20", "40") +  // inverted x
                voc_object("cat", "1", "30", "9", "20") +    // inverted y
                voc_object("dog", "10", "10", "10", "19"));  // one pixel wide
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings);
  // Inclusive coordinates, as the devkit reads them: xmin == xmax is one pixel, [xmin - 1, xmax].
  ASSERT_EQ(ds.images[0].objects.size(), 3u);
  EXPECT_EQ(ds.images[0].objects[0].box, (Box{4, 4, 20, 20}));
  EXPECT_EQ(ds.images[0].objects[1].box, (Box{29, 6, 30, 7}));
  EXPECT_EQ(ds.images[0].objects[2].box, (Box{9, 9, 10, 19}));
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"dog"}));  // classes of kept objects only
  EXPECT_EQ(count_of(warnings, "has an inverted box"), 2) << warnings;
  const std::string xml = (dir.path() / "Annotations" / "a.xml").string();
  EXPECT_TRUE(Contains(warnings, xml + ":20: object 2 'dog' is one pixel square (a click?) "
                                       "(xmin 30, ymin 7, xmax 30, ymax 7); kept, as the VOC devkit counts it"))
      << warnings;
  EXPECT_TRUE(Contains(warnings, "object 5 'dog' is one pixel wide")) << warnings;
  EXPECT_TRUE(Contains(warnings, "object 3 'cat' has an inverted box"));
  EXPECT_TRUE(Contains(warnings, "object 4 'cat' has an inverted box"));
}

TEST(VocRead, BoxesOutsideTheImageAreClippedOrSkipped) {
  ScratchDir dir;
  add_image(dir.path(), "a", 64, 48,
            voc_object("dog", "0", "-3", "70", "30") +     // x1 = -1, y1 = -4, x2 = 70: clipped
                voc_object("dog", "60", "40", "64.5", "50") +  // clipped to the bottom-right corner
                voc_object("dog", "70", "10", "90", "20") +    // entirely right of the image: skipped
                voc_object("dog", "10", "49", "20", "60"));    // entirely below (y1 = 48 = H): skipped
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings);
  const auto& objs = ds.images[0].objects;
  ASSERT_EQ(objs.size(), 2u);
  EXPECT_EQ(objs[0].box, (Box{0, 0, 64, 30}));
  EXPECT_EQ(objs[1].box, (Box{59, 39, 64, 48}));
  EXPECT_EQ(count_of(warnings, "; clipped"), 2) << warnings;
  EXPECT_EQ(count_of(warnings, "lies outside the 64x48 image"), 2) << warnings;
  EXPECT_TRUE(Contains(warnings, "a.xml:10: object 1 'dog' extends outside the 64x48 image "
                                 "(xmin 0, ymin -3, xmax 70, ymax 30); clipped"));
  EXPECT_TRUE(Contains(warnings, "object 3 'dog' lies outside"));
}

TEST(VocRead, TheImageSizeWinsOverADisagreeingSize) {
  ScratchDir dir;
  write_text(dir / "Annotations/a.xml", voc_xml("a.jpg", 100, 80, voc_object("dog", "50", "40", "90", "70")));
  write_image(dir / "JPEGImages/a.jpg", 64, 48);
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings);
  EXPECT_EQ(ds.images[0].width, 64);
  EXPECT_EQ(ds.images[0].height, 48);
  EXPECT_TRUE(Contains(warnings, "a.xml: <size> 100x80 disagrees with the image"));
  EXPECT_TRUE(Contains(warnings, "(64x48); using the image's"));
  // ... and boxes are clipped to the true image.
  EXPECT_EQ(ds.images[0].objects[0].box, (Box{49, 39, 64, 48}));

  // Without check_images the file's <size> is trusted.
  ds = read_capturing(dir.path(), warnings, {.check_images = false});
  EXPECT_EQ(ds.images[0].width, 100);
  EXPECT_EQ(warnings, "");
}

TEST(VocRead, ZeroOrMissingSizeIsReadFromTheImage) {
  ScratchDir dir;
  write_text(dir / "Annotations/a.xml", voc_xml("a.jpg", 0, 0, voc_object("dog", "1", "1", "5", "5")));
  write_image(dir / "JPEGImages/a.jpg", 40, 30);
  write_text(dir / "Annotations/b.xml", "<annotation><filename>b.jpg</filename></annotation>");
  write_image(dir / "JPEGImages/b.jpg", 20, 10);
  for (bool check : {true, false}) {
    std::string warnings;
    DetectionDataset ds = read_capturing(dir.path(), warnings, {.check_images = check});
    ASSERT_EQ(ds.images.size(), 2u);
    EXPECT_EQ(ds.images[0].width, 40);
    EXPECT_EQ(ds.images[0].height, 30);
    EXPECT_EQ(ds.images[1].width, 20);
    EXPECT_EQ(ds.images[1].height, 10);
    EXPECT_EQ(warnings, "");
  }
}

TEST(VocRead, GrayscaleProgressiveAndPngImagesAreFine) {
  ScratchDir dir;
  write_text(dir / "Annotations/g.xml", voc_xml("g.jpg", 33, 21, ""));
  write_image(dir / "JPEGImages/g.jpg", 33, 21, 1);
  write_text(dir / "Annotations/p.xml", voc_xml("p.jpg", 35, 23, ""));
  write_image(dir / "JPEGImages/p.jpg", 35, 23, 3, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  write_text(dir / "Annotations/q.xml", voc_xml("q.png", 37, 25, ""));
  write_image(dir / "JPEGImages/q.png", 37, 25, 1);
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings);
  EXPECT_EQ(warnings, "");
  ASSERT_EQ(ds.images.size(), 3u);
  EXPECT_EQ(ds.images[0].width, 33);
  EXPECT_EQ(ds.images[1].width, 35);
  EXPECT_EQ(ds.images[2].height, 25);
}

// Training reads every pixel, so loading for it (check_images) reads every file whole: one cut
// short is skipped with its reason at load, not met mid-training. A header-only load keeps it.
TEST(VocRead, TruncatedImagesAreFoundAtLoad) {
  ScratchDir dir;
  add_image(dir.path(), "good", 40, 30, "");
  for (const auto& [id, name] : {std::pair{"j", "cut.jpg"}, std::pair{"p", "cut.png"}}) {
    const fs::path image = dir / "JPEGImages" / name;
    write_image(image, 40, 30);
    const std::string bytes = read_file(image);
    write_text(image, bytes.substr(0, bytes.size() * 2 / 3));
    write_text(dir / "Annotations" / (std::string(id) + ".xml"), voc_xml(name, 40, 30, ""));
  }
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings);
  ASSERT_EQ(ds.images.size(), 1u) << warnings;
  EXPECT_EQ(ds.images[0].id, "good");
  EXPECT_TRUE(Contains(warnings, "cut.jpg: truncated or corrupt JPEG (no end-of-image marker")) << warnings;
  EXPECT_TRUE(Contains(warnings, "cut.png: truncated PNG (it ends inside its IDAT chunk")) << warnings;
  ds = read_capturing(dir.path(), warnings, {.check_images = false});
  EXPECT_EQ(ds.images.size(), 3u) << warnings;
}

TEST(VocRead, ImagesWithoutObjectsAreKept) {
  ScratchDir dir;
  add_image(dir.path(), "a", 32, 32, "");
  add_image(dir.path(), "b", 32, 32, voc_object("dog", "2", "2", "8", "8"));
  DetectionDataset ds = read_voc(dir.path());
  ASSERT_EQ(ds.images.size(), 2u);
  EXPECT_TRUE(ds.images[0].objects.empty());
  EXPECT_EQ(ds.images[1].objects.size(), 1u);
}

TEST(VocRead, MalformedXmlIsAnErrorNamingFileAndLine) {
  ScratchDir dir;
  add_image(dir.path(), "a", 32, 32, "");
  write_text(dir / "Annotations/b.xml", "<annotation>\n<filename>b.jpg</filename>\n<size><width>3</size>\n</annotation>\n");
  std::string msg = error_of([&] { read_voc(dir.path()); });
  EXPECT_TRUE(Contains(msg, (dir.path() / "Annotations" / "b.xml").string() + ":3: malformed XML")) << msg;
  write_text(dir / "Annotations/b.xml", "<other/>");
  EXPECT_TRUE(Contains(error_of([&] { read_voc(dir.path()); }), "b.xml: not a PASCAL-VOC annotation"));
}

TEST(VocRead, NonNumericCoordinatesAreAnErrorNamingFileAndLine) {
  ScratchDir dir;
  add_image(dir.path(), "a", 32, 32, voc_object("dog", "2", "2", "8", "8") + voc_object("cat", "3", "abc", "8", "8"));
  std::string msg = error_of([&] { read_voc(dir.path()); });
  EXPECT_TRUE(Contains(msg, "a.xml:25: object 2 'cat': <ymin> is not a number: 'abc'")) << msg;
  add_image(dir.path(), "a", 32, 32, voc_object("dog", "2", "", "8", "8"));
  EXPECT_TRUE(Contains(error_of([&] { read_voc(dir.path()); }), "a.xml:15: object 1 'dog': <ymin> is not a number"));
}

TEST(VocRead, MissingImagesAreSkippedAndNoneLeftIsAnError) {
  ScratchDir dir;
  add_image(dir.path(), "a", 32, 32, "");
  write_text(dir / "Annotations/b.xml", voc_xml("b.jpg", 32, 32, ""));
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings);
  ASSERT_EQ(ds.images.size(), 1u);
  EXPECT_EQ(ds.images[0].id, "a");
  EXPECT_TRUE(Contains(warnings, "b.xml: image 'b.jpg' not found in JPEGImages/ or beside the annotation; image skipped"));

  fs::remove(dir / "JPEGImages/a.jpg");
  std::string msg = error_of([&] { read_capturing(dir.path(), warnings); });
  EXPECT_TRUE(Contains(msg, "no usable images: 2 annotation(s) read, 2 without a readable image")) << msg;
  EXPECT_TRUE(Contains(msg, dir.path().string()));
}

TEST(VocRead, EmptyDatasetsAreClearErrors) {
  ScratchDir dir;
  EXPECT_TRUE(Contains(error_of([&] { read_voc(dir / "absent"); }), "absent: not a folder"));
  EXPECT_TRUE(Contains(error_of([&] { read_voc(dir.path()); }), "no Annotations/ folder"));
  fs::create_directories(dir / "Annotations");
  EXPECT_TRUE(Contains(error_of([&] { read_voc(dir.path()); }), "Annotations: no annotation files (*.xml)"));
}

TEST(VocRead, FindsImagesBesideTheXmlAndWithOtherExtensions) {
  ScratchDir dir;
  // <filename> without an extension; the image is a PNG.
  write_text(dir / "Annotations/a.xml", voc_xml("a", 20, 10, ""));
  write_image(dir / "JPEGImages/a.png", 20, 10);
  // The image beside the XML.
  write_text(dir / "Annotations/b.xml", voc_xml("b.jpg", 20, 10, ""));
  write_image(dir / "Annotations/b.jpg", 20, 10);
  // <filename> names a .jpg, the file is .jpeg; <filename> unrelated to the id: the id is tried too.
  write_text(dir / "Annotations/c.xml", voc_xml("c.jpg", 20, 10, ""));
  write_image(dir / "JPEGImages/c.jpeg", 20, 10);
  write_text(dir / "Annotations/d.xml", voc_xml("renamed.jpg", 20, 10, ""));
  write_image(dir / "JPEGImages/d.jpg", 20, 10);
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings);
  EXPECT_EQ(warnings, "");
  ASSERT_EQ(ds.images.size(), 4u);
  EXPECT_EQ(ds.images[0].image_path, dir / "JPEGImages/a.png");
  EXPECT_EQ(ds.images[1].image_path, dir / "Annotations/b.jpg");
  EXPECT_EQ(ds.images[2].image_path, dir / "JPEGImages/c.jpeg");
  EXPECT_EQ(ds.images[3].image_path, dir / "JPEGImages/d.jpg");
}

TEST(VocRead, AFixedClassListSkipsOtherClassesWithOneWarningEach) {
  ScratchDir dir;
  add_image(dir.path(), "a", 32, 32,
            voc_object("dog", "2", "2", "8", "8") + voc_object("bird", "2", "2", "8", "8") +
                voc_object("bird", "3", "3", "9", "9") + voc_object("cow", "2", "2", "8", "8"));
  add_image(dir.path(), "b", 32, 32, voc_object("bird", "2", "2", "8", "8") + voc_object("cat", "1", "1", "4", "4"));
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings, {.classes = {"dog", "cat"}});
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"dog", "cat"}));  // the given order
  ASSERT_EQ(ds.images[0].objects.size(), 1u);
  EXPECT_EQ(ds.images[0].objects[0].label, 0);
  ASSERT_EQ(ds.images[1].objects.size(), 1u);
  EXPECT_EQ(ds.images[1].objects[0].label, 1);
  EXPECT_EQ(count_of(warnings, "warning:"), 2) << warnings;
  EXPECT_TRUE(Contains(warnings, "skipped 3 object(s) of class 'bird' (not in the class list)"));
  EXPECT_TRUE(Contains(warnings, "skipped 1 object(s) of class 'cow'"));
  EXPECT_TRUE(Contains(error_of([&] { read_voc(dir.path(), {.classes = {"dog", "dog"}}); }), "appears twice"));
}

TEST(VocRead, DifficultObjectsAreKeptAndFlaggedOrDropped) {
  ScratchDir dir;
  add_image(dir.path(), "a", 32, 32,
            voc_object("dog", "2", "2", "8", "8", "<difficult>1</difficult>") + voc_object("dog", "3", "3", "9", "9"));
  EXPECT_EQ(read_voc(dir.path()).images[0].objects.size(), 2u);
  auto ds = read_voc(dir.path(), {.keep_difficult = false});
  ASSERT_EQ(ds.images[0].objects.size(), 1u);
  EXPECT_EQ(ds.images[0].objects[0].box, (Box{2, 2, 9, 9}));
}

TEST(VocRead, SplitFiles) {
  ScratchDir dir;
  for (const char* id : {"a", "b", "c"}) add_image(dir.path(), id, 32, 32, voc_object("dog", "2", "2", "8", "8"));
  write_text(dir / "ImageSets/Main/train.txt", "c\n\na  1\na\n");  // split order, 2nd column ignored
  std::string warnings;
  DetectionDataset ds = read_capturing(dir.path(), warnings, {.split = "train"});
  ASSERT_EQ(ds.images.size(), 2u);
  EXPECT_EQ(ds.images[0].id, "c");
  EXPECT_EQ(ds.images[1].id, "a");
  EXPECT_TRUE(Contains(warnings, "train.txt:4: duplicate id 'a' ignored"));

  EXPECT_TRUE(Contains(error_of([&] { read_voc(dir.path(), {.split = "val"}); }),
                       "val.txt: split file not found (split 'val')"));
  write_text(dir / "ImageSets/Main/test.txt", "a\nzz\n");
  EXPECT_TRUE(Contains(error_of([&] { read_voc(dir.path(), {.split = "test"}); }),
                       "test.txt:2: no annotation Annotations/zz.xml for id 'zz'"));
  write_text(dir / "ImageSets/Main/empty.txt", "\n");
  EXPECT_TRUE(Contains(error_of([&] { read_voc(dir.path(), {.split = "empty"}); }), "lists no image ids"));
}

TEST(VocWrite, RoundTripsThroughReadVoc) {
  ScratchDir dir;
  DetectionImage im;
  im.id = "x";
  im.width = 50;
  im.height = 40;
  im.objects.push_back({Box{0, 0, 10, 20}, 1, false, true, "Left"});
  im.objects.push_back({Box{12, 5, 50, 40}, 0, true, false, ""});
  const std::vector<std::string> classes{"cat", "dog"};
  write_voc_annotation(dir / "Annotations/x.xml", im, classes, "x.jpg");
  write_image(dir / "JPEGImages/x.jpg", 50, 40);
  const std::string xml = read_file(dir / "Annotations/x.xml");
  EXPECT_TRUE(Contains(xml, "<xmin>1</xmin>"));  // 1-based in the file
  EXPECT_TRUE(Contains(xml, "<xmax>10</xmax>"));
  EXPECT_TRUE(Contains(xml, "<filename>x.jpg</filename>"));
  EXPECT_TRUE(Contains(xml, "<width>50</width>"));

  DetectionDataset ds = read_voc(dir.path(), {.classes = classes});
  ASSERT_EQ(ds.images.size(), 1u);
  const auto& back = ds.images[0];
  EXPECT_EQ(back.width, 50);
  ASSERT_EQ(back.objects.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.objects[i].box, im.objects[i].box);
    EXPECT_EQ(back.objects[i].label, im.objects[i].label);
    EXPECT_EQ(back.objects[i].difficult, im.objects[i].difficult);
    EXPECT_EQ(back.objects[i].truncated, im.objects[i].truncated);
  }
  EXPECT_EQ(back.objects[0].pose, "Left");
  EXPECT_EQ(back.objects[1].pose, "Unspecified");  // "" is written as labelImg's default

  im.objects[0].label = 5;
  EXPECT_TRUE(Contains(error_of([&] { write_voc_annotation(dir / "y.xml", im, classes, "y.jpg"); }),
                       "object label 5 is not a class index"));
  EXPECT_FALSE(fs::exists(dir / "y.xml"));
}

// BCCD as found in shared/data/bccd (commit d272fb1 of Shenggan/BCCD_Dataset): 364 images, all
// 640x480; 4,888 boxes of which 2 are clicks (BloodImage_00338, _00343, both RBC, xmin == xmax and
// ymin == ymax), kept as one-pixel boxes with a warning, as the devkit counts them: RBC 4,155,
// WBC 372, Platelets 361 = 4,888 objects. No box lies outside its image
// (545 touch the right or bottom edge), no object is difficult, 1,131 are truncated.
TEST(VocRead, Bccd) {
  SEER_REQUIRE_DATA(bccd, "bccd/BCCD");
  std::string warnings;
  auto start = std::chrono::steady_clock::now();
  DetectionDataset ds = read_capturing(bccd, warnings);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("BCCD read in %.2f s (image headers only, no decoding)\n", seconds);
  EXPECT_EQ(ds.classes, (std::vector<std::string>{"Platelets", "RBC", "WBC"}));
  ASSERT_EQ(ds.images.size(), 364u);
  std::map<std::string, int> per_class;
  int difficult = 0, truncated = 0;
  for (const auto& im : ds.images) {
    EXPECT_EQ(im.width, 640);
    EXPECT_EQ(im.height, 480);
    for (const auto& o : im.objects) {
      ++per_class[ds.classes[o.label]];
      difficult += o.difficult;
      truncated += o.truncated;
      EXPECT_GE(o.box.x1, 0);
      EXPECT_LE(o.box.x2, 640);
      EXPECT_GT(o.box.area(), 0);
    }
  }
  EXPECT_EQ(per_class, (std::map<std::string, int>{{"Platelets", 361}, {"RBC", 4155}, {"WBC", 372}}));
  EXPECT_EQ(difficult, 0);
  EXPECT_EQ(truncated, 1131);
  EXPECT_EQ(count_of(warnings, "warning:"), 2) << warnings;
  EXPECT_TRUE(Contains(warnings, "BloodImage_00338.xml"));
  EXPECT_TRUE(Contains(warnings, "BloodImage_00343.xml"));
  // BloodImage_00000's first object: WBC, xmin 260 ymin 177 xmax 491 ymax 376.
  EXPECT_EQ(ds.images[0].id, "BloodImage_00000");
  EXPECT_EQ(ds.images[0].objects[0].box, (Box{259, 176, 491, 376}));
  EXPECT_EQ(ds.classes[ds.images[0].objects[0].label], "WBC");

  const std::map<std::string, size_t> splits{{"train", 205}, {"val", 87}, {"trainval", 292}, {"test", 72}};
  for (const auto& [split, n] : splits)
    EXPECT_EQ(read_capturing(bccd, warnings, {.split = split, .check_images = false}).images.size(), n) << split;
}

}  // namespace
}  // namespace seer::detection
