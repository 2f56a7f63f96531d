#include "seer/textcnn/embeddings.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
#include <vector>

#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::textcnn {
namespace {

// U[-a, a] from a 64-bit Mersenne twister, without std distributions (whose output differs
// between standard libraries): the top 24 bits make a float in [0, 1).
class Uniform {
 public:
  Uniform(uint64_t seed, double a) : gen_(seed), a_(static_cast<float>(a)) {}
  float next() {
    const float u = static_cast<float>(gen_() >> 40) * (1.0f / 16777216.0f);
    return -a_ + 2 * a_ * u;
  }

 private:
  std::mt19937_64 gen_;
  float a_;
};

}  // namespace

InitialEmbeddings random_embeddings(const text::TextVocabulary& vocab, int64_t dim, uint64_t seed) {
  if (dim < 1) throw Error("embedding size must be >= 1");
  InitialEmbeddings out;
  const int64_t V = static_cast<int64_t>(vocab.size());
  out.matrix = torch::zeros({V, dim});
  out.words = V - 1;
  Uniform u(seed, kKimUnknownRange);
  float* m = out.matrix.data_ptr<float>();
  for (int64_t i = dim; i < V * dim; ++i) m[i] = u.next();
  return out;
}

InitialEmbeddings initial_embeddings(const text::TextVocabulary& vocab,
                                     const word2vec::WordVectors& vectors, uint64_t seed,
                                     const EmbeddingInitOptions& options) {
  if (vectors.dim < 1) throw Error("word vectors have no dimensions");
  if (!(options.unknown_range >= 0)) throw Error("the unknown words' range must be >= 0 (0: matched)");
  if (!(options.vectors_range >= 0)) throw Error("the vectors' range must be >= 0 (0: as read)");
  InitialEmbeddings out;
  const int64_t V = static_cast<int64_t>(vocab.size()), D = vectors.dim;
  out.matrix = torch::zeros({V, D});
  out.words = V - 1;
  float* m = out.matrix.data_ptr<float>();
  std::vector<char> known(static_cast<size_t>(V), 0);
  double sum = 0, sum_sq = 0;
  for (int64_t id = 1; id < V; ++id) {
    const std::string& w = vocab.word(static_cast<int>(id));
    int32_t row = vectors.find(w);
    if (row < 0 && options.lowercase_fallback) {
      std::string lower = w;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      row = vectors.find(lower);
    }
    if (row < 0) continue;
    const float* src = vectors.row(row);
    std::copy(src, src + D, m + id * D);
    for (int64_t j = 0; j < D; ++j) {
      sum += src[j];
      sum_sq += static_cast<double>(src[j]) * src[j];
    }
    known[static_cast<size_t>(id)] = 1;
    ++out.found;
  }
  if (out.found > 0) {
    const double n = static_cast<double>(out.found) * static_cast<double>(D);
    const double mean = sum / n;
    out.vectors_range = std::sqrt(3 * std::max(0.0, sum_sq / n - mean * mean));
  }
  double matched = out.vectors_range;
  if (options.vectors_range > 0 && out.vectors_range > 0) {
    out.vectors_scale = options.vectors_range / out.vectors_range;
    matched = options.vectors_range;
    const float s = static_cast<float>(out.vectors_scale);
    for (int64_t id = 1; id < V; ++id) {
      if (!known[static_cast<size_t>(id)]) continue;
      for (int64_t j = 0; j < D; ++j) m[id * D + j] *= s;
    }
  }
  out.unknown_range = options.unknown_range > 0 ? options.unknown_range
                      : matched > 0            ? matched
                                               : kKimUnknownRange;
  Uniform u(seed, out.unknown_range);
  for (int64_t id = 1; id < V; ++id) {
    if (known[static_cast<size_t>(id)]) continue;
    float* dst = m + id * D;
    for (int64_t j = 0; j < D; ++j) dst[j] = u.next();
  }
  return out;
}

}  // namespace seer::textcnn
