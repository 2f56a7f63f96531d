#include "seer/detection/models/anchors/anchor_generator.h"

#include <cmath>
#include <sstream>

#include <fmt/format.h>
#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::detection::models {
namespace {

std::vector<double> parse_list(const std::string& text, const std::string& spec) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error("--anchors '" + spec + "': '" + item + "' is not a number");
    }
  }
  return out;
}

}  // namespace

nlohmann::json AnchorOptions::to_json() const { return {{"sizes", sizes}, {"ratios", ratios}}; }

AnchorOptions AnchorOptions::from_json(const nlohmann::json& j) {
  AnchorOptions o;
  try {
    o.sizes = j.at("sizes").get<std::vector<double>>();
    o.ratios = j.at("ratios").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("anchor config: ") + e.what());
  }
  return o;
}

AnchorOptions AnchorOptions::parse(const std::string& spec) {
  if (spec == "default") return AnchorOptions{};
  const auto colon = spec.find(':');
  if (colon == std::string::npos) {
    throw Error("--anchors '" + spec + "': expected default, auto or SIZES:RATIOS such as "
                "32,64,128:0.5,1,2");
  }
  AnchorOptions o;
  o.sizes = parse_list(spec.substr(0, colon), spec);
  o.ratios = parse_list(spec.substr(colon + 1), spec);
  return o;
}

AnchorGenerator::AnchorGenerator(AnchorOptions options, int64_t stride)
    : options_(std::move(options)), stride_(stride) {
  if (options_.sizes.empty() || options_.ratios.empty()) {
    throw Error("anchors need at least one size and one ratio");
  }
  for (double v : options_.sizes)
    if (!(v > 0 && std::isfinite(v))) throw Error(fmt::format("anchor size {} must be > 0", v));
  for (double v : options_.ratios)
    if (!(v > 0 && std::isfinite(v))) throw Error(fmt::format("anchor ratio {} must be > 0", v));
  if (stride_ < 1) throw Error("anchor stride must be >= 1");
}

at::Tensor AnchorGenerator::cell_anchors() const {
  std::vector<float> values;
  for (double s : options_.sizes) {
    for (double r : options_.ratios) {
      const double w = s / std::sqrt(r), h = s * std::sqrt(r);
      values.insert(values.end(), {static_cast<float>(-0.5 * w), static_cast<float>(-0.5 * h),
                                   static_cast<float>(0.5 * w), static_cast<float>(0.5 * h)});
    }
  }
  return torch::tensor(values).view({-1, 4});
}

at::Tensor AnchorGenerator::grid_anchors(int64_t height, int64_t width, at::Device device) const {
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  auto xs = (torch::arange(width, f32) + 0.5) * static_cast<double>(stride_);
  auto ys = (torch::arange(height, f32) + 0.5) * static_cast<double>(stride_);
  auto grid = torch::meshgrid({ys, xs}, "ij");
  auto cy = grid[0].reshape(-1), cx = grid[1].reshape(-1);
  auto shifts = torch::stack({cx, cy, cx, cy}, 1);                     // [H*W, 4]
  auto cells = cell_anchors().to(device);                              // [A, 4]
  return (shifts.unsqueeze(1) + cells.unsqueeze(0)).reshape({-1, 4});  // [H*W*A, 4]
}

}  // namespace seer::detection::models
