#include "seer/word2vec/vocabulary.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "seer/core/error.h"

namespace seer::word2vec {
namespace {

uint32_t hash_word(std::string_view s) {
  // FNV-1a, 32 bits.
  uint32_t h = 2166136261u;
  for (const char c : s) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return h;
}

}  // namespace

// ---- Vocabulary -----------------------------------------------------------------------------
Vocabulary::Vocabulary() {
  rehash(1024);
  add(kEndOfSentence, 0);
}

void Vocabulary::rehash(size_t capacity) {
  table_.assign(capacity, -1);
  const size_t mask = capacity - 1;
  for (size_t i = 0; i < words_.size(); ++i) {
    size_t slot = hashes_[i] & mask;
    while (table_[slot] >= 0) slot = (slot + 1) & mask;
    table_[slot] = static_cast<int32_t>(i);
  }
}

int32_t Vocabulary::find(std::string_view word) const {
  const uint32_t h = hash_word(word);
  const size_t mask = table_.size() - 1;
  for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
    const int32_t i = table_[slot];
    if (i < 0) return -1;
    if (hashes_[i] == h && words_[i].word == word) return i;
  }
}

void Vocabulary::add(std::string_view word, int64_t count) {
  const uint32_t h = hash_word(word);
  const size_t mask = table_.size() - 1;
  size_t slot = h & mask;
  for (;; slot = (slot + 1) & mask) {
    const int32_t i = table_[slot];
    if (i < 0) break;
    if (hashes_[i] == h && words_[i].word == word) {
      words_[i].count += count;
      return;
    }
  }
  table_[slot] = static_cast<int32_t>(words_.size());
  words_.push_back({std::string(word), count});
  hashes_.push_back(h);
  if (words_.size() * 2 > table_.size()) rehash(table_.size() * 2);
}

void Vocabulary::prune(int64_t min_reduce) {
  size_t kept = 0;
  for (size_t i = 0; i < words_.size(); ++i) {
    if (i == 0 || words_[i].count > min_reduce) {
      if (kept != i) {
        words_[kept] = std::move(words_[i]);
        hashes_[kept] = hashes_[i];
      }
      ++kept;
    }
  }
  words_.resize(kept);
  hashes_.resize(kept);
  rehash(table_.size());
}

void Vocabulary::sort_and_trim(int64_t min_count) {
  std::vector<size_t> order(words_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin() + 1, order.end(),
                   [&](size_t a, size_t b) { return words_[a].count > words_[b].count; });
  std::vector<VocabWord> sorted;
  std::vector<uint32_t> hashes;
  for (const size_t i : order) {
    if (i != 0 && words_[i].count < min_count) continue;
    sorted.push_back(std::move(words_[i]));
    hashes.push_back(hashes_[i]);
  }
  words_ = std::move(sorted);
  hashes_ = std::move(hashes);
  size_t capacity = 1024;
  while (capacity < words_.size() * 2) capacity *= 2;
  rehash(capacity);
}

int64_t Vocabulary::total_count() const {
  int64_t total = 0;
  for (const auto& w : words_) total += w.count;
  return total;
}

Vocabulary Vocabulary::build(const Corpus& corpus, const VocabOptions& options,
                             const std::function<void(int64_t)>& progress) {
  Vocabulary vocab;
  TokenReader reader(corpus, options.text, /*validate_utf8=*/true);
  std::string_view token;
  int64_t min_reduce = 1;
  int64_t tokens = 0;
  const int32_t eos = 0;
  while (reader.next(token)) {
    ++tokens;
    if (token.data() == kEndOfSentence.data()) {
      vocab.words_[eos].count += 1;
    } else {
      vocab.add(token);
    }
    if (static_cast<int64_t>(vocab.size()) > options.max_size) vocab.prune(min_reduce++);
    if (progress && (tokens & 0xFFFFF) == 0) progress(tokens);
  }
  vocab.sort_and_trim(options.min_count);
  if (vocab.size() < 2) {
    throw file_error(corpus.files().front().string(),
                     tokens == 0 ? "the corpus holds no word"
                                 : "no word of the corpus occurs at least " +
                                       std::to_string(options.min_count) + " times (--min-count)");
  }
  return vocab;
}

