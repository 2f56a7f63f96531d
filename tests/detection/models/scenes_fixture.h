// Helpers of the detector tests: tiny synthetic scenes as a VOC folder, batch options for them,
// a tiny detector config, selective-search-like proposals and a plain SGD loop on them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "seer/detection/data/synth.h"
#include "seer/detection/data/voc.h"
#include "seer/detection/models/faster_rcnn.h"
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

// A detector of architecture `arch` small enough to train in a test: the synthetic classes, a
// 4-level narrow resnet-lite, 64-wide fc layers, 64 RoIs per image, 120 / 160 px, 200 proposals.
inline models::FasterRcnnConfig tiny_detector(const std::string& arch) {
  models::FasterRcnnConfig c;
  c.arch = arch;
  c.classes = synth_classes();
  c.backbone.widths = {8, 16, 32, 32};
  c.backbone.blocks = {1, 1, 1};
  c.backbone.gn_groups = 8;
  c.roi_heads.fc_dim = 64;
  c.roi_heads.batch_per_image = 64;
  c.input.short_side = 120;
  c.input.max_long_side = 160;
  c.max_proposals = 200;
  return c;
}

// Proposals that a selective search might give: every ground-truth box jittered, plus a grid of
// background boxes.
inline std::vector<std::vector<Box>> jittered_proposals(const DetectionDataset& data) {
  std::vector<std::vector<Box>> out;
  for (const auto& im : data.images) {
    std::vector<Box> p;
    for (const auto& o : im.objects)
      for (float d : {-6.f, -3.f, 0.f, 3.f, 6.f})
        p.push_back(Box{std::max(0.f, o.box.x1 + d), std::max(0.f, o.box.y1 - d),
                        std::min(static_cast<float>(im.width), o.box.x2 + d),
                        std::min(static_cast<float>(im.height), o.box.y2 - d / 2)});
    for (float x = 0; x + 40 <= im.width; x += 20)
      for (float y = 0; y + 40 <= im.height; y += 20) p.push_back(Box{x, y, x + 40, y + 40});
    out.push_back(p);
  }
  return out;
}

// `steps` SGD steps (lr 0.02, momentum 0.9, weight decay 1e-4) of 2 images on `proposals`.
inline void train_on_proposals(models::FasterRcnn& model, const DetectionDataset& data,
                               const std::vector<std::vector<Box>>& proposals, int steps) {
  training::BatchLoader loader(data, scene_loader_options(2), model->config().input, proposals);
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.02).momentum(0.9).weight_decay(1e-4));
  model->train();
  for (int step = 0; step < steps; ++step) {
    auto batch = loader.batch(step);
    sgd.zero_grad();
    model->losses(batch.images, batch.targets, {}, batch.proposals).at("loss").backward();
    sgd.step();
  }
}

}  // namespace seer::detection::testing
