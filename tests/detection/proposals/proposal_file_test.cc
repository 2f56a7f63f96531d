// Proposal files: round trip, versioning and corruption, the per-image cache of
// compute_proposals, a user's boxes file, and recall / MABO against hand values.
#include "seer/detection/proposals/proposal_file.h"

#include <fstream>

#include <gtest/gtest.h>

#include "detection/data/voc_fixture.h"
#include "seer/core/atomic_file.h"
#include "seer/detection/data/folder.h"
#include "seer/detection/proposals/proposal_recall.h"
#include "test_support.h"

namespace seer::detection::proposals {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;
using seer::testing::ScratchDir;
using seer::testing::stderr_of;
using namespace seer::detection::testing;

TEST(ProposalFile, RoundTrip) {
  ScratchDir dir;
  ProposalSet s{"selective-search fast", 64, 48, {{0, 0, 10, 10}, {1.5f, 2.25f, 64, 48}}};
  write_proposals(dir / "a.proposals", s);
  const ProposalSet r = read_proposals(dir / "a.proposals");
  EXPECT_EQ(r.method, s.method);
  EXPECT_EQ(r.width, 64);
  EXPECT_EQ(r.height, 48);
  EXPECT_EQ(r.boxes, s.boxes);
  // Header: magic, then the version as little-endian uint32.
  const std::string bytes = read_file(dir / "a.proposals");
  EXPECT_EQ(bytes.substr(0, 8), "SEERPROP");
  EXPECT_EQ(static_cast<unsigned char>(bytes[8]), kProposalFileVersion);
  EXPECT_EQ(bytes.size(), 8 + 4 * 4 + s.method.size() + 4 + 2 * 16);
}

TEST(ProposalFile, OtherVersionTruncatedAndForeignFilesAreClearErrors) {
  ScratchDir dir;
  write_proposals(dir / "a.proposals", {"m", 10, 10, {{0, 0, 5, 5}}});
  std::string bytes = read_file(dir / "a.proposals");

  std::string other = bytes;
  other[8] = static_cast<char>(kProposalFileVersion + 1);
  write_file_atomic(dir / "v.proposals", other);
  const std::string v = error_of([&] { read_proposals(dir / "v.proposals"); });
  EXPECT_TRUE(Contains(v, "v.proposals"));
  EXPECT_TRUE(Contains(v, "version"));
  EXPECT_TRUE(Contains(v, "seer detect proposals"));

  write_file_atomic(dir / "t.proposals", bytes.substr(0, bytes.size() - 3));
  EXPECT_TRUE(Contains(error_of([&] { read_proposals(dir / "t.proposals"); }), "t.proposals"));
  write_file_atomic(dir / "x.proposals", "hello world, not proposals");
  EXPECT_TRUE(Contains(error_of([&] { read_proposals(dir / "x.proposals"); }), "not a seer proposals file"));
  write_proposals(dir / "o.proposals", {"m", 10, 10, {{0, 0, 15, 5}}});  // outside the image
  EXPECT_TRUE(Contains(error_of([&] { read_proposals(dir / "o.proposals"); }), "inside the 10x10 image"));
  EXPECT_TRUE(Contains(error_of([&] { read_proposals(dir / "missing.proposals"); }), "missing.proposals"));
}

// A VOC folder of two 64 x 48 images with a dark square each.
DetectionDataset two_images(const fs::path& root) {
  add_image(root, "a", 64, 48, voc_object("sq", "11", "11", "30", "30"));
  add_image(root, "b", 64, 48, voc_object("sq", "31", "5", "60", "40"));
  for (const char* id : {"a", "b"}) {
    cv::Mat m(48, 64, CV_8UC3, cv::Scalar(200, 200, 200));
    if (std::string(id) == "a") m(cv::Rect(10, 10, 20, 20)).setTo(cv::Scalar(20, 20, 20));
    else m(cv::Rect(30, 4, 30, 36)).setTo(cv::Scalar(20, 20, 20));
    cv::imwrite((root / "JPEGImages" / (std::string(id) + ".jpg")).string(), m);
  }
  write_text(root / "ImageSets" / "Main" / "trainval.txt", "a\nb\n");
  FolderReadOptions o;
  o.split = "trainval";
  return read_detection_folder(root, o);
}

TEST(ComputeProposals, CachedPerImageAndRemadeWhenStale) {
  ScratchDir dir;
  const DetectionDataset data = two_images(dir / "voc");
  SelectiveSearchOptions o;
  ComputeOptions c;
  c.progress = false;
  const ComputeReport first = compute_proposals(data, dir / "props", o, c);
  EXPECT_EQ(first.computed, 2);
  EXPECT_EQ(first.reused, 0);
  EXPECT_GT(first.boxes_per_image, 0);
  const auto props = read_dataset_proposals(dir / "props", data);
  ASSERT_EQ(props.size(), 2u);
  double best = 0;
  for (const Box& b : props[0]) best = std::max(best, box_iou(b, Box{10, 10, 30, 30}));
  EXPECT_GT(best, 0.8);

  const ComputeReport again = compute_proposals(data, dir / "props", o, c);
  EXPECT_EQ(again.computed, 0);
  EXPECT_EQ(again.reused, 2);
  o.mode = "single";  // other settings: every file is stale
  const ComputeReport other = compute_proposals(data, dir / "props", o, c);
  EXPECT_EQ(other.computed, 2);
  EXPECT_EQ(read_proposals(proposal_path(dir / "props", "a")).method, selective_search_method(o));

  // A missing file names the image and says how to make it; the cap keeps the first boxes.
  fs::remove(proposal_path(dir / "props", "b"));
  const std::string e = error_of([&] { read_dataset_proposals(dir / "props", data); });
  EXPECT_TRUE(Contains(e, "'b'"));
  EXPECT_TRUE(Contains(e, "seer detect proposals"));
  EXPECT_EQ(read_dataset_proposals(dir / "props", DetectionDataset{data.classes, {data.images[0]}, {}}, 1)[0].size(), 1u);
}

TEST(ComputeProposals, AnUnreadableImageIsNamedAndCountedAsFailed) {
  ScratchDir dir;
  DetectionDataset data = two_images(dir / "voc");
  write_text(data.images[1].image_path, "not a jpeg");
  ComputeOptions c;
  c.progress = false;
  ComputeReport r;
  const std::string warnings = stderr_of([&] { r = compute_proposals(data, dir / "props", {}, c); });
  EXPECT_EQ(r.computed, 1);
  EXPECT_EQ(r.failed, 1);
  EXPECT_TRUE(Contains(warnings, "b.jpg"));
  EXPECT_FALSE(fs::exists(proposal_path(dir / "props", "b")));
}

TEST(ImportBoxes, VocCoordinatesScoresClippingAndErrors) {
  ScratchDir dir;
  const DetectionDataset data = two_images(dir / "voc");
  write_text(dir / "boxes.txt",
             "# id xmin ymin xmax ymax score\n"
             "a 1 1 10 10 0.2\n"
             "a 11 11 30 30 0.9\n"
             "\n"
             "a 5 5 100 100 0.5\n"   // clipped to the 64 x 48 image
             "a 20 20 20 10 0.1\n");  // inverted: skipped
  int64_t n = 0;
  const std::string warnings = stderr_of([&] { n = import_boxes_file(dir / "boxes.txt", data, dir / "props"); });
  EXPECT_EQ(n, 3);
  EXPECT_TRUE(Contains(warnings, "no boxes for 1 of the 2 images"));
  EXPECT_TRUE(Contains(warnings, "1 empty or inverted"));
  const auto a = read_proposals(proposal_path(dir / "props", "a"));
  ASSERT_EQ(a.boxes.size(), 3u);
  EXPECT_EQ(a.boxes[0], (Box{10, 10, 30, 30}));  // highest score first
  EXPECT_EQ(a.boxes[1], (Box{4, 4, 64, 48}));
  EXPECT_EQ(a.boxes[2], (Box{0, 0, 10, 10}));
  EXPECT_TRUE(read_proposals(proposal_path(dir / "props", "b")).boxes.empty());

  write_text(dir / "bad.txt", "a 1 1 10 10\nb 1 2 x 4\n");
  const std::string e = error_of([&] { import_boxes_file(dir / "bad.txt", data, dir / "p2"); });
  EXPECT_TRUE(Contains(e, "bad.txt:2:"));
}

TEST(ProposalRecall, HandValues) {
  DetectionDataset data;
  data.classes = {"x", "y"};
  DetectionImage a;
  a.id = "a";
  a.objects = {{Box{0, 0, 10, 10}, 0}, {Box{20, 20, 30, 30}, 1}, {Box{50, 50, 60, 60}, 1, /*difficult=*/true}};
  DetectionImage b;
  b.id = "b";
  b.objects = {{Box{0, 0, 10, 10}, 0}};
  data.images = {a, b};
  // Image a: the first proposal overlaps box x with IoU 0.64 (8x8 inside 10x10), the second
  // matches box y exactly; image b: one proposal with IoU 0.5 (10x5 of a 10x10 box).
  const std::vector<std::vector<Box>> props = {{{1, 1, 9, 9}, {20, 20, 30, 30}}, {{0, 0, 10, 5}}};
  const auto curve = proposal_recall(data, props, {1, 0});
  ASSERT_EQ(curve.size(), 2u);
  // First proposal only: x in a (0.64 >= 0.5), y missed (0), x in b (0.5): recall 2/3 at 0.5, 0 at 0.7.
  EXPECT_DOUBLE_EQ(curve[0].recall_05, 2.0 / 3);
  EXPECT_DOUBLE_EQ(curve[0].recall_07, 0.0);
  EXPECT_DOUBLE_EQ(curve[0].proposals_per_image, 1.0);
  EXPECT_NEAR(curve[0].mabo, ((0.64 + 0.5) / 2 + 0.0) / 2, 1e-6);
  // Every proposal: y found exactly.
  EXPECT_DOUBLE_EQ(curve[1].recall_05, 1.0);
  EXPECT_DOUBLE_EQ(curve[1].recall_07, 1.0 / 3);
  EXPECT_DOUBLE_EQ(curve[1].proposals_per_image, 1.5);
  EXPECT_NEAR(curve[1].mabo, ((0.64 + 0.5) / 2 + 1.0) / 2, 1e-6);
  EXPECT_TRUE(Contains(error_of([&] { proposal_recall(data, {{}}, {0}); }), "2 images"));
}

}  // namespace
}  // namespace seer::detection::proposals
