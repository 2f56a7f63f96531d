// Word vectors and their files: word2vec's binary (.bin) and text (.txt/.vec) formats, written
// and read exactly as word2vec.c and gensim's KeyedVectors.{save,load}_word2vec_format do.
//   binary: "V D\n", then per word: word bytes, ' ', D float32 little-endian, '\n'
//   text:   "V D\n", then per word: word, then D numbers each preceded by ' ', '\n'
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace seer::word2vec {

struct WordVectors {
  std::vector<std::string> words;
  int dim = 0;
  std::vector<float> data;  // words.size() x dim, row-major

  size_t size() const { return words.size(); }
  const float* row(size_t i) const { return data.data() + i * static_cast<size_t>(dim); }
  float* row(size_t i) { return data.data() + i * static_cast<size_t>(dim); }
  // Index of `word` (the first one when a file repeats it), -1 when absent.
  int32_t find(std::string_view word) const;
  void build_index();  // after filling `words` by hand

 private:
  std::unordered_map<std::string, int32_t> index_;
};

enum class VectorFormat { kBinary, kText };

// ".bin" -> binary, ".txt"/".vec" -> text; anything else: `fallback`.
VectorFormat format_for_path(const std::filesystem::path& path, VectorFormat fallback);

// Written atomically. Text numbers are the shortest decimal that reads back to the same float.
void save_vectors(const WordVectors& vectors, const std::filesystem::path& path, VectorFormat format);

// Reads either format, told apart by the bytes of the first row (never by the file's name).
// Throws seer::Error naming the file for a bad header (or one announcing more rows than the file
// can hold), a truncated file, a bad or non-finite number, a word that is not UTF-8.
WordVectors load_vectors(const std::filesystem::path& path);

}  // namespace seer::word2vec
