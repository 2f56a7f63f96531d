// Training, evaluation and prediction of the text CNN (Kim 2014).
//
// Training as Kim's conv_net_sentence.py: the training set is permuted once (by the seed) and
// cut into fixed mini-batches of 50, the last one filled up to 50 with the permutation's first
// examples (Kim pads the training set with random duplicates so that every batch is full);
// every epoch takes all the batches in a new order (Kim's `np.random.permutation(range(
// n_train_batches))`), a function of (seed, epoch) only, so a resumed run sees the same
// batches. An epoch is ceil(n / 50) steps. Adadelta (adadelta.h) and, after every step, the l2
// max-norm constraint on the output layer (TextCnnImpl::apply_max_norm).
//
// Early stopping as Kim's: evaluate() measures dev accuracy (the Trainer calls it every
// epoch); the parameters of the best dev accuracy so far (a tie goes to the later epoch, as
// Kim's `val_perf >= best_val_perf`) are kept (in memory, and in
// best.pt of the run folder when a path is given, so that --resume keeps them), and
// restore_best() puts them back into the model at the end; the test accuracy reported is the
// best-dev model's. The Trainer is not changed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <c10/core/Device.h>

#include "seer/core/checkpoint.h"
#include "seer/core/trainer.h"
#include "seer/text/dataset.h"
#include "seer/text/vocabulary.h"
#include "seer/textcnn/model.h"

namespace seer::textcnn {

inline constexpr const char* kModelKind = "textcnn";

// Sentences as word ids (unknown words dropped, as the vocabulary's encode does) and labels.
struct EncodedSet {
  std::vector<std::vector<int>> ids;
  std::vector<int64_t> labels;
  size_t size() const { return ids.size(); }
};
EncodedSet encode_sentences(const std::vector<text::Sentence>& sentences,
                            const text::TextVocabulary& vocab);

// Everything a model file needs to classify raw text on its own: the network's options, the
// label names, the vocabulary (words of ids 1.., in order) and how sentences are cleaned.
struct TextCnnModelConfig {
  TextCnnOptions net;
  std::vector<std::string> labels;
  std::vector<std::string> vocabulary;  // word of id i + 1
  std::string cleaner = "clean_str";    // clean_str | clean_str_sst
  bool lowercase = true;                // clean_str's lowercasing (TREC: false, as Kim)

  nlohmann::json to_json() const;
  static TextCnnModelConfig from_json(const nlohmann::json& j);  // seer::Error if malformed
  text::TextVocabulary make_vocabulary() const;
  // Kim's cleaning and tokenizing of one raw sentence.
  std::vector<std::string> tokenize(std::string_view raw) const;
  // The words of a vocabulary, ids 1.. in order.
  static std::vector<std::string> words_of(const text::TextVocabulary& vocab);
};

// The cleaner Kim uses for a dataset (sst*: clean_str_sst; trec: clean_str keeping case).
void set_cleaner_for(TextCnnModelConfig& config, const std::string& dataset_name, bool lowercase);

// Class probabilities [N, classes] (CPU) of encoded sentences, in chunks, eval mode, no grad.
// A chunk holds up to `batch_size` sentences in order, fewer when that many padded to the
// longest of them would pass `token_budget` words (at least one): memory stays bounded for
// documents of thousands of words (500 of them would take gigabytes) and short sentences still
// go 500 at a time. The probabilities do not depend on the chunking.
constexpr int64_t kPredictTokenBudget = 64000;
torch::Tensor predict_probabilities(TextCnn& net, const std::vector<std::vector<int>>& ids,
                                    c10::Device device, int64_t batch_size = 500,
                                    int64_t token_budget = kPredictTokenBudget);
// Fraction of `data` classified correctly (0 for an empty set).
double accuracy(TextCnn& net, const EncodedSet& data, c10::Device device,
                int64_t batch_size = 500);

struct TextCnnTaskOptions {
  int64_t batch_size = 50;
  uint64_t seed = 1;
  std::filesystem::path best_path;  // where the best-dev model is kept ("" : memory only)
  bool resume = false;              // read best_path's best model and accuracy if it exists
};

class TextCnnTask : public TrainTask {
 public:
  TextCnnTask(TextCnnModelConfig config, TextCnn net, EncodedSet train, EncodedSet dev,
              TextCnnTaskOptions options, c10::Device device);

  torch::nn::Module& model() override { return *net_; }
  std::string model_kind() const override { return kModelKind; }
  nlohmann::json model_config() const override { return config_.to_json(); }
  std::map<std::string, torch::Tensor> train_step(int64_t step) override;
  void after_step(int64_t step) override;
  // {"accuracy": dev accuracy, "best_accuracy": the best so far}; keeps the best parameters.
  std::map<std::string, double> evaluate() override;
  int64_t items_per_step() const override { return batch_size(); }
  std::string item_unit() const override { return "sentence"; }

  int64_t batch_size() const;
  int64_t steps_per_epoch() const;
  // The training examples of epoch `epoch`, in the order its batches take them
  // (steps_per_epoch() * batch_size() of them: the last batch's fill-up included).
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  // The example indices of step `step`'s batch.
  std::vector<int64_t> batch_indices(int64_t step);
  // Parameters the optimizer updates (frozen embeddings excluded).
  std::vector<torch::Tensor> trainable_parameters() const;

  double best_accuracy() const { return best_.score(); }
  int64_t best_step() const { return best_.step(); }  // steps done at the best evaluation (-1: none)
  bool has_best() const { return !best_.empty(); }
  void restore_best() { best_.restore(*net_); }  // the best-dev parameters (no-op when none)
  TextCnn& net() { return net_; }

 private:
  TextCnnModelConfig config_;
  TextCnn net_;
  EncodedSet train_, dev_;
  TextCnnTaskOptions options_;
  c10::Device device_;
  int64_t steps_done_ = 0;
  std::vector<int64_t> batched_;  // the fixed batches, one after another
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> cached_order_;
  BestModel best_;
};

// A trained classifier loaded from a model file (model.pt, best.pt or a checkpoint).
struct TextClassifier {
  TextCnnModelConfig config;
  text::TextVocabulary vocab;
  TextCnn net;
  c10::Device device;
};
TextClassifier load_text_classifier(const std::filesystem::path& model, c10::Device device);

}  // namespace seer::textcnn