// ---- HuffmanTree (word2vec.c CreateBinaryTree) ----------------------------------------------
HuffmanTree::HuffmanTree(const std::vector<int64_t>& counts) {
  const int64_t v = static_cast<int64_t>(counts.size());
  if (v < 2) throw Error("hierarchical softmax needs at least 2 words in the vocabulary");
  std::vector<int64_t> count(2 * v, static_cast<int64_t>(1e15));
  std::vector<int64_t> parent(2 * v, 0);
  std::vector<uint8_t> binary(2 * v, 0);
  for (int64_t a = 0; a < v; ++a) count[a] = counts[a];
  int64_t pos1 = v - 1, pos2 = v;
  for (int64_t a = 0; a < v - 1; ++a) {
    int64_t min1, min2;
    if (pos1 >= 0 && count[pos1] < count[pos2]) min1 = pos1--;
    else min1 = pos2++;
    if (pos1 >= 0 && count[pos1] < count[pos2]) min2 = pos1--;
    else min2 = pos2++;
    count[v + a] = count[min1] + count[min2];
    parent[min1] = v + a;
    parent[min2] = v + a;
    binary[min2] = 1;
  }
  offsets_.assign(1, 0);
  std::vector<uint8_t> code;
  std::vector<int64_t> point;
  for (int64_t a = 0; a < v; ++a) {
    code.clear();
    point.clear();
    for (int64_t b = a;;) {
      code.push_back(binary[b]);
      point.push_back(b);
      b = parent[b];
      if (b == v * 2 - 2) break;
    }
    const size_t n = code.size();
    // Root first: codes reversed; points: the root (v-2 after the shift), then the inner nodes
    // on the way down (word2vec.c's point[i - b] = point[b] - V; the leaf itself is not used).
    codes_.insert(codes_.end(), code.rbegin(), code.rend());
    points_.push_back(static_cast<int32_t>(v - 2));
    for (size_t b = n - 1; b >= 1; --b) points_.push_back(static_cast<int32_t>(point[b] - v));
    offsets_.push_back(codes_.size());
  }
}

// ---- NoiseSampler ---------------------------------------------------------------------------
NoiseSampler::NoiseSampler(const std::vector<int64_t>& counts, double power) : size_(counts.size()) {
  const size_t n = counts.size();
  if (n == 0) throw Error("negative sampling needs a non-empty vocabulary");
  std::vector<double> p(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += p[i] = std::pow(static_cast<double>(counts[i]), power);
  if (!(sum > 0)) {
    std::fill(p.begin(), p.end(), 1.0);
    sum = static_cast<double>(n);
  }
  for (auto& x : p) x = x / sum * static_cast<double>(n);
  cells_.assign(n, Cell{0xFFFFFFFFu, 0});
  std::vector<size_t> small, large;
  for (size_t i = 0; i < n; ++i) (p[i] < 1.0 ? small : large).push_back(i);
  std::vector<double> prob(n, 1.0);
  std::vector<int32_t> alias(n);
  std::iota(alias.begin(), alias.end(), 0);
  while (!small.empty() && !large.empty()) {
    const size_t s = small.back(), l = large.back();
    small.pop_back();
    prob[s] = p[s];
    alias[s] = static_cast<int32_t>(l);
    p[l] -= 1.0 - p[s];
    if (p[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const double t = std::ldexp(prob[i], 32);
    cells_[i].threshold = t >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<uint32_t>(t);
    cells_[i].alias = prob[i] >= 1.0 ? static_cast<int32_t>(i) : alias[i];
  }
}

double NoiseSampler::probability(size_t w) const {
  double p = 0;
  const double n = static_cast<double>(size_);
  for (size_t b = 0; b < size_; ++b) {
    const double keep = cells_[b].alias == static_cast<int32_t>(b) ? 1.0 : std::ldexp(cells_[b].threshold, -32);
    if (b == w) p += keep / n;
    if (cells_[b].alias == static_cast<int32_t>(w) && cells_[b].alias != static_cast<int32_t>(b)) p += (1 - keep) / n;
  }
  return p;
}

// ---- subsampling ----------------------------------------------------------------------------
double keep_probability(int64_t count, int64_t total, double sample) {
  if (sample <= 0 || count <= 0) return 1.0;
  const double st = sample * static_cast<double>(total);
  const double c = static_cast<double>(count);
  return std::min(1.0, (std::sqrt(c / st) + 1) * st / c);
}

std::vector<uint32_t> keep_thresholds(const std::vector<int64_t>& counts, double sample) {
  int64_t total = 0;
  for (const auto c : counts) total += c;
  std::vector<uint32_t> out(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    const double keep = keep_probability(counts[i], total, sample);
    out[i] = keep >= 1.0 ? 65536u : static_cast<uint32_t>(std::floor(keep * 65536.0));
  }
  return out;
}

}  // namespace seer::word2vec
