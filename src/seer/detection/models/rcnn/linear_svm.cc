#include "seer/detection/models/rcnn/linear_svm.h"

#include <linear.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <torch/torch.h>

#include "seer/core/error.h"

namespace seer::detection::models::rcnn {
namespace {

void quiet(const char*) {}

// liblinear's sparse rows for dense features: D values, the bias feature, the terminator.
class Problem {
 public:
  Problem(const at::Tensor& pos, const at::Tensor& neg, double bias) : d_(pos.size(1)) {
    const int64_t n = pos.size(0) + neg.size(0);
    nodes_.resize(static_cast<size_t>(n * (d_ + 2)));
    rows_.resize(static_cast<size_t>(n));
    labels_.resize(static_cast<size_t>(n));
    int64_t r = 0;
    for (const at::Tensor* part : {&pos, &neg}) {
      const at::Tensor t = part->contiguous();
      const float* x = t.data_ptr<float>();
      for (int64_t i = 0; i < t.size(0); ++i, ++r) {
        feature_node* row = &nodes_[static_cast<size_t>(r * (d_ + 2))];
        for (int64_t k = 0; k < d_; ++k) row[k] = {static_cast<int>(k + 1), static_cast<double>(x[i * d_ + k])};
        row[d_] = {static_cast<int>(d_ + 1), bias};
        row[d_ + 1] = {-1, 0.0};
        rows_[static_cast<size_t>(r)] = row;
        labels_[static_cast<size_t>(r)] = part == &pos ? 1.0 : -1.0;
      }
    }
    problem_.l = static_cast<int>(n);
    problem_.n = static_cast<int>(d_ + 1);
    problem_.y = labels_.data();
    problem_.x = rows_.data();
    problem_.bias = bias;
  }
  const problem* get() const { return &problem_; }

