#include "seer/text/readers.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "seer/core/error.h"
#include "seer/core/strings.h"
#include "seer/text/encoding.h"
#include "seer/text/tokenizer.h"

namespace seer::text {
namespace fs = std::filesystem;
namespace {

enum class Encoding { kUtf8, kCp1252 };

struct Line {
  long number;       // 1-based
  std::string text;  // UTF-8, no "\n" / "\r\n"
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// The line, cut for an error message.
std::string shown(std::string_view s) {
  constexpr size_t kMax = 60;
  if (s.size() <= kMax) return "'" + std::string(s) + "'";
  return "'" + std::string(s.substr(0, kMax)) + "...'";
}

std::string read_bytes(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw file_error(path.string(), "file not found");
  if (fs::is_directory(path, ec)) throw file_error(path.string(), "is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path.string(), "cannot open the file");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw file_error(path.string(), "cannot read the file");
  return bytes;
}

// The non-blank lines of a file, decoded to UTF-8 (see readers.h). Warns once per file about
// invalid UTF-8 and once about skipped blank lines.
std::vector<Line> read_lines(const fs::path& path, Encoding encoding) {
  std::string bytes = read_bytes(path);
  std::string_view rest(bytes);
  if (encoding == Encoding::kUtf8 && rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  std::vector<Line> lines;
  long number = 0, bad_lines = 0, first_bad = 0, blank = 0, first_blank = 0;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view raw = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (trim(raw).empty()) {
      if (blank++ == 0) first_blank = number;
      continue;
    }
    if (encoding == Encoding::kCp1252) {
      lines.push_back({number, cp1252_to_utf8(raw)});
    } else {
      size_t invalid = 0;
      lines.push_back({number, utf8_or_cp1252(raw, &invalid)});
      if (invalid > 0 && bad_lines++ == 0) first_bad = number;
    }
  }
  if (bad_lines > 0)
    warn(file_error(path.string(), first_bad,
                    std::to_string(bad_lines) + " line(s) with bytes that are not UTF-8 (the "
                    "first here); those bytes were read as cp1252/Latin-1").what());
  if (blank > 0)
    warn(file_error(path.string(), first_blank,
                    "skipped " + std::to_string(blank) + " empty line(s) (the first here)").what());
  return lines;
}

// Label names -> ids, from the training split's names in the given order.
std::map<std::string, int> label_ids(const std::vector<std::string>& labels) {
  std::map<std::string, int> ids;
  for (size_t i = 0; i < labels.size(); ++i) ids.emplace(labels[i], static_cast<int>(i));
  return ids;
}

// Sentences that clean to no tokens ("@#$", a TREC question of "..."): nothing for a model to
// read, so they are skipped, with one warning per file naming the first line.
class EmptySentences {
 public:
  explicit EmptySentences(const fs::path& path) : path_(path) {}
  // False (and counted) when `tokens` is empty.
  bool keep(const std::vector<std::string>& tokens, long line) {
    if (!tokens.empty()) return true;
    if (count_++ == 0) first_ = line;
    return false;
  }
  ~EmptySentences() {
    if (count_ > 0)
      warn(file_error(path_.string(), first_,
                      "skipped " + std::to_string(count_) +
                          " sentence(s) with no words left after cleaning (the first here)").what());
  }

 private:
  fs::path path_;
  long count_ = 0, first_ = 0;
};

// One parsed example before labels are numbered.
struct Raw {
  long line;
  std::string label;
  std::vector<std::string> tokens;
};

struct RawSplit {
  fs::path path;
  std::vector<Raw> examples;
};

// Numbers the labels (train's names, sorted by `less`) and fills the splits. A dev/test label
// that train lacks is an error at its line.
template <typename Less>
void assemble(TextDataset& d, const RawSplit& train, const std::optional<RawSplit>& dev,
              const std::optional<RawSplit>& test, Less less) {
  if (train.examples.empty()) throw file_error(train.path.string(), "no examples in the file");
  // A dev or test file that is there but empty would silently turn into "no such split".
  if (dev && dev->examples.empty()) throw file_error(dev->path.string(), "no examples in the file");
  if (test && test->examples.empty()) throw file_error(test->path.string(), "no examples in the file");
  std::vector<std::string> labels;
  for (const Raw& r : train.examples) labels.push_back(r.label);
  std::sort(labels.begin(), labels.end(), less);
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  if (labels.size() < 2) {
    throw file_error(train.path.string(), "every example has the label '" + labels.front() +
                                              "': a classifier needs at least 2 labels");
  }
  d.labels = labels;
  const auto ids = label_ids(labels);
  auto fill = [&](const RawSplit& split, std::vector<Sentence>& out) {
    out.reserve(split.examples.size());
    for (const Raw& r : split.examples) {
      auto it = ids.find(r.label);
      if (it == ids.end())
        throw file_error(split.path.string(), r.line,
                         "label '" + r.label + "' does not occur in the training file " +
                             train.path.string());
      out.push_back({r.tokens, it->second});
    }
  };
  fill(train, d.train);
  if (dev) fill(*dev, d.dev);
  if (test) fill(*test, d.test);
}

bool numeric_less(const std::string& a, const std::string& b) {
  // Non-negative integers without sign: shorter (after leading zeros) is smaller.
  auto strip = [](const std::string& s) {
    size_t i = 0;
    while (i + 1 < s.size() && s[i] == '0') ++i;
    return std::string_view(s).substr(i);
  };
  const auto x = strip(a), y = strip(b);
  if (x.size() != y.size()) return x.size() < y.size();
  if (x != y) return x < y;
  return a < b;
}

RawSplit read_trec_file(const fs::path& path, const TextReadOptions& o) {
  RawSplit split{path, {}};
  EmptySentences empty(path);
  for (const Line& line : read_lines(path, Encoding::kUtf8)) {
    std::string_view text = trim(line.text);
    size_t sp = 0;
    while (sp < text.size() && !is_space(text[sp])) ++sp;
    const std::string_view label = text.substr(0, sp);
    const std::string_view question = trim(text.substr(sp));
    const size_t colon = label.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == label.size())
      throw file_error(path.string(), line.number,
                       "expected 'COARSE:fine question' (e.g. 'NUM:dist How far ...'), got " +
                           shown(text));
    if (question.empty())
      throw file_error(path.string(), line.number, "no question after the label " + shown(label));
    auto tokens = split_tokens(clean_str(question, o.trec_lowercase));
    if (!empty.keep(tokens, line.number)) continue;
    split.examples.push_back(
        {line.number, std::string(o.trec_fine ? label : label.substr(0, colon)), std::move(tokens)});
  }
  return split;
}

RawSplit read_sst_file(const fs::path& path) {
  RawSplit split{path, {}};
  EmptySentences empty(path);
  for (const Line& line : read_lines(path, Encoding::kUtf8)) {
    std::string_view text = trim(line.text);
    size_t sp = 0;
    while (sp < text.size() && !is_space(text[sp])) ++sp;
    const std::string_view label = text.substr(0, sp);
    const std::string_view sentence = trim(text.substr(sp));
    const bool digits = !label.empty() && label.size() <= 9 &&
                        std::all_of(label.begin(), label.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    if (!digits)
      throw file_error(path.string(), line.number,
                       "expected 'LABEL sentence' with an integer label (e.g. '1 a gorgeous "
                       "film'), got " + shown(text));
    if (sentence.empty())
      throw file_error(path.string(), line.number, "no sentence after the label " + shown(label));
    auto tokens = split_tokens(clean_str_sst(sentence));
    if (!empty.keep(tokens, line.number)) continue;
    split.examples.push_back({line.number, std::to_string(std::stol(std::string(label))), std::move(tokens)});
  }
  return split;
}

RawSplit read_tsv_file(const fs::path& path, const TextReadOptions& o) {
  RawSplit split{path, {}};
  EmptySentences empty(path);
  for (const Line& line : read_lines(path, Encoding::kUtf8)) {
    const size_t tab = line.text.find('\t');
    if (tab == std::string::npos)
      throw file_error(path.string(), line.number,
                       "expected 'label<TAB>text', found no tab in " + shown(line.text));
    const std::string_view label = trim(std::string_view(line.text).substr(0, tab));
    if (label.empty())
      throw file_error(path.string(), line.number, "empty label before the tab");
    auto tokens = split_tokens(clean_str(std::string_view(line.text).substr(tab + 1), o.lowercase));
    if (!empty.keep(tokens, line.number)) continue;
    split.examples.push_back({line.number, std::string(label), std::move(tokens)});
  }
  return split;
}

TextDataset read_tsv_splits(const fs::path& train, const std::optional<fs::path>& dev,
                            const std::optional<fs::path>& test, const TextReadOptions& o) {
  TextDataset d;
  d.name = "tsv";
  const RawSplit tr = read_tsv_file(train, o);
  std::optional<RawSplit> dv, te;
  if (dev) dv = read_tsv_file(*dev, o);
  if (test) te = read_tsv_file(*test, o);
  assemble(d, tr, dv, te, std::less<std::string>());
  return d;
}

std::optional<fs::path> if_exists(const fs::path& p) {
  std::error_code ec;
  if (fs::exists(p, ec)) return p;
  return std::nullopt;
}

}  // namespace

TextDataset read_mr(const fs::path& dir, const TextReadOptions& o) {
  TextDataset d;
  d.name = "mr";
  d.labels = {"neg", "pos"};
  for (int label = 0; label < 2; ++label) {
    const fs::path path = dir / (label == 0 ? "rt-polarity.neg" : "rt-polarity.pos");
    const std::vector<Line> lines = read_lines(path, Encoding::kCp1252);
    if (lines.empty()) throw file_error(path.string(), "no sentences in the file");
    EmptySentences empty(path);
    for (const Line& line : lines) {
      auto tokens = split_tokens(clean_str(line.text, o.lowercase));
      if (empty.keep(tokens, line.number)) d.train.push_back({std::move(tokens), label});
    }
  }
  return d;
}

TextDataset read_trec(const fs::path& dir, const TextReadOptions& o) {
  TextDataset d;
  d.name = "trec";
  const RawSplit train = read_trec_file(dir / "train_5500.label", o);
  const std::optional<RawSplit> test = read_trec_file(dir / "TREC_10.label", o);
  assemble(d, train, std::nullopt, test, std::less<std::string>());
  return d;
}

TextDataset read_sst(const fs::path& dir, const TextReadOptions& /*o: SST is always lowercased*/) {
  // The prefix "X/stsa.binary" or "X/stsa.fine": from a folder, or from a path naming one of
  // the files (or the prefix itself).
  fs::path prefix;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    if (fs::exists(dir / "stsa.binary.train", ec)) prefix = dir / "stsa.binary";
    else if (fs::exists(dir / "stsa.fine.train", ec)) prefix = dir / "stsa.fine";
    else
      throw file_error(dir.string(),
                       "no SST training file: expected stsa.binary.train or stsa.fine.train");
  } else {
    const std::string ext = dir.extension().string();
    prefix = (ext == ".train" || ext == ".dev" || ext == ".test") ? fs::path(dir).replace_extension()
                                                                    : dir;
  }
  TextDataset d;
  const std::string stem = prefix.filename().string();
  d.name = stem.find("binary") != std::string::npos ? "sst2"
           : stem.find("fine") != std::string::npos ? "sst5"
                                                    : "sst";
  auto with = [&](const char* ext) { return fs::path(prefix.string() + ext); };
  const RawSplit train = read_sst_file(with(".train"));
  std::optional<RawSplit> dev, test;
  if (auto p = if_exists(with(".dev"))) dev = read_sst_file(*p);
  if (auto p = if_exists(with(".test"))) test = read_sst_file(*p);
  // stsa.binary labels are 0/1 and stsa.fine's 0..4: another number is a broken line, not a
  // new class.
  if (d.name != "sst") {
    const long top = d.name == "sst2" ? 1 : 4;
    const RawSplit* splits[] = {&train, dev ? &*dev : nullptr, test ? &*test : nullptr};
    for (const RawSplit* split : splits) {
      if (!split) continue;
      for (const Raw& r : split->examples) {
        if (std::stol(r.label) > top) {
          throw file_error(split->path.string(), r.line,
                           fmt::format("label {} is outside 0..{} of {}", r.label, top, stem));
        }
      }
    }
  }
  assemble(d, train, dev, test, numeric_less);
  return d;
}

TextDataset read_tsv(const fs::path& train, const std::optional<fs::path>& test,
                     const TextReadOptions& o) {
  return read_tsv_splits(train, std::nullopt, test, o);
}

TextDataset read_text_dataset(const std::string& spec, const TextReadOptions& o) {
  const size_t colon = spec.find(':');
  const std::string format = colon == std::string::npos ? std::string() : spec.substr(0, colon);
  const std::string path = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  static const char* kExpected =
      " (expected mr:PATH, trec:PATH, sst:PATH or tsv:PATH, e.g. mr:data/mr)";
  if (colon == std::string::npos) throw Error("dataset '" + spec + "' names no format" + kExpected);
  if (path.empty()) throw Error("dataset '" + spec + "' names no path" + kExpected);
  if (format == "mr") return read_mr(path, o);
  if (format == "trec") return read_trec(path, o);
  if (format == "sst") return read_sst(path, o);
  if (format == "tsv") {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      const fs::path dir(path);
      return read_tsv_splits(dir / "train.tsv", if_exists(dir / "dev.tsv"),
                             if_exists(dir / "test.tsv"), o);
    }
    return read_tsv(path, std::nullopt, o);
  }
  throw Error("unknown dataset format '" + format + "' in '" + spec + "'" + kExpected);
}

}  // namespace seer::text
