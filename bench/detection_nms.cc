// NMS benchmark, seer side: reads the boxes, scores and torchvision's kept indices written by
// bench/detection_nms.py, checks that seer's nms keeps exactly the same indices in the same
// order, and times it (median of repetitions after one warm-up, 1 thread; the whole call,
// tensors in and out, as the Python side times torchvision.ops.nms). One JSON object per line
// on stdout; exit status 1 when a result differs.
//
//   detection_nms DIR [--reps N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "seer/detection/boxes/nms.h"

namespace {

const std::vector<int64_t> kSizes = {1000, 12000, 20000};
const std::vector<int> kThresholds = {70, 50, 30};  // percent

torch::Tensor read_raw(const std::string& path, torch::Dtype dtype) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path + ": missing");
  const int64_t bytes = in.tellg();
  in.seekg(0);
  const int64_t item = dtype == torch::kLong ? 8 : 4;
  auto t = torch::empty({bytes / item}, dtype);
  in.read(static_cast<char*>(t.data_ptr()), bytes);
  if (!in) throw std::runtime_error(path + ": read error");
  return t;
}

double median_ms(const std::function<void()>& fn, int reps) {
  fn();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: detection_nms DIR [--reps N]\n";
    return 2;
  }
  const std::string dir = argv[1];
  int reps = 15;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--reps") reps = std::stoi(argv[i + 1]);
  at::set_num_threads(1);
  bool all_identical = true;
  try {
    for (int64_t n : kSizes) {
      const auto boxes = read_raw(dir + "/boxes_" + std::to_string(n) + ".f32", torch::kFloat).view({n, 4});
      const auto scores = read_raw(dir + "/scores_" + std::to_string(n) + ".f32", torch::kFloat);
      for (int t : kThresholds) {
        const double thr = t / 100.0;
        const auto expected = read_raw(dir + "/keep_" + std::to_string(n) + "_" + std::to_string(t) + ".i64",
                                       torch::kLong);
        const auto keep = seer::detection::nms(boxes, scores, thr);
        const bool identical = torch::equal(keep, expected);
        all_identical = all_identical && identical;
        const double ms = median_ms([&] { seer::detection::nms(boxes, scores, thr); }, reps);
        std::printf("{\"impl\": \"seer\", \"boxes\": %lld, \"threshold\": %g, \"ms\": %.4f, \"kept\": %lld, "
                    "\"identical\": \"%s\"}\n",
                    static_cast<long long>(n), thr, ms, static_cast<long long>(keep.numel()),
                    identical ? "yes" : "no");
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "detection_nms: " << e.what() << "\n";
    return 2;
  }
  return all_identical ? 0 : 1;
}
