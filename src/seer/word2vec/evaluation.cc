#include "seer/word2vec/evaluation.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "seer/core/cores.h"
#include "seer/core/error.h"
#include "seer/word2vec/text_reader.h"

// The vector helpers are always inlined into their target clones; their ABI never shows.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace seer::word2vec {
namespace {

constexpr int kLanes = 8;
using v8 = float __attribute__((vector_size(32)));

inline v8 load8(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct TopK {
  int k;
  std::vector<std::pair<float, int32_t>> items;  // descending
  explicit TopK(int k_) : k(k_) {}
  void push(float score, int32_t i) {
    if (static_cast<int>(items.size()) == k && score <= items.back().first) return;
    auto it = std::upper_bound(items.begin(), items.end(), score,
                               [](float s, const auto& e) { return s > e.first; });
    items.insert(it, {score, i});
    if (static_cast<int>(items.size()) > k) items.pop_back();
  }
};

// scores[q * rows + r] = <query q, unit row (first + r)>, for a block of rows.
__attribute__((target_clones("arch=x86-64-v3", "default")))
void score_block(const float* queries, int nq, const float* rows, int nrows, int stride, float* scores) {
  const int nv = stride / kLanes;
  for (int r = 0; r < nrows; ++r) {
    const float* row = rows + static_cast<size_t>(r) * stride;
    for (int q = 0; q < nq; ++q) {
      const float* x = queries + static_cast<size_t>(q) * stride;
      v8 acc{};
      for (int c = 0; c < nv; ++c) acc += load8(x + c * kLanes) * load8(row + c * kLanes);
      float s = 0;
      for (int i = 0; i < kLanes; ++i) s += acc[i];
      scores[static_cast<size_t>(q) * nrows + r] = s;
    }
  }
}

std::vector<std::string> split_ws(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    const size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

std::ifstream open_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw file_error(file.string(), "cannot open");
  return in;
}

}  // namespace

std::string fold_case(std::string_view word) {
  std::string s(word);
  lowercase_utf8(s);
  return s;
}

// ---- VectorIndex ----------------------------------------------------------------------------
VectorIndex::VectorIndex(const WordVectors& vectors) : vectors_(vectors) {
  stride_ = (vectors.dim + kLanes - 1) / kLanes * kLanes;
  unit_.assign(vectors.size() * stride_, 0.0f);
  for (size_t i = 0; i < vectors.size(); ++i) {
    const float* r = vectors.row(i);
    double norm = 0;
    for (int d = 0; d < vectors.dim; ++d) norm += static_cast<double>(r[d]) * r[d];
    norm = std::sqrt(norm);
    if (norm > 0) {
      for (int d = 0; d < vectors.dim; ++d) unit_[i * stride_ + d] = static_cast<float>(r[d] / norm);
    }
  }
  for (size_t i = 0; i < vectors.size(); ++i) folded_.emplace(fold_case(vectors.words[i]), static_cast<int32_t>(i));
}

int32_t VectorIndex::find(std::string_view word) const {
  const int32_t i = vectors_.find(word);
  if (i >= 0) return i;
  const auto it = folded_.find(fold_case(word));
  return it == folded_.end() ? -1 : it->second;
}

int32_t VectorIndex::find_any_case(std::string_view word) const {
  const auto it = folded_.find(fold_case(word));
  return it == folded_.end() ? -1 : it->second;
}

float VectorIndex::cosine(size_t a, size_t b) const {
  double s = 0;
  for (int d = 0; d < stride_; ++d) s += static_cast<double>(unit(a)[d]) * unit(b)[d];
  return static_cast<float>(s);
}

// ---- neighbours -----------------------------------------------------------------------------
std::vector<Neighbour> most_similar(const VectorIndex& index, const std::vector<std::string>& positive,
                                    const std::vector<std::string>& negative, int k) {
  if (k < 1) throw Error(fmt::format("k must be at least 1, not {}", k));
  std::vector<float> query(index.stride(), 0.0f);
  std::vector<int32_t> exclude;
  const auto add = [&](const std::string& w, float sign) {
    const int32_t i = index.find(w);
    if (i < 0) throw Error("'" + w + "' is not in the vocabulary");
    exclude.push_back(i);
    for (int d = 0; d < index.stride(); ++d) query[d] += sign * index.unit(i)[d];
  };
  for (const auto& w : positive) add(w, 1.0f);
  for (const auto& w : negative) add(w, -1.0f);
  TopK top(k);
  const int block = 512;
  std::vector<float> scores(block);
  for (size_t start = 0; start < index.size(); start += block) {
    const int n = static_cast<int>(std::min<size_t>(block, index.size() - start));
    score_block(query.data(), 1, index.unit(start), n, index.stride(), scores.data());
    for (int r = 0; r < n; ++r) {
      const int32_t i = static_cast<int32_t>(start + r);
      if (std::find(exclude.begin(), exclude.end(), i) != exclude.end()) continue;
      top.push(scores[r], i);
    }
  }
  double norm = 0;
  for (float x : query) norm += static_cast<double>(x) * x;
  norm = norm > 0 ? std::sqrt(norm) : 1;
  std::vector<Neighbour> out;
  for (const auto& [score, i] : top.items) out.push_back({index.vectors().words[i], static_cast<float>(score / norm)});
  return out;
}

std::vector<Neighbour> nearest(const VectorIndex& index, std::string_view word, int k) {
  return most_similar(index, {std::string(word)}, {}, k);
}

std::vector<Neighbour> analogy(const VectorIndex& index, std::string_view a, std::string_view b,
                               std::string_view c, int k) {
  return most_similar(index, {std::string(b), std::string(c)}, {std::string(a)}, k);
}

// ---- analogy test ---------------------------------------------------------------------------
bool AnalogySection::semantic() const { return !name.starts_with("gram"); }

AnalogyResult evaluate_analogies(const VectorIndex& index, const std::filesystem::path& file,
                                 int64_t restrict_vocab, int threads) {
  const int64_t limit = restrict_vocab > 0 ? std::min<int64_t>(restrict_vocab, index.size())
                                           : static_cast<int64_t>(index.size());
  // Case-folded word -> its most frequent index among the first `limit` words.
  std::unordered_map<std::string, int32_t> ok;
  std::vector<std::string> folded(limit);
  for (int64_t i = limit - 1; i >= 0; --i) {
    folded[i] = fold_case(index.vectors().words[i]);
    ok[folded[i]] = static_cast<int32_t>(i);
  }
  struct Question {
    int32_t section;
    int32_t a, b, c;
    std::string expected;
    bool correct = false;
  };
  AnalogyResult result;
  std::vector<Question> questions;
  auto in = open_text(file);
  std::string line;
  long line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with(":")) {
      std::string name = line.substr(1);
      const size_t first = name.find_first_not_of(" \t");
      result.sections.push_back({first == std::string::npos ? "" : name.substr(first)});
      continue;
    }
    const auto words = split_ws(line);
    if (words.empty()) continue;
    if (words.size() != 4) throw file_error(file.string(), line_no, "expected 4 words: a b c d (a : b :: c : d)");
    if (result.sections.empty()) result.sections.push_back({""});
    auto& section = result.sections.back();
    ++section.total;
    int32_t ids[4];
    bool known = true;
    for (int j = 0; j < 4; ++j) {
      const auto it = ok.find(fold_case(words[j]));
      known = known && it != ok.end();
      ids[j] = known ? it->second : -1;
    }
    if (!known) continue;
    ++section.answered;
    questions.push_back({static_cast<int32_t>(result.sections.size() - 1), ids[0], ids[1], ids[2], fold_case(words[3])});
  }
  if (result.sections.empty() || questions.size() + 0 == 0) {
    int64_t total = 0;
    for (const auto& s : result.sections) total += s.total;
    if (total == 0) throw file_error(file.string(), "no analogy question found");
  }

  const int stride = index.stride();
  const int batch = 64, block = 1024;
  const size_t nbatches = (questions.size() + batch - 1) / batch;
  std::atomic<size_t> next_batch{0};
  const auto work = [&] {
    std::vector<float> queries(static_cast<size_t>(batch) * stride);
    std::vector<float> scores(static_cast<size_t>(batch) * block);
    std::vector<TopK> tops;
    for (size_t bi; (bi = next_batch.fetch_add(1)) < nbatches;) {
      const size_t q0 = bi * batch;
      const int nq = static_cast<int>(std::min<size_t>(batch, questions.size() - q0));
      tops.assign(nq, TopK(5));
      for (int q = 0; q < nq; ++q) {
        const auto& Q = questions[q0 + q];
        float* x = queries.data() + static_cast<size_t>(q) * stride;
        for (int d = 0; d < stride; ++d) x[d] = index.unit(Q.b)[d] - index.unit(Q.a)[d] + index.unit(Q.c)[d];
      }
      for (int64_t start = 0; start < limit; start += block) {
        const int n = static_cast<int>(std::min<int64_t>(block, limit - start));
        score_block(queries.data(), nq, index.unit(start), n, stride, scores.data());
        for (int q = 0; q < nq; ++q) {
          const auto& Q = questions[q0 + q];
          const float* s = scores.data() + static_cast<size_t>(q) * n;
          for (int r = 0; r < n; ++r) {
            const int32_t i = static_cast<int32_t>(start + r);
            if (i == Q.a || i == Q.b || i == Q.c) continue;
            tops[q].push(s[r], i);
          }
        }
      }
      for (int q = 0; q < nq; ++q) {
        auto& Q = questions[q0 + q];
        for (const auto& [score, i] : tops[q].items) {
          const std::string& f = folded[i];
          if (f == folded[Q.a] || f == folded[Q.b] || f == folded[Q.c]) continue;
          Q.correct = f == Q.expected;
          break;
        }
      }
    }
  };
  int n_threads = threads > 0 ? threads : available_cores();
  n_threads = std::clamp<int>(n_threads, 1, static_cast<int>(std::max<size_t>(1, nbatches)));
  std::vector<std::thread> pool;
  try {
    for (int t = 1; t < n_threads; ++t) pool.emplace_back(work);
  } catch (const std::system_error&) {
    // Fewer threads than asked for: the ones running and this one share the batches.
  }
  work();
  for (auto& t : pool) t.join();

  for (const auto& Q : questions) {
    if (Q.correct) ++result.sections[Q.section].correct;
  }
  for (const auto& s : result.sections) {
    result.total += s.total;
    result.answered += s.answered;
    result.correct += s.correct;
    (s.semantic() ? result.semantic_answered : result.syntactic_answered) += s.answered;
    (s.semantic() ? result.semantic_correct : result.syntactic_correct) += s.correct;
  }
  return result;
}

