// The word ids of the text CNN: 0 is padding, 1.. the words.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "seer/text/dataset.h"

namespace seer::text {

class TextVocabulary {
 public:
  // Over all splits (train, then dev, then test), as Kim does: words with at least min_count
  // occurrences, ids 1.. in order of first appearance. Throws seer::Error when min_count < 1.
  static TextVocabulary build(const TextDataset& d, int min_count = 1);

  int id(std::string_view word) const;       // -1 when absent
  const std::string& word(int id) const;     // "" for 0 (padding); throws std::out_of_range
  size_t size() const { return words_.size(); }  // including padding
  std::vector<int> encode(const std::vector<std::string>& tokens) const;  // unknowns dropped

 private:
  std::vector<std::string> words_{std::string()};
  std::unordered_map<std::string, int> ids_;
};

}  // namespace seer::text
