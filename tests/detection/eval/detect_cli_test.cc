// `seer detect synth | eval | draw` end to end, as a user runs them: synthetic scenes, perfect
// detections written from the ground truth, mAP 1.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "cli_runner.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;

using Result = seer::testing::CliResult;

Result run(const std::string& args, bool with_stderr = true) {
  return seer::testing::run_cli(SEER_EXE, args, with_stderr);
}

// Results files with one detection (score 1) per annotated object of the split, its box copied
// from the annotation (both are VOC file coordinates). Returns the number of detections.
int write_perfect_results(const fs::path& voc, const std::string& split, const fs::path& out) {
  std::ifstream ids(voc / "ImageSets" / "Main" / (split + ".txt"));
  std::map<std::string, std::string> files;  // class -> text
  std::string id;
  int count = 0;
  while (ids >> id) {
    pugi::xml_document doc;
    const auto xml = voc / "Annotations" / (id + ".xml");
    EXPECT_TRUE(doc.load_file(xml.c_str())) << xml;
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

TEST(DetectCli, HelpListsSubcommands) {
  auto r = run("detect --help");
  EXPECT_EQ(r.code, 0);
  for (const char* sub : {"synth", "eval", "draw"}) EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
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
  ASSERT_GT(write_perfect_results(voc, "test", results), 0);
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

}  // namespace
