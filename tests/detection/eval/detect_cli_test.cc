// `seer detect synth | eval | draw | check` end to end, as a user runs them: synthetic scenes,
// perfect detections written from the ground truth, mAP 1; the same on a plain labelImg folder;
// `check` on a small dirty dataset.
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <pugixml.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;

using Result = seer::testing::CliResult;

Result run(const std::string& args, bool with_stderr = true) {
  return seer::testing::run_cli(SEER_EXE, args, with_stderr);
}

// Results files for `split` with one detection (score 1) per annotated object of the given
// annotation files, its box copied from the annotation (both are VOC file coordinates); the id
// is the file's stem. Returns the number of detections.
int write_perfect_results(const std::vector<fs::path>& xmls, const std::string& split, const fs::path& out) {
  std::map<std::string, std::string> files;  // class -> text
  int count = 0;
  for (const auto& xml : xmls) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_file(xml.c_str())) << xml;
    const std::string id = xml.stem().string();
    for (auto o : doc.child("annotation").children("object")) {
      auto b = o.child("bndbox");
      files[o.child_value("name")] += id + " 1 " + b.child_value("xmin") + " " + b.child_value("ymin") +
                                      " " + b.child_value("xmax") + " " + b.child_value("ymax") + "\n";
      ++count;
    }
  }
  fs::create_directories(out);
  for (const auto& [name, text] : files) {
    std::ofstream(out / ("comp4_det_" + split + "_" + name + ".txt")) << text;
  }
  return count;
}

// The annotation files of a VOC folder's split.
std::vector<fs::path> split_annotations(const fs::path& voc, const std::string& split) {
  std::ifstream ids(voc / "ImageSets" / "Main" / (split + ".txt"));
  std::vector<fs::path> xmls;
  for (std::string id; ids >> id;) xmls.push_back(voc / "Annotations" / (id + ".xml"));
  return xmls;
}

TEST(DetectCli, HelpListsSubcommands) {
  auto r = run("detect --help");
  EXPECT_EQ(r.code, 0);
  for (const char* sub : {"synth", "eval", "draw", "check"}) EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  auto h = run("detect eval --help");
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("--metric"), std::string::npos);
}

TEST(DetectCli, SynthEvalDraw) {
  seer::testing::ScratchDir dir;
  const fs::path voc = dir / "voc";
  auto s = run("detect synth --out " + voc.string() + " --count 20 --seed 5");
  ASSERT_EQ(s.code, 0) << s.out;
  ASSERT_TRUE(fs::exists(voc / "ImageSets" / "Main" / "test.txt"));

  const fs::path results = dir / "results";
  ASSERT_GT(write_perfect_results(split_annotations(voc, "test"), "test", results), 0);
  const std::string base = "detect eval --data " + voc.string() + " --detections " + results.string();

  for (const std::string metric : {"voc07", "coco"}) {
    auto e = run(base + " --json --metric " + metric, /*with_stderr=*/false);
    ASSERT_EQ(e.code, 0) << run(base + " --json --metric " + metric).out;
    const auto j = nlohmann::json::parse(e.out);
    EXPECT_EQ(j.at("metric"), metric);
    EXPECT_DOUBLE_EQ(j.at("mAP").get<double>(), 1.0) << e.out;
    ASSERT_TRUE(j.at("ap").is_object());
    EXPECT_FALSE(j.at("ap").empty());
    for (const auto& [name, ap] : j.at("ap").items()) {
      if (!ap.is_null()) EXPECT_DOUBLE_EQ(ap.get<double>(), 1.0) << name;
    }
  }

  // The table, and one PR curve per class.
  auto table = run(base + " --metric voc10 --plots " + (dir / "plots").string());
  ASSERT_EQ(table.code, 0) << table.out;
  EXPECT_NE(table.out.find("mAP"), std::string::npos);
  EXPECT_NE(table.out.find("1.0000"), std::string::npos);
  int pngs = 0;
  for (const auto& e : fs::directory_iterator(dir / "plots")) pngs += e.path().extension() == ".png";
  EXPECT_GT(pngs, 0);

  auto d = run("detect draw --data " + voc.string() + " --detections " + results.string() + " --out " +
               (dir / "drawn").string() + " --limit 2");
  ASSERT_EQ(d.code, 0) << d.out;
  int jpgs = 0;
  for (const auto& e : fs::directory_iterator(dir / "drawn")) jpgs += e.path().extension() == ".jpg";
  EXPECT_EQ(jpgs, 2);

  // A broken results line: exit 1, the file and line named.
  fs::path some;
  for (const auto& e : fs::directory_iterator(results)) {
    if (e.path().filename().string().rfind("comp4_det_test_", 0) == 0) some = e.path();
  }
  std::ofstream(some, std::ios::app) << "\nnot-an-image 0.5 1 2\n";
  auto bad = run(base);
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_TRUE(seer::testing::Contains(bad.out, some.filename().string() + ":"));
  EXPECT_TRUE(seer::testing::Contains(bad.out, "expected 6 fields"));
}

