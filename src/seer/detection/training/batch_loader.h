// Training batches of a detector: images decoded, scale-jittered, flipped and normalised in a
// background thread, so the cores that train never wait on JPEG decoding.
//
// Batch `step` is a pure function of (seed, step): the images are taken in the order of a
// seeded permutation per epoch (epoch e covers steps whose first image index falls in it), and
// each image's scale (one of `short_sides`, uniformly) and flip come from a generator seeded by
// (seed, step, slot). A resumed run therefore sees exactly the batches it would have seen.
// Images of different sizes are padded into one batch (models/image_batch.h). Difficult objects
// are left out of the targets (py-faster-rcnn's default); images without objects are valid.
//
// With proposals (Fast R-CNN: one list per image of the dataset, in its pixels), each image's
// are resized and flipped with it and come with the batch.
//
// An image that fails to decode mid-training is named in a warning and replaced by the next
// image of the permutation (skip_bad_images), or stops training with an error naming it.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "seer/detection/data/dataset.h"
#include "seer/detection/models/faster_rcnn.h"
#include "seer/detection/models/image_batch.h"

namespace seer::detection::training {

struct BatchLoaderOptions {
  int64_t images_per_batch = 2;
  std::vector<int> short_sides = {600};  // scale jitter: one picked per image (py-faster-rcnn SCALES)
  int max_long_side = 1000;
  double flip_probability = 0.5;
  uint64_t seed = 1;
  bool skip_bad_images = true;  // false: a corrupt image stops training with an error
  int64_t size_divisible = 16;  // the backbone's stride
  bool prefetch = true;         // decode the next batch in a background thread
};

struct TrainBatch {
  models::ImageBatch images;
  std::vector<models::DetectionTargets> targets;
  std::vector<std::string> ids;
  std::vector<at::Tensor> proposals;  // per image [P, 4] in input coordinates; empty without proposals
};

class BatchLoader {
 public:
  // seer::Error on an empty dataset, bad options, or proposals not one list per image.
  BatchLoader(DetectionDataset data, BatchLoaderOptions options, models::InputOptions input,
              std::vector<std::vector<Box>> proposals = {});
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The batch of `step` (see above); starts decoding step + 1 in the background.
  TrainBatch batch(int64_t step);

  const DetectionDataset& data() const { return data_; }
  int64_t images_per_batch() const { return options_.images_per_batch; }

 private:
  TrainBatch make(int64_t step);
  int64_t image_index(int64_t position);  // position: the global image slot (step * B + k)

  DetectionDataset data_;
  std::vector<std::vector<Box>> proposals_;
  BatchLoaderOptions options_;
  models::InputOptions input_;
  std::set<int64_t> bad_;  // images that failed to decode (skipped from then on)
  std::optional<std::pair<int64_t, std::future<TrainBatch>>> next_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> permutation_;
};

}  // namespace seer::detection::training