// ---- similarity -----------------------------------------------------------------------------
std::vector<double> average_ranks(const std::vector<double>& values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw Error("spearman: sizes differ");
  const size_t n = x.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const auto rx = average_ranks(x), ry = average_ranks(y);
  const double mean = (static_cast<double>(n) + 1) / 2;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
  return sxy / std::sqrt(sxx * syy);
}

SimilarityResult evaluate_similarity(const VectorIndex& index, const std::filesystem::path& file,
                                     int64_t restrict_vocab) {
  auto in = open_text(file);
  std::string line;
  long line_no = 0;
  SimilarityResult result;
  std::vector<double> gold, model;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with("#")) continue;
    const auto f = split_ws(line);
    if (f.empty()) continue;
    double score = 0;
    const auto r = f.size() == 3 ? std::from_chars(f[2].data(), f[2].data() + f[2].size(), score)
                                 : std::from_chars_result{nullptr, std::errc::invalid_argument};
    if (r.ec != std::errc() || r.ptr != f[2].data() + f[2].size()) {
      throw file_error(file.string(), line_no, "expected \"word1 word2 score\"");
    }
    if (!std::isfinite(score)) throw file_error(file.string(), line_no, "the score is not a finite number");
    ++result.total;
    const int32_t a = index.find_any_case(f[0]), b = index.find_any_case(f[1]);
    const auto known = [&](int32_t i) { return i >= 0 && (restrict_vocab <= 0 || i < restrict_vocab); };
    if (!known(a) || !known(b)) continue;
    ++result.found;
    gold.push_back(score);
    model.push_back(index.cosine(a, b));
  }
  if (result.total == 0) throw file_error(file.string(), "no word pair found");
  result.spearman = spearman(gold, model);
  return result;
}

}  // namespace seer::word2vec