// A synthetic VOC folder flattened into one folder, as labelImg keeps images and XML by default
// (no ImageSets/Main/): eval and draw read it, the split drawn by seed.
TEST(DetectCli, EvalAndDrawReadAPlainLabelImgFolder) {
  seer::testing::ScratchDir dir;
  const fs::path voc = dir / "voc", plain = dir / "plain";
  ASSERT_EQ(run("detect synth --out " + voc.string() + " --count 12 --seed 3").code, 0);
  fs::create_directories(plain);
  std::vector<fs::path> xmls;
  for (const char* sub : {"Annotations", "JPEGImages"}) {
    for (const auto& e : fs::directory_iterator(voc / sub)) {
      fs::copy_file(e.path(), plain / e.path().filename());
      if (e.path().extension() == ".xml") xmls.push_back(plain / e.path().filename());
    }
  }
  const fs::path results = dir / "results";
  ASSERT_GT(write_perfect_results(xmls, "test", results), 0);  // every image; the split's are scored
  const std::string base = "detect eval --data " + plain.string() + " --detections " + results.string() +
                           " --skip-unknown-images --test-fraction 0.25 --json";
  auto e = run(base, /*with_stderr=*/false);
  ASSERT_EQ(e.code, 0) << run(base).out;
  const auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(j.at("images"), 3);  // round(0.25 * 12)
  EXPECT_DOUBLE_EQ(j.at("mAP").get<double>(), 1.0) << e.out;

  auto d = run("detect draw --data " + plain.string() + " --detections " + results.string() +
               " --skip-unknown-images --out " + (dir / "drawn").string());
  ASSERT_EQ(d.code, 0) << d.out;
  int jpgs = 0;
  for (const auto& f : fs::directory_iterator(dir / "drawn")) jpgs += f.path().extension() == ".jpg";
  EXPECT_EQ(jpgs, 2);  // draw's split: the default 20% of 12 images, rounded
}

// A tiny labelImg folder with what `check` reports: class counts, a difficult object, a
// inverted box, an image saved without boxes and one never annotated.
void write_check_dataset(const fs::path& root) {
  fs::create_directories(root);
  const auto object = [](const std::string& name, int xmin, int ymin, int xmax, int ymax, int difficult = 0) {
    return "<object><name>" + name + "</name><difficult>" + std::to_string(difficult) +
           "</difficult><bndbox><xmin>" + std::to_string(xmin) + "</xmin><ymin>" + std::to_string(ymin) +
           "</ymin><xmax>" + std::to_string(xmax) + "</xmax><ymax>" + std::to_string(ymax) +
           "</ymax></bndbox></object>";
  };
  const std::map<std::string, std::string> images = {
      {"a", object("cat", 1, 1, 20, 40) + object("dog", 11, 11, 50, 30)},
      {"b", object("cat", 5, 5, 44, 44) + object("cat", 30, 50, 40, 30) + object("dog", 1, 1, 8, 8, 1)},
      {"c", ""}};
  for (const auto& [id, objects] : images) {
    std::ofstream(root / (id + ".xml")) << "<annotation><filename>" << id
                                        << ".jpg</filename><size><width>64</width><height>48</height></size>"
                                        << objects << "</annotation>";
    ASSERT_TRUE(cv::imwrite((root / (id + ".jpg")).string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(90))));
  }
  ASSERT_TRUE(cv::imwrite((root / "never-saved.jpg").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(90))));
}

