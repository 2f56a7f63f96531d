#include "seer/text/vocabulary.h"

#include <stdexcept>

#include "seer/core/error.h"

namespace seer::text {

TextVocabulary TextVocabulary::build(const TextDataset& d, int min_count) {
  if (min_count < 1) throw Error("min_count must be at least 1, got " + std::to_string(min_count));
  // Words in order of first appearance, with their counts.
  std::unordered_map<std::string, size_t> index;
  std::vector<std::pair<const std::string*, long>> order;
  for (const auto* split : {&d.train, &d.dev, &d.test})
    for (const Sentence& s : *split)
      for (const std::string& w : s.tokens) {
        auto [it, inserted] = index.try_emplace(w, order.size());
        if (inserted) order.emplace_back(&it->first, 0);
        ++order[it->second].second;
      }
  TextVocabulary v;
  v.words_.reserve(order.size() + 1);
  v.ids_.reserve(order.size());
  for (const auto& [word, count] : order) {
    if (count < min_count) continue;
    v.ids_.emplace(*word, static_cast<int>(v.words_.size()));
    v.words_.push_back(*word);
  }
  return v;
}

int TextVocabulary::id(std::string_view word) const {
  if (word.empty()) return -1;  // "" names the padding, which is no word
  auto it = ids_.find(std::string(word));
  return it == ids_.end() ? -1 : it->second;
}

const std::string& TextVocabulary::word(int id) const {
  if (id < 0 || static_cast<size_t>(id) >= words_.size())
    throw std::out_of_range("word id " + std::to_string(id) + " outside the vocabulary of " +
                            std::to_string(words_.size()));
  return words_[static_cast<size_t>(id)];
}

std::vector<int> TextVocabulary::encode(const std::vector<std::string>& tokens) const {
  std::vector<int> ids;
  ids.reserve(tokens.size());
  for (const std::string& t : tokens)
    if (auto it = ids_.find(t); it != ids_.end()) ids.push_back(it->second);
  return ids;
}

}  // namespace seer::text
