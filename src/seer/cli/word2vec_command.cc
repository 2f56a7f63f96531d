// `seer word2vec train | similar | analogy | eval | plot`
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "seer/cli/commands.h"
#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/core/progress_bar.h"
#include "seer/word2vec/evaluation.h"
#include "seer/word2vec/plot.h"
#include "seer/word2vec/text_reader.h"
#include "seer/word2vec/trainer.h"
#include "seer/word2vec/vectors.h"

namespace seer::cli {
namespace {

using namespace seer::word2vec;
namespace fs = std::filesystem;

struct TrainW2vFlags {
  std::vector<std::string> inputs;
  std::string output;
  std::string model = "cbow", loss = "ns";
  bool binary = false, text = false, quiet = false;
  TrainOptions opt;
};

void run_train(TrainW2vFlags& f) {
  if (f.model == "cbow") f.opt.model = Model::kCbow;
  else if (f.model == "skipgram" || f.model == "sg") f.opt.model = Model::kSkipGram;
  else throw Error("--model must be cbow or skipgram, not '" + f.model + "'");
  if (f.loss == "ns") f.opt.loss = Loss::kNegativeSampling;
  else if (f.loss == "hs") f.opt.loss = Loss::kHierarchicalSoftmax;
  else throw Error("--loss must be ns or hs, not '" + f.loss + "'");
  if (f.binary && f.text) throw Error("--binary and --text exclude each other");
  const VectorFormat format = f.binary ? VectorFormat::kBinary
                              : f.text ? VectorFormat::kText
                                       : format_for_path(f.output, VectorFormat::kBinary);
  f.opt.progress = !f.quiet;
  validate(f.opt);  // the options' ranges, before the corpus is read
  // A wrong --output is reported now, not after the training.
  const fs::path out_dir = fs::path(f.output).parent_path().empty() ? fs::path(".") : fs::path(f.output).parent_path();
  if (!fs::is_directory(out_dir)) throw Error("--output " + f.output + ": the folder " + out_dir.string() + " does not exist");
  if (fs::is_directory(f.output)) throw Error("--output " + f.output + " is a folder; give a file name");
  const Corpus corpus(std::vector<fs::path>(f.inputs.begin(), f.inputs.end()));
  std::string names;
  for (const auto& in : f.inputs) names += (names.empty() ? "" : ", ") + in;
  constexpr int64_t kSmallCorpusWords = 10'000;
  if (const int64_t words = count_words(corpus, f.opt.vocab.text, kSmallCorpusWords); words < kSmallCorpusWords) {
    const size_t files = corpus.files().size();
    const bool folder = f.inputs.size() == 1 && fs::is_directory(f.inputs[0]);
    warn(fmt::format("{}: only {} word{} read from {} file{}{}; vectors trained on under {} words are mostly noise",
                     names, words, words == 1 ? "" : "s", files, files == 1 ? "" : "s",
                     folder && files == 1 ? " (" + corpus.files()[0].string() + ")" : std::string(),
                     kSmallCorpusWords));
  }
  TrainStats stats;
  const WordVectors vectors = train(corpus, f.opt, &stats);
  save_vectors(vectors, f.output, format);
  std::string per_thread;
  for (double r : stats.thread_words_per_second) per_thread += (per_thread.empty() ? "" : " ") + format_si(r);
  std::cerr << fmt::format(
      "word2vec: {} vectors of {} to {} ({}); vocabulary {:.1f}s, training {:.3f}s, {} words/s "
      "(per thread: {})\n",
      vectors.size(), vectors.dim, f.output, format == VectorFormat::kBinary ? "binary" : "text",
      stats.vocab_seconds, stats.train_seconds, format_si(stats.words_per_second), per_thread);
}

void print_neighbours(const std::vector<Neighbour>& list) {
  for (const auto& n : list) std::cout << fmt::format("{:<24} {:.4f}\n", n.word, n.similarity);
}

struct EvalFlags {
  std::string vectors, analogies;
  std::vector<std::string> similarity;
  int64_t restrict_vocab = 30000;
  int threads = 0;
  bool json = false;
};

nlohmann::json number_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); }

