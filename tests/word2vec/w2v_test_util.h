// Helpers of the word2vec tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "seer/word2vec/text_reader.h"
#include "test_support.h"

namespace seer::word2vec::testing {

inline void write_text(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

inline std::vector<std::string> read_tokens(const Corpus& corpus, const TextOptions& options,
                                            uint64_t begin, uint64_t end) {
  TokenReader reader(corpus, options, begin, end);
  std::vector<std::string> out;
  std::string_view t;
  while (reader.next(t)) out.emplace_back(t);
  return out;
}

inline std::vector<std::string> read_tokens(const Corpus& corpus, const TextOptions& options = {}) {
  return read_tokens(corpus, options, 0, corpus.total_bytes());
}

using ::seer::testing::error_of;

}  // namespace seer::word2vec::testing
