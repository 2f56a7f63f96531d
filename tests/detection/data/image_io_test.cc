#include "seer/detection/data/image_io.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "detection/data/voc_fixture.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;
using seer::testing::ScratchDir;
using namespace seer::detection::testing;

TEST(ImageSize, ReadsHeadersOfCommonFormats) {
  ScratchDir dir;
  write_image(dir / "a.jpg", 41, 17);
  write_image(dir / "g.jpg", 43, 19, 1);
  write_image(dir / "p.jpg", 45, 21, 3, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  write_image(dir / "a.png", 47, 23, 1);
  write_image(dir / "a.bmp", 49, 25);
  write_image(dir / "a.tif", 51, 27);  // decoded by OpenCV
  EXPECT_EQ(read_image_size(dir / "a.jpg"), cv::Size(41, 17));
  EXPECT_EQ(read_image_size(dir / "g.jpg"), cv::Size(43, 19));
  EXPECT_EQ(read_image_size(dir / "p.jpg"), cv::Size(45, 21));
  EXPECT_EQ(read_image_size(dir / "a.png"), cv::Size(47, 23));
  EXPECT_EQ(read_image_size(dir / "a.bmp"), cv::Size(49, 25));
  EXPECT_EQ(read_image_size(dir / "a.tif"), cv::Size(51, 27));
  cv::Mat m = read_image_bgr(dir / "g.jpg");
  EXPECT_EQ(m.type(), CV_8UC3);
}

TEST(ImageSize, BadFilesAreErrorsNamingTheFile) {
  ScratchDir dir;
  EXPECT_TRUE(Contains(error_of([&] { read_image_size(dir / "none.jpg"); }), "none.jpg: image file not found"));
  write_text(dir / "text.jpg", "hello");
  EXPECT_TRUE(Contains(error_of([&] { read_image_size(dir / "text.jpg"); }), "text.jpg: not an image"));
  write_text(dir / "cut.jpg", std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10));
  EXPECT_TRUE(Contains(error_of([&] { read_image_size(dir / "cut.jpg"); }), "cut.jpg: corrupt image header"));
  EXPECT_TRUE(Contains(error_of([&] { read_image_bgr(dir / "text.jpg"); }), "text.jpg: not an image"));
}

}  // namespace
}  // namespace seer::detection
