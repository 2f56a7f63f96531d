#include "seer/word2vec/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "seer/core/cores.h"
#include "seer/core/error.h"
#include "seer/core/progress_bar.h"
#include "seer/word2vec/random.h"

// The vector helpers are always inlined into their target clones; their ABI never shows.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace seer::word2vec {
namespace {

constexpr int kExpTableSize = 1000;
constexpr float kMaxExp = 6.0f;
constexpr int kLanes = 8;  // floats per vector register (AVX2); rows are padded to it

using Clock = std::chrono::steady_clock;

// ---- aligned storage ------------------------------------------------------------------------
struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using AlignedFloats = std::unique_ptr<float[], FreeDeleter>;

AlignedFloats aligned_zeros(size_t count) {
  const size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
  auto* p = static_cast<float*>(std::aligned_alloc(64, std::max<size_t>(bytes, 64)));
  if (!p) throw Error("out of memory for the word2vec matrices");
  std::memset(p, 0, bytes);
  return AlignedFloats(p);
}

// ---- vector kernels (GCC vector extensions; each target clone compiles them for its ISA) ---
using v8 = float __attribute__((vector_size(32)));
#define W2V_INLINE static inline __attribute__((always_inline))

W2V_INLINE v8 load8(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
W2V_INLINE void store8(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }
W2V_INLINE float hsum(v8 v) {
  float s = 0;
  for (int i = 0; i < kLanes; ++i) s += v[i];
  return s;
}
W2V_INLINE v8 splat(float x) { return v8{} + x; }

W2V_INLINE float dot(const float* a, const float* b, int nv) {
  v8 s0{}, s1{};
  int c = 0;
  for (; c + 1 < nv; c += 2) {
    s0 += load8(a + c * kLanes) * load8(b + c * kLanes);
    s1 += load8(a + (c + 1) * kLanes) * load8(b + (c + 1) * kLanes);
  }
  if (c < nv) s0 += load8(a + c * kLanes) * load8(b + c * kLanes);
  return hsum(s0 + s1);
}

// y += g * x
W2V_INLINE void axpy(float* y, float g, const float* x, int nv) {
  const v8 gv = splat(g);
  for (int c = 0; c < nv; ++c) store8(y + c * kLanes, load8(y + c * kLanes) + gv * load8(x + c * kLanes));
}

struct Shared {
  const Corpus* corpus = nullptr;
  const Vocabulary* vocab = nullptr;
  TrainOptions opt;
  int stride = 0;  // floats per row (dim rounded up to kLanes)
  float* syn0 = nullptr;
  float* syn1 = nullptr;     // hierarchical softmax: inner nodes
  float* syn1neg = nullptr;  // negative sampling: output words
  const HuffmanTree* tree = nullptr;
  const NoiseSampler* noise = nullptr;
  std::vector<uint32_t> keep;
  std::vector<uint64_t> bounds;
  int64_t train_words = 0;
  float start_alpha = 0;
  double end_alpha = 0;  // fraction of start_alpha at the last word
  float exp_table[kExpTableSize + 1];
  std::atomic<int64_t> words_actual{0};
  std::atomic<bool> stop{false};
};

// One cache line per thread: counters the monitor reads, never shared with a neighbour.
struct alignas(64) ThreadSlot {
  std::atomic<int64_t> words{0};
  std::atomic<float> alpha{0};
  std::atomic<bool> finished{false};
  std::exception_ptr error;
};

W2V_INLINE float sigmoid_table(const float* table, float f) {
  return table[static_cast<int>((f + kMaxExp) * (kExpTableSize / kMaxExp / 2))];
}

// The gradient scale of one output for score f: word2vec.c's rules. Negative sampling clips
// the sigmoid to 0/1 outside (-6, 6); hierarchical softmax skips such nodes (g = 0).
W2V_INLINE float gradient(const float* table, float f, float label, bool hs, float alpha) {
  if (f > kMaxExp) return hs ? 0.0f : (label - 1.0f) * alpha;
  if (f < -kMaxExp) return hs ? 0.0f : label * alpha;
  return (label - sigmoid_table(table, f)) * alpha;
}

// Skip-gram, one window as matrix products: in (ni context rows) x out (no output rows).
//   G = (labels - sigmoid(In Out^T)) * alpha          (ni x no)
//   Out += G^T In ;  In += G Out     (both from the values before the update)
W2V_INLINE void sg_window(float* const* in, int ni, float* const* out, const float* label, int no,
                          bool hs, float alpha, const float* table, float* g, float* out_delta,
                          int nv) {
  // G
  for (int i = 0; i < ni; ++i) {
    const float* x = in[i];
    int k = 0;
    for (; k + 4 <= no; k += 4) {
      v8 a0{}, a1{}, a2{}, a3{};
      const float *o0 = out[k], *o1 = out[k + 1], *o2 = out[k + 2], *o3 = out[k + 3];
      for (int c = 0; c < nv; ++c) {
        const v8 xv = load8(x + c * kLanes);
        a0 += xv * load8(o0 + c * kLanes);
        a1 += xv * load8(o1 + c * kLanes);
        a2 += xv * load8(o2 + c * kLanes);
        a3 += xv * load8(o3 + c * kLanes);
      }
      g[i * no + k] = hsum(a0);
      g[i * no + k + 1] = hsum(a1);
      g[i * no + k + 2] = hsum(a2);
      g[i * no + k + 3] = hsum(a3);
    }
    for (; k < no; ++k) g[i * no + k] = dot(x, out[k], nv);
    for (k = 0; k < no; ++k) g[i * no + k] = gradient(table, g[i * no + k], label[k], hs, alpha);
  }
  // Out deltas from the old In.
  for (int k = 0; k < no; ++k) {
    float* d = out_delta + static_cast<size_t>(k) * nv * kLanes;
    for (int c = 0; c < nv; ++c) {
      v8 acc{};
      for (int i = 0; i < ni; ++i) acc += splat(g[i * no + k]) * load8(in[i] + c * kLanes);
      store8(d + c * kLanes, acc);
    }
  }
  // In += G Out (old Out), then Out += deltas.
  for (int i = 0; i < ni; ++i) {
    float* x = in[i];
    const float* gi = g + i * no;
    for (int c = 0; c < nv; ++c) {
      v8 acc = load8(x + c * kLanes);
      for (int k = 0; k < no; ++k) acc += splat(gi[k]) * load8(out[k] + c * kLanes);
      store8(x + c * kLanes, acc);
    }
  }
  for (int k = 0; k < no; ++k) {
    float* o = out[k];
    const float* d = out_delta + static_cast<size_t>(k) * nv * kLanes;
    for (int c = 0; c < nv; ++c) store8(o + c * kLanes, load8(o + c * kLanes) + load8(d + c * kLanes));
  }
}

struct Scratch {
  std::vector<int32_t> sentence;
  std::vector<float*> in, out;
  std::vector<float> label, g;
  AlignedFloats hidden, error, out_delta;
};

__attribute__((target_clones("arch=x86-64-v3", "default")))
void train_thread(Shared& s, ThreadSlot& slot, int id) {
  const TrainOptions& opt = s.opt;
  const Vocabulary& vocab = *s.vocab;
  const int stride = s.stride, nv = stride / kLanes;
  const bool hs = opt.loss == Loss::kHierarchicalSoftmax;
  const bool subsample = opt.sample > 0;
  const int window = opt.window;
  const float* table = s.exp_table;
  const uint32_t* keep = s.keep.data();
  float* const syn0 = s.syn0;
  float* const syn_out = hs ? s.syn1 : s.syn1neg;

  Lcg rng(opt.seed + static_cast<uint64_t>(id));
  Scratch sc;
  sc.sentence.reserve(opt.max_sentence);
  int max_outputs = opt.negative + 1;
  if (hs) {
    for (size_t w = 0; w < s.tree->size(); ++w) max_outputs = std::max(max_outputs, s.tree->length(w));
  }
  sc.in.resize(2 * window + 1);
  sc.out.resize(max_outputs);
  sc.label.resize(max_outputs);
  sc.g.resize(static_cast<size_t>(2 * window + 1) * max_outputs);
  sc.hidden = aligned_zeros(stride);
  sc.error = aligned_zeros(stride);
  sc.out_delta = aligned_zeros(static_cast<size_t>(stride) * max_outputs);
  float* const hidden = sc.hidden.get();
  float* const error = sc.error.get();

  float alpha = s.start_alpha;
  const double total = static_cast<double>(opt.epochs) * static_cast<double>(s.train_words) + 1;
  int64_t word_count = 0, last_word_count = 0, published = 0;
  const auto publish = [&] {
    s.words_actual.fetch_add(word_count - last_word_count, std::memory_order_relaxed);
    last_word_count = word_count;
    const double progress = std::min(1.0, s.words_actual.load(std::memory_order_relaxed) / total);
    alpha = static_cast<float>(s.start_alpha * (1 - progress * (1 - s.end_alpha)));
    published = word_count;
    slot.words.store(word_count, std::memory_order_relaxed);
    slot.alpha.store(alpha, std::memory_order_relaxed);
  };

  for (int epoch = 0; epoch < opt.epochs && !s.stop.load(std::memory_order_relaxed); ++epoch) {
    TokenReader reader(*s.corpus, opt.vocab.text, s.bounds[id], s.bounds[id + 1]);
    bool eof = false;
    std::string_view token;
    while (!eof) {
      auto& sen = sc.sentence;
      sen.clear();
      while (static_cast<int>(sen.size()) < opt.max_sentence) {
        if (!reader.next(token)) {
          eof = true;
          break;
        }
        const int32_t w = token.data() == kEndOfSentence.data() ? 0 : vocab.find(token);
        if (w < 0) continue;
        ++word_count;
        if (w == 0) break;
        if (subsample && (rng.next32() & 0xFFFF) > keep[w]) continue;
        sen.push_back(w);
      }
      if (word_count - last_word_count > 10000) {
        publish();
        if (s.stop.load(std::memory_order_relaxed)) return;
      }
      const int n = static_cast<int>(sen.size());
      for (int pos = 0; pos < n; ++pos) {
        const int32_t word = sen[pos];
        const int b = static_cast<int>(rng.next32() % static_cast<uint32_t>(window));
        int ni = 0;
        for (int a = b; a < window * 2 + 1 - b; ++a) {
          if (a == window) continue;
          const int c = pos - window + a;
          if (c < 0 || c >= n) continue;
          sc.in[ni++] = syn0 + static_cast<size_t>(sen[c]) * stride;
        }
        if (ni == 0) continue;
        // The outputs: the centre word and its negatives, or its Huffman path.
        int no = 0;
        if (hs) {
          const int len = s.tree->length(word);
          const uint8_t* code = s.tree->codes(word);
          const int32_t* point = s.tree->points(word);
          for (int j = 0; j < len; ++j) {
            sc.out[no] = syn_out + static_cast<size_t>(point[j]) * stride;
            sc.label[no++] = 1.0f - static_cast<float>(code[j]);
          }
        } else {
          sc.out[no] = syn_out + static_cast<size_t>(word) * stride;
          sc.label[no++] = 1.0f;
          for (int d = 0; d < opt.negative; ++d) {
            const int32_t target = s.noise->sample(rng.next());
            if (target == word) continue;
            sc.out[no] = syn_out + static_cast<size_t>(target) * stride;
            sc.label[no++] = 0.0f;
          }
        }
        if (opt.model == Model::kSkipGram) {
          sg_window(sc.in.data(), ni, sc.out.data(), sc.label.data(), no, hs, alpha, table,
                    sc.g.data(), sc.out_delta.get(), nv);
          continue;
        }
        // CBOW (cbow_mean = 1): hidden = mean of the context; each output updated in turn.
        const v8 scale = splat(1.0f / static_cast<float>(ni));
        for (int c = 0; c < nv; ++c) {
          v8 acc{};
          for (int i = 0; i < ni; ++i) acc += load8(sc.in[i] + c * kLanes);
          store8(hidden + c * kLanes, acc * scale);
          store8(error + c * kLanes, v8{});
        }
        for (int k = 0; k < no; ++k) {
          float* o = sc.out[k];
          const float f = dot(hidden, o, nv);
          const float g = gradient(table, f, sc.label[k], hs, alpha);
          if (g == 0.0f) continue;
          const v8 gv = splat(g);
          for (int c = 0; c < nv; ++c) {
            const v8 ov = load8(o + c * kLanes);
            store8(error + c * kLanes, load8(error + c * kLanes) + gv * ov);
            store8(o + c * kLanes, ov + gv * load8(hidden + c * kLanes));
          }
        }
        for (int i = 0; i < ni; ++i) axpy(sc.in[i], 1.0f, error, nv);
      }
    }
    publish();
  }
  (void)published;
}

}  // namespace

void initial_vectors(float* syn0, size_t words, int dim, size_t stride, uint64_t seed) {
  // word2vec.c's distribution, uniform in [-0.5, 0.5) / dim from one LCG stream, but from the
  // LCG's good bits (Lcg::uniform): word2vec.c's low 16 bits made words 16,384 apart start
  // out identical (measured: +1.0 point of CBOW analogy accuracy at 1 thread, 3 seeds).
  Lcg init(seed);
  for (size_t w = 0; w < words; ++w) {
    for (int d = 0; d < dim; ++d) {
      syn0[w * stride + d] = (init.uniform() - 0.5f) / static_cast<float>(dim);
    }
  }
}

double default_alpha(Model model) { return model == Model::kSkipGram ? 0.025 : 0.075; }
double default_end_alpha(Model model) { return model == Model::kSkipGram ? 1e-4 : 1.0 / 6; }

void validate(const TrainOptions& options) {
  if (options.dim < 1 || options.dim > 10000) throw Error("--dim must be in 1..10000");
  if (options.window < 1 || options.window > 100) throw Error("--window must be in 1..100");
  if (options.epochs < 1) throw Error("--epochs must be at least 1");
  if (options.loss == Loss::kNegativeSampling && (options.negative < 1 || options.negative > 100)) {
    throw Error("--negative must be in 1..100");
  }
  if (!(options.sample >= 0 && options.sample < 1)) throw Error("--sample must be in [0, 1) (0: no subsampling)");
  if (!(options.alpha >= 0 && options.alpha <= 10)) throw Error("--alpha must be a positive learning rate");
  if (!(options.end_alpha >= 0 && options.end_alpha <= 1)) {
    throw Error("--end-alpha must be in [0, 1]: the last learning rate as a fraction of --alpha (0: the default)");
  }
  if (options.threads < 0 || options.threads > kMaxThreads) {
    throw Error(fmt::format("--threads must be in 0..{} (0: all cores)", kMaxThreads));
  }
  if (options.vocab.min_count < 1) throw Error("--min-count must be at least 1");
  if (options.max_sentence < 1) throw Error("max_sentence must be at least 1");
}

WordVectors train(const Corpus& corpus, const TrainOptions& options, TrainStats* stats) {
  validate(options);  // before the (long) vocabulary pass
  const auto t0 = Clock::now();
  if (options.progress) std::fprintf(stderr, "word2vec: counting words in %zu file(s), %s bytes\n",
                                     corpus.files().size(), format_si(corpus.total_bytes()).c_str());
  Vocabulary vocab = Vocabulary::build(corpus, options.vocab);
  const double vocab_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (options.progress) {
    std::fprintf(stderr, "word2vec: %zu words in the vocabulary (min count %lld), %s tokens, %.1fs\n",
                 vocab.size(), static_cast<long long>(options.vocab.min_count),
                 format_si(static_cast<double>(vocab.total_count())).c_str(), vocab_seconds);
  }
  WordVectors vectors = train(corpus, vocab, options, stats);
  if (stats) stats->vocab_seconds = vocab_seconds;
  return vectors;
}

WordVectors train(const Corpus& corpus, const Vocabulary& vocab, const TrainOptions& options,
                  TrainStats* stats) {
  validate(options);
  if (vocab.size() < 2) throw Error("the vocabulary needs at least 2 words");
  auto s = std::make_unique<Shared>();
  s->corpus = &corpus;
  s->vocab = &vocab;
  s->opt = options;
  int threads = options.threads > 0 ? options.threads : available_cores();
  threads = std::max(1, threads);
  s->opt.threads = threads;
  s->start_alpha = static_cast<float>(options.alpha > 0 ? options.alpha : default_alpha(options.model));
  s->end_alpha = options.end_alpha > 0 ? options.end_alpha : default_end_alpha(options.model);
  s->stride = (options.dim + kLanes - 1) / kLanes * kLanes;
  const size_t v = vocab.size();
  const size_t stride = static_cast<size_t>(s->stride);

  std::vector<int64_t> counts(v);
  for (size_t i = 0; i < v; ++i) counts[i] = vocab[i].count;
  s->train_words = vocab.total_count();
  s->keep = keep_thresholds(counts, options.sample);
  std::unique_ptr<HuffmanTree> tree;
  std::unique_ptr<NoiseSampler> noise;
  AlignedFloats syn0 = aligned_zeros(v * stride), syn_out = aligned_zeros(v * stride);
  if (options.loss == Loss::kHierarchicalSoftmax) {
    tree = std::make_unique<HuffmanTree>(counts);
    s->syn1 = syn_out.get();
  } else {
    noise = std::make_unique<NoiseSampler>(counts);
    s->syn1neg = syn_out.get();
  }
  s->tree = tree.get();
  s->noise = noise.get();
  s->syn0 = syn0.get();
  initial_vectors(s->syn0, v, options.dim, stride, options.seed);
  for (int i = 0; i <= kExpTableSize; ++i) {
    const double x = std::exp((i / static_cast<double>(kExpTableSize) * 2 - 1) * kMaxExp);
    s->exp_table[i] = static_cast<float>(x / (x + 1));
  }
  s->bounds = corpus.split(threads);

  std::vector<ThreadSlot> slots(threads);
  for (auto& slot : slots) slot.alpha = s->start_alpha;
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  try {
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&s, &slots, t] {
        try {
          train_thread(*s, slots[t], t);
        } catch (...) {
          slots[t].error = std::current_exception();
          s->stop = true;
        }
        slots[t].finished = true;
      });
    }
  } catch (const std::system_error& e) {
    // The threads already running must be joined before anything unwinds.
    s->stop = true;
    for (auto& w : workers) w.join();
    throw Error(fmt::format("cannot start {} training threads ({} started): {}", threads, workers.size(), e.what()));
  }
  ProgressBarOptions bar_options;
  bar_options.label = "word2vec";
  bar_options.unit = "word";
  bar_options.enabled = options.progress;
  const int64_t total_words = static_cast<int64_t>(options.epochs) * s->train_words;
  ProgressBar bar(total_words, bar_options);
  const auto metrics = [&](double seconds) {
    std::vector<std::pair<std::string, double>> m;
    float alpha = s->start_alpha;
    for (auto& slot : slots) alpha = std::min(alpha, slot.alpha.load());
    m.emplace_back("lr", alpha);
    if (seconds > 0) {
      if (threads <= 4) {
        for (int t = 0; t < threads; ++t) {
          m.emplace_back(fmt::format("t{}_w/s", t), slots[t].words.load() / seconds);
        }
      } else {
        m.emplace_back("w/s/thread", s->words_actual.load() / seconds / threads);
      }
    }
    return m;
  };
  for (;;) {
    bool all = true;
    for (auto& slot : slots) all = all && slot.finished.load();
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    bar.update(std::min(total_words, s->words_actual.load()), metrics(seconds));
  }
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  bar.update(std::min(total_words, s->words_actual.load()), metrics(seconds));
  bar.finish();
  for (auto& slot : slots) {
    if (slot.error) std::rethrow_exception(slot.error);
  }

  if (stats) {
    stats->train_seconds = seconds;
    stats->words = s->words_actual.load();
    stats->words_per_second = seconds > 0 ? stats->words / seconds : 0;
    stats->thread_words_per_second.clear();
    for (auto& slot : slots) stats->thread_words_per_second.push_back(seconds > 0 ? slot.words.load() / seconds : 0);
    stats->vocab_size = static_cast<int64_t>(v);
    stats->train_words = s->train_words;
    stats->start_alpha = s->start_alpha;
    stats->final_alpha = s->start_alpha;
    for (auto& slot : slots) stats->final_alpha = std::min<double>(stats->final_alpha, slot.alpha.load());
  }
  WordVectors out;
  out.dim = options.dim;
  out.words.reserve(v);
  out.data.resize(v * options.dim);
  for (size_t w = 0; w < v; ++w) {
    out.words.push_back(vocab[w].word);
    std::memcpy(out.row(w), s->syn0 + w * stride, sizeof(float) * options.dim);
  }
  out.build_index();
  return out;
}

}  // namespace seer::word2vec
