// Training batches for the captcha network, each a pure function of the step number so that a
// resumed run sees exactly the batches it would have seen:
//   GeneratedBatches  endless synthetic captchas (step s uses stream indices s*B .. s*B+B-1)
//   FolderBatches     a labelled folder held in memory, reshuffled each epoch, optionally
//                     augmented (augment.h)
#pragma once

#include <cstdint>
#include <memory>

#include <torch/types.h>

#include "seer/captcha/augment.h"
#include "seer/captcha/folder_dataset.h"
#include "seer/captcha/generator.h"
#include "seer/captcha/label_codec.h"

namespace seer::captcha {

struct Batch {
  torch::Tensor images;  // [B, 1, H, W] float in [0, 1]
  torch::Tensor labels;  // [B, length] int64 class indices
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual Batch batch(int64_t step) = 0;
  virtual int64_t batch_size() const = 0;
};

class GeneratedBatches : public BatchSource {
 public:
  // Images come from `generator` (its seed), resized to width x height.
  GeneratedBatches(Generator generator, const LabelCodec& codec, int64_t batch_size, int width,
                   int height);
  Batch batch(int64_t step) override;
  int64_t batch_size() const override { return batch_size_; }

 private:
  Generator generator_;
  LabelCodec codec_;
  int64_t batch_size_;
  int width_, height_;
};

// Builds a batch from stream indices [first, first + count) of `generator` (in parallel).
Batch generate_batch(const Generator& generator, const LabelCodec& codec, uint64_t first,
                     int64_t count, int width, int height);

// A whole labelled folder as model input (images resized to width x height).
Batch load_folder(const FolderDataset& dataset, const LabelCodec& codec, int width, int height);

struct FolderBatchesOptions {
  int64_t batch_size = 64;
  uint64_t seed = 1;
  AugmentOptions augment = AugmentOptions::preset("light");  // per image, per step
};

class FolderBatches : public BatchSource {
 public:
  FolderBatches(Batch data, FolderBatchesOptions options);
  Batch batch(int64_t step) override;
  int64_t batch_size() const override { return options_.batch_size; }
  int64_t size() const { return data_.images.size(0); }

 private:
  Batch data_;
  FolderBatchesOptions options_;
  torch::Tensor order_;  // permutation of the current epoch
  int64_t order_epoch_ = -1;
};

}  // namespace seer::captcha
