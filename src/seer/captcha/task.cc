#include "seer/captcha/task.h"

#include <algorithm>

#include <torch/torch.h>

#include "seer/core/checkpoint.h"
#include "seer/core/error.h"

namespace seer::captcha {

TrainMode parse_train_mode(const std::string& name) {
  if (name == "joint") return TrainMode::kJoint;
  if (name == "alternate") return TrainMode::kAlternate;
  throw Error("unknown training mode '" + name + "' (expected joint or alternate)");
}

nlohmann::json CaptchaModelConfig::to_json() const {
  nlohmann::json j = {{"net", net.to_json()}, {"charset", charset}};
  if (min_length > 0 && min_length != net.length) j["min_length"] = min_length;
  return j;
}

CaptchaModelConfig CaptchaModelConfig::from_json(const nlohmann::json& j) {
  CaptchaModelConfig c;
  if (!j.contains("net") || !j.contains("charset") || !j.at("charset").is_string()) {
    throw Error("captcha model config needs 'net' and 'charset'");
  }
  c.net = CaptchaNetOptions::from_json(j.at("net"));
  c.charset = j.at("charset").get<std::string>();
  c.min_length = j.value("min_length", 0);
  if (static_cast<int>(c.charset.size()) != c.net.num_classes) {
    throw Error("captcha model config: charset size differs from the network's classes");
  }
  if (!c.codec().fixed_length() && c.net.head != "ctc") {
    throw Error("captcha model config: labels of varying length need the CTC head");
  }
  return c;
}

nlohmann::json CaptchaEvaluation::to_json(const std::string& charset) const {
  nlohmann::json confusion = nlohmann::json::object();
  for (size_t t = 0; t < worst_confusion.size(); ++t) {
    nlohmann::json row = nlohmann::json::object();
    for (size_t p = 0; p < worst_confusion[t].size(); ++p) {
      if (worst_confusion[t][p] > 0 && t != p) row[std::string(1, charset[p])] = worst_confusion[t][p];
    }
    if (!row.empty()) confusion[std::string(1, charset[t])] = row;
  }
  return {{"count", count},
          {"char_accuracy", char_accuracy},
          {"sequence_accuracy", sequence_accuracy},
          {"position_accuracy", position_accuracy},
          {"worst_position", worst_position},
          {"worst_position_errors", confusion}};
}

namespace {
// The characters read, '?' where a CTC reading stopped short.
std::string reading_text(const LabelCodec& codec, const at::TensorAccessor<int64_t, 1>& indices) {
  std::string out;
  for (int64_t p = 0; p < indices.size(0); ++p) {
    out += indices[p] < 0 ? '?' : codec.charset()[indices[p]];
  }
  return out;
}
}  // namespace

CaptchaEvaluation evaluate_captcha(CaptchaNet& net, const Batch& data, const LabelCodec& codec,
                                   c10::Device device, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  const int64_t n = data.images.size(0);
  const int length = codec.length();
  const int classes = codec.num_classes();
  CaptchaEvaluation ev;
  ev.count = n;
  if (n == 0) return ev;
  std::vector<torch::Tensor> preds, lengths;
  for (int64_t b = 0; b < n; b += batch_size) {
    auto x = data.images.slice(0, b, std::min(n, b + batch_size)).to(device);
    auto reading = net->read(x);
    preds.push_back(reading.indices);
    lengths.push_back(reading.lengths);
  }
  auto pred = torch::cat(preds, 0);                // [n, length], -1: nothing read there
  auto correct = pred.eq(data.labels);             // [n, length] (padding -1 == nothing read)
  auto in_label = data.labels.ge(0);               // positions a label has
  ev.char_accuracy = correct.logical_and(in_label).sum().item<double>() /
                     std::max<double>(1, in_label.sum().item<double>());
  // A whole captcha is right when every position is and nothing more was read.
  auto whole = correct.all(1).logical_and(torch::cat(lengths, 0).eq(in_label.sum(1)));
  ev.sequence_accuracy = whole.to(torch::kFloat64).mean().item<double>();
  auto per_pos = correct.to(torch::kFloat64).mean(0);
  for (int p = 0; p < length; ++p) ev.position_accuracy.push_back(per_pos[p].item<double>());
  ev.worst_position = static_cast<int>(
      std::min_element(ev.position_accuracy.begin(), ev.position_accuracy.end()) -
      ev.position_accuracy.begin());
  ev.worst_confusion.assign(classes, std::vector<int64_t>(classes, 0));
  auto p_acc = pred.accessor<int64_t, 2>();
  auto t_acc = data.labels.accessor<int64_t, 2>();
  ev.predicted.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t truth = t_acc[i][ev.worst_position], guess = p_acc[i][ev.worst_position];
    if (truth >= 0 && guess >= 0) ev.worst_confusion[truth][guess]++;
    ev.predicted.push_back(reading_text(codec, p_acc[i]));
  }
  return ev;
}

