// carve_dev and cv_folds: sizes, determinism, and that nothing is lost or duplicated.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "seer/text/dataset.h"
#include "test_support.h"

namespace seer::text {
namespace {

TextDataset numbered(int n) {
  TextDataset d;
  d.name = "t";
  d.labels = {"a", "b"};
  for (int i = 0; i < n; ++i) d.train.push_back({{"w" + std::to_string(i)}, i % 2});
  return d;
}

std::vector<std::string> firsts(const std::vector<Sentence>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(s.tokens.at(0));
  return out;
}

TEST(TextSplits, CarveDevSizesAndPartition) {
  TextDataset d = numbered(105);
  carve_dev(d, 0.1, 7);
  EXPECT_EQ(d.dev.size(), 11u);  // round(10.5)
  EXPECT_EQ(d.train.size(), 94u);
  std::multiset<std::string> all;
  for (const auto& w : firsts(d.train)) all.insert(w);
  for (const auto& w : firsts(d.dev)) all.insert(w);
  EXPECT_EQ(all.size(), 105u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 105u);
  // Both parts keep the original order; labels travel with their sentence.
  auto index = [](const std::string& w) { return std::stoi(w.substr(1)); };
  for (const auto* part : {&d.train, &d.dev}) {
    for (size_t i = 1; i < part->size(); ++i)
      EXPECT_LT(index((*part)[i - 1].tokens[0]), index((*part)[i].tokens[0]));
    for (const auto& s : *part) EXPECT_EQ(s.label, index(s.tokens[0]) % 2);
  }
}

TEST(TextSplits, CarveDevIsSeededAndDeterministic) {
  TextDataset a = numbered(200), b = numbered(200), c = numbered(200);
  carve_dev(a, 0.1, 42);
  carve_dev(b, 0.1, 42);
  carve_dev(c, 0.1, 43);
  EXPECT_EQ(firsts(a.dev), firsts(b.dev));
  EXPECT_NE(firsts(a.dev), firsts(c.dev));
  // Fixed for all platforms: the first dev sentences for seed 42 stay what they were.
  const auto dev = firsts(a.dev);
  ASSERT_EQ(dev.size(), 20u);
  EXPECT_EQ(std::vector<std::string>(dev.begin(), dev.begin() + 5),
            (std::vector<std::string>{"w1", "w24", "w49", "w62", "w75"}));
  EXPECT_EQ(cv_folds(12, 3, 5), (std::vector<int>{0, 2, 0, 2, 1, 1, 0, 2, 1, 0, 2, 1}));
}

TEST(TextSplits, CarveDevEdgeCases) {
  TextDataset d = numbered(10);
  d.dev.push_back({{"x"}, 0});
  carve_dev(d, 0.5, 1);  // dev already there: no-op
  EXPECT_EQ(d.train.size(), 10u);
  EXPECT_EQ(d.dev.size(), 1u);
  TextDataset small = numbered(3);
  carve_dev(small, 0.1, 1);  // at least one
  EXPECT_EQ(small.dev.size(), 1u);
  EXPECT_EQ(small.train.size(), 2u);
  TextDataset one = numbered(1);
  carve_dev(one, 0.5, 1);  // never empties train
  EXPECT_EQ(one.train.size(), 1u);
  TextDataset zero = numbered(10);
  carve_dev(zero, 0.0, 1);
  EXPECT_TRUE(zero.dev.empty());
  EXPECT_TRUE(seer::testing::Contains(seer::testing::error_of([&] { carve_dev(zero, 1.0, 1); }),
                                      "dev fraction must be in [0, 1)"));
  EXPECT_FALSE(seer::testing::error_of([&] { carve_dev(zero, -0.1, 1); }).empty());
}

TEST(TextSplits, CvFoldsBalancedAndDeterministic) {
  const std::vector<int> f = cv_folds(10662, 10, 3435);
  ASSERT_EQ(f.size(), 10662u);
  std::vector<int> count(10, 0);
  for (int x : f) {
    ASSERT_GE(x, 0);
    ASSERT_LT(x, 10);
    ++count[x];
  }
  for (int c : count) EXPECT_TRUE(c == 1066 || c == 1067) << c;
  EXPECT_EQ(f, cv_folds(10662, 10, 3435));
  EXPECT_NE(f, cv_folds(10662, 10, 3436));
  // Shuffled, not dealt in order.
  EXPECT_FALSE(std::is_sorted(f.begin(), f.begin() + 20));
  EXPECT_TRUE(cv_folds(0, 10, 1).empty());
  const auto few = cv_folds(3, 5, 1);  // more folds than examples: each in its own fold
  EXPECT_EQ(std::set<int>(few.begin(), few.end()).size(), 3u);
  EXPECT_EQ(cv_folds(4, 1, 9), (std::vector<int>{0, 0, 0, 0}));
  EXPECT_FALSE(seer::testing::error_of([] { cv_folds(5, 0, 1); }).empty());
}

}  // namespace
}  // namespace seer::text