TEST(DetectCli, CheckReportsCountsWarningsAndAnchors) {
  seer::testing::ScratchDir dir;
  const fs::path data = dir / "data";
  write_check_dataset(data);

  auto r = run("detect check --data " + data.string() + " --json", /*with_stderr=*/false);
  ASSERT_EQ(r.code, 0) << run("detect check --data " + data.string() + " --json").out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("images"), 3);
  EXPECT_EQ(j.at("objects"), 4);
  EXPECT_EQ(j.at("classes").at("cat").at("objects"), 2);
  EXPECT_EQ(j.at("classes").at("cat").at("images"), 2);
  EXPECT_EQ(j.at("classes").at("cat").at("difficult"), 0);
  EXPECT_EQ(j.at("classes").at("dog").at("objects"), 2);
  EXPECT_EQ(j.at("classes").at("dog").at("difficult"), 1);
  // cat boxes 20x40 and 40x40: sizes sqrt(800) and 40 in the image.
  EXPECT_NEAR(j["classes"]["cat"]["size"]["min"].get<double>(), std::sqrt(800.0), 1e-4);
  EXPECT_NEAR(j["classes"]["cat"]["size"]["max"].get<double>(), 40, 1e-4);
  EXPECT_NEAR(j["classes"]["cat"]["ratio"]["max"].get<double>(), 2, 1e-6);
  // At the network input (600 / 48 = 12.5, long side 800): 12.5 times larger.
  EXPECT_NEAR(j["classes"]["cat"]["size_at_input"]["max"].get<double>(), 500, 1e-3);
  EXPECT_EQ(j.at("images_without_objects"), nlohmann::json::array({"c"}));
  const auto& warnings = j.at("warnings");
  ASSERT_EQ(warnings.size(), 2u) << warnings;
  EXPECT_TRUE(seer::testing::Contains(warnings[0].get<std::string>(), "b.xml:1: object 2 'cat' has an inverted box"));
  EXPECT_TRUE(seer::testing::Contains(warnings[1].get<std::string>(), "1 image(s) have no annotation XML"));
  EXPECT_TRUE(seer::testing::Contains(warnings[1].get<std::string>(), "never-saved.jpg"));
  const auto& anchors = j.at("suggested_anchors");
  EXPECT_FALSE(anchors.at("sizes").empty());
  EXPECT_FALSE(anchors.at("ratios").empty());
  EXPECT_GT(anchors.at("coverage").get<double>(), 0.5);
  EXPECT_TRUE(j.at("default_anchors_coverage").is_number());

  // The report and the histograms.
  const fs::path out = dir / "check";
  auto t = run("detect check --data " + data.string() + " --out " + out.string() + " --short-side 480");
  ASSERT_EQ(t.code, 0) << t.out;
  for (const char* text : {"3 images, 2 classes, 4 objects (1 difficult)", "images without objects: 1 (c)",
                           "suggested  sizes", "default    sizes 128 256 512", "warnings: 2",
                           "has an inverted box", "short side 480"})
    EXPECT_TRUE(seer::testing::Contains(t.out, text));
  for (const char* png : {"box_size.png", "aspect_ratio.png", "objects_per_image.png"}) {
    const cv::Mat m = cv::imread((out / png).string());
    EXPECT_FALSE(m.empty()) << png;
  }

  // A seeded split, and a bad folder.
  auto s = run("detect check --data " + data.string() + " --split test --test-fraction 0.34 --json", false);
  ASSERT_EQ(s.code, 0);
  EXPECT_EQ(nlohmann::json::parse(s.out).at("images"), 1);
  auto bad = run("detect check --data " + (dir / "absent").string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(seer::testing::Contains(bad.out, "absent: not a folder"));
}

}  // namespace
