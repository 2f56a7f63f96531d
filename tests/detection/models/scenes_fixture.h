// Helpers of the detector tests: tiny synthetic scenes as a VOC folder, and batch options for them.
#pragma once

#include <cstdint>
#include <filesystem>

#include "seer/detection/data/synth.h"
#include "seer/detection/data/voc.h"
#include "seer/detection/training/batch_loader.h"

namespace seer::detection::testing {

// `count` 160 x 120 scenes of 1-3 objects, every image in the train split; read back as a dataset.
inline DetectionDataset write_scenes(const std::filesystem::path& dir, int count, uint64_t seed = 3) {
  SynthOptions o;
  o.count = count;
  o.width = 160;
  o.height = 120;
  o.seed = seed;
  o.min_objects = 1;
  o.max_objects = 3;
  o.val_fraction = 0;
  o.test_fraction = 0;
  write_synthetic_voc(dir, o);
  VocReadOptions r;
  r.classes = synth_classes();
  return read_voc(dir, r);
}

// `batch` images per step at 120 / 160 px, no flip, no background thread.
inline training::BatchLoaderOptions scene_loader_options(int64_t batch) {
  training::BatchLoaderOptions o;
  o.images_per_batch = batch;
  o.short_sides = {120};
  o.max_long_side = 160;
  o.flip_probability = 0;
  o.prefetch = false;
  return o;
}

}  // namespace seer::detection::testing
