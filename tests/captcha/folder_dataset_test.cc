#include "seer/captcha/folder_dataset.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "test_support.h"
#include "seer/captcha/generator.h"
#include "seer/core/error.h"

namespace seer::captcha {
namespace {

using seer::testing::Contains;

namespace fs = std::filesystem;

const LabelCodec kDigits4("0123456789", 4);

// A small colour image whose pixels depend on `tint`, so that files can be told apart.
cv::Mat test_image(int tint, int width = 40, int height = 20) {
  cv::Mat image(height, width, CV_8UC3, cv::Scalar(200, 220, 240));
  cv::rectangle(image, cv::Rect(5, 5, 10, 10), cv::Scalar(tint, 255 - tint, 60), cv::FILLED);
  return image;
}

void write_image(const fs::path& path, const cv::Mat& image) {
  ASSERT_TRUE(cv::imwrite(path.string(), image)) << path;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Random bytes with an image extension: cv::imread must fail on it.
void write_corrupt(const fs::path& path) {
  std::string bytes;
  uint32_t x = 12345;
  for (int i = 0; i < 500; ++i) {
    x = x * 1664525u + 1013904223u;
    bytes += static_cast<char>(x >> 24);
  }
  write_text(path, bytes);
}

// The message of the seer::Error thrown by constructing the dataset, "" if none.
std::string scan_error(const fs::path& dir, FolderDatasetOptions options = {}) {
  try {
    FolderDataset dataset(dir, kDigits4, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(FolderDataset, LabelsFromFileNames) {
  seer::testing::ScratchDir dir;
  write_image(dir / "0782_13.png", test_image(10));
  write_image(dir / "1234.jpg", test_image(20, 60, 30));
  write_image(dir / "5555.v2.PNG", test_image(30));  // extension case does not matter
  write_text(dir / "notes.md", "not an image");
  write_image(dir / ".hidden_0000.png", test_image(40));  // hidden files are not data

  FolderDataset dataset(dir.path(), kDigits4);
  ASSERT_EQ(dataset.size(), 3u);
  EXPECT_EQ(dataset.skipped(), 0);
  EXPECT_EQ(dataset.dir(), dir.path());
  EXPECT_EQ(dataset.items()[0].path, dir / "0782_13.png");  // sorted by name
  EXPECT_EQ(dataset.items()[0].label, "0782");
  EXPECT_EQ(dataset.items()[1].path, dir / "1234.jpg");
  EXPECT_EQ(dataset.items()[1].label, "1234");
  EXPECT_EQ(dataset.items()[2].label, "5555");

  cv::Mat png = dataset.load(0);
  EXPECT_EQ(png.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(png, test_image(10), cv::NORM_INF), 0);  // PNG is exact
  cv::Mat jpg = dataset.load(1);
  EXPECT_EQ(jpg.type(), CV_8UC3);
  EXPECT_EQ(jpg.cols, 60);
  EXPECT_EQ(jpg.rows, 30);
  EXPECT_THROW(dataset.load(3), Error);
}

TEST(FolderDataset, GrayscaleImagesAreExpandedToBgr) {
  seer::testing::ScratchDir dir;
  cv::Mat gray(20, 30, CV_8UC1, cv::Scalar(77));
  gray(cv::Rect(0, 0, 10, 10)).setTo(200);
  write_image(dir / "4321_0.png", gray);
  FolderDataset dataset(dir.path(), kDigits4);
  cv::Mat image = dataset.load(0);
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.at<cv::Vec3b>(15, 15), cv::Vec3b(77, 77, 77));
  EXPECT_EQ(image.at<cv::Vec3b>(5, 5), cv::Vec3b(200, 200, 200));
}

TEST(FolderDataset, LabelsTxtForm) {
  seer::testing::ScratchDir dir;
  write_image(dir / "a.png", test_image(1));
  write_image(dir / "b c.jpg", test_image(2));
  write_image(dir / "c.png", test_image(3));
  write_image(dir / "9999_unlisted.png", test_image(4));  // not in labels.txt: not used
  write_text(dir / "labels.txt",
             "file\tlabel\n"
             "# a comment\n"
             "\n"
             "c.png\t0001\r\n"   // Windows line ends are fine
             "b c.jpg\t0002\n"   // tab-separated: the name may contain a space
             "a.png   0003\n");  // any whitespace
  FolderDataset dataset(dir.path(), kDigits4);
  ASSERT_EQ(dataset.size(), 3u);
  EXPECT_EQ(dataset.items()[0].path, dir / "a.png");
  EXPECT_EQ(dataset.items()[0].label, "0003");
  EXPECT_EQ(dataset.items()[1].path, dir / "b c.jpg");
  EXPECT_EQ(dataset.items()[1].label, "0002");
  EXPECT_EQ(dataset.items()[2].path, dir / "c.png");
  EXPECT_EQ(dataset.items()[2].label, "0001");
  EXPECT_EQ(dataset.load(2).type(), CV_8UC3);
}

TEST(FolderDataset, LabelsTsvIsAcceptedToo) {
  seer::testing::ScratchDir dir;
  write_image(dir / "x.png", test_image(1));
  write_text(dir / "labels.tsv", "x.png\t4567\n");
  FolderDataset dataset(dir.path(), kDigits4);
  ASSERT_EQ(dataset.size(), 1u);
  EXPECT_EQ(dataset.items()[0].label, "4567");
}

TEST(FolderDataset, MissingListedFileNamesLabelsTxtAndLine) {
  seer::testing::ScratchDir dir;
  write_image(dir / "a.png", test_image(1));
  write_text(dir / "labels.txt", "# header comment\na.png\t0001\n\ngone.png\t0002\n");
  std::string message = scan_error(dir.path());
  EXPECT_TRUE(Contains(message, (dir / "labels.txt").string() + ":4:"));
  EXPECT_TRUE(Contains(message, "gone.png"));

  FolderDatasetOptions skip;
  skip.skip_bad = true;
  FolderDataset dataset(dir.path(), kDigits4, skip);
  EXPECT_EQ(dataset.size(), 1u);
  EXPECT_EQ(dataset.skipped(), 1);
}

TEST(FolderDataset, BadLabelInLabelsTxtNamesTheLine) {
  seer::testing::ScratchDir dir;
  write_image(dir / "a.png", test_image(1));
  write_image(dir / "b.png", test_image(2));
  write_text(dir / "labels.txt", "a.png\t0001\nb.png\t00x1\n");
  std::string message = scan_error(dir.path());
  EXPECT_TRUE(Contains(message, (dir / "labels.txt").string() + ":2:"));
  EXPECT_TRUE(Contains(message, "character 'x' at position 3"));
}

TEST(FolderDataset, MalformedOrDuplicateLinesInLabelsTxt) {
  seer::testing::ScratchDir dir;
  write_image(dir / "a.png", test_image(1));
  write_text(dir / "labels.txt", "a.png\t0001\na.png\n");
  EXPECT_TRUE(Contains(scan_error(dir.path()), "labels.txt:2: expected \"file<TAB>label\""));
  write_text(dir / "labels.txt", "a.png\t0001\na.png\t0002\n");
  EXPECT_TRUE(Contains(scan_error(dir.path()), "already listed on line 1"));
  // The same file written another way is the same entry.
  write_text(dir / "labels.txt", "a.png\t0001\n./a.png\t0002\n");
  EXPECT_TRUE(Contains(scan_error(dir.path()), "labels.txt:2: \"./a.png\" is already listed on line 1"));
  write_text(dir / "labels.txt", "x/../a.png\t0001\n" + (dir / "a.png").string() + "\t0002\n");
  EXPECT_TRUE(Contains(scan_error(dir.path()), "is already listed on line 1"));
}

TEST(FolderDataset, ByteOrderMarkBeforeTheFirstLineOfLabelsTxt) {
  seer::testing::ScratchDir dir;
  write_image(dir / "a.png", test_image(1));
  write_image(dir / "b.png", test_image(2));
  write_text(dir / "labels.txt", "\xEF\xBB\xBF" "a.png\t0001\nb.png\t0002\n");
  FolderDataset dataset(dir.path(), kDigits4);
  ASSERT_EQ(dataset.size(), 2u);
  EXPECT_EQ(dataset.items()[0].path, dir / "a.png");
  EXPECT_EQ(dataset.items()[0].label, "0001");
  write_text(dir / "labels.txt", "\xEF\xBB\xBF" "file\tlabel\na.png\t0001\n");  // and before a header
  EXPECT_EQ(FolderDataset(dir.path(), kDigits4).size(), 1u);
}

// fuzz_captcha_labels's finding (2026-12-06): a name longer than the system allows made
// std::filesystem throw its own filesystem_error ("File name too long"), naming no line.
TEST(FolderDataset, OverlongImageNameIsThatLinesError) {
  seer::testing::ScratchDir dir;
  write_image(dir / "a.png", test_image(1));
  const std::string long_name = std::string(300, 'x') + ".png";
  write_text(dir / "labels.txt", "a.png\t1111\n" + long_name + "\t2222\n");
  const std::string error = scan_error(dir.path());
  EXPECT_EQ(error.rfind((dir / "labels.txt").string() + ":2: image \"" + long_name + "\": ", 0), 0u) << error;
  EXPECT_NE(error.find("too long"), std::string::npos) << error;
  FolderDatasetOptions skip;
  skip.skip_bad = true;
  FolderDataset dataset(dir.path(), kDigits4, skip);
  EXPECT_EQ(dataset.size(), 1u);
  EXPECT_EQ(dataset.skipped(), 1);
}

TEST(FolderDataset, CorruptImageIsAnErrorNamingIt) {
  seer::testing::ScratchDir dir;
  write_image(dir / "a.png", test_image(1));
  write_corrupt(dir / "x.png");
  write_text(dir / "labels.txt", "a.png\t1111\nx.png\t2222\n");
  EXPECT_EQ(scan_error(dir.path()), (dir / "x.png").string() + ": not an image seer reads (JPEG, PNG, BMP, TIFF, WebP or PNM)");

  FolderDatasetOptions skip;
  skip.skip_bad = true;
  FolderDataset dataset(dir.path(), kDigits4, skip);
  ASSERT_EQ(dataset.size(), 1u);
  EXPECT_EQ(dataset.items()[0].label, "1111");
  EXPECT_EQ(dataset.skipped(), 1);
}

TEST(FolderDataset, CorruptImageWithoutVerifyFailsOnLoad) {
  seer::testing::ScratchDir dir;
  write_corrupt(dir / "2222_x.png");
  FolderDatasetOptions lazy;
  lazy.verify_images = false;
  FolderDataset dataset(dir.path(), kDigits4, lazy);
  ASSERT_EQ(dataset.size(), 1u);
  try {
    dataset.load(0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "2222_x.png").string() + ": not an image seer reads (JPEG, PNG, BMP, TIFF, WebP or PNM)");
  }
}

TEST(FolderDataset, WrongLengthLabelIsAnErrorOrSkipped) {
  seer::testing::ScratchDir dir;
  write_image(dir / "0782_1.png", test_image(1));
  write_image(dir / "078_2.png", test_image(2));
  EXPECT_EQ(scan_error(dir.path()),
            (dir / "078_2.png").string() + ": label \"078\": length 3, expected 4");
  FolderDatasetOptions skip;
  skip.skip_bad = true;
  FolderDataset dataset(dir.path(), kDigits4, skip);
  ASSERT_EQ(dataset.size(), 1u);
  EXPECT_EQ(dataset.items()[0].label, "0782");
  EXPECT_EQ(dataset.skipped(), 1);
}

TEST(FolderDataset, CharacterOutsideCharsetIsAnErrorOrSkipped) {
  seer::testing::ScratchDir dir;
  write_image(dir / "07a2_1.png", test_image(1));
  write_image(dir / "1111_1.png", test_image(2));
  EXPECT_EQ(scan_error(dir.path()),
            (dir / "07a2_1.png").string() +
                ": label \"07a2\": character 'a' at position 3 is not in charset \"0123456789\"");
  FolderDatasetOptions skip;
  skip.skip_bad = true;
  EXPECT_EQ(FolderDataset(dir.path(), kDigits4, skip).skipped(), 1);
}

TEST(FolderDataset, EmptyFolderIsAnError) {
  seer::testing::ScratchDir dir;
  EXPECT_EQ(scan_error(dir.path()), dir.path().string() + ": no labelled images found");
  write_text(dir / "readme.md", "no images here");
  EXPECT_EQ(scan_error(dir.path()), dir.path().string() + ": no labelled images found");
}

TEST(FolderDataset, AllSkippedIsAnError) {
  seer::testing::ScratchDir dir;
  write_image(dir / "12_0.png", test_image(1));
  FolderDatasetOptions skip;
  skip.skip_bad = true;
  EXPECT_TRUE(Contains(scan_error(dir.path(), skip), "no labelled images found"));
}

TEST(FolderDataset, MissingFolderIsAnError) {
  seer::testing::ScratchDir dir;
  EXPECT_TRUE(Contains(scan_error(dir / "nope"), "nope"));
}

TEST(FolderDataset, ReadsWhatTheGeneratorWrites) {
  seer::testing::ScratchDir dir;
  GeneratorOptions o;
  o.seed = 3;
  Generator generator(o);
  generator.write_folder(dir.path(), 5, 0, 2);
  FolderDataset dataset(dir.path(), kDigits4);
  ASSERT_EQ(dataset.size(), 5u);
  for (size_t i = 0; i < dataset.size(); ++i) {
    // Sorted by file name, which starts with the label: find the index from the name.
    std::string name = dataset.items()[i].path.filename().string();
    uint64_t index = std::stoull(name.substr(5, name.size() - 5 - 4));
    Sample s = generator.sample(index);
    EXPECT_EQ(dataset.items()[i].label, s.label);
    EXPECT_EQ(cv::norm(dataset.load(i), s.image, cv::NORM_INF), 0) << name;
  }
}

TEST(ToModelInput, RangeAndSize) {
  cv::Mat image(90, 240, CV_8UC3);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(256));
  image(cv::Rect(0, 0, 240, 45)).setTo(cv::Scalar::all(255));
  image(cv::Rect(0, 45, 240, 45)).setTo(cv::Scalar::all(0));
  std::vector<float> out(160 * 60 + 1, -7.0f);  // one sentinel past the end
  to_model_input(image, 160, 60, out.data());
  EXPECT_EQ(out.back(), -7.0f);  // wrote exactly height*width floats
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    ASSERT_GE(out[i], 0.0f) << i;
    ASSERT_LE(out[i], 1.0f) << i;
  }
  EXPECT_FLOAT_EQ(out[0], 1.0f);               // top half white
  EXPECT_FLOAT_EQ(out[59 * 160 + 159], 0.0f);  // bottom half black
}

TEST(ToModelInput, ConvertsToGrayAndScales) {
  cv::Mat bgr(2, 3, CV_8UC3, cv::Scalar(255, 0, 0));  // pure blue
  bgr.at<cv::Vec3b>(1, 2) = cv::Vec3b(0, 0, 255);     // one pure red pixel
  std::vector<float> out(6);
  to_model_input(bgr, 3, 2, out.data());  // same size: no resampling
  EXPECT_NEAR(out[0], 0.114, 0.005);      // ITU-R BT.601 luma of blue
  EXPECT_NEAR(out[5], 0.299, 0.005);      // and of red

  cv::Mat gray(2, 2, CV_8UC1);
  gray.at<uchar>(0, 0) = 0;
  gray.at<uchar>(0, 1) = 51;
  gray.at<uchar>(1, 0) = 102;
  gray.at<uchar>(1, 1) = 255;
  std::vector<float> g(4);
  to_model_input(gray, 2, 2, g.data());
  EXPECT_FLOAT_EQ(g[0], 0.0f);
  EXPECT_FLOAT_EQ(g[1], 0.2f);
  EXPECT_FLOAT_EQ(g[2], 0.4f);
  EXPECT_FLOAT_EQ(g[3], 1.0f);
}

TEST(ToModelInput, UpscalesAndAcceptsBgra) {
  cv::Mat bgra(10, 20, CV_8UC4, cv::Scalar(128, 128, 128, 255));
  std::vector<float> out(40 * 30);
  to_model_input(bgra, 40, 30, out.data());
  for (float v : out) ASSERT_NEAR(v, 128.0 / 255, 1e-3);
}

TEST(ToModelInput, RejectsEmptyImagesAndBadSizes) {
  std::vector<float> out(10);
  EXPECT_THROW(to_model_input(cv::Mat(), 5, 2, out.data()), Error);
  EXPECT_THROW(to_model_input(cv::Mat(2, 5, CV_8UC1), 0, 2, out.data()), Error);
}

}  // namespace
}  // namespace seer::captcha
