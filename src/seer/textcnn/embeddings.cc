#include "seer/textcnn/embeddings.h"

#include <algorithm>
#include <cctype>
#include <random>

#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::textcnn {
namespace {

// U[-0.25, 0.25] from a 64-bit Mersenne twister, without std distributions (whose output
// differs between standard libraries): the top 24 bits make a float in [0, 1).
class Uniform {
 public:
  explicit Uniform(uint64_t seed) : gen_(seed) {}
  float next() {
    const float u = static_cast<float>(gen_() >> 40) * (1.0f / 16777216.0f);
    return -0.25f + 0.5f * u;
  }

 private:
  std::mt19937_64 gen_;
};

}  // namespace

InitialEmbeddings random_embeddings(const text::TextVocabulary& vocab, int64_t dim, uint64_t seed) {
  if (dim < 1) throw Error("embedding size must be >= 1");
  InitialEmbeddings out;
  const int64_t V = static_cast<int64_t>(vocab.size());
  out.matrix = torch::zeros({V, dim});
  out.words = V - 1;
  Uniform u(seed);
  float* m = out.matrix.data_ptr<float>();
  for (int64_t i = dim; i < V * dim; ++i) m[i] = u.next();
  return out;
}

InitialEmbeddings initial_embeddings(const text::TextVocabulary& vocab,
                                     const word2vec::WordVectors& vectors, uint64_t seed,
                                     bool lowercase_fallback) {
  if (vectors.dim < 1) throw Error("word vectors have no dimensions");
  InitialEmbeddings out;
  const int64_t V = static_cast<int64_t>(vocab.size()), D = vectors.dim;
  out.matrix = torch::zeros({V, D});
  out.words = V - 1;
  Uniform u(seed);
  float* m = out.matrix.data_ptr<float>();
  for (int64_t id = 1; id < V; ++id) {
    const std::string& w = vocab.word(static_cast<int>(id));
    int32_t row = vectors.find(w);
    if (row < 0 && lowercase_fallback) {
      std::string lower = w;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      row = vectors.find(lower);
    }
    float* dst = m + id * D;
    if (row >= 0) {
      std::copy(vectors.row(row), vectors.row(row) + D, dst);
      ++out.found;
    } else {
      for (int64_t j = 0; j < D; ++j) dst[j] = u.next();
    }
  }
  return out;
}

InitialEmbeddings load_initial_embeddings(const text::TextVocabulary& vocab,
                                          const std::filesystem::path& vectors_file,
                                          uint64_t seed) {
  auto vectors = word2vec::load_vectors(vectors_file);
  return initial_embeddings(vocab, vectors, seed);
}

}  // namespace seer::textcnn