 private:
  int64_t d_;
  std::vector<feature_node> nodes_;
  std::vector<feature_node*> rows_;
  std::vector<double> labels_;
  problem problem_{};
};

LinearSvm fit(const at::Tensor& pos, const at::Tensor& neg, const LinearSvmOptions& o) {
  Problem prob(pos, neg, o.bias_feature);
  int weight_label[] = {1};
  double weight[] = {o.positive_weight};
  parameter param{};
  param.solver_type = L2R_L1LOSS_SVC_DUAL;
  param.eps = o.epsilon;
  param.C = o.C;
  param.nr_weight = 1;
  param.weight_label = weight_label;
  param.weight = weight;
  param.p = 0.1;
  param.init_sol = nullptr;
  if (const char* error = check_parameter(prob.get(), &param)) throw Error(std::string("linear SVM: ") + error);
  static std::once_flag silenced;
  std::call_once(silenced, [] { set_print_string_function(quiet); });
  // liblinear's dual solver shuffles with rand(): seeded here, under a lock (rand's state is
  // global), so that the same data give the same SVM on every run and in every thread.
  static std::mutex solver;
  model* m = nullptr;
  {
    std::lock_guard<std::mutex> lock(solver);
    std::srand(static_cast<unsigned>(o.seed));
    m = train(prob.get(), &param);
  }
  std::unique_ptr<model, void (*)(model*)> owned(m, [](model* p) { free_and_destroy_model(&p); });
  int labels[2] = {0, 0};
  get_labels(m, labels);
  const double sign = labels[0] == 1 ? 1.0 : -1.0;  // liblinear's w scores its first label
  const int64_t d = pos.size(1);
  LinearSvm svm;
  svm.weights = torch::empty({d}, torch::kFloat32);
  float* w = svm.weights.data_ptr<float>();
  for (int64_t k = 0; k < d; ++k) w[k] = static_cast<float>(sign * get_decfun_coef(m, static_cast<int>(k + 1), 0));
  svm.bias = sign * get_decfun_bias(m, 0);
  return svm;
}

}  // namespace

nlohmann::json LinearSvmOptions::to_json() const {
  return {{"C", C},
          {"bias_feature", bias_feature},
          {"positive_weight", positive_weight},
          {"epsilon", epsilon},
          {"rounds", rounds},
          {"first_negatives", first_negatives},
          {"max_cache", max_cache},
          {"hard_score", hard_score},
          {"easy_score", easy_score},
          {"seed", seed}};
}

LinearSvmOptions LinearSvmOptions::from_json(const nlohmann::json& j) {
  LinearSvmOptions o;
  o.C = j.value("C", o.C);
  o.bias_feature = j.value("bias_feature", o.bias_feature);
  o.positive_weight = j.value("positive_weight", o.positive_weight);
  o.epsilon = j.value("epsilon", o.epsilon);
  o.rounds = j.value("rounds", o.rounds);
  o.first_negatives = j.value("first_negatives", o.first_negatives);
  o.max_cache = j.value("max_cache", o.max_cache);
  o.hard_score = j.value("hard_score", o.hard_score);
  o.easy_score = j.value("easy_score", o.easy_score);
  o.seed = j.value("seed", o.seed);
  return o;
}

at::Tensor LinearSvm::score(const at::Tensor& features) const {
  return features.to(weights.scalar_type()).matmul(weights.to(features.device())) + bias;
}

std::string LinearSvmReport::summary() const {
  return fmt::format("{} positives, {} of {} negatives in the last of {} rounds, {} pool negatives inside the margin",
                     positives, cached, pool, rounds, pool_violations);
}

LinearSvm train_linear_svm(const at::Tensor& positives, const at::Tensor& negatives, const LinearSvmOptions& o,
                           LinearSvmReport* report) {
  if (positives.dim() != 2 || negatives.dim() != 2 || positives.size(1) != negatives.size(1))
    throw Error("linear SVM: positives and negatives must be [N, D] with the same D");
  if (positives.size(0) < 1 || negatives.size(0) < 1) throw Error("linear SVM: needs positives and negatives");
  if (o.rounds < 1 || o.first_negatives < 1 || o.max_cache < 1 || !(o.C > 0))
    throw Error("linear SVM: rounds, first_negatives, max_cache and C must be positive");
  const at::Tensor pos = positives.to(torch::kCPU, torch::kFloat32).contiguous();
  const at::Tensor pool = negatives.to(torch::kCPU, torch::kFloat32).contiguous();
  const int64_t n = pool.size(0);

  // The first cache: a seeded random sample of the pool.
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(o.seed);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int64_t> cache(order.begin(), order.begin() + std::min(n, o.first_negatives));
  std::sort(cache.begin(), cache.end());

  LinearSvm svm;
  LinearSvmReport r;
  r.positives = pos.size(0);
  r.pool = n;
  for (int round = 0; round < o.rounds; ++round) {
    const at::Tensor index = torch::tensor(cache, torch::kInt64);
    svm = fit(pos, pool.index_select(0, index), o);
    r.rounds = round + 1;
    r.cached = static_cast<int64_t>(cache.size());
    const at::Tensor scores = svm.score(pool).contiguous();
    const float* s = scores.data_ptr<float>();
    std::vector<char> in_cache(static_cast<size_t>(n), 0);
    for (int64_t i : cache) in_cache[static_cast<size_t>(i)] = 1;
    std::vector<int64_t> hard;
    int64_t violations = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (s[i] > o.hard_score) {
        ++violations;
        if (!in_cache[static_cast<size_t>(i)]) hard.push_back(i);
      }
    }
    r.pool_violations = violations;
    if (hard.empty() || round + 1 == o.rounds) break;
    // Drop the easy cached negatives, add the new hard ones; keep the hardest max_cache.
    std::erase_if(cache, [&](int64_t i) { return s[i] < o.easy_score; });
    cache.insert(cache.end(), hard.begin(), hard.end());
    if (static_cast<int64_t>(cache.size()) > o.max_cache) {
      std::nth_element(cache.begin(), cache.begin() + o.max_cache, cache.end(),
                       [&](int64_t a, int64_t b) { return s[a] > s[b]; });
      cache.resize(static_cast<size_t>(o.max_cache));
    }
    std::sort(cache.begin(), cache.end());
  }
  if (report) *report = r;
  return svm;
}

}  // namespace seer::detection::models::rcnn
