// Training a two-stage detector with seer's one training loop (core/trainer.h): one step is one
// batch of images through the detector, returning its named losses; evaluation runs the
// detector over the evaluation split and scores it with the devkit's VOC07 mAP (logged as
// "mAP" plus "AP_<class>", so metrics.jsonl holds the curve of mAP against training time).
//
// Schedules:
//   joint        approximate joint training: RPN and head losses summed, one backward.
//   alternating  the paper's 4 steps, each a quarter of the run: (1) backbone + RPN on the RPN
//                loss; (2) backbone + head on the head loss with the proposals of the network
//                as it stands (the paper trains step 2 from a fresh copy of the initial
//                backbone; seer continues the step-1 backbone, as the paper's step 3 would
//                copy it back anyway); (3) the shared convs frozen, the RPN's own layers
//                fine-tuned; (4) the shared convs still frozen, the head's own layers fine-tuned.
//                Frozen parts get no gradient (so no update, no weight decay) and are kept in
//                eval mode.
#pragma once

#include <memory>
#include <string>

#include "seer/core/trainer.h"
#include "seer/detection/data/dataset.h"
#include "seer/detection/models/faster_rcnn.h"
#include "seer/detection/training/batch_loader.h"

namespace seer::detection::training {

enum class Schedule { kJoint, kAlternating };
Schedule parse_schedule(const std::string& name);  // "joint" | "alternating"

struct DetectorTaskOptions {
  Schedule schedule = Schedule::kJoint;
  int64_t total_steps = 1;       // for the alternating schedule's phases
  int64_t eval_max_images = 0;   // evaluate on at most this many images (0: all)
  bool bf16 = false;             // training forward passes under CPU bf16 autocast (nn/bf16_autocast.h)
};

class DetectorTask : public TrainTask {
 public:
  // fast-rcnn: `eval_proposals` holds one list per image of `eval` (image pixels).
  DetectorTask(models::FasterRcnn model, std::unique_ptr<BatchLoader> train, DetectionDataset eval,
               DetectorTaskOptions options, c10::Device device,
               std::vector<std::vector<Box>> eval_proposals = {});

  torch::nn::Module& model() override { return *model_; }
  std::string model_kind() const override { return model_->config().arch; }
  nlohmann::json model_config() const override { return model_->config().to_json(); }
  std::map<std::string, torch::Tensor> train_step(int64_t step) override;
  std::map<std::string, double> evaluate() override;
  int64_t items_per_step() const override { return train_->images_per_batch(); }
  std::string item_unit() const override { return "img"; }
  void set_train_mode() override;

  // The phase (0..3) of the alternating schedule at `step`; 0 for joint training.
  int phase(int64_t step) const;

 private:
  void enter_phase(int phase);

  models::FasterRcnn model_;
  std::unique_ptr<BatchLoader> train_;
  DetectionDataset eval_;
  std::vector<std::vector<Box>> eval_proposals_;
  DetectorTaskOptions options_;
  c10::Device device_;
  int current_phase_ = -1;
};

// How long detect_dataset took: `seconds` the wall time of the timed images (file reading and
// JPEG decoding included), `model_seconds` the part spent in detect_picture (resize, normalise,
// network, NMS: what a peer's timer around its model call covers). The first `warmup_images`
// are detected once untimed beforehand (allocator and thread-pool warm-up), as peers do.
struct DetectTiming {
  int64_t warmup_images = 0;
  int64_t images = 0;
  double seconds = 0;
  double model_seconds = 0;
  double seconds_per_image() const { return images ? seconds / static_cast<double>(images) : 0.0; }
  double model_seconds_per_image() const { return images ? model_seconds / static_cast<double>(images) : 0.0; }
};

// Detections of every image of `data` (their own pixel coordinates), for evaluation.
// fast-rcnn: `proposals` one list per image (image pixels), or null to run selective search.
// `timing` (optional) receives the times; its warmup_images is read as the number to warm up on.
std::vector<Detection> detect_dataset(models::FasterRcnn& model, const DetectionDataset& data,
                                      int64_t max_images = 0, bool progress = false,
                                      const std::vector<std::vector<Box>>* proposals = nullptr,
                                      DetectTiming* timing = nullptr);

}  // namespace seer::detection::training
