#include "seer/core/checkpoint.h"

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include <torch/serialize.h>
#include <torch/torch.h>

#include "seer/core/archive_sink.h"
#include "seer/core/atomic_file.h"
#include "seer/core/error.h"

namespace seer {
namespace {

c10::Dict<std::string, at::Tensor> to_dict(const std::map<std::string, torch::Tensor>& tensors) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, t] : tensors) dict.insert(name, t.detach().to(torch::kCPU).contiguous());
  return dict;
}

std::map<std::string, torch::Tensor> from_dict(const c10::IValue& value, const std::string& origin,
                                               const std::string& key) {
  if (!value.isGenericDict()) throw file_error(origin, "'" + key + "' is not a dict of tensors");
  std::map<std::string, torch::Tensor> out;
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString() || !entry.value().isTensor()) {
      throw file_error(origin, "'" + key + "' holds a non-tensor entry");
    }
    out.emplace(entry.key().toStringRef(), entry.value().toTensor());
  }
  return out;
}

}  // namespace

std::map<std::string, torch::Tensor> state_dict(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    out.emplace(p.key(), p.value().detach().to(torch::kCPU));
  }
  for (const auto& b : module.named_buffers(/*recurse=*/true)) {
    out.emplace(b.key(), b.value().detach().to(torch::kCPU));
  }
  return out;
}

void load_state_dict(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& state,
                     const std::string& origin) {
  torch::NoGradGuard no_grad;
  size_t used = 0;
  auto assign = [&](const std::string& name, torch::Tensor& target) {
    auto it = state.find(name);
    if (it == state.end()) throw file_error(origin, "missing tensor '" + name + "'");
    if (it->second.sizes() != target.sizes()) {
      std::ostringstream msg;
      msg << "tensor '" << name << "' has shape " << it->second.sizes() << ", the model expects "
          << target.sizes();
      throw file_error(origin, msg.str());
    }
    target.copy_(it->second);
    ++used;
  };
  for (auto& p : module.named_parameters(true)) assign(p.key(), p.value());
  for (auto& b : module.named_buffers(true)) assign(b.key(), b.value());
  if (used != state.size()) {
    for (const auto& [name, t] : state) {
      bool known = module.named_parameters(true).contains(name) ||
                   module.named_buffers(true).contains(name);
      if (!known) throw file_error(origin, "unexpected tensor '" + name + "' for this model");
    }
  }
}

void save_model_file(const std::filesystem::path& path, const ModelFile& file) {
  c10::impl::GenericDict top(c10::StringType::get(), c10::AnyType::get());
  top.insert("format", std::string("seer"));
  top.insert("version", static_cast<int64_t>(kModelFileVersion));
  top.insert("kind", file.kind);
  top.insert("config", file.config.dump());
  top.insert("state_dict", to_dict(file.state));
  top.insert("extra", to_dict(file.extra));
  std::vector<char> bytes = torch::pickle_save(c10::IValue(top));
  write_file_atomic(path, std::string_view(bytes.data(), bytes.size()));
}

namespace {
std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }
}  // namespace

ModelFile load_model_file(const std::filesystem::path& path) {
  const std::string origin = path.string();
  std::string bytes = read_file(path);
  c10::IValue value;
  try {
    value = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
  } catch (const c10::Error& e) {
    throw file_error(origin, "not a seer model file (cannot unpickle: " +
                                 first_line(e.what_without_backtrace()).substr(0, 200) + ")");
  } catch (const std::exception& e) {
    throw file_error(origin, "not a seer model file (cannot unpickle: " + first_line(e.what()).substr(0, 200) + ")");
  }
  if (!value.isGenericDict()) throw file_error(origin, "not a seer model file (not a dict)");
  auto dict = value.toGenericDict();
  auto get = [&](const std::string& key) -> c10::IValue {
    if (!dict.contains(key)) throw file_error(origin, "not a seer model file (no '" + key + "')");
    return dict.at(key);
  };
  if (!get("format").isString() || get("format").toStringRef() != "seer") {
    throw file_error(origin, "not a seer model file (format is not 'seer')");
  }
  if (!get("version").isInt()) throw file_error(origin, "not a seer model file (version is not an integer)");
  if (!get("kind").isString()) throw file_error(origin, "not a seer model file (kind is not a string)");
  if (!get("config").isString()) throw file_error(origin, "not a seer model file (config is not a string)");
  int64_t version = get("version").toInt();
  if (version > kModelFileVersion) {
    throw file_error(origin, "model file version " + std::to_string(version) +
                                 " is newer than this seer understands (" +
                                 std::to_string(kModelFileVersion) + ")");
  }
  ModelFile file;
  file.kind = get("kind").toStringRef();
  try {
    file.config = nlohmann::json::parse(get("config").toStringRef());
  } catch (const nlohmann::json::exception& e) {
    throw file_error(origin, std::string("malformed config: ") + e.what());
  }
  file.state = from_dict(get("state_dict"), origin, "state_dict");
  if (dict.contains("extra")) file.extra = from_dict(dict.at("extra"), origin, "extra");
  return file;
}

ModelFile load_model_file_of_kind(const std::filesystem::path& path, const std::string& kind,
                                  const std::string& what) {
  ModelFile file = load_model_file(path);
  if (file.kind != kind) {
    throw file_error(path.string(), "is a '" + file.kind + "' model, not a " + what);
  }
  return file;
}

