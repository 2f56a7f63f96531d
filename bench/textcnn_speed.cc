// Training speed of seer's text CNN (seconds per epoch), the C++ half of bench/textcnn_speed.py:
// Kim's CNN-rand on MR-sized synthetic data (10,662 sentences, vocabulary 18,765, MR-like
// lengths: mean ~21 words, up to 56), embeddings 300, widths 3/4/5 x 100 maps, dropout 0.5,
// batch 50, Adadelta (rho 0.95, eps 1e-6), max-norm 3 after each step. The sentences, their
// lengths and every epoch's batch order come from the same splitmix64 stream as the Python
// peer's, so both do the same work.
//
//   textcnn_speed --threads 2 [--steps 0 (0: one epoch)] [--impl gemm|conv2d|conv1d] [--warmup 3]
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "seer/core/device.h"
#include "seer/core/trainer.h"
#include "seer/textcnn/adadelta.h"
#include "seer/textcnn/model.h"

namespace {

struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, steps = 0, warmup = 3;
  std::string impl = "gemm";
  const int n = 10662, vocab = 18765, batch = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--steps") steps = std::atoi(argv[i + 1]);
    else if (a == "--warmup") warmup = std::atoi(argv[i + 1]);
    else if (a == "--impl") impl = argv[i + 1];
  }
  seer::tune_allocator();  // as the `seer` program does at start-up
  at::set_num_threads(threads);
  torch::manual_seed(0);

  SplitMix rng{42};
  std::vector<std::vector<int>> sentences(n);
  std::vector<int64_t> labels(n);
  for (int i = 0; i < n; ++i) {
    int len = 1 + static_cast<int>((rng.uniform() + rng.uniform() + rng.uniform() + rng.uniform()) * 10);
    if (rng.uniform() < 0.02) len = 41 + static_cast<int>(rng.uniform() * 16);
    for (int k = 0; k < len; ++k) sentences[i].push_back(1 + static_cast<int>(rng.next() % (vocab - 1)));
    labels[i] = static_cast<int64_t>(rng.next() % 2);
  }
  const int per_epoch = (n + batch - 1) / batch;
  if (steps <= 0) steps = per_epoch;
  std::vector<int> order(n);
  auto shuffle = [&] {
    for (int i = 0; i < n; ++i) order[i] = i;
    for (int i = n - 1; i > 0; --i) std::swap(order[i], order[rng.next() % (i + 1)]);
  };

  seer::textcnn::TextCnnOptions o;  // Kim's CNN-rand: 300-d, 3/4/5 x 100, dropout 0.5
  o.vocab_size = vocab;
  seer::textcnn::TextCnn net(o);
  net->set_conv_impl(seer::textcnn::parse_conv_impl(impl));
  net->train();
  std::vector<torch::Tensor> params;
  for (auto& p : net->parameters()) {
    if (p.requires_grad()) params.push_back(p);
  }
  seer::textcnn::Adadelta opt(params);
  auto step = [&](int s) {
    if (s % per_epoch == 0) shuffle();
    const int b0 = (s % per_epoch) * batch;
    std::vector<const std::vector<int>*> chunk;
    std::vector<int64_t> y;
    for (int k = b0; k < b0 + batch; ++k) {
      const int idx = order[k < n ? k : k - n];
      chunk.push_back(&sentences[idx]);
      y.push_back(labels[idx]);
    }
    auto x = seer::textcnn::pad_batch(chunk, o.max_width());
    seer::clear_gradients(opt);  // as the Trainer does
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), torch::tensor(y));
    loss.backward();
    opt.step();
    net->apply_max_norm();
  };
  for (int i = 0; i < warmup; ++i) step(i);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step(i);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << nlohmann::json{{"tool", impl == "gemm" ? std::string("seer") : "seer-" + impl},
                              {"threads", threads},
                              {"steps", steps},
                              {"seconds", s},
                              {"seconds_per_epoch", s / steps * per_epoch},
                              {"sentences_per_second", steps * batch / s}}
                   .dump()
            << std::endl;
  return 0;
}
