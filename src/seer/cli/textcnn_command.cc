// `seer textcnn train | eval | predict`: the text CNN of Kim (2014).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <torch/torch.h>

#include "seer/cli/commands.h"
#include "seer/cli/inference_flags.h"
#include "seer/cli/train_flags.h"
#include "seer/core/atomic_file.h"
#include "seer/core/checkpoint.h"
#include "seer/core/device.h"
#include "seer/core/error.h"
#include "seer/text/readers.h"
#include "seer/text/vocabulary.h"
#include "seer/textcnn/adadelta.h"
#include "seer/textcnn/embeddings.h"
#include "seer/textcnn/model.h"
#include "seer/textcnn/task.h"
#include "seer/word2vec/vectors.h"

namespace seer::cli {
namespace {

using namespace seer::textcnn;
namespace fs = std::filesystem;

text::TextDataset read_dataset(const std::string& spec, const std::string& test,
                               const text::TextReadOptions& o) {
  if (test.empty()) return text::read_text_dataset(spec, o);
  if (spec.rfind("tsv:", 0) != 0) throw Error("--test FILE goes with --data tsv:FILE");
  return text::read_tsv(spec.substr(4), fs::path(test), o);
}

// ---- train ----------------------------------------------------------------------------------
struct TrainTextCnnFlags {
  TrainFlags common;
  std::string data;
  std::string test;
  std::string mode = "rand";
  std::string vectors;
  double unknown_range = 0;  // 0: match the pretrained vectors' variance (Kim's paper)
  double vectors_range = kKimUnknownRange;  // scale the vectors to U[-r, r]'s variance (0: no)
  bool exact_lookup = false;  // no lowercase second try for words missing from the vectors
  int cv = -1;  // -1: 10 when the dataset has no test split (MR), else none
  int64_t epochs = 25;
  int64_t batch = 50;
  double dev_fraction = 0.1;
  bool trec_fine = false;
  bool keep_case = false;
  TextCnnOptions net;
};

nlohmann::json train_config(const TrainTextCnnFlags& f) {
  TextCnnOptions net = f.net;
  net.mode = f.mode;
  net.validate();
  if (net.needs_vectors() && f.vectors.empty()) {
    throw Error("--embeddings " + f.mode + " needs pretrained word vectors: give --vectors FILE");
  }
  if (f.cv == 1 || f.cv < -1) throw Error("--cv needs at least 2 folds (0: none)");
  if (f.batch < 1) throw Error("--batch must be >= 1");
  if (!(f.dev_fraction >= 0 && f.dev_fraction < 1)) throw Error("--dev-fraction must be in [0, 1)");
  if (!(f.unknown_range >= 0)) throw Error("--unknown-range must be >= 0 (0: matched variance)");
  if (!(f.vectors_range >= 0)) throw Error("--vectors-range must be >= 0 (0: vectors as read)");
  if (f.epochs < 1 && f.common.steps == 0) throw Error("--epochs must be >= 1");
  nlohmann::json c = {
      {"task", "textcnn"},
      {"data", f.data},
      {"test", f.test},
      {"vectors", f.vectors},
      {"unknown_range", f.unknown_range},
      {"vectors_range", f.vectors_range},
      {"lowercase_lookup", !f.exact_lookup},
      {"cv", f.cv},
      {"epochs", f.epochs},
      {"batch", f.batch},
      {"dev_fraction", f.dev_fraction},
      {"trec_fine", f.trec_fine},
      {"lowercase", !f.keep_case},
      {"steps", f.common.steps},  // 0: epochs * steps per epoch, per fold
      {"lr", f.common.lr > 0 ? f.common.lr : 1.0},
      {"eval_every", f.common.eval_every},
      {"checkpoint_every", f.common.checkpoint_every},
      {"log_every", f.common.log_every},
      {"seed", f.common.seed},
      {"net", net.to_json()},
  };
  add_schedule_config(f.common, c, "constant");
  return c;
}

struct SplitResult {
  double test_accuracy = 0;
  double dev_accuracy = 0;
  int64_t best_step = 0;
  int64_t steps = 0;
  int64_t train = 0, dev = 0, test = 0;
  bool completed = false;
  bool has_test = false;
  nlohmann::json to_json() const {
    return {{"accuracy", has_test ? test_accuracy : dev_accuracy},
            {"test_accuracy", has_test ? nlohmann::json(test_accuracy) : nlohmann::json()},
            {"dev_accuracy", dev_accuracy},
            {"best_step", best_step},
            {"steps", steps},
            {"completed", completed},
            {"sizes", {{"train", train}, {"dev", dev}, {"test", test}}}};
  }
};

// Trains one model on d.train (dev: d.dev) in `run`, keeps the best-dev parameters in
// model.pt, and measures them on d.test.
SplitResult train_split(const TrainTextCnnFlags& f, nlohmann::json config, const RunDir& run,
                        const text::TextDataset& d, const text::TextVocabulary& vocab,
                        const TextCnnModelConfig& model_config, const torch::Tensor& vectors,
                        uint64_t seed, c10::Device device, bool resume) {
  SplitResult r;
  r.train = static_cast<int64_t>(d.train.size());
  r.dev = static_cast<int64_t>(d.dev.size());
  r.test = static_cast<int64_t>(d.test.size());
  r.has_test = !d.test.empty();
  auto test = encode_sentences(d.test, vocab);
  auto json_path = run.model_path();
  json_path.replace_extension(".json");

  // A finished fold of a resumed cross-validation is measured again, not retrained.
  if (resume && fs::exists(json_path) && fs::exists(run.model_path())) {
    nlohmann::json done;
    try {
      done = nlohmann::json::parse(read_file(json_path));
    } catch (const nlohmann::json::exception& e) {
      throw file_error(json_path.string(), std::string("cannot resume from it: ") + e.what());
    }
    if (done.value("completed", false) && done.contains("dev_accuracy")) {
      auto clf = load_text_classifier(run.model_path(), device);
      r.dev_accuracy = done.at("dev_accuracy").get<double>();
      r.best_step = done.value("best_step", int64_t{0});
      r.steps = done.value("steps", int64_t{0});
      r.test_accuracy = accuracy(clf.net, test, device);
      r.completed = true;
      return r;
    }
  }

  seed_everything(seed);
  TextCnn net(model_config.net);
  if (vectors.defined()) net->set_embeddings(vectors);
  TextCnnTaskOptions to;
  to.batch_size = config.at("batch").get<int64_t>();
  to.seed = seed;
  to.best_path = run.root() / "best.pt";
  to.resume = resume;
  TextCnnTask task(model_config, net, encode_sentences(d.train, vocab),
                   encode_sentences(d.dev, vocab), to, device);
  const int64_t per_epoch = task.steps_per_epoch();
  if (config.at("steps").get<int64_t>() == 0) {
    config["steps"] = config.at("epochs").get<int64_t>() * per_epoch;
  }
  if (!resume) run.write_config(config);
  Adadelta optimizer(task.trainable_parameters(), AdadeltaOptions(config.at("lr").get<double>()));
  auto options = trainer_options(f.common, config);
  options.resume = resume;
  if (options.eval_every == 0) options.eval_every = per_epoch;  // Kim: every epoch
  if (options.checkpoint_every == 0) options.checkpoint_every = options.eval_every;
  options.metric_to_show = "accuracy";
  Trainer trainer(run, options, optimizer, LrSchedule(schedule_options(config)));
  auto result = trainer.fit(task);

  task.restore_best();
  r.dev_accuracy = task.best_accuracy();
  r.best_step = task.best_step();
  r.steps = result.steps_done;
  r.completed = result.completed;
  r.test_accuracy = accuracy(task.net(), test, device);
  // model.pt: the best-dev parameters (the Trainer wrote the last ones).
  ModelFile model{kModelKind, model_config.to_json(), state_dict(*task.net()), {}};
  save_model_file(run.model_path(), model);
  nlohmann::json model_json = {{"kind", kModelKind},
                               {"net", model_config.net.to_json()},
                               {"labels", model_config.labels},
                               {"vocabulary_size", model_config.vocabulary.size()},
                               {"steps", r.steps},
                               {"completed", r.completed},
                               {"best_step", r.best_step},
                               {"dev_accuracy", r.dev_accuracy},
                               {"test_accuracy", r.has_test ? nlohmann::json(r.test_accuracy)
                                                            : nlohmann::json()},
                               {"seconds", result.seconds},
                               {"sentences_per_second", result.items_per_second}};
  write_file_atomic(json_path, model_json.dump(2) + "\n");
  return r;
}

void run_train(TrainTextCnnFlags& f) {
  apply_runtime(f.common);
  const auto device = select_device(f.common.device);
  std::optional<RunDir> run;
  bool created = false;
  nlohmann::json config = open_run("textcnn", f.common, train_config(f), run, &created);
  DiscardRunOnFailure discard(*run, created);
  const bool resume = f.common.resume && !created;

  text::TextReadOptions ro;
  ro.trec_fine = config.at("trec_fine").get<bool>();
  ro.lowercase = config.at("lowercase").get<bool>();
  text::TextDataset data =
      read_dataset(config.at("data").get<std::string>(), config.at("test").get<std::string>(), ro);
  auto vocab = text::TextVocabulary::build(data);
  if (vocab.size() <= 1) throw Error(config.at("data").get<std::string>() + ": no words left after cleaning the text");
  const uint64_t seed = config.at("seed").get<uint64_t>();

  TextCnnModelConfig model_config;
  model_config.net = TextCnnOptions::from_json(
      [&] {
        auto n = config.at("net");
        n["num_classes"] = static_cast<int>(data.labels.size());
        n["vocab_size"] = static_cast<int64_t>(vocab.size());
        // Kim's padded length: the longest sentence of all splits + 2 (widest filter - 1).
        size_t longest = 0;
        for (const auto* split : {&data.train, &data.dev, &data.test}) {
          for (const auto& s : *split) longest = std::max(longest, s.tokens.size());
        }
        const auto widths = n.at("filter_widths").get<std::vector<int64_t>>();
        const int64_t widest = widths.empty() ? 1 : *std::max_element(widths.begin(), widths.end());
        n["init_length"] = static_cast<int64_t>(longest) + 2 * std::max<int64_t>(0, widest - 1);
        return n;
      }());
  model_config.labels = data.labels;
  model_config.vocabulary = TextCnnModelConfig::words_of(vocab);
  set_cleaner_for(model_config, data.name, ro.lowercase);

  torch::Tensor vectors;
  std::optional<double> coverage, unknown_range, vectors_scale;
  if (model_config.net.needs_vectors()) {
    auto wv = word2vec::load_vectors(config.at("vectors").get<std::string>());
    // Runs from before these options had Kim's code's 0.25, exact lookup and unscaled vectors.
    EmbeddingInitOptions eo;
    eo.unknown_range = config.value("unknown_range", kKimUnknownRange);
    eo.vectors_range = config.value("vectors_range", 0.0);
    eo.lowercase_fallback = config.value("lowercase_lookup", false);
    auto init = initial_embeddings(vocab, wv, seed, eo);
    vectors = init.matrix;
    model_config.net.embed_dim = wv.dim;
    config["net"]["embed_dim"] = wv.dim;  // what the model is, in the config written below
    if (init.found == 0) {
      warn(config.at("vectors").get<std::string>() + ": none of the dataset's words has a vector (coverage 0%)");
    }
    coverage = init.coverage();
    unknown_range = init.unknown_range;
    vectors_scale = init.vectors_scale;
    std::cerr << fmt::format(
        "word vectors: {} of {} words found ({:.1f}%), dimension {}, range {:.3f} scaled by {:.4f}; "
        "the others U[-{:.3f}, {:.3f}]\n",
        init.found, init.words, 100 * init.coverage(), wv.dim, init.vectors_range,
        init.vectors_scale, init.unknown_range, init.unknown_range);
  }
  std::cerr << fmt::format("{}: {} classes, {} train / {} dev / {} test sentences, vocabulary {}\n",
                           data.name, data.labels.size(), data.train.size(), data.dev.size(),
                           data.test.size(), vocab.size() - 1);

  const double dev_fraction = config.at("dev_fraction").get<double>();
  int cv = config.at("cv").get<int>();
  if (cv < 0) {
    // The rule and Kim's: a dataset without a test split (MR) is scored by 10-fold CV.
    cv = data.test.empty() ? 10 : 0;
    if (cv) std::cerr << data.name << " has no test split: 10-fold cross-validation (--cv 0: one run scored on dev)\n";
  }
  if (cv >= 2) {
    const size_t all = data.train.size() + data.dev.size() + data.test.size();
    if (all < static_cast<size_t>(cv)) {
      throw Error(fmt::format("--cv {} needs at least {} sentences; {} has {}", cv, cv,
                              config.at("data").get<std::string>(), all));
    }
  } else if (data.test.empty() && data.dev.empty() && dev_fraction <= 0) {
    throw Error(config.at("data").get<std::string>() +
                " has no test or dev split and --dev-fraction 0 carves none: nothing to measure "
                "(use --cv K or a dev fraction)");
  }
  nlohmann::json out = {{"run", run->root().string()}, {"mode", model_config.net.mode},
                        {"dataset", data.name}};
  if (coverage) out["coverage"] = *coverage;
  if (unknown_range) out["unknown_range"] = *unknown_range;
  if (vectors_scale) out["vectors_scale"] = *vectors_scale;
  if (!resume) run->write_config(config);
  discard.started();
  if (cv >= 2) {
    // K-fold cross-validation over every sentence of the dataset (train, dev and test
    // together; MR has only train): fold k is the test set, a dev split is carved from the rest.
    std::vector<text::Sentence> pool = data.train;
    pool.insert(pool.end(), data.dev.begin(), data.dev.end());
    pool.insert(pool.end(), data.test.begin(), data.test.end());
    auto folds = text::cv_folds(pool.size(), cv, seed);
    std::vector<double> accs;
    nlohmann::json details = nlohmann::json::array();
    bool completed = true;
    for (int k = 0; k < cv; ++k) {
      text::TextDataset fold;
      fold.name = data.name;
      fold.labels = data.labels;
      for (size_t i = 0; i < pool.size(); ++i) (folds[i] == k ? fold.test : fold.train).push_back(pool[i]);
      text::carve_dev(fold, dev_fraction, seed + k);
      const fs::path dir = run->root() / fmt::format("fold-{}", k);
      const bool fold_resume = resume && fs::exists(dir / "config.json");
      RunDir fold_run = RunDir::create("textcnn", dir);
      nlohmann::json fold_config = config;
      fold_config["fold"] = k;
      if (fold_resume) fold_config = fold_run.read_config();
      std::cerr << fmt::format("== fold {} of {}: {} train / {} dev / {} test\n", k + 1, cv,
                               fold.train.size(), fold.dev.size(), fold.test.size());
      auto r = train_split(f, fold_config, fold_run, fold, vocab, model_config, vectors,
                           seed + static_cast<uint64_t>(k), device, fold_resume);
      accs.push_back(r.test_accuracy);
      details.push_back(r.to_json());
      std::cerr << fmt::format("fold {}: test accuracy {:.4f} (best dev {:.4f} at step {})\n", k + 1,
                               r.test_accuracy, r.dev_accuracy, r.best_step);
      if (!r.completed) {
        completed = false;
        break;
      }
    }
    double mean = 0, sq = 0;
    for (double a : accs) mean += a;
    mean /= std::max<size_t>(1, accs.size());
    for (double a : accs) sq += (a - mean) * (a - mean);
    const double stdev = accs.size() > 1 ? std::sqrt(sq / (accs.size() - 1)) : 0.0;
    out["accuracy"] = mean;
    out["std"] = stdev;
    out["folds"] = accs;
    out["fold_details"] = details;
    out["completed"] = completed;
    write_file_atomic(run->root() / "results.json", out.dump(2) + "\n");
    if (f.common.json) {
      std::cout << out.dump() << std::endl;
    } else {
      std::cerr << fmt::format("{}-fold cross-validation{}: mean test accuracy {:.4f} (std {:.4f})\n",
                               cv, completed ? "" : " [stopped early: partial]", mean, stdev);
      std::cerr << "run folder: " << run->root().string() << " (fold-N/model.pt, results.json)\n";
      if (!completed) std::cerr << "continue with: --run " << run->root().string() << " --resume\n";
    }
    return;
  }

  text::carve_dev(data, dev_fraction, seed);  // no-op when the dataset has a dev split
  auto r = train_split(f, config, *run, data, vocab, model_config, vectors, seed, device, resume);
  if (!r.has_test) warn("the dataset has no test split: the accuracy reported is the dev accuracy");
  auto details = r.to_json();
  out.update(details);
  out["split"] = r.has_test ? "test" : "dev";
  out["model"] = run->model_path().string();
  write_file_atomic(run->root() / "results.json", out.dump(2) + "\n");
  if (f.common.json) {
    std::cout << out.dump() << std::endl;
  } else {
    std::cerr << fmt::format("{} after {} steps; best dev accuracy {:.4f} at step {}\n",
                             r.completed ? "finished" : "stopped", r.steps, r.dev_accuracy,
                             r.best_step);
    std::cerr << fmt::format("{} accuracy {:.4f}\n", r.has_test ? "test" : "dev",
                             r.has_test ? r.test_accuracy : r.dev_accuracy);
    std::cerr << "run folder: " << run->root().string() << " (model.pt = the best-dev model)\n";
    if (!r.completed) std::cerr << "continue with: --run " << run->root().string() << " --resume\n";
  }
}

// ---- eval -----------------------------------------------------------------------------------
struct EvalFlags {
  InferenceFlags common;
  std::string data;
  std::string test;
  std::string split = "test";
};

void run_eval(const EvalFlags& f) {
  auto clf = load_text_classifier(f.common.model, apply_inference_flags(f.common));
  text::TextReadOptions ro;
  ro.lowercase = clf.config.lowercase;
  for (const auto& l : clf.config.labels) {
    if (l.find(':') != std::string::npos) ro.trec_fine = true;
  }
  auto data = read_dataset(f.data, f.test, ro);
  std::vector<text::Sentence> sentences;
  if (f.split == "test") sentences = data.test;
  else if (f.split == "dev") sentences = data.dev;
  else if (f.split == "train") sentences = data.train;
  else if (f.split == "all") {
    sentences = data.train;
    sentences.insert(sentences.end(), data.dev.begin(), data.dev.end());
    sentences.insert(sentences.end(), data.test.begin(), data.test.end());
  } else {
    throw Error("--split must be train, dev, test or all");
  }
  if (sentences.empty()) {
    throw Error(f.data + " has no '" + f.split + "' sentences (try --split all or train)");
  }
  // The dataset's label i -> the model's label index, by name.
  std::vector<int> to_model(data.labels.size(), -1);
  for (size_t i = 0; i < data.labels.size(); ++i) {
    for (size_t j = 0; j < clf.config.labels.size(); ++j) {
      if (clf.config.labels[j] == data.labels[i]) to_model[i] = static_cast<int>(j);
    }
  }
  EncodedSet set;
  int64_t unknown = 0, tokens = 0;
  for (const auto& s : sentences) {
    if (to_model[s.label] < 0) {
      throw Error(f.data + ": label '" + data.labels[s.label] + "' is not one of the model's");
    }
    set.ids.push_back(clf.vocab.encode(s.tokens));
    set.labels.push_back(to_model[s.label]);
    tokens += static_cast<int64_t>(s.tokens.size());
    unknown += static_cast<int64_t>(s.tokens.size() - set.ids.back().size());
  }
  const double acc = accuracy(clf.net, set, clf.device);
  if (f.common.json) {
    std::cout << nlohmann::json{{"accuracy", acc}, {"count", set.size()}, {"split", f.split},
                                {"unknown_tokens", unknown}, {"tokens", tokens}}.dump()
              << std::endl;
    return;
  }
  std::cout << fmt::format("{} sentences ({} split), accuracy {:.4f}\n", set.size(), f.split, acc);
  std::cout << fmt::format("{} of {} tokens not in the model's vocabulary\n", unknown, tokens);
}

// ---- predict --------------------------------------------------------------------------------
struct PredictFlags {
  InferenceFlags common;
  std::vector<std::string> sentences;
};

void run_predict(const PredictFlags& f) {
  auto clf = load_text_classifier(f.common.model, apply_inference_flags(f.common));
  std::vector<std::vector<int>> ids;
  for (size_t i = 0; i < f.sentences.size(); ++i) {
    ids.push_back(clf.vocab.encode(clf.config.tokenize(f.sentences[i])));
    if (ids.back().empty()) {
      warn(fmt::format("sentence {} (\"{}\") has no word the model knows: its label is the model's bias alone",
                       i + 1, f.sentences[i].substr(0, 60)));
    }
  }
  auto probs = predict_probabilities(clf.net, ids, clf.device);
  for (size_t i = 0; i < f.sentences.size(); ++i) {
    auto row = probs[static_cast<int64_t>(i)];
    const int64_t best = row.argmax().item<int64_t>();
    if (f.common.json) {
      nlohmann::json p = nlohmann::json::object();
      for (size_t k = 0; k < clf.config.labels.size(); ++k) {
        p[clf.config.labels[k]] = row[static_cast<int64_t>(k)].item<double>();
      }
      std::cout << nlohmann::json{{"sentence", f.sentences[i]},
                                  {"label", clf.config.labels[best]},
                                  {"probabilities", p}}.dump()
                << std::endl;
    } else {
      std::cout << fmt::format("{}\t{:.3f}\t{}\n", clf.config.labels[best],
                               row[best].item<double>(), f.sentences[i]);
    }
  }
}

}  // namespace

void add_textcnn_command(CLI::App& app) {
  auto* textcnn = app.add_subcommand("textcnn", "Text CNN for sentence classification (Kim 2014)");
  textcnn->require_subcommand(1);

  auto tr = std::make_shared<TrainTextCnnFlags>();
  auto* t = textcnn->add_subcommand("train", "Train on a sentence dataset (optionally K-fold CV)");
  t->add_option("--data", tr->data, "mr:DIR | trec:DIR | sst:DIR-or-file | tsv:FILE-or-DIR")
      ->required();
  t->add_option("--test", tr->test, "Test file (label<TAB>text) for --data tsv:FILE");
  t->add_option("--embeddings", tr->mode, "rand, static, non-static or multichannel")
      ->capture_default_str();
  t->add_option("--vectors", tr->vectors, "Pretrained word vectors (word2vec .bin or .txt)");
  t->add_option("--vectors-range", tr->vectors_range,
                "Scale the pretrained vectors by one factor to the variance of U[-r, r]: r "
                "(0.25 = Google News's, the scale Kim's settings were made for; 0 = as read)")
      ->capture_default_str();
  t->add_option("--unknown-range", tr->unknown_range,
                "Words without a vector get U[-a, a]: a (0 = the pretrained vectors' variance, "
                "as Kim's paper; 0.25 = Kim's code)")
      ->capture_default_str();
  t->add_flag("--exact-lookup", tr->exact_lookup,
              "Look words up in the vectors only as written (default: a word missing as written "
              "is tried lowercased too, for lowercased vectors and a cased dataset like TREC)");
  t->add_option("--cv", tr->cv,
                "K-fold cross-validation (default: 10 for a dataset without a test split, such as MR; "
                "0: one run, scored on the test split or else on dev)");
  t->add_option("--epochs", tr->epochs, "Epochs (instead of --steps)")->capture_default_str();
  t->add_option("--batch", tr->batch, "Sentences per step")->capture_default_str();
  t->add_option("--dev-fraction", tr->dev_fraction,
                "Fraction of train held out for early stopping when there is no dev split")
      ->capture_default_str();
  t->add_flag("--trec-fine", tr->trec_fine, "TREC: the 50 fine labels");
  t->add_flag("--keep-case", tr->keep_case, "Do not lowercase (MR, TSV)");
  t->add_option("--embed-dim", tr->net.embed_dim, "Embedding size (rand; else the vectors')")
      ->capture_default_str();
  t->add_option("--filter-widths", tr->net.filter_widths, "Filter widths")->capture_default_str();
  t->add_option("--feature-maps", tr->net.feature_maps, "Filters per width")->capture_default_str();
  t->add_option("--dropout", tr->net.dropout, "Dropout on the pooled features")
      ->capture_default_str();
  t->add_option("--max-norm", tr->net.max_norm, "l2 bound of each class's output weights (0: none)")
      ->capture_default_str();
  add_train_flags(t, tr->common);
  t->callback([tr] { run_train(*tr); });

  auto ev = std::make_shared<EvalFlags>();
  auto* e = textcnn->add_subcommand("eval", "Accuracy of a model on a dataset split");
  add_inference_flags(e, ev->common, "Print one JSON object");
  e->add_option("--data", ev->data, "mr:DIR | trec:DIR | sst:DIR-or-file | tsv:FILE-or-DIR")
      ->required();
  e->add_option("--test", ev->test, "Test file (label<TAB>text) for --data tsv:FILE");
  e->add_option("--split", ev->split, "train, dev, test or all")->capture_default_str();
  e->callback([ev] { run_eval(*ev); });

  auto pr = std::make_shared<PredictFlags>();
  auto* p = textcnn->add_subcommand("predict", "Classify sentences");
  add_inference_flags(p, pr->common, "One JSON object per sentence: label and probabilities");
  p->add_option("sentences", pr->sentences, "Sentences (raw text)")->required();
  p->callback([pr] { run_predict(*pr); });
}

}  // namespace seer::cli
