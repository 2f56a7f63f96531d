#include "seer/captcha/batches.h"

#include <cmath>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "seer/core/error.h"
#include "seer/core/random.h"

namespace seer::captcha {

Batch generate_batch(const Generator& generator, const LabelCodec& codec, uint64_t first,
                     int64_t count, int width, int height) {
  auto images = torch::empty({count, 1, height, width}, torch::kFloat32);
  auto labels = torch::empty({count, codec.length()}, torch::kInt64);
  float* img = images.data_ptr<float>();
  int64_t* lab = labels.data_ptr<int64_t>();
  at::parallel_for(0, count, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      Sample s = generator.sample(first + i);
      to_model_input(s.image, width, height, img + i * width * height);
      auto idx = codec.to_padded_indices(s.label);
      std::copy(idx.begin(), idx.end(), lab + i * codec.length());
    }
  });
  return {images, labels};
}

GeneratedBatches::GeneratedBatches(Generator generator, const LabelCodec& codec,
                                   int64_t batch_size, int width, int height)
    : generator_(std::move(generator)),
      codec_(codec),
      batch_size_(batch_size),
      width_(width),
      height_(height) {
  if (generator_.options().length != codec_.length() ||
      generator_.options().charset != codec_.charset()) {
    throw Error("captcha generator and label codec disagree on length or charset");
  }
}

Batch GeneratedBatches::batch(int64_t step) {
  return generate_batch(generator_, codec_, static_cast<uint64_t>(step) * batch_size_, batch_size_,
                        width_, height_);
}

Batch load_folder(const FolderDataset& dataset, const LabelCodec& codec, int width, int height) {
  const int64_t n = static_cast<int64_t>(dataset.size());
  auto images = torch::empty({n, 1, height, width}, torch::kFloat32);
  auto labels = torch::empty({n, codec.length()}, torch::kInt64);
  float* img = images.data_ptr<float>();
  int64_t* lab = labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    to_model_input(dataset.load(i), width, height, img + i * width * height);
    auto idx = codec.to_padded_indices(dataset.items()[i].label);
    std::copy(idx.begin(), idx.end(), lab + i * codec.length());
  }
  return {images, labels};
}

FolderBatches::FolderBatches(Batch data, FolderBatchesOptions options)
    : data_(std::move(data)), options_(options) {
  if (data_.images.size(0) == 0) throw Error("empty training set");
  if (options_.batch_size < 1) throw Error("batch size must be >= 1");
}

Batch FolderBatches::batch(int64_t step) {
  const int64_t n = data_.images.size(0);
  const int64_t b = options_.batch_size;
  // Batches never straddle epochs: each epoch is floor-or-ceil(n / b) batches of one permutation.
  const int64_t per_epoch = (n + b - 1) / b;
  const int64_t epoch = step / per_epoch;
  const int64_t within = step % per_epoch;
  if (epoch != order_epoch_) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(mix64(options_.seed ^ mix64(epoch)));
    order_ = torch::randperm(n, gen, torch::kInt64);
    order_epoch_ = epoch;
  }
  const int64_t begin = within * b;
  const int64_t end = std::min(n, begin + b);
  auto idx = order_.slice(0, begin, end);
  Batch out{data_.images.index_select(0, idx).contiguous(), data_.labels.index_select(0, idx)};
  if (options_.augment.enabled()) {
    const int h = static_cast<int>(out.images.size(2));
    const int w = static_cast<int>(out.images.size(3));
    float* px = out.images.data_ptr<float>();
    const uint64_t base = mix64(options_.seed ^ mix64(static_cast<uint64_t>(step) + 0x51ed));
    at::parallel_for(0, end - begin, 1, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) augment_image(px + i * w * h, w, h, options_.augment, mix64(base + i));
    });
  }
  return out;
}

}  // namespace seer::captcha
