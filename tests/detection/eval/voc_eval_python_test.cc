// seer's VOC AP against an independent numpy implementation of py-faster-rcnn's voc_eval.py
// (voc_eval_reference.py, beside this file) on random datasets and detections, through the
// devkit results files. Skipped when /usr/bin/python3 or numpy is missing.
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "detection/eval/eval_test_util.h"
#include "seer/detection/eval/voc_ap.h"
#include "seer/detection/eval/voc_results.h"
#include "test_support.h"

namespace seer::detection {
namespace {

using testing::voc_box;

constexpr const char* kPython = "/usr/bin/python3";

std::string run_command(const std::string& cmd, int* status) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) {
    *status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  *status = pclose(pipe);
  return out;
}

bool have_numpy() {
  if (!std::filesystem::exists(kPython)) return false;
  int status = 0;
  run_command(std::string(kPython) + " -c 'import numpy' 2>/dev/null", &status);
  return status == 0;
}

TEST(VocEvalPython, MatchesReferenceOnRandomData) {
  if (!have_numpy()) GTEST_SKIP() << kPython << " with numpy not found: cross-check skipped";
  const std::string script =
      std::string(SEER_SOURCE_DIR) + "/tests/detection/eval/voc_eval_reference.py";
  ASSERT_TRUE(std::filesystem::exists(script)) << script;

  for (uint32_t trial = 0; trial < 4; ++trial) {
    seer::testing::ScratchDir dir;
    std::mt19937 rng(1234 + trial);
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto dataset = testing::dataset({"cat", "dog", "bird"}, 12);
    std::ofstream gt_file(dir / "gt.txt");
    for (auto& image : dataset.images) {
      gt_file << image.id << "\n";
      const int n = uniform(0, 5);
      for (int k = 0; k < n; ++k) {
        const int xmin = uniform(1, 300), ymin = uniform(1, 200);
        const int xmax = xmin + uniform(8, 120), ymax = ymin + uniform(8, 120);
        DetectionObject o = testing::object(uniform(0, 2), voc_box(xmin, ymin, xmax, ymax),
                                            uniform(0, 5) == 0);
        // Same-class twins now and then: matching and duplicates get exercised.
        image.objects.push_back(o);
        gt_file << fmt::format("{} {} {} {} {} {} {}\n", image.id, dataset.classes[o.label], xmin,
                               ymin, xmax, ymax, o.difficult ? 1 : 0);
      }
    }
    gt_file.close();

    // Detections: jittered copies of objects (overlaps all around .5), some on the wrong
    // class, and random boxes; scores on a coarse grid so that ties are common.
    std::vector<Detection> dets;
    for (const auto& image : dataset.images) {
      for (const auto& o : image.objects) {
        const int copies = uniform(0, 3);
        for (int c = 0; c < copies; ++c) {
          const float j = static_cast<float>(uniform(0, 40));
          Box b = o.box;
          b.x1 += static_cast<float>(uniform(-20, 20)) * 0.5f * (j / 20);
          b.y1 += static_cast<float>(uniform(-20, 20)) * 0.5f * (j / 20);
          b.x2 += static_cast<float>(uniform(-20, 20)) * 0.5f * (j / 20);
          b.y2 += static_cast<float>(uniform(-20, 20)) * 0.5f * (j / 20);
          const int label = uniform(0, 9) == 0 ? uniform(0, 2) : o.label;
          dets.push_back({image.id, label, static_cast<float>(uniform(1, 10)) / 10, b});
        }
      }
      for (int r = uniform(0, 3); r > 0; --r) {
        const int x = uniform(0, 300), y = uniform(0, 200);
        dets.push_back({image.id, uniform(0, 2), static_cast<float>(uniform(1, 10)) / 10,
                        Box{static_cast<float>(x), static_cast<float>(y),
                            static_cast<float>(x + uniform(8, 100)),
                            static_cast<float>(y + uniform(8, 100))}});
      }
    }
    std::shuffle(dets.begin(), dets.end(), rng);
    write_voc_results(dir / "results", "test", dataset.classes, dets);
    const auto read = read_voc_results(dir / "results", "test", dataset);

    int status = 0;
    const std::string out = run_command(
        fmt::format("{} {} {} {} test cat dog bird", kPython, script, (dir / "gt.txt").string(),
                    (dir / "results").string()),
        &status);
    ASSERT_EQ(status, 0) << out;
    const auto reference = nlohmann::json::parse(out);
    for (bool use_07 : {true, false}) {
      VocEvalOptions options;
      options.use_07_metric = use_07;
      const auto result = voc_evaluate(dataset, read, options);
      for (const auto& c : result.per_class) {
        const auto& ref = reference.at(c.name).at(use_07 ? 0 : 1);
        if (ref.is_null()) {
          EXPECT_TRUE(std::isnan(c.ap)) << "trial " << trial << " " << c.name;
        } else {
          EXPECT_NEAR(c.ap, ref.get<double>(), 1e-9)
              << "trial " << trial << " class " << c.name << (use_07 ? " 11-point" : " area");
        }
      }
    }
  }
}

}  // namespace
}  // namespace seer::detection