void load_for_inference(torch::nn::Module& module, const ModelFile& file,
                        const std::filesystem::path& path, c10::Device device) {
  load_state_dict(module, file.state, path.string());
  module.to(device);
  module.eval();
}

std::filesystem::path optimizer_path_for(const std::filesystem::path& checkpoint) {
  auto p = checkpoint;
  p.replace_extension(".optim");
  return p;
}

void save_optimizer(const std::filesystem::path& path, torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  write_file_atomic(path, [&](std::ostream& out) { archive.save_to(archive_sink(out)); });
}

void load_optimizer(const std::filesystem::path& path, torch::optim::Optimizer& optimizer) {
  if (!std::filesystem::exists(path)) throw file_error(path.string(), "optimizer state not found");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
    optimizer.load(archive);
  } catch (const c10::Error& e) {
    throw file_error(path.string(), std::string("cannot read optimizer state: ") + e.what_without_backtrace());
  }
}

// ---- --init ----------------------------------------------------------------------------------
// The tensors of a model file: a seer model file's state_dict, or a plain dict of tensors
// (torch.save(model.state_dict())), or such a dict under "state_dict" / "model".
std::map<std::string, torch::Tensor> read_tensor_dict(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path.string(), "cannot open the file");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw file_error(path.string(), "not a PyTorch or seer model file (" +
                                        what.substr(0, std::min(what.find('\n'), size_t{200})) + ")");
  }
  for (int depth = 0; depth < 2 && value.isGenericDict(); ++depth) {
    auto dict = value.toGenericDict();
    bool descended = false;
    for (const char* key : {"state_dict", "model"}) {
      auto it = dict.find(c10::IValue(std::string(key)));
      if (it != dict.end() && it->value().isGenericDict()) {
        value = it->value();
        descended = true;
        break;
      }
    }
    if (!descended) break;
  }
  if (!value.isGenericDict()) throw file_error(path.string(), "holds no dict of tensors");
  std::map<std::string, torch::Tensor> out;
  for (const auto& entry : value.toGenericDict()) {
    if (entry.key().isString() && entry.value().isTensor()) {
      out[entry.key().toStringRef()] = entry.value().toTensor();
    }
  }
  if (out.empty()) throw file_error(path.string(), "holds no tensors");
  return out;
}


std::string InitReport::summary() const {
  std::string s = fmt::format("{} tensors loaded, {} missing from the file, {} of other shape, "
                              "{} in the file unused",
                              loaded.size(), missing.size(), shape_mismatch.size(), unused);
  if (!shape_mismatch.empty()) s += fmt::format(" (first of other shape: {})", shape_mismatch.front());
  return s;
}

InitReport init_from_file(torch::nn::Module& module, const std::filesystem::path& file,
                          const std::vector<std::string>& prefixes_to_try) {
  const auto tensors = read_tensor_dict(file);
  InitReport report;
  std::set<std::string> used;
  torch::NoGradGuard no_grad;
  auto fill = [&](const std::string& name, torch::Tensor target) {
    for (const auto& prefix : prefixes_to_try) {
      auto it = tensors.find(prefix + name);
      if (it == tensors.end()) continue;
      used.insert(it->first);
      if (it->second.sizes() != target.sizes()) {
        report.shape_mismatch.push_back(name);
        return;
      }
      target.copy_(it->second.to(target.dtype()));
      report.loaded.push_back(name);
      return;
    }
    report.missing.push_back(name);
  };
  for (const auto& p : module.named_parameters(true)) fill(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) fill(b.key(), b.value());
  report.unused = static_cast<int64_t>(tensors.size() - used.size());
  if (report.loaded.empty()) {
    throw file_error(file.string(), "no tensor matches the model by name and shape (" +
                                        report.summary() + ")");
  }
  return report;
}

// ---- BestModel ------------------------------------------------------------------------------
BestModel::BestModel(std::string kind, nlohmann::json config, std::filesystem::path path, bool resume)
    : kind_(std::move(kind)), config_(std::move(config)), path_(std::move(path)) {
  if (!resume || path_.empty() || !std::filesystem::exists(path_)) return;
  ModelFile best = load_model_file(path_);
  // "accuracy": the key text CNN runs wrote before the keeper was shared.
  const char* score_key = best.extra.count("score") ? "score" : "accuracy";
  if (!best.extra.count(score_key) || !best.extra.count("step")) {
    throw file_error(path_.string(), "best model file without its score and step");
  }
  score_ = best.extra.at(score_key).item<double>();
  step_ = best.extra.at("step").item<int64_t>();
  state_ = std::move(best.state);
}

bool BestModel::offer(const torch::nn::Module& module, double score, int64_t step, bool always) {
  if (!(always || state_.empty() || score >= score_)) return false;
  score_ = score;
  step_ = step;
  state_.clear();
  for (auto& [name, t] : state_dict(module)) state_[name] = t.clone();
  if (!path_.empty()) {
    ModelFile file{kind_, config_, state_, {}};
    file.extra["score"] = torch::tensor(score_, torch::kFloat64);
    file.extra["step"] = torch::tensor(step_, torch::kInt64);
    save_model_file(path_, file);
  }
  return true;
}

void BestModel::restore(torch::nn::Module& module) const {
  if (state_.empty()) return;
  load_state_dict(module, state_, path_.empty() ? "best model" : path_.string());
}

}  // namespace seer
