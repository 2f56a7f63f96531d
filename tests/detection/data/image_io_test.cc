#include "seer/detection/data/image_io.h"

#include <array>
#include <cstdio>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"

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

  // BMP: a top-down (negative) height is its size; a height of INT32_MIN (negating it in int is
  // undefined) and a zero width are corrupt headers.
  const auto bmp = [&](const char* name, uint32_t width, uint32_t height) {
    std::string h(54, '\0');
    h[0] = 'B', h[1] = 'M', h[14] = 40;
    for (int i = 0; i < 4; ++i) h[18 + i] = char(width >> (8 * i)), h[22 + i] = char(height >> (8 * i));
    write_text(dir / name, h);
    return dir / name;
  };
  EXPECT_EQ(read_image_size(bmp("down.bmp", 7, uint32_t(-5))), cv::Size(7, 5));
  EXPECT_TRUE(Contains(error_of([&] { read_image_size(bmp("min.bmp", 7, 0x80000000u)); }), "min.bmp: corrupt image header"));
  EXPECT_TRUE(Contains(error_of([&] { read_image_size(bmp("w0.bmp", 0, 5)); }), "w0.bmp: corrupt image header"));
}

TEST(ImagePath, NamesInAnnotationsStayInsideTheirFolder) {
  const fs::path root = "/data/set";
  EXPECT_EQ(path_inside(root, "a.jpg"), root / "a.jpg");
  EXPECT_EQ(path_inside(root, "train/a.jpg"), root / "train/a.jpg");
  EXPECT_EQ(path_inside(root, "/etc/passwd"), root / "passwd");
  EXPECT_EQ(path_inside(root, "../../secret/a.jpg"), root / "a.jpg");
  EXPECT_EQ(path_inside(root, "train/../../a.jpg"), root / "a.jpg");
}

// Noise, so that a JPEG of it has a long scan to cut.
cv::Mat noise(int width, int height, int type) {
  cv::Mat m(height, width, type);
  cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(CV_MAT_DEPTH(type) == CV_16U ? 65535 : 255));
  return m;
}

// read_image_bgr gives 8-bit BGR of the size read_image_size reports.
void expect_bgr_of_header_size(const fs::path& path, cv::Size size) {
  SCOPED_TRACE(path.filename().string());
  EXPECT_EQ(read_image_size(path), size);
  const cv::Mat m = read_image_bgr(path);
  EXPECT_EQ(m.type(), CV_8UC3);
  EXPECT_EQ(m.size(), size);
}

