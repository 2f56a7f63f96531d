// RoI ops benchmark, seer side: reads the inputs and torchvision's results written by
// bench/detection_roi_ops.py, checks seer's roi_pool / roi_align against them (outputs and
// input gradients, bit for bit), and times forward and forward+backward at 1 and 2 threads
// (median of repetitions after one warm-up). One JSON object per line on stdout.
//
//   detection_roi_ops DIR [--reps N]
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

#include "seer/detection/ops/roi_align.h"
#include "seer/detection/ops/roi_pool.h"

namespace ops = seer::detection::ops;

namespace {

const std::vector<int64_t> kShape = {1, 512, 38, 50};
const std::vector<int64_t> kCounts = {128, 512, 2000};
constexpr double kScale = 1.0 / 16;
constexpr int64_t kStride = 13;

torch::Tensor read_f32(const std::string& path, std::vector<int64_t> sizes) {
  auto t = torch::empty(sizes, torch::kFloat);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(t.data_ptr<float>()), t.numel() * 4);
  if (!in || in.peek() != EOF) throw std::runtime_error(path + ": missing or wrong size");
  return t;
}

torch::Tensor read_f32_any(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path + ": missing");
  return read_f32(path, {static_cast<int64_t>(in.tellg()) / 4});
}

// grad[i] = ((i * 7919) % 1000) / 1000 - 0.5, as the Python side.
torch::Tensor grad_like(const torch::Tensor& out) {
  auto i = torch::arange(out.numel(), torch::kLong);
  return (((i * 7919) % 1000).to(torch::kFloat) / 1000 - 0.5).reshape(out.sizes());
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

// "bitwise" when equal, else the largest absolute difference.
std::string compare(const torch::Tensor& a, const torch::Tensor& b) {
  if (torch::equal(a, b)) return "bitwise";
  char buf[64];
  std::snprintf(buf, sizeof buf, "max |diff| %.3g", (a - b).abs().max().item<double>());
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: detection_roi_ops DIR [--reps N]\n";
    return 2;
  }
  const std::string dir = argv[1];
  int reps = 5;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--reps") reps = std::stoi(argv[i + 1]);
  try {
    const auto x = read_f32(dir + "/input.f32", kShape);
    for (const int64_t k : kCounts) {
      const auto rois = read_f32(dir + "/rois_" + std::to_string(k) + ".f32", {k, 5});
      const std::vector<std::pair<std::string, std::function<torch::Tensor(const torch::Tensor&)>>> list = {
          {"roi_pool", [&](const torch::Tensor& in) { return ops::roi_pool(in, rois, {7, 7}, kScale); }},
          {"roi_align",
           [&](const torch::Tensor& in) { return ops::roi_align(in, rois, {7, 7}, kScale, 2, false); }},
      };
      for (const auto& [name, op] : list) {
        const std::string shortname = name.substr(4);
        at::set_num_threads(2);
        auto xg = x.clone().requires_grad_();
        const auto out = op(xg);
        const auto grad = grad_like(out);
        out.backward(grad);
        const auto tv_out = read_f32_any(dir + "/" + shortname + "_out_" + std::to_string(k) + ".f32");
        const auto tv_gin = read_f32(dir + "/" + shortname + "_gin_" + std::to_string(k) + ".f32", kShape);
        const auto mine = out.detach().flatten().slice(0, 0, out.numel(), kStride);
        const std::string check = "output " + compare(mine, tv_out) + ", gradient " + compare(xg.grad(), tv_gin);
        for (const int threads : {1, 2}) {
          at::set_num_threads(threads);
          const double fwd = median_ms([&] { op(x); }, reps);
          const double both = median_ms(
              [&] {
                auto xr = x.detach().requires_grad_();
                op(xr).backward(grad);
              },
              reps);
          std::printf(
              "{\"impl\": \"seer\", \"op\": \"%s\", \"rois\": %ld, \"threads\": %d, \"fwd_ms\": %.3f, "
              "\"fwd_bwd_ms\": %.3f, \"check\": \"%s\"}\n",
              name.c_str(), static_cast<long>(k), threads, fwd, both, check.c_str());
          std::fflush(stdout);
        }
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "detection_roi_ops: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
