// `seer captcha generate | train | eval | predict`
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include "seer/captcha/batches.h"
#include "seer/captcha/folder_dataset.h"
#include "seer/captcha/generator.h"
#include "seer/captcha/label_codec.h"
#include "seer/captcha/model.h"
#include "seer/captcha/style.h"
#include "seer/captcha/task.h"
#include "seer/cli/commands.h"
#include "seer/cli/inference_flags.h"
#include "seer/cli/train_flags.h"
#include "seer/core/atomic_file.h"
#include "seer/core/checkpoint.h"
#include "seer/core/cores.h"
#include "seer/core/device.h"
#include "seer/core/error.h"
#include "seer/core/image_file.h"
#include "seer/core/progress_bar.h"

namespace seer::cli {
namespace {

using namespace seer::captcha;
namespace fs = std::filesystem;

// ---- generate -------------------------------------------------------------------------------
struct GenerateFlags {
  std::string out;
  uint64_t count = 1000;
  uint64_t start = 0;
  int threads = 0;
  GeneratorOptions gen;
  std::string like;   // --like DIR: fit the look to a labelled folder
  std::string style;  // --style FILE: a style.json written by an earlier --like
};

// Prints what a fitted generator's sample measures beside the folder's numbers.
void print_style_fit(const StyleFit& fit, const std::string& folder) {
  const auto t = fit.target.to_json(), a = fit.achieved.to_json();
  std::cerr << fmt::format("--like {}: {} images measured, {} x {}, {} characters{} of \"{}\"\n", folder,
                           fit.target.count, fit.target.width, fit.target.height, fit.target.max_length,
                           fit.target.min_length != fit.target.max_length
                               ? fmt::format(" (from {})", fit.target.min_length) : "",
                           fit.target.charset);
  std::cerr << fmt::format("  {:<22}{:>10}{:>12}\n", "measure", "folder", "generated");
  for (const auto& [key, value] : t.items()) {
    if (!value.is_number_float()) continue;
    std::cerr << fmt::format("  {:<22}{:>10.3f}{:>12.3f}\n", key, value.get<double>(), a.at(key).get<double>());
  }
}

// --like DIR or --style FILE (or neither: the built-in look), with `base`'s seed and fonts.
// `fit_out` (optional) receives the fit of --like.
GeneratorOptions styled_generator(const std::string& like, const std::string& style, GeneratorOptions base,
                                  std::optional<StyleFit>* fit_out = nullptr) {
  if (!like.empty() && !style.empty()) throw Error("give --like or --style, not both");
  if (!style.empty()) return read_generator_options(style, std::move(base));
  if (like.empty()) return base;
  const CaptchaStyle target = measure_folder(like);  // its errors name the folder or file
  StyleFit fit;
  try {
    fit = fit_generator_style(target, base);
  } catch (const Error& e) {
    throw file_error(like, e.what());  // which folder could not be fitted
  }
  print_style_fit(fit, like);
  if (fit_out) *fit_out = fit;
  return fit.options;
}

void run_generate(const GenerateFlags& f) {
  std::optional<StyleFit> fit;
  const GeneratorOptions options = styled_generator(f.like, f.style, f.gen, &fit);
  LabelCodec codec(options.charset, options.length);  // validates charset and length
  Generator generator(options);
  const int threads = f.threads > 0 ? f.threads : available_cores();
  ProgressBarOptions bar_options;
  bar_options.label = "generate";
  bar_options.unit = "img";
  ProgressBar bar(static_cast<int64_t>(f.count), bar_options);
  const uint64_t chunk = 500;
  for (uint64_t done = 0; done < f.count; done += chunk) {
    const uint64_t n = std::min(chunk, f.count - done);
    generator.write_folder(f.out, n, f.start + done, threads);
    bar.update(static_cast<int64_t>(done + n));
  }
  bar.finish();
  if (fit) {
    // Beside the images (FolderDataset reads images only): what --style reuses.
    write_file_atomic(fs::path(f.out) / "style.json", fit->to_json().dump(2) + "\n");
    std::cerr << fmt::format("the fitted style: {} (give it to --style)\n", (fs::path(f.out) / "style.json").string());
  }
  std::cerr << fmt::format("wrote {} captchas to {}\n", f.count, f.out);
}

// ---- train ----------------------------------------------------------------------------------
struct TrainCaptchaFlags {
  TrainFlags common;
  std::string data = "generated";
  std::string eval_data;
  int length = 0;  // 0: 4 for generated data, else taken from the first label of the folder
  int min_length = 0;  // 0: every label has `length` characters
  std::string charset = "0123456789";
  std::string mode = "joint";
  int64_t batch = 64;
  int64_t epochs = 0;
  int64_t eval_count = 1000;
  double val_fraction = 0.1;
  std::string augment;  // "": strong for a folder (generated data is never augmented)
  std::string init;     // --init: start from the matching tensors of this model file
  std::string like;     // --like DIR: generated captchas styled on this labelled folder
  std::string style;    // --style FILE: generated captchas in a style.json's look
  bool length_given = false, charset_given = false, head_given = false;
  bool no_augment = false;
  bool skip_bad = false;
  CaptchaNetOptions net;
  bool input_width_given = false, input_height_given = false;
};

// The network input for a folder: kDefaultInputHeight rows, the width keeping the images'
// median aspect ratio (of up to 64 images), rounded to a multiple of 16 in [32, 320].
constexpr int kDefaultInputHeight = 32;
// Epochs over a folder when neither --epochs nor --steps is given.
constexpr int64_t kDefaultFolderEpochs = 300;
std::pair<int, int> input_size_from_images(const FolderDataset& dataset, int height) {
  std::vector<double> aspects;
  for (size_t i = 0; i < dataset.size() && aspects.size() < 64; ++i) {
    cv::Mat img;
    try {
      img = dataset.load(i);
    } catch (const Error&) {
      continue;  // a corrupt image: reported (or skipped) when the folder is loaded for training
    }
    aspects.push_back(static_cast<double>(img.cols) / img.rows);
  }
  if (aspects.empty()) throw file_error(dataset.dir().string(), "no readable image");
  std::nth_element(aspects.begin(), aspects.begin() + aspects.size() / 2, aspects.end());
  const double aspect = aspects[aspects.size() / 2];
  const int width = std::clamp(static_cast<int>(std::lround(height * aspect / 16.0)) * 16, 32, 320);
  return {width, height};
}

int infer_length(const fs::path& dir) {
  // The first image's file-name label (form 1) or first labels file line decides.
  for (const auto& name : {"labels.txt", "labels.tsv"}) {
    if (fs::exists(dir / name)) return 0;  // labels files may mix lengths: require --length
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    auto stem = p.stem().string();
    auto cut = stem.find('_');
    if (!stem.empty() && stem[0] != '.') return static_cast<int>(stem.substr(0, cut).size());
  }
  return 0;
}

// The augmentation of a run's config ("augment_options"; runs made before the presets stored
// "augment": true / false, the light jitter or none).
AugmentOptions augment_from_config(const nlohmann::json& config) {
  if (config.contains("augment_options")) return AugmentOptions::from_json(config.at("augment_options"));
  const auto& a = config.value("augment", nlohmann::json(true));
  if (a.is_boolean()) return AugmentOptions::preset(a.get<bool>() ? "light" : "none");
  return AugmentOptions::preset(a.get<std::string>());
}

nlohmann::json train_config(const TrainCaptchaFlags& f) {
  const bool generated = f.data == "generated";
  if (!generated && !(f.like.empty() && f.style.empty())) {
    throw Error("--like / --style style the generated captchas: use them with --data generated "
                "(then fine-tune on the folder with --init)");
  }
  // A styled generator: its size, length and charset unless flags say otherwise.
  GeneratorOptions base;
  base.seed = f.common.seed;
  const GeneratorOptions styled = styled_generator(f.like, f.style, base);
  const bool is_styled = !(f.like.empty() && f.style.empty());
  int length = f.length;
  std::string charset = f.charset;
  if (is_styled) {
    if (!f.length_given) length = styled.length;
    if (!f.charset_given) charset = styled.charset;
  }
  if (length == 0) {
    if (f.data == "generated") length = 4;
    else if (fs::is_directory(f.data)) length = infer_length(f.data);
    if (length == 0) throw Error("cannot infer the captcha length from " + f.data + "; give --length");
  }
  LabelCodec codec(charset, length, f.min_length);
  if (!codec.fixed_length() && f.head_given && f.net.head != "ctc") {
    throw Error("--min-length: labels of varying length need --head ctc");
  }
  if (!codec.fixed_length() && f.data == "generated") {
    throw Error("--min-length: generated captchas have a fixed length");
  }
  CaptchaNetOptions net = f.net;
  // The head: multitask for the built-in generator's captchas (99.5% in minutes); CTC for a
  // labelled folder and for pretraining styled on one, where the six position classifiers of the
  // multitask head overfit a few hundred images (BENCHMARKS "Real captchas from few labels":
  // 77.5% against CTC's 92.5% on the same trunk, data and steps).
  if (!f.head_given) net.head = generated && !is_styled ? "multitask" : "ctc";
  net.length = length;
  net.num_classes = codec.num_classes();
  if (is_styled && !(f.input_width_given && f.input_height_given)) {
    // The real folder's input size, so that the model fine-tunes on it with every tensor.
    const int h = f.input_height_given ? net.input_height : kDefaultInputHeight;
    net.input_height = h;
    if (!f.input_width_given) {
      net.input_width = std::clamp(static_cast<int>(std::lround(h * double(styled.width) / styled.height / 16.0)) * 16, 32, 320);
    }
  } else if (!generated && !(f.input_width_given && f.input_height_given)) {
    // Keep the folder's aspect ratio (a flag given wins).
    FolderDatasetOptions scan;
    scan.skip_bad = true;
    scan.verify_images = false;
    FolderDataset dataset(f.data, codec, scan);
    const int h = f.input_height_given ? net.input_height : kDefaultInputHeight;
    const auto [w, _] = input_size_from_images(dataset, h);
    net.input_height = h;
    if (!f.input_width_given) net.input_width = w;
  }
  const std::string augment = f.no_augment ? "none" : !f.augment.empty() ? f.augment : generated ? "none" : "strong";
  int64_t steps = f.common.steps;
  if (steps == 0 && f.epochs == 0) steps = generated ? 3300 : 0;
  nlohmann::json c = {
      {"task", "captcha"},
      {"data", f.data},
      {"eval_data", f.eval_data},
      {"charset", charset},
      {"length", length},
      {"min_length", codec.min_length()},
      {"mode", f.mode},
      {"batch", f.batch},
      {"epochs", f.epochs},
      {"steps", steps},
      {"lr", f.common.lr > 0 ? f.common.lr : 3e-3},
      {"eval_every", f.common.eval_every},
      {"checkpoint_every", f.common.checkpoint_every},
      {"log_every", f.common.log_every},
      {"eval_count", f.eval_count},
      {"val_fraction", f.val_fraction},
      {"augment", augment},
      {"init", f.init},
      {"augment_options", AugmentOptions::preset(augment).to_json()},
      {"skip_bad", f.skip_bad},
      {"seed", f.common.seed},
      {"net", net.to_json()},
  };
  if (is_styled) {
    c["like"] = f.like;
    c["generator"] = generator_options_to_json(styled);
  }
  add_schedule_config(f.common, c, "onecycle");
  parse_train_mode(f.mode);
  return c;
}

void run_train(TrainCaptchaFlags& f) {
  apply_runtime(f.common);
  const auto device = select_device(f.common.device);
  std::optional<RunDir> run;
  bool created = false;
  nlohmann::json config = open_run("captcha", f.common, train_config(f), run, &created);
  DiscardRunOnFailure discard(*run, created);

  CaptchaModelConfig model_config;
  model_config.net = CaptchaNetOptions::from_json(config.at("net"));
  model_config.charset = config.at("charset").get<std::string>();
  model_config.min_length = config.value("min_length", 0);
  LabelCodec codec = model_config.codec();
  const uint64_t seed = config.at("seed").get<uint64_t>();
  const int64_t batch = config.at("batch").get<int64_t>();
  const int w = model_config.net.input_width, h = model_config.net.input_height;
  seed_everything(seed);

  std::unique_ptr<BatchSource> train;
  Batch eval_set;
  int64_t steps_per_epoch = 0;  // folders only
  cv::Mat augmentation_sheet;    // folders with augmentation, new runs only
  const std::string data = config.at("data").get<std::string>();
  const std::string eval_data = config.at("eval_data").get<std::string>();
  FolderDatasetOptions folder_options;
  folder_options.skip_bad = config.value("skip_bad", false);
  if (data == "generated") {
    GeneratorOptions g;
    if (config.contains("generator")) g = generator_options_from_json(config.at("generator"));
    g.length = codec.length();
    g.charset = codec.charset();
    g.seed = seed;
    train = std::make_unique<GeneratedBatches>(Generator(g), codec, batch, w, h);
    if (eval_data.empty()) {
      GeneratorOptions e = g;
      e.seed = seed + 0x9e3779b9ULL;  // a stream the training never sees
      eval_set = generate_batch(Generator(e), codec, 0, config.at("eval_count").get<int64_t>(), w, h);
    }
  } else {
    FolderDataset dataset(data, codec, folder_options);
    Batch all = load_folder(dataset, codec, w, h);
    if (eval_data.empty()) {
      // Hold out a seeded random fraction of the folder for evaluation.
      const int64_t n = all.images.size(0);
      const int64_t held = std::clamp<int64_t>(
          static_cast<int64_t>(n * config.at("val_fraction").get<double>()), n > 1 ? 1 : 0, n - 1);
      auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
      auto perm = torch::randperm(n, gen, torch::kInt64);
      auto ev = perm.slice(0, 0, held), tr = perm.slice(0, held, n);
      eval_set = {all.images.index_select(0, ev), all.labels.index_select(0, ev)};
      all = {all.images.index_select(0, tr), all.labels.index_select(0, tr)};
      std::cerr << fmt::format("{}: {} images for training, {} held out for evaluation\n", data,
                               all.images.size(0), held);
    }
    FolderBatchesOptions fo;
    fo.batch_size = batch;
    fo.seed = seed;
    fo.augment = augment_from_config(config);
    if (fo.augment.enabled() && !f.common.resume) {
      // plots/augmentation.png (written once training starts): eight training images and four
      // distortions of each.
      std::vector<cv::Mat> inputs;
      for (int64_t i = 0; i < std::min<int64_t>(8, all.images.size(0)); ++i) {
        inputs.push_back(cv::Mat(h, w, CV_32F, all.images[i].data_ptr<float>()).clone());
      }
      augmentation_sheet = augmentation_preview(inputs, fo.augment, 4, seed);
    }
    auto folder = std::make_unique<FolderBatches>(all, fo);
    const int64_t epochs = config.at("epochs").get<int64_t>();
    steps_per_epoch = (folder->size() + batch - 1) / batch;
    if (config.at("steps").get<int64_t>() == 0) {
      config["steps"] = (epochs > 0 ? epochs : kDefaultFolderEpochs) * steps_per_epoch;
      run->write_config(config);
    }
    train = std::move(folder);
  }
  if (!eval_data.empty()) {
    FolderDataset eval_folder(eval_data, codec, folder_options);
    eval_set = load_folder(eval_folder, codec, w, h);
  }

  CaptchaNet net(model_config.net);
  const std::string init = config.value("init", std::string());
  if (!init.empty() && !f.common.resume) {
    // Fine-tuning: every tensor of the file that matches by name and shape (a resumed run has
    // them in its checkpoint already).
    auto report = init_from_file(*net, init);
    std::cerr << fmt::format("--init {}: {}\n", init, report.summary());
  }
  CaptchaTask task(model_config, net, std::move(train), eval_set,
                   parse_train_mode(config.at("mode").get<std::string>()), device);
  // Early stopping on a folder: the best whole-captcha accuracy on the held-out images is kept
  // (best.pt) and becomes model.pt.
  const bool early_stopping = data != "generated";
  if (early_stopping) task.keep_best(run->root() / "best.pt", f.common.resume);
  torch::optim::Adam optimizer(task.model().parameters(),
                               torch::optim::AdamOptions(config.at("lr").get<double>()));
  auto options = trainer_options(f.common, config);
  if (options.eval_every == 0) {
    // Folders: about 50 evaluations per run, and at least one every 5 epochs.
    options.eval_every = early_stopping
                             ? std::max<int64_t>(1, std::min(options.steps / 50, 5 * steps_per_epoch))
                             : std::max<int64_t>(100, options.steps / 10);
  }
  if (options.checkpoint_every == 0) options.checkpoint_every = std::max<int64_t>(options.eval_every, 200);
  options.metric_to_show = "sequence_accuracy";
  // --max-minutes: the one-cycle schedule is fitted to the steps that fit in the time.
  options.fit_steps_to_time = true;
  Trainer trainer(*run, options, optimizer, LrSchedule(schedule_options(config)));
  if (!augmentation_sheet.empty()) {
    std::vector<uchar> png;
    cv::imencode(".png", augmentation_sheet, png);
    fs::create_directories(run->plots_dir());
    write_file_atomic(run->plots_dir() / "augmentation.png",
                      std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
  }
  discard.started();
  auto result = trainer.fit(task);
  nlohmann::json extra;
  if (early_stopping && !task.best().empty()) {
    task.restore_best();
    // model.pt: the best held-out parameters (the Trainer wrote the last ones).
    save_model_file(run->model_path(), ModelFile{kModelKind, model_config.to_json(), state_dict(*task.net()), {}});
    extra = {{"best_step", task.best().step()}, {"best_sequence_accuracy", task.best().score()}};
    if (!f.common.json) {
      std::cerr << fmt::format("model.pt: the best held-out whole-captcha accuracy, {:.4f} at step {}\n",
                               task.best().score(), task.best().step());
    }
  }
  report_training(*run, result, f.common.json, extra);
}

// ---- eval -----------------------------------------------------------------------------------
struct EvalFlags {
  InferenceFlags common;
  std::string data;
  bool skip_bad = false;
  int samples = 8;
};

void run_eval(const EvalFlags& f) {
  auto reader = load_captcha_reader(f.common.model, apply_inference_flags(f.common));
  FolderDatasetOptions fo;
  fo.skip_bad = f.skip_bad;
  FolderDataset dataset(f.data, reader.codec, fo);
  Batch data = load_folder(dataset, reader.codec, reader.config.net.input_width,
                           reader.config.net.input_height);
  auto ev = evaluate_captcha(reader.net, data, reader.codec, reader.device);
  if (f.common.json) {
    auto j = ev.to_json(reader.codec.charset());
    j["skipped"] = dataset.skipped();
    std::cout << j.dump() << std::endl;
    return;
  }
  std::cout << fmt::format("{} images ({} skipped)\n", ev.count, dataset.skipped());
  std::cout << fmt::format("character accuracy  {:.4f}\nwhole-captcha accuracy  {:.4f}\n",
                           ev.char_accuracy, ev.sequence_accuracy);
  std::cout << "per position:";
  for (double a : ev.position_accuracy) std::cout << fmt::format(" {:.4f}", a);
  std::cout << fmt::format("\nworst position {}: ", ev.worst_position);
  int shown = 0;
  const auto& cs = reader.codec.charset();
  for (size_t t = 0; t < ev.worst_confusion.size(); ++t) {
    for (size_t p = 0; p < ev.worst_confusion[t].size(); ++p) {
      if (t != p && ev.worst_confusion[t][p] > 0 && shown++ < 10) {
        std::cout << fmt::format("{}->{} x{}  ", cs[t], cs[p], ev.worst_confusion[t][p]);
      }
    }
  }
  if (shown == 0) std::cout << "no errors";
  std::cout << "\nsamples:\n";
  for (int i = 0; i < std::min<int64_t>(f.samples, ev.count); ++i) {
    std::cout << fmt::format("  {}  truth {}  predicted {}{}\n",
                             dataset.items()[i].path.filename().string(), dataset.items()[i].label,
                             ev.predicted[i], ev.predicted[i] == dataset.items()[i].label ? "" : "  <- wrong");
  }
}

// ---- predict --------------------------------------------------------------------------------
struct PredictFlags {
  InferenceFlags common;
  std::vector<std::string> images;
};

void run_predict(const PredictFlags& f) {
  auto reader = load_captcha_reader(f.common.model, apply_inference_flags(f.common));
  const int w = reader.config.net.input_width, h = reader.config.net.input_height;
  auto input = torch::empty({static_cast<int64_t>(f.images.size()), 1, h, w});
  for (size_t i = 0; i < f.images.size(); ++i) {
    const cv::Mat img = read_image_bgr(f.images[i]);
    to_model_input(img, w, h, input.data_ptr<float>() + i * w * h);
  }
  auto predictions = predict_captcha(reader, input);
  for (size_t i = 0; i < predictions.size(); ++i) {
    const auto& p = predictions[i];
    if (f.common.json) {
      std::cout << nlohmann::json{{"image", f.images[i]}, {"label", p.label},
                                  {"confidence", p.confidence}}.dump()
                << std::endl;
    } else {
      std::cout << fmt::format("{}\t{}\t", f.images[i], p.label);
      for (size_t k = 0; k < p.confidence.size(); ++k) {
        std::cout << fmt::format("{}{:.3f}", k ? " " : "", p.confidence[k]);
      }
      std::cout << "\n";
    }
  }
}

void add_generator_flags(CLI::App* cmd, GeneratorOptions& g) {
  cmd->add_option("--length", g.length, "Characters per captcha")->capture_default_str();
  cmd->add_option("--charset", g.charset, "Characters to draw from")->capture_default_str();
  cmd->add_option("--seed", g.seed, "Random seed")->capture_default_str();
  cmd->add_option("--width", g.width, "Image width")->capture_default_str();
  cmd->add_option("--height", g.height, "Image height")->capture_default_str();
}

}  // namespace

void add_captcha_command(CLI::App& app) {
  auto* captcha = app.add_subcommand("captcha", "Multi-task captcha reader");
  captcha->require_subcommand(1);

  auto gen = std::make_shared<GenerateFlags>();
  auto* g = captcha->add_subcommand("generate", "Write synthetic captchas <label>_<index>.png");
  g->add_option("--out", gen->out, "Output folder")->required();
  g->add_option("--count", gen->count, "How many images")->capture_default_str();
  g->add_option("--start", gen->start, "First index of the seed's stream")->capture_default_str();
  g->add_option("--threads", gen->threads, "Worker threads (0 = all cores)");
  add_generator_flags(g, gen->gen);
  g->add_option("--like", gen->like,
                "A labelled folder of real captchas: measure its look (size, length, charset, "
                "background, ink, text size, strokes, noise, lines, shadow, blur), fit the "
                "generator to it and write OUT/style.json (these win over --width, --height, "
                "--length and --charset)")
      ->check(CLI::ExistingDirectory);
  g->add_option("--style", gen->style, "Generate in the look of a style.json from an earlier --like")
      ->check(CLI::ExistingFile);
  g->callback([gen] { run_generate(*gen); });

  auto tr = std::make_shared<TrainCaptchaFlags>();
  auto* t = captcha->add_subcommand("train", "Train a reader on generated captchas or a folder");
  t->add_option("--data", tr->data, "'generated' (endless synthetic stream) or a labelled folder")
      ->capture_default_str();
  t->add_option("--eval-data", tr->eval_data,
                "Labelled folder to evaluate on (default: an unseen generated stream, or a "
                "held-out part of --data)");
  t->add_option("--length", tr->length, "Characters per captcha (default: 4, or from the data)");
  t->add_option("--min-length", tr->min_length,
                "Labels may be this short (--length is then the longest; needs --head ctc)");
  t->add_option("--charset", tr->charset, "Characters")->capture_default_str();
  t->add_option("--mode", tr->mode, "joint (sum of head losses) or alternate (one head per step)")
      ->capture_default_str();
  t->add_option("--batch", tr->batch, "Images per step")->capture_default_str();
  t->add_option("--epochs", tr->epochs, "Epochs over a folder (instead of --steps; default 300)");
  t->add_option("--eval-count", tr->eval_count, "Generated evaluation images")->capture_default_str();
  t->add_option("--val-fraction", tr->val_fraction, "Held-out fraction of a folder")
      ->capture_default_str();
  t->add_option("--augment", tr->augment,
                "Distortions of folder images while training: none, light (small affine jitter) or "
                "strong (affine, elastic, lines, blur, contrast, noise); default strong")
      ->check(CLI::IsMember({"none", "light", "strong"}));
  t->add_flag("--no-augment", tr->no_augment, "Same as --augment none");
  t->add_flag("--skip-bad", tr->skip_bad, "Skip (and count) bad images instead of failing");
  t->add_option("--init", tr->init,
                "Start from the tensors of this model file that match by name and shape (fine-tuning "
                "a model pretrained on generated captchas, say); reports what loaded")
      ->check(CLI::ExistingFile);
  t->add_option("--like", tr->like,
                "With --data generated: captchas styled on this labelled folder (as `generate "
                "--like`), at its length, charset and input size, for pretraining before --init")
      ->check(CLI::ExistingDirectory);
  t->add_option("--style", tr->style, "With --data generated: captchas in the look of this style.json")
      ->check(CLI::ExistingFile);
  auto* input_width = t->add_option("--input-width", tr->net.input_width,
                                    "Network input width (default: 96 for generated data; for a "
                                    "folder, the images' aspect ratio at the input height)");
  auto* input_height = t->add_option("--input-height", tr->net.input_height, "Network input height")
                           ->capture_default_str();
  t->add_option("--channels", tr->net.channels, "Channels of each trunk block")
      ->capture_default_str();
  t->add_option("--convs-per-block", tr->net.convs_per_block, "Conv layers per block")
      ->capture_default_str();
  t->add_option("--head-hidden", tr->net.head_hidden, "Hidden units per head (0: linear)")
      ->capture_default_str();
  t->add_option("--dropout", tr->net.dropout, "Dropout before the heads")->capture_default_str();
  auto* head_opt = t->add_option("--head", tr->net.head,
                                 "multitask (one classifier per position) or ctc (CRNN: columns, BiLSTM, CTC "
                                 "loss); default multitask for --data generated, ctc for a folder or --like")
                       ->check(CLI::IsMember({"multitask", "ctc"}));
  t->add_option("--rnn-hidden", tr->net.rnn_hidden, "ctc: LSTM units per direction (0: none)")
      ->capture_default_str();
  add_train_flags(t, tr->common);
  auto* length_opt = t->get_option("--length");
  auto* charset_opt = t->get_option("--charset");
  t->callback([tr, input_width, input_height, length_opt, charset_opt, head_opt] {
    tr->head_given = head_opt->count() > 0;
    tr->length_given = length_opt->count() > 0;
    tr->charset_given = charset_opt->count() > 0;
    tr->input_width_given = input_width->count() > 0;
    tr->input_height_given = input_height->count() > 0;
    run_train(*tr);
  });

  auto ev = std::make_shared<EvalFlags>();
  auto* e = captcha->add_subcommand("eval", "Accuracy of a model on a labelled folder");
  add_inference_flags(e, ev->common, "Print one JSON object");
  e->add_option("--data", ev->data, "Labelled folder")->required();
  e->add_option("--samples", ev->samples, "Sample predictions to print")->capture_default_str();
  e->add_flag("--skip-bad", ev->skip_bad, "Skip (and count) bad images instead of failing");
  e->callback([ev] { run_eval(*ev); });

  auto pr = std::make_shared<PredictFlags>();
  auto* p = captcha->add_subcommand("predict", "Read captcha images");
  add_inference_flags(p, pr->common, "One JSON object per image");
  p->add_option("images", pr->images, "Image files")->required();
  p->callback([pr] { run_predict(*pr); });
}

}  // namespace seer::cli
