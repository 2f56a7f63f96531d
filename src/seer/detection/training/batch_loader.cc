#include "seer/detection/training/batch_loader.h"

#include <random>

#include <torch/torch.h>

#include "seer/core/error.h"
#include "seer/core/random.h"
#include "seer/detection/boxes/box_tensor.h"
#include "seer/detection/data/image_io.h"
#include "seer/detection/data/transforms.h"

namespace seer::detection::training {
namespace {

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL + (a << 6) + (a >> 2));
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return x;
}

}  // namespace

BatchLoader::BatchLoader(DetectionDataset data, BatchLoaderOptions options, models::InputOptions input,
                         std::vector<std::vector<Box>> proposals)
    : data_(std::move(data)), proposals_(std::move(proposals)), options_(std::move(options)), input_(input) {
  if (data_.images.empty()) throw Error("no training images");
  if (!proposals_.empty() && proposals_.size() != data_.images.size())
    throw Error("batch loader: one proposal list per training image needed");
  if (options_.images_per_batch < 1) throw Error("images per batch must be >= 1");
  if (options_.short_sides.empty()) throw Error("at least one training scale needed");
  for (int s : options_.short_sides)
    if (s < 16) throw Error("training scales must be >= 16 px");
  if (options_.max_long_side < 16) throw Error("max long side must be >= 16 px");
}

BatchLoader::~BatchLoader() {
  if (next_ && next_->second.valid()) {
    try {
      next_->second.get();
    } catch (...) {
    }
  }
}

int64_t BatchLoader::image_index(int64_t position) {
  const int64_t n = static_cast<int64_t>(data_.images.size());
  const int64_t epoch = position / n;
  if (epoch != cached_epoch_) {
    std::mt19937_64 rng(mix(options_.seed, static_cast<uint64_t>(epoch)));
    permutation_ = shuffled_indices(static_cast<size_t>(n), rng);  // the same order on every platform
    cached_epoch_ = epoch;
  }
  return permutation_[position % n];
}

TrainBatch BatchLoader::make(int64_t step) {
  TrainBatch out;
  std::vector<torch::Tensor> tensors;
  const int64_t n = static_cast<int64_t>(data_.images.size());
  for (int64_t k = 0; k < options_.images_per_batch; ++k) {
    std::mt19937_64 rng(mix(mix(options_.seed, static_cast<uint64_t>(step)), static_cast<uint64_t>(k)));
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    const int short_side =
        options_.short_sides[rng() % static_cast<uint64_t>(options_.short_sides.size())];
    const double flip = uniform(rng);
    cv::Mat image;
    const DetectionImage* record = nullptr;
    int64_t chosen = -1;
    for (int64_t attempt = 0; attempt < n && image.empty(); ++attempt) {
      const int64_t index = image_index(step * options_.images_per_batch + k + attempt);
      if (bad_.count(index)) continue;
      record = &data_.images[index];
      chosen = index;
      try {
        image = read_image_bgr(record->image_path);
      } catch (const Error& e) {
        if (!options_.skip_bad_images) throw;
        warn(std::string(e.what()) + " (skipped from now on)");
        bad_.insert(index);
      }
    }
    if (image.empty()) throw Error("no training image could be read");
    std::vector<DetectionObject> objects;
    for (const auto& o : record->objects)
      if (!o.difficult) objects.push_back(o);
    TransformOptions t;
    t.short_side = short_side;
    t.max_long_side = options_.max_long_side;
    t.flip_probability = options_.flip_probability;
    const TransformResult transform = apply_train_transforms(image, objects, t, flip);
    if (!proposals_.empty()) {
      std::vector<Box> boxes = proposals_[chosen];
      const float s = static_cast<float>(transform.scale);
      for (Box& b : boxes) {
        b = Box{b.x1 * s, b.y1 * s, b.x2 * s, b.y2 * s};
        if (transform.flipped) b = flip_box(b, image.cols);
        b.x1 = std::clamp(b.x1, 0.0f, static_cast<float>(image.cols));
        b.x2 = std::clamp(b.x2, 0.0f, static_cast<float>(image.cols));
        b.y1 = std::clamp(b.y1, 0.0f, static_cast<float>(image.rows));
        b.y2 = std::clamp(b.y2, 0.0f, static_cast<float>(image.rows));
      }
      std::erase_if(boxes, [](const Box& b) { return b.width() <= 0 || b.height() <= 0; });
      out.proposals.push_back(boxes_to_tensor(boxes));
    }
    std::vector<float> boxes;
    std::vector<int64_t> labels;
    for (const auto& o : objects) {
      if (o.box.width() <= 0 || o.box.height() <= 0) continue;
      boxes.insert(boxes.end(), {o.box.x1, o.box.y1, o.box.x2, o.box.y2});
      labels.push_back(o.label);
    }
    models::DetectionTargets target;
    target.boxes = torch::tensor(boxes, torch::kFloat32).view({-1, 4});
    target.labels = torch::tensor(labels, torch::kInt64).view({-1});
    out.targets.push_back(target);
    out.ids.push_back(record->id);
    tensors.push_back(models::image_to_tensor(image, input_));
  }
  out.images = models::batch_images(tensors, options_.size_divisible);
  return out;
}

TrainBatch BatchLoader::batch(int64_t step) {
  TrainBatch out;
  if (next_ && next_->first == step) {
    out = next_->second.get();  // rethrows the background thread's error
    next_.reset();
  } else {
    if (next_) {
      try {
        next_->second.get();
      } catch (...) {
      }
      next_.reset();
    }
    out = make(step);
  }
  if (options_.prefetch) {
    next_.emplace(step + 1, std::async(std::launch::async, [this, step] { return make(step + 1); }));
  }
  return out;
}

}  // namespace seer::detection::training
