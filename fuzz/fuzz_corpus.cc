// The word2vec corpus reader and its normaliser (plain or gzip bytes, <doc> lines, HTML,
// Unicode separators, UTF-8 validation). Besides "no crash": reading the corpus as two byte
// ranges split anywhere gives exactly the tokens of reading it whole (the training threads
// each read one range), and count_words agrees with the tokens read.
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "seer/word2vec/text_reader.h"

namespace {

std::vector<std::string> tokens(const seer::word2vec::Corpus& corpus,
                                const seer::word2vec::TextOptions& options, uint64_t begin,
                                uint64_t end) {
  seer::word2vec::TokenReader reader(corpus, options, begin, end);
  std::vector<std::string> out;
  std::string_view token;
  while (reader.next(token)) out.emplace_back(token);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  seer::word2vec::TextOptions options;
  options.normalize = (data[0] & 1) != 0;
  options.lowercase = (data[0] & 2) != 0;
  options.max_word_bytes = (data[0] & 4) != 0 ? 7 : 1000;
  const bool validate = (data[0] & 8) != 0;
  const auto file = seer::fuzz::write(seer::fuzz::scratch() / "corpus.txt", data + 2, size - 2);
  seer::fuzz::expect_result_or_seer_error([&] {
    const seer::word2vec::Corpus corpus(file);
    {
      seer::word2vec::TokenReader reader(corpus, options, validate);
      std::string_view token;
      while (reader.next(token)) {
      }
    }
    const uint64_t total = corpus.total_bytes();
    const auto whole = tokens(corpus, options, 0, total);
    const uint64_t cut = total == 0 ? 0 : (static_cast<uint64_t>(data[1]) * total) / 255;
    auto parts = tokens(corpus, options, 0, cut);
    const auto second = tokens(corpus, options, cut, total);
    parts.insert(parts.end(), second.begin(), second.end());
    if (parts != whole) {
      std::fprintf(stderr, "FINDING: reading [0, %llu) and [%llu, %llu) gives %zu tokens, reading "
                   "it whole %zu (or different ones)\n",
                   static_cast<unsigned long long>(cut), static_cast<unsigned long long>(cut),
                   static_cast<unsigned long long>(total), parts.size(), whole.size());
      std::abort();
    }
    int64_t words = 0;
    for (const auto& t : whole) words += t != seer::word2vec::kEndOfSentence;
    if (seer::word2vec::count_words(corpus, options) != words) {
      std::fprintf(stderr, "FINDING: count_words disagrees with the tokens read (%lld)\n",
                   static_cast<long long>(words));
      std::abort();
    }
  });
  return 0;
}
