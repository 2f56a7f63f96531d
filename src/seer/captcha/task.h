// Training, evaluation and prediction of the multi-task captcha reader.
//
// Two multi-task schemes of the course:
//   joint      one step = the sum of the per-position cross-entropy losses
//   alternate  round-robin over heads: step s trains head s % length through the shared trunk
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "seer/captcha/batches.h"
#include "seer/captcha/label_codec.h"
#include "seer/captcha/model.h"
#include "seer/core/checkpoint.h"
#include "seer/core/trainer.h"

namespace seer::captcha {

inline constexpr const char* kModelKind = "captcha";

enum class TrainMode { kJoint, kAlternate };
TrainMode parse_train_mode(const std::string& name);  // "joint" | "alternate"

// Everything needed to rebuild a trained reader: its network and its labelling.
struct CaptchaModelConfig {
  CaptchaNetOptions net;
  std::string charset;
  int min_length = 0;  // labels of min_length..net.length characters (0: net.length; CTC only)
  LabelCodec codec() const { return LabelCodec(charset, net.length, min_length); }
  nlohmann::json to_json() const;
  static CaptchaModelConfig from_json(const nlohmann::json& j);
};

struct CaptchaEvaluation {
  int64_t count = 0;
  double char_accuracy = 0;
  double sequence_accuracy = 0;
  std::vector<double> position_accuracy;
  int worst_position = 0;
  // confusion[true][predicted] at the worst position (num_classes x num_classes).
  std::vector<std::vector<int64_t>> worst_confusion;
  std::vector<std::string> predicted;  // one label per image
  nlohmann::json to_json(const std::string& charset) const;
};

// Runs the network over `data` in chunks of `batch_size` (no grad, eval mode is the caller's).
CaptchaEvaluation evaluate_captcha(CaptchaNet& net, const Batch& data, const LabelCodec& codec,
                                   c10::Device device, int64_t batch_size = 256);

class CaptchaTask : public TrainTask {
 public:
  CaptchaTask(CaptchaModelConfig config, CaptchaNet net, std::unique_ptr<BatchSource> train,
              Batch eval_set, TrainMode mode, c10::Device device);

  torch::nn::Module& model() override { return *net_; }
  std::string model_kind() const override { return kModelKind; }
  nlohmann::json model_config() const override { return config_.to_json(); }
  std::map<std::string, torch::Tensor> train_step(int64_t step) override;
  std::map<std::string, double> evaluate() override;
  int64_t items_per_step() const override { return train_->batch_size(); }
  std::string item_unit() const override { return "img"; }

  // Early stopping: from now on every evaluate() keeps the parameters of the best
  // whole-captcha accuracy so far (ties go to the later evaluation) in `path` (and memory);
  // resume = true reads back what an interrupted run kept there.
  void keep_best(const std::filesystem::path& path, bool resume);
  const BestModel& best() const { return best_; }
  void restore_best() { best_.restore(*net_); }  // no-op when nothing was kept
  CaptchaNet& net() { return net_; }

 private:
  CaptchaModelConfig config_;
  LabelCodec codec_;
  CaptchaNet net_;
  std::unique_ptr<BatchSource> train_;
  Batch eval_set_;
  TrainMode mode_;
  c10::Device device_;
  bool keep_best_ = false;
  int64_t steps_done_ = 0;
  BestModel best_;
};

// A trained reader loaded from a model file (model.pt or a checkpoint).
struct CaptchaReader {
  CaptchaModelConfig config;
  LabelCodec codec;
  CaptchaNet net;
  c10::Device device;
};
CaptchaReader load_captcha_reader(const std::filesystem::path& model, c10::Device device);

struct CaptchaPrediction {
  std::string label;
  std::vector<double> confidence;  // softmax probability of the chosen class, per position
};
// images: [B, 1, H, W] model input.
std::vector<CaptchaPrediction> predict_captcha(CaptchaReader& reader, const torch::Tensor& images);

}  // namespace seer::captcha