CaptchaTask::CaptchaTask(CaptchaModelConfig config, CaptchaNet net,
                         std::unique_ptr<BatchSource> train, Batch eval_set, TrainMode mode,
                         c10::Device device)
    : config_(std::move(config)),
      codec_(config_.codec()),
      net_(std::move(net)),
      train_(std::move(train)),
      eval_set_(std::move(eval_set)),
      mode_(mode),
      device_(device) {
  net_->to(device_);
  if (net_->is_ctc() && mode_ != TrainMode::kJoint) {
    throw Error("the CTC head reads the whole captcha at once: --mode alternate needs the multitask head");
  }
}

void CaptchaTask::keep_best(const std::filesystem::path& path, bool resume) {
  keep_best_ = true;
  best_ = BestModel(kModelKind, config_.to_json(), path, resume);
}

std::map<std::string, torch::Tensor> CaptchaTask::train_step(int64_t step) {
  steps_done_ = step + 1;
  Batch batch = train_->batch(step);
  auto x = batch.images.to(device_);
  auto y = batch.labels.to(device_);
  const int length = config_.net.length;
  std::map<std::string, torch::Tensor> out;
  if (net_->is_ctc()) {
    // CTC over the columns; targets are charset index + 1 (0 is the blank).
    auto log_probs = torch::log_softmax(net_->forward(x), 2);  // [T, B, K + 1]
    const int64_t T = log_probs.size(0), B = log_probs.size(1);
    auto input_lengths = torch::full({B}, T, torch::kInt64);
    // Shorter labels are padded with -1: their lengths end there (the padding, as blank 0, is
    // ignored past them).
    auto target_lengths = y.ge(0).sum(1).to(torch::kCPU);
    out["loss"] = torch::ctc_loss(log_probs, (y + 1).clamp_min(0), input_lengths, target_lengths,
                                  /*blank=*/0, at::Reduction::Mean, /*zero_infinity=*/true);
    return out;
  }
  auto features = net_->features(x);
  if (mode_ == TrainMode::kJoint) {
    torch::Tensor total;
    torch::Tensor correct;
    for (int p = 0; p < length; ++p) {
      auto logits = net_->head(features, p);
      auto loss = torch::nn::functional::cross_entropy(logits, y.select(1, p));
      total = p == 0 ? loss : total + loss;
      auto ok = logits.argmax(1).eq(y.select(1, p));
      correct = p == 0 ? ok : correct.logical_and(ok);
      out["char_acc"] = p == 0 ? ok.to(torch::kFloat32).mean()
                               : out["char_acc"] + ok.to(torch::kFloat32).mean();
    }
    out["char_acc"] = out["char_acc"] / length;
    out["seq_acc"] = correct.to(torch::kFloat32).mean();
    out["loss"] = total;
  } else {
    const int p = static_cast<int>(step % length);
    auto logits = net_->head(features, p);
    out["loss"] = torch::nn::functional::cross_entropy(logits, y.select(1, p));
    out["char_acc"] = logits.argmax(1).eq(y.select(1, p)).to(torch::kFloat32).mean();
  }
  return out;
}

std::map<std::string, double> CaptchaTask::evaluate() {
  auto ev = evaluate_captcha(net_, eval_set_, codec_, device_);
  std::map<std::string, double> out = {{"char_accuracy", ev.char_accuracy},
                                       {"sequence_accuracy", ev.sequence_accuracy}};
  if (keep_best_) {
    best_.offer(*net_, ev.sequence_accuracy, steps_done_);
    out["best_sequence_accuracy"] = best_.score();
  }
  return out;
}

CaptchaReader load_captcha_reader(const std::filesystem::path& model, c10::Device device) {
  ModelFile file = load_model_file_of_kind(model, kModelKind, "captcha reader");
  auto config = parse_model_config(model, file, CaptchaModelConfig::from_json);
  CaptchaNet net(config.net);
  load_for_inference(*net, file, model, device);
  return CaptchaReader{config, config.codec(), net, device};
}

std::vector<CaptchaPrediction> predict_captcha(CaptchaReader& reader, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  reader.net->eval();
  auto reading = reader.net->read(images.to(reader.device));
  auto idx = reading.indices.accessor<int64_t, 2>();
  auto conf = reading.confidence.accessor<float, 2>();
  std::vector<CaptchaPrediction> out;
  for (int64_t i = 0; i < images.size(0); ++i) {
    CaptchaPrediction p;
    p.label = reading_text(reader.codec, idx[i]);
    for (int64_t k = 0; k < idx.size(1); ++k) p.confidence.push_back(conf[i][k]);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace seer::captcha
