#include "seer/detection/models/image_batch.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::detection::models {

nlohmann::json InputOptions::to_json() const {
  return {{"short_side", short_side}, {"max_long_side", max_long_side}, {"mean", mean},
          {"std", std}, {"channels", "rgb"}};
}

InputOptions InputOptions::from_json(const nlohmann::json& j) {
  InputOptions o;
  try {
    o.short_side = j.at("short_side").get<int>();
    o.max_long_side = j.at("max_long_side").get<int>();
    o.mean = j.at("mean").get<std::array<double, 3>>();
    o.std = j.at("std").get<std::array<double, 3>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("input config: ") + e.what());
  }
  return o;
}

at::Tensor image_to_tensor(const cv::Mat& bgr, const InputOptions& input) {
  if (bgr.empty() || bgr.type() != CV_8UC3) throw Error("image_to_tensor: expected an 8-bit BGR image");
  cv::Mat contiguous = bgr.isContinuous() ? bgr : bgr.clone();
  auto t = torch::from_blob(contiguous.data, {contiguous.rows, contiguous.cols, 3}, torch::kUInt8)
               .flip({2})            // BGR -> RGB
               .permute({2, 0, 1})   // [3, H, W]
               .to(torch::kFloat32)
               .div_(255.0);
  auto mean = torch::tensor({input.mean[0], input.mean[1], input.mean[2]}, torch::kFloat32).view({3, 1, 1});
  auto std = torch::tensor({input.std[0], input.std[1], input.std[2]}, torch::kFloat32).view({3, 1, 1});
  return t.sub_(mean).div_(std).contiguous();
}

ImageBatch batch_images(const std::vector<at::Tensor>& images, int64_t size_divisible) {
  if (images.empty()) throw Error("batch_images: no images");
  ImageBatch batch;
  int64_t h = 0, w = 0;
  for (const auto& im : images) {
    if (im.dim() != 3 || im.size(0) != 3) throw Error("batch_images: images must be [3, H, W]");
    h = std::max(h, im.size(1));
    w = std::max(w, im.size(2));
    batch.sizes.push_back({im.size(1), im.size(2)});
  }
  const int64_t d = std::max<int64_t>(1, size_divisible);
  h = (h + d - 1) / d * d;
  w = (w + d - 1) / d * d;
  batch.images = torch::zeros({static_cast<int64_t>(images.size()), 3, h, w}, images[0].options());
  for (size_t i = 0; i < images.size(); ++i) {
    batch.images[i].narrow(1, 0, images[i].size(1)).narrow(2, 0, images[i].size(2)).copy_(images[i]);
  }
  return batch;
}

}  // namespace seer::detection::models
