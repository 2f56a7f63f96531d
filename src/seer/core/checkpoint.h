// Model files and checkpoints.
//
// A model file (model.pt, checkpoints/step-N.pt) is a pickled dict that both
// `torch::pickle_load` and Python's `torch.load` read:
//   {"format": "seer", "version": 1, "kind": "<model kind>", "config": "<JSON text>",
//    "state_dict": {"<parameter or buffer name>": Tensor, ...},
//    "extra": {"<name>": Tensor, ...}}            (training state: step, RNG, ...)
// The optimizer's state goes to a sidecar (step-N.optim, LibTorch archive format), written
// before the .pt so that a complete .pt always has its sidecar.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include "seer/core/error.h"

namespace seer {

inline constexpr int kModelFileVersion = 1;

struct ModelFile {
  std::string kind;                              // e.g. "captcha"
  nlohmann::json config;                         // what is needed to rebuild the model
  std::map<std::string, torch::Tensor> state;    // parameters and buffers by name
  std::map<std::string, torch::Tensor> extra;    // training state, empty in final models
};

// The module's parameters and buffers by their dotted names, detached, on CPU.
std::map<std::string, torch::Tensor> state_dict(const torch::nn::Module& module);
// Copies tensors into the module by name; seer::Error naming `origin` on a missing or
// unexpected name or a shape mismatch.
void load_state_dict(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& state,
                     const std::string& origin);

void save_model_file(const std::filesystem::path& path, const ModelFile& file);  // atomic
ModelFile load_model_file(const std::filesystem::path& path);  // seer::Error if not a seer file

// Loading a trained model for inference, the same for every kind of model:
//   ModelFile file = load_model_file_of_kind(path, kModelKind, "captcha reader");
//   auto config = parse_model_config(path, file, CaptchaModelConfig::from_json);
//   CaptchaNet net(config.net);
//   load_for_inference(*net, file, path, device);
// A model file of kind `kind`; seer::Error "<path>: is a '<kind in file>' model, not a <what>"
// for another kind (and load_model_file's errors).
ModelFile load_model_file_of_kind(const std::filesystem::path& path, const std::string& kind,
                                  const std::string& what);

// `parse(file.config)` (a task's config from_json); a seer::Error or JSON error it throws comes
// back as a seer::Error naming the file.
template <class Parse>
auto parse_model_config(const std::filesystem::path& path, const ModelFile& file, Parse&& parse)
    -> decltype(parse(file.config)) {
  try {
    return parse(file.config);
  } catch (const Error& e) {
    throw file_error(path.string(), e.what());
  } catch (const nlohmann::json::exception& e) {
    throw file_error(path.string(), std::string("malformed model config: ") + e.what());
  }
}

// Copies file.state into `module` (errors naming `path`, as load_state_dict), moves it to
// `device` and puts it in eval mode.
void load_for_inference(torch::nn::Module& module, const ModelFile& file,
                        const std::filesystem::path& path, c10::Device device);

void save_optimizer(const std::filesystem::path& path, torch::optim::Optimizer& optimizer);
void load_optimizer(const std::filesystem::path& path, torch::optim::Optimizer& optimizer);

// The sidecar of a checkpoint: step-N.pt -> step-N.optim.
std::filesystem::path optimizer_path_for(const std::filesystem::path& checkpoint);

// The tensors of a model file by name: a seer model file's state_dict, or a plain dict of
// tensors (torch.save(model.state_dict())), or such a dict under "state_dict" / "model".
std::map<std::string, torch::Tensor> read_tensor_dict(const std::filesystem::path& path);

// --init: copies into `module` every tensor of `file` whose name (after stripping one of
// `prefixes_to_try` from the file's names, "" first) and shape match one of the module's
// parameters or buffers. `file` is a seer model file or a PyTorch `torch.save(state_dict)`
// file (a torchvision VGG16 / ResNet). Returns what happened, for the user to see; a file of
// which nothing matches is a seer::Error.
struct InitReport {
  std::vector<std::string> loaded;          // module names filled from the file
  std::vector<std::string> shape_mismatch;  // in both, shapes differ (left as initialised)
  std::vector<std::string> missing;         // module tensors the file lacks
  int64_t unused = 0;                       // file tensors that matched nothing
  std::string summary() const;
};
InitReport init_from_file(torch::nn::Module& module, const std::filesystem::path& file,
                          const std::vector<std::string>& prefixes_to_try = {""});

// Early stopping's memory: the parameters of the best evaluation so far. offer() after each
// evaluation keeps a copy of the module's state when its score is >= the best (a tie goes to
// the later evaluation, as Kim's `val_perf >= best_val_perf`), in memory and, when `path` is
// given, in a model file there (kind and config as the final model's, extra "score" and
// "step"), so that a resumed run (resume = true: the file is read back if it exists) keeps
// it. restore() puts the best parameters back into the module at the end of training.
class BestModel {
 public:
  BestModel() = default;
  BestModel(std::string kind, nlohmann::json config, std::filesystem::path path = {},
            bool resume = false);

  // Keeps the module's state if `score` >= the best so far (or `always`). Returns whether it did.
  bool offer(const torch::nn::Module& module, double score, int64_t step, bool always = false);
  // Puts the best state into `module` (no-op when nothing was kept).
  void restore(torch::nn::Module& module) const;

  bool empty() const { return state_.empty(); }
  double score() const { return score_; }   // -1 when empty
  int64_t step() const { return step_; }    // the step of the kept evaluation, -1 when empty

 private:
  std::string kind_;
  nlohmann::json config_;
  std::filesystem::path path_;
  double score_ = -1;
  int64_t step_ = -1;
  std::map<std::string, torch::Tensor> state_;
};

}  // namespace seer