void run_eval(const EvalFlags& f) {
  if (f.analogies.empty() && f.similarity.empty()) throw Error("give --analogies FILE and/or --similarity FILE...");
  const WordVectors vectors = load_vectors(f.vectors);
  const VectorIndex index(vectors);
  nlohmann::json out = nlohmann::json::object();
  if (!f.analogies.empty()) {
    const AnalogyResult r = evaluate_analogies(index, f.analogies, f.restrict_vocab, f.threads);
    nlohmann::json sections = nlohmann::json::array();
    for (const auto& s : r.sections) {
      sections.push_back({{"name", s.name}, {"correct", s.correct}, {"answered", s.answered}, {"total", s.total},
                          {"accuracy", s.answered ? static_cast<double>(s.correct) / s.answered : 0.0}});
      if (!f.json) {
        std::cout << fmt::format("{:<28} {:6.2f}%  ({} / {}, {} of {} questions answered)\n", s.name,
                                 s.answered ? 100.0 * s.correct / s.answered : 0.0, s.correct, s.answered,
                                 s.answered, s.total);
      }
    }
    out["analogy"] = {{"accuracy", r.accuracy()}, {"semantic", r.semantic()}, {"syntactic", r.syntactic()},
                      {"correct", r.correct}, {"answered", r.answered}, {"total", r.total},
                      {"restrict_vocab", f.restrict_vocab}, {"sections", sections}};
    if (!f.json) {
      std::cout << fmt::format(
          "analogy: {:.2f}% ({} / {}), semantic {:.2f}%, syntactic {:.2f}%; {} of {} questions answered "
          "({:.1f}%), restricted to the {} most frequent words\n",
          100 * r.accuracy(), r.correct, r.answered, 100 * r.semantic(), 100 * r.syntactic(), r.answered, r.total,
          r.total ? 100.0 * r.answered / r.total : 0.0, f.restrict_vocab);
    }
  }
  out["similarity"] = nlohmann::json::object();
  // Results are keyed by file name, or by the path as given when two files share a name.
  std::map<std::string, int> name_count;
  for (const auto& file : f.similarity) ++name_count[fs::path(file).filename().string()];
  for (const auto& file : f.similarity) {
    const SimilarityResult r = evaluate_similarity(index, file);
    std::string name = fs::path(file).filename().string();
    if (name_count[name] > 1) name = file;
    out["similarity"][name] = {{"spearman", number_or_null(r.spearman)}, {"coverage", r.coverage()},
                               {"found", r.found}, {"total", r.total}};
    if (!f.json) {
      std::cout << fmt::format("{:<28} spearman {:.4f}  coverage {:.1f}% ({} / {} pairs)\n", name, r.spearman,
                               100 * r.coverage(), r.found, r.total);
    }
  }
  if (f.json) std::cout << out.dump(2) << "\n";
}

}  // namespace