TEST(ImageRead, GrayProgressiveSixteenBitAndAlphaBecomeEightBitBgr) {
  ScratchDir dir;
  ASSERT_TRUE(cv::imwrite((dir / "gray.jpg").string(), noise(31, 17, CV_8UC1)));
  ASSERT_TRUE(cv::imwrite((dir / "prog.jpg").string(), noise(33, 19, CV_8UC3), {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  ASSERT_TRUE(cv::imwrite((dir / "gray-prog.jpg").string(), noise(35, 21, CV_8UC1), {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  ASSERT_TRUE(cv::imwrite((dir / "rgb16.png").string(), noise(37, 23, CV_16UC3)));
  ASSERT_TRUE(cv::imwrite((dir / "gray16.png").string(), noise(39, 25, CV_16UC1)));
  ASSERT_TRUE(cv::imwrite((dir / "rgba.png").string(), noise(41, 27, CV_8UC4)));
  ASSERT_TRUE(cv::imwrite((dir / "rgba16.png").string(), noise(43, 29, CV_16UC4)));
  expect_bgr_of_header_size(dir / "gray.jpg", {31, 17});
  expect_bgr_of_header_size(dir / "prog.jpg", {33, 19});
  expect_bgr_of_header_size(dir / "gray-prog.jpg", {35, 21});
  expect_bgr_of_header_size(dir / "rgb16.png", {37, 23});
  expect_bgr_of_header_size(dir / "gray16.png", {39, 25});
  expect_bgr_of_header_size(dir / "rgba.png", {41, 27});
  expect_bgr_of_header_size(dir / "rgba16.png", {43, 29});

  // 16-bit values scale down to 8 bits (v / 257), the channels stay in BGR order.
  cv::Mat sixteen(4, 6, CV_16UC3, cv::Scalar(0, 257 * 128, 65535));
  ASSERT_TRUE(cv::imwrite((dir / "flat16.png").string(), sixteen));
  const cv::Mat flat = read_image_bgr(dir / "flat16.png");
  EXPECT_EQ(flat.at<cv::Vec3b>(2, 3), cv::Vec3b(0, 128, 255));
  // Alpha is dropped, not blended.
  cv::Mat rgba(4, 6, CV_8UC4, cv::Scalar(10, 20, 30, 0));
  ASSERT_TRUE(cv::imwrite((dir / "clear.png").string(), rgba));
  EXPECT_EQ(read_image_bgr(dir / "clear.png").at<cv::Vec3b>(1, 1), cv::Vec3b(10, 20, 30));
}

// A CMYK JPEG (as Photoshop and print workflows write them), made by PIL when it is there.
TEST(ImageRead, CmykJpeg) {
  const char* python = "/usr/bin/python3";
  ScratchDir dir;
  const fs::path jpg = dir / "cmyk.jpg";
  const std::string cmd = std::string(python) +
                          " -c \"from PIL import Image; Image.new('CMYK', (47, 13), (0, 255, 255, 0)).save('" +
                          jpg.string() + "', quality=95)\" 2>/dev/null";
  if (!fs::exists(python) || std::system(cmd.c_str()) != 0 || !fs::exists(jpg))
    GTEST_SKIP() << python << " with PIL (python3-pil) not found: the CMYK JPEG case is skipped";
  expect_bgr_of_header_size(jpg, {47, 13});
  // C=0 M=1 Y=1 K=0 is red.
  const cv::Vec3b px = read_image_bgr(jpg).at<cv::Vec3b>(6, 20);
  EXPECT_LT(px[0], 40);
  EXPECT_LT(px[1], 40);
  EXPECT_GT(px[2], 215);
}

TEST(ImageRead, TruncatedOrCorruptFilesAreErrorsNamingTheFile) {
  ScratchDir dir;
  for (bool progressive : {false, true}) {
    const fs::path full = dir / "full.jpg";
    ASSERT_TRUE(cv::imwrite(full.string(), noise(64, 48, CV_8UC3), {cv::IMWRITE_JPEG_PROGRESSIVE, progressive}));
    const std::string bytes = read_file(full);
    ASSERT_GT(bytes.size(), 2000u);
    const fs::path cut = dir / "cut.jpg";
    write_text(cut, bytes.substr(0, bytes.size() / 2));
    EXPECT_EQ(read_image_size(cut), cv::Size(64, 48));  // the header is intact
    EXPECT_TRUE(Contains(error_of([&] { read_image_bgr(cut); }), cut.string() + ": truncated or corrupt JPEG"))
        << progressive;
    EXPECT_EQ(read_image_bgr(full).size(), cv::Size(64, 48));
  }
  // Garbage after a JPEG signature, a PNG cut short, an empty file.
  write_text(dir / "junk.jpg", std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11) + std::string(300, 'x'));
  EXPECT_TRUE(Contains(error_of([&] { read_image_bgr(dir / "junk.jpg"); }), "junk.jpg: "));
  ASSERT_TRUE(cv::imwrite((dir / "full.png").string(), noise(64, 48, CV_8UC3)));
  const std::string png = read_file(dir / "full.png");
  write_text(dir / "cut.png", png.substr(0, png.size() / 2));
  EXPECT_TRUE(Contains(error_of([&] { read_image_bgr(dir / "cut.png"); }), "cut.png: truncated PNG (it ends inside its IDAT chunk"));
  write_text(dir / "no-end.png", png.substr(0, png.size() - 12));  // IEND cut off
  EXPECT_TRUE(Contains(error_of([&] { read_image_bgr(dir / "no-end.png"); }),
                       "no-end.png: truncated PNG (it ends after its IDAT chunk, before the IEND chunk)"));
  // One flipped byte inside the image data: the IDAT chunk's CRC says so (libpng alone printed a
  // bare "libpng error: IDAT: CRC error").
  std::string flipped = png;
  const size_t idat = flipped.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  flipped[idat + 10] = static_cast<char>(flipped[idat + 10] ^ 0x5A);
  write_text(dir / "flipped.png", flipped);
  EXPECT_TRUE(Contains(error_of([&] { read_image_bgr(dir / "flipped.png"); }),
                       "flipped.png: corrupt PNG (CRC mismatch in its IDAT chunk at byte " + std::to_string(idat - 4) + ")"));
  // A bad CRC in an ancillary chunk (a tEXt after IHDR) is what libpng skips: the image reads,
  // with one warning naming the file, once however often it is read.
  const std::string text_chunk = std::string("\x00\x00\x00\x04tEXta\x00bc", 12) + std::string(4, '\x00');
  write_text(dir / "text.png", png.substr(0, 33) + text_chunk + png.substr(33));
  {
    WarningCollector warnings;
    EXPECT_EQ(read_image_bgr(dir / "text.png").size(), cv::Size(64, 48));
    EXPECT_EQ(read_image_bgr(dir / "text.png").size(), cv::Size(64, 48));
    ASSERT_EQ(warnings.messages().size(), 1u);
    EXPECT_TRUE(Contains(warnings.messages()[0], "text.png: CRC mismatch in the PNG's ancillary tEXt chunk at byte 33"))
        << warnings.messages()[0];
  }
  write_text(dir / "empty.png", "");
  EXPECT_TRUE(Contains(error_of([&] { read_image_bgr(dir / "empty.png"); }), "empty.png: "));
  EXPECT_TRUE(Contains(error_of([&] { read_image_bgr(dir / "none.png"); }), "none.png: image file not found"));
}

// JPEGs are decoded with libjpeg-turbo directly (jpeg_decoder.h): the pixels must be OpenCV's,
// byte for byte, for every kind OpenCV would have decoded.
TEST(ImageRead, JpegPixelsAreOpenCvs) {
  ScratchDir dir;
  const cv::Mat colour = noise(67, 41, CV_8UC3);
  const cv::Mat grey = noise(53, 29, CV_8UC1);
  const std::vector<std::pair<std::string, std::vector<int>>> kinds = {
      {"baseline.jpg", {cv::IMWRITE_JPEG_QUALITY, 90}},
      {"progressive.jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
      {"q100.jpg", {cv::IMWRITE_JPEG_QUALITY, 100}},
      {"q20-optimized.jpg", {cv::IMWRITE_JPEG_QUALITY, 20, cv::IMWRITE_JPEG_OPTIMIZE, 1}},
      {"restart.jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 2}},
  };
  for (const auto& [name, params] : kinds) {
    for (const cv::Mat& source : {colour, grey}) {
      const std::string path = (dir / ((source.channels() == 1 ? "grey-" : "") + name)).string();
      ASSERT_TRUE(cv::imwrite(path, source, params));
      const cv::Mat ours = read_image_bgr(path);
      const cv::Mat theirs = cv::imread(path, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
      ASSERT_EQ(ours.type(), CV_8UC3) << path;
      ASSERT_EQ(ours.size(), theirs.size()) << path;
      EXPECT_EQ(cv::norm(ours, theirs, cv::NORM_INF), 0) << path;
    }
  }
}

// Damaged but decodable data: libjpeg's warning reaches seer's warnings with the file's name,
// once per file (training decodes each image every epoch), and the image is still returned.
TEST(ImageRead, DamagedJpegWarnsOnceNamingTheFile) {
  ScratchDir dir;
  const fs::path full = dir / "full.jpg";
  ASSERT_TRUE(cv::imwrite(full.string(), noise(64, 48, CV_8UC3)));
  std::string bytes = read_file(full);
  // 4 extraneous bytes between two marker segments, after SOI and the JFIF APP0 segment (not at
  // the end: there libjpeg may take them as the last scan's padding, depending on the pixels).
  ASSERT_EQ(bytes.substr(0, 4), "\xFF\xD8\xFF\xE0");
  const size_t app0_end = 4 + ((static_cast<unsigned char>(bytes[4]) << 8) | static_cast<unsigned char>(bytes[5]));
  ASSERT_EQ(bytes[app0_end], '\xFF');
  bytes.insert(app0_end, "junk");
  const fs::path damaged = dir / "damaged.jpg";
  write_text(damaged, bytes);
  WarningCollector warnings;
  EXPECT_EQ(read_image_bgr(damaged).size(), cv::Size(64, 48));
  EXPECT_EQ(read_image_bgr(damaged).size(), cv::Size(64, 48));
  EXPECT_EQ(read_image_bgr(full).size(), cv::Size(64, 48));
  const auto messages = warnings.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(Contains(messages[0], damaged.string() + ": damaged JPEG data, decoded anyway (libjpeg: "))
      << messages[0];
  EXPECT_TRUE(Contains(messages[0], "extraneous bytes")) << messages[0];
}

// A frame header libjpeg refuses (zero components): an error naming the file, with libjpeg's
// reason.
TEST(ImageRead, UndecodableJpegIsAnErrorWithLibjpegsReason) {
  ScratchDir dir;
  const fs::path full = dir / "full.jpg";
  ASSERT_TRUE(cv::imwrite(full.string(), noise(64, 48, CV_8UC3)));
  std::string bytes = read_file(full);
  const size_t sof = bytes.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  bytes[sof + 9] = 0;  // FF C0, length (2), precision (1), height (2), width (2): the count
  write_text(dir / "bad.jpg", bytes);
  const std::string error = error_of([&] { read_image_bgr(dir / "bad.jpg"); });
  EXPECT_TRUE(Contains(error, (dir / "bad.jpg").string() + ": corrupt JPEG (libjpeg: ")) << error;
}

// fuzz_image's finding (2026-12-06): a file OpenCV took for DICOM ("DICM" at byte 128) made
// GDCM fail an assert and abort the process, in both read_image_size and read_image_bgr. Only
// the formats seer reads reach a decoder now; anything else is an error naming the file.
TEST(ImageRead, UnknownFormatsNeverReachADecoder) {
  ScratchDir dir;
  std::string dicom("\x42\x00\x00\x00\x26\x00\x00\x00\xfa\x00\x00\xff", 12);
  dicom += std::string(100, '\xff');
  dicom += std::string("\x20\x3a\x00\x00\x00\x00\x00\x00\x00\x00\x1e\x04\x03\x00\x00\x00" "DICM\x0a\x23\x00", 23);
  ASSERT_EQ(dicom.size(), 135u);
  write_text(dir / "scan.png", dicom);
  const std::string expected = (dir / "scan.png").string() + ": not an image seer reads (JPEG, PNG, BMP, TIFF, WebP or PNM)";
  EXPECT_EQ(error_of([&] { read_image_size(dir / "scan.png"); }), expected);
  EXPECT_EQ(error_of([&] { read_image_bgr(dir / "scan.png"); }), expected);
  // A GIF's header is readable, but nothing here decodes GIFs: refused at once, not mid-training.
  write_text(dir / "a.gif", std::string("GIF89a\x10\x00\x08\x00\x00\x00\x00", 13) + std::string(40, '\0'));
  EXPECT_TRUE(Contains(error_of([&] { read_image_size(dir / "a.gif"); }), "a.gif: not an image seer reads"));
  // The formats OpenCV decodes for seer still work.
  for (const char* name : {"a.tif", "a.webp", "a.ppm", "a.pgm"}) {
    ASSERT_TRUE(cv::imwrite((dir / name).string(), noise(23, 11, name[3] == 'g' ? CV_8UC1 : CV_8UC3)));
    expect_bgr_of_header_size(dir / name, {23, 11});
  }
}

}  // namespace
}  // namespace seer::detection
