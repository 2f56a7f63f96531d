#include "seer/textcnn/task.h"

#include <algorithm>
#include <random>

#include <torch/torch.h>

#include "seer/core/checkpoint.h"
#include "seer/core/error.h"
#include "seer/core/random.h"
#include "seer/text/tokenizer.h"

namespace seer::textcnn {

EncodedSet encode_sentences(const std::vector<text::Sentence>& sentences,
                            const text::TextVocabulary& vocab) {
  EncodedSet out;
  out.ids.reserve(sentences.size());
  out.labels.reserve(sentences.size());
  for (const auto& s : sentences) {
    out.ids.push_back(vocab.encode(s.tokens));
    out.labels.push_back(s.label);
  }
  return out;
}

// ---- model config ---------------------------------------------------------------------------
nlohmann::json TextCnnModelConfig::to_json() const {
  return {{"net", net.to_json()}, {"labels", labels},   {"cleaner", cleaner},
          {"lowercase", lowercase}, {"vocabulary", vocabulary}};
}

TextCnnModelConfig TextCnnModelConfig::from_json(const nlohmann::json& j) {
  TextCnnModelConfig c;
  try {
    c.net = TextCnnOptions::from_json(j.at("net"));
    c.labels = j.at("labels").get<std::vector<std::string>>();
    c.vocabulary = j.at("vocabulary").get<std::vector<std::string>>();
    c.cleaner = j.value("cleaner", std::string("clean_str"));
    c.lowercase = j.value("lowercase", true);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("text CNN model config: ") + e.what());
  }
  if (static_cast<int>(c.labels.size()) != c.net.num_classes) {
    throw Error("text CNN model config: label count differs from the network's classes");
  }
  if (static_cast<int64_t>(c.vocabulary.size()) + 1 != c.net.vocab_size) {
    throw Error("text CNN model config: vocabulary size differs from the network's");
  }
  if (c.cleaner != "clean_str" && c.cleaner != "clean_str_sst") {
    throw Error("text CNN model config: unknown cleaner '" + c.cleaner + "'");
  }
  return c;
}

text::TextVocabulary TextCnnModelConfig::make_vocabulary() const {
  // build() numbers words in order of first appearance: one sentence holding the words in
  // id order rebuilds the same ids.
  text::TextDataset d;
  d.train.push_back(text::Sentence{vocabulary, 0});
  auto vocab = text::TextVocabulary::build(d, 1);
  if (vocab.size() != vocabulary.size() + 1) {
    throw Error("text CNN model config: the vocabulary repeats a word");
  }
  return vocab;
}

std::vector<std::string> TextCnnModelConfig::tokenize(std::string_view raw) const {
  return text::split_tokens(cleaner == "clean_str_sst" ? text::clean_str_sst(raw)
                                                       : text::clean_str(raw, lowercase));
}

std::vector<std::string> TextCnnModelConfig::words_of(const text::TextVocabulary& vocab) {
  std::vector<std::string> words;
  words.reserve(vocab.size());
  for (size_t i = 1; i < vocab.size(); ++i) words.push_back(vocab.word(static_cast<int>(i)));
  return words;
}

void set_cleaner_for(TextCnnModelConfig& config, const std::string& dataset_name, bool lowercase) {
  if (dataset_name.rfind("sst", 0) == 0) {
    config.cleaner = "clean_str_sst";
    config.lowercase = true;
  } else {
    config.cleaner = "clean_str";
    config.lowercase = dataset_name == "trec" ? false : lowercase;
  }
}

// ---- inference ------------------------------------------------------------------------------
torch::Tensor predict_probabilities(TextCnn& net, const std::vector<std::vector<int>>& ids,
                                    c10::Device device, int64_t batch_size, int64_t token_budget) {
  torch::NoGradGuard no_grad;
  const bool was_training = net->is_training();
  net->eval();
  std::vector<torch::Tensor> parts;
  const int64_t n = static_cast<int64_t>(ids.size());
  const int64_t width = net->options().max_width();
  const int64_t padding = 2 * (width - 1) + 1;  // pad_batch's words around the longest
  for (int64_t b = 0; b < n;) {
    std::vector<const std::vector<int>*> chunk;
    int64_t longest = 0;
    for (int64_t i = b; i < n && static_cast<int64_t>(chunk.size()) < batch_size; ++i) {
      const int64_t len = std::max(longest, static_cast<int64_t>(ids[i].size()));
      if (!chunk.empty() && static_cast<int64_t>(chunk.size() + 1) * (len + padding) > token_budget) break;
      longest = len;
      chunk.push_back(&ids[i]);
    }
    b += static_cast<int64_t>(chunk.size());
    auto x = pad_batch(chunk, width).to(device);
    parts.push_back(torch::softmax(net->forward(x), 1).to(torch::kCPU));
  }
  if (was_training) net->train();
  if (parts.empty()) return torch::zeros({0, net->options().num_classes});
  return torch::cat(parts, 0);
}