void add_word2vec_command(CLI::App& app) {
  auto* w2v = app.add_subcommand("word2vec", "Word vectors: CBOW and skip-gram (word2vec), their evaluation and plots");
  w2v->require_subcommand(1);

  // ---- train ----
  auto tr = std::make_shared<TrainW2vFlags>();
  auto* t = w2v->add_subcommand("train", "Train word vectors on a text file or a folder of text files");
  t->add_option("--input", tr->inputs,
                "Corpus: UTF-8 text files, gzip-compressed or not, or folders of them (read recursively in path "
                "order, hidden ones skipped); several inputs are read one after the other")
      ->required();
  t->add_option("--output", tr->output, "Vectors file (.bin binary, .txt/.vec text)")->required();
  t->add_option("--model", tr->model, "cbow or skipgram")->capture_default_str();
  t->add_option("--loss", tr->loss, "ns (negative sampling) or hs (hierarchical softmax)")->capture_default_str();
  t->add_option("--dim", tr->opt.dim, "Vector size")->capture_default_str();
  t->add_option("--window", tr->opt.window, "Max context distance")->capture_default_str();
  t->add_option("--negative", tr->opt.negative, "Negative samples per target")->capture_default_str();
  t->add_option("--sample", tr->opt.sample, "Subsampling threshold (0: off)")->capture_default_str();
  t->add_option("--min-count", tr->opt.vocab.min_count, "Drop words seen fewer times")->capture_default_str();
  t->add_option("--epochs,--iter", tr->opt.epochs, "Passes over the corpus")->capture_default_str();
  t->add_option("--alpha", tr->opt.alpha,
                "Initial learning rate (default 0.025 skip-gram, 0.075 CBOW; word2vec.c's CBOW: 0.05)")
      ->check(CLI::PositiveNumber);
  t->add_option("--end-alpha", tr->opt.end_alpha,
                "The learning rate falls linearly to alpha x this at the last word (default 1e-4 skip-gram, "
                "as word2vec.c; 1/6 CBOW, word2vec.c's: 1e-4)")
      ->check(CLI::Range(0.0, 1.0));
  t->add_option("--threads", tr->opt.threads, "Worker threads (0 = all cores)")->capture_default_str();
  t->add_option("--seed", tr->opt.seed, "Random seed (one thread + a seed = the same vectors)")->capture_default_str();
  t->add_flag("--lowercase", tr->opt.vocab.text.lowercase, "Lowercase (ASCII, Latin, Greek, Cyrillic)");
  t->add_flag("--normalize", tr->opt.vocab.text.normalize,
              "Raw text such as WikiExtractor output or scraped reviews: drop <doc> lines and HTML tags (<br />), decode "
              "&amp; / &eacute; / &#233;; punctuation, non-ASCII spaces and dashes separate words");
  t->add_flag("--binary", tr->binary, "Write the binary format whatever the extension");
  t->add_flag("--text", tr->text, "Write the text format whatever the extension");
  t->add_flag("--quiet,-q", tr->quiet, "No progress bar");
  t->callback([tr] { run_train(*tr); });

  // ---- tokens ----
  struct Tokens {
    std::vector<std::string> inputs;
    std::string output;
    TextOptions text;
  };
  auto tk = std::make_shared<Tokens>();
  auto* k = w2v->add_subcommand(
      "tokens", "Write the token stream train reads (one line per input line, tokens separated by one space), "
                "so that other tools can train on exactly the same words");
  k->add_option("--input", tk->inputs, "As train's --input")->required();
  k->add_option("--output", tk->output, "Token file to write (atomically)")->required();
  k->add_flag("--lowercase", tk->text.lowercase, "As train's --lowercase");
  k->add_flag("--normalize", tk->text.normalize, "As train's --normalize");
  k->callback([tk] {
    std::vector<std::filesystem::path> inputs(tk->inputs.begin(), tk->inputs.end());
    const Corpus corpus(inputs);
    int64_t words = 0, lines = 0;
    write_file_atomic(tk->output, [&](std::ostream& out) {
      TokenReader reader(corpus, tk->text, /*validate_utf8=*/true);
      std::string_view token;
      bool line_start = true;
      while (reader.next(token)) {
        if (token == kEndOfSentence) {
          out << '\n';
          ++lines;
          line_start = true;
          continue;
        }
        if (!line_start) out << ' ';
        out << token;
        line_start = false;
        ++words;
      }
      if (!line_start) {
        out << '\n';
        ++lines;
      }
    });
    if (words == 0) warn(fmt::format("{}: no word read; {} is empty", tk->inputs[0], tk->output));
    std::cerr << fmt::format("wrote {}: {} words, {} lines\n", tk->output, words, lines);
  });

  // ---- similar ----
  struct Similar {
    std::string vectors, word;
    int k = 10;
  };
  auto sim = std::make_shared<Similar>();
  auto* s = w2v->add_subcommand("similar", "Nearest words by cosine similarity");
  s->add_option("vectors", sim->vectors, "Vectors file")->required();
  s->add_option("word", sim->word, "Query word")->required();
  s->add_option("-k", sim->k, "How many")->capture_default_str();
  s->callback([sim] {
    const WordVectors v = load_vectors(sim->vectors);
    print_neighbours(nearest(VectorIndex(v), sim->word, sim->k));
  });

  // ---- analogy ----
  struct Analogy {
    std::string vectors, a, b, c;
    int k = 10;
  };
  auto an = std::make_shared<Analogy>();
  auto* a = w2v->add_subcommand("analogy", "a : b :: c : ?  (the words nearest to b - a + c)");
  a->add_option("vectors", an->vectors, "Vectors file")->required();
  a->add_option("a", an->a, "A")->required();
  a->add_option("b", an->b, "B")->required();
  a->add_option("c", an->c, "C")->required();
  a->add_option("-k", an->k, "How many")->capture_default_str();
  a->callback([an] {
    const WordVectors v = load_vectors(an->vectors);
    print_neighbours(analogy(VectorIndex(v), an->a, an->b, an->c, an->k));
  });

  // ---- eval ----
  auto ev = std::make_shared<EvalFlags>();
  auto* e = w2v->add_subcommand("eval", "Analogy accuracy and word-similarity Spearman rho");
  e->add_option("vectors", ev->vectors, "Vectors file")->required();
  e->add_option("--analogies", ev->analogies, "Analogy questions (questions-words.txt format)");
  e->add_option("--restrict", ev->restrict_vocab, "Only the most frequent N words (0: all)")->capture_default_str()->check(CLI::NonNegativeNumber);
  e->add_option("--similarity", ev->similarity, "Word-pair files: word1 word2 score")->expected(1, -1);
  e->add_option("--threads", ev->threads, "Threads for the analogy search (0 = all cores)")->check(CLI::Range(0, kMaxThreads));
  e->add_flag("--json", ev->json, "Print JSON");
  e->callback([ev] { run_eval(*ev); });

  // ---- plot ----
  struct Plot {
    std::string vectors, pairs, out, title, projection = "relation";
    bool json = false;
  };
  auto pl = std::make_shared<Plot>();
  auto* p = w2v->add_subcommand("plot", "2-D picture of word pairs, arrows from first to second word");
  p->add_option("vectors", pl->vectors, "Vectors file")->required();
  p->add_option("--pairs", pl->pairs, "FILE of 'first second' lines, or builtin:gender|tense|capital")->required();
  p->add_option("--out", pl->out, "PNG to write")->required();
  p->add_option("--title", pl->title, "Title (default: the pairs' name)");
  p->add_option("--projection", pl->projection,
                "relation: x along the pairs' mean difference, y the main remaining direction (parallel "
                "arrows show the relation); pca: the words' own 2-D PCA")
      ->capture_default_str()
      ->check(CLI::IsMember({"relation", "pca"}));
  p->add_flag("--json", pl->json, "Print the projection's numbers as JSON");
  p->callback([pl] {
    const WordVectors v = load_vectors(pl->vectors);
    PlotOptions options;
    options.title = pl->title.empty() ? pl->pairs : pl->title;
    options.projection = parse_projection(pl->projection);
    const PlotResult r = plot_pairs(v, load_pairs(pl->pairs), pl->out, options);
    if (pl->json) {
      std::cout << nlohmann::json{{"png", pl->out},
                                  {"projection", pl->projection},
                                  {"pairs", r.kept.size()},
                                  {"explained", r.explained},
                                  {"parallelism", r.parallelism},
                                  {"picture_parallelism", r.picture_parallelism}}
                       .dump()
                << "\n";
    }
    std::cerr << fmt::format(
        "wrote {} ({} pairs, {} projection, {:.0f}% of variance; differences' mean cos to their mean {:.3f}, "
        "drawn arrows {:.3f})\n",
        pl->out, r.kept.size(), pl->projection, 100 * r.explained, r.parallelism, r.picture_parallelism);
  });
}

}  // namespace seer::cli