double accuracy(TextCnn& net, const EncodedSet& data, c10::Device device, int64_t batch_size) {
  if (data.size() == 0) return 0;
  auto probs = predict_probabilities(net, data.ids, device, batch_size);
  auto labels = torch::tensor(data.labels, torch::kInt64);
  return probs.argmax(1).eq(labels).to(torch::kFloat64).mean().item<double>();
}

// ---- task -----------------------------------------------------------------------------------
namespace {
// 0..n-1 shuffled by a generator seeded by (seed, epoch) only (core/random.h's shuffle).
std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(epoch), static_cast<uint32_t>(epoch >> 32), 0x7e47c22u};
  std::mt19937_64 gen(seq);
  return shuffled_indices(static_cast<size_t>(n), gen);
}
}  // namespace

TextCnnTask::TextCnnTask(TextCnnModelConfig config, TextCnn net, EncodedSet train, EncodedSet dev,
                         TextCnnTaskOptions options, c10::Device device)
    : config_(std::move(config)),
      net_(std::move(net)),
      train_(std::move(train)),
      dev_(std::move(dev)),
      options_(std::move(options)),
      device_(device) {
  if (train_.size() == 0) throw Error("text CNN: no training sentences");
  if (options_.batch_size < 1) throw Error("text CNN: batch size must be >= 1");
  // The fixed batches: one permutation of the training set (epoch -1: not any epoch's batch
  // order), filled up at the end with its first examples.
  batched_ = seeded_permutation(static_cast<int64_t>(train_.size()), options_.seed, -1);
  const int64_t n = static_cast<int64_t>(batched_.size());
  for (int64_t k = n; k < steps_per_epoch() * batch_size(); ++k) batched_.push_back(batched_[k - n]);
  net_->to(device_);
  best_ = BestModel(kModelKind, config_.to_json(), options_.best_path, options_.resume);
}

int64_t TextCnnTask::batch_size() const {
  return std::min<int64_t>(options_.batch_size, static_cast<int64_t>(train_.size()));
}

int64_t TextCnnTask::steps_per_epoch() const {
  const int64_t n = static_cast<int64_t>(train_.size()), b = batch_size();
  return (n + b - 1) / b;
}

std::vector<int64_t> TextCnnTask::epoch_order(int64_t epoch) const {
  const int64_t steps = steps_per_epoch(), b = batch_size();
  auto batches = seeded_permutation(steps, options_.seed, epoch);
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(steps * b));
  for (int64_t i : batches) {
    out.insert(out.end(), batched_.begin() + i * b, batched_.begin() + (i + 1) * b);
  }
  return out;
}

std::vector<int64_t> TextCnnTask::batch_indices(int64_t step) {
  const int64_t per_epoch = steps_per_epoch(), b = batch_size();
  const int64_t epoch = step / per_epoch, i = step % per_epoch;
  if (epoch != cached_epoch_) {
    cached_order_ = epoch_order(epoch);
    cached_epoch_ = epoch;
  }
  return std::vector<int64_t>(cached_order_.begin() + i * b, cached_order_.begin() + (i + 1) * b);
}

std::vector<torch::Tensor> TextCnnTask::trainable_parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& p : net_->parameters()) {
    if (p.requires_grad()) out.push_back(p);
  }
  return out;
}

std::map<std::string, torch::Tensor> TextCnnTask::train_step(int64_t step) {
  auto idx = batch_indices(step);
  std::vector<const std::vector<int>*> sentences;
  std::vector<int64_t> labels;
  sentences.reserve(idx.size());
  labels.reserve(idx.size());
  for (int64_t i : idx) {
    sentences.push_back(&train_.ids[i]);
    labels.push_back(train_.labels[i]);
  }
  auto x = pad_batch(sentences, net_->options().max_width()).to(device_);
  auto y = torch::tensor(labels, torch::kInt64).to(device_);
  auto logits = net_->forward(x);
  steps_done_ = step + 1;
  return {{"loss", torch::nn::functional::cross_entropy(logits, y)},
          {"accuracy", logits.argmax(1).eq(y).to(torch::kFloat32).mean()}};
}

void TextCnnTask::after_step(int64_t /*step*/) { net_->apply_max_norm(); }

std::map<std::string, double> TextCnnTask::evaluate() {
  const double acc = accuracy(net_, dev_, device_);
  // Without a dev set (--dev-fraction 0) the latest model counts as the best.
  best_.offer(*net_, acc, steps_done_, dev_.size() == 0);
  return {{"accuracy", acc}, {"best_accuracy", best_.score()}};
}

// ---- loading --------------------------------------------------------------------------------
TextClassifier load_text_classifier(const std::filesystem::path& model, c10::Device device) {
  ModelFile file = load_model_file_of_kind(model, kModelKind, "text CNN");
  auto config = parse_model_config(model, file, TextCnnModelConfig::from_json);
  TextCnn net(config.net);
  load_for_inference(*net, file, model, device);
  auto vocab = config.make_vocabulary();
  return TextClassifier{std::move(config), std::move(vocab), net, device};
}

}  // namespace seer::textcnn
