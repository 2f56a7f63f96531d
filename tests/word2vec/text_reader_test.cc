#include "seer/word2vec/text_reader.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "word2vec/w2v_test_util.h"

namespace seer::word2vec {
namespace {

using seer::testing::ScratchDir;
using namespace seer::word2vec::testing;
using Tokens = std::vector<std::string>;

TEST(Word2vecTextReader, SplitsOnWhitespaceWithSentenceBreaks) {
  ScratchDir dir;
  write_text(dir / "a.txt", "the cat\tsat\r\n\non  the mat");
  Corpus corpus(dir / "a.txt");
  EXPECT_EQ(read_tokens(corpus), (Tokens{"the", "cat", "sat", "</s>", "</s>", "on", "the", "mat"}));
}

TEST(Word2vecTextReader, FolderFilesInNameOrderAndFileEndEndsWords) {
  ScratchDir dir;
  write_text(dir / "c" / "b.txt", "three");
  write_text(dir / "c" / "a.txt", "one two");
  write_text(dir / "c" / ".hidden", "never");
  Corpus corpus(dir / "c");
  ASSERT_EQ(corpus.files().size(), 2u);
  EXPECT_EQ(read_tokens(corpus), (Tokens{"one", "two", "three"}));
}

TEST(Word2vecTextReader, FolderIsReadRecursivelyInPathOrderSkippingHidden) {
  // Like ../shared/data/corpus: a PROVENANCE.md beside a subfolder holding the text.
  ScratchDir dir;
  write_text(dir / "c" / "PROVENANCE.md", "notes");
  write_text(dir / "c" / "wiki-AA" / "wiki_01", "three four");
  write_text(dir / "c" / "wiki-AA" / "wiki_00", "one two");
  write_text(dir / "c" / "wiki-AB" / "deep" / "wiki_00", "five");
  write_text(dir / "c" / "wiki-AA" / ".hidden", "never");
  write_text(dir / "c" / ".git" / "objects" / "x", "never");
  write_text(dir / "c" / "wiki-AB" / ".cache" / "y", "never");
  Corpus corpus(dir / "c");
  const std::vector<std::filesystem::path> expected{
      dir / "c" / "PROVENANCE.md", dir / "c" / "wiki-AA" / "wiki_00", dir / "c" / "wiki-AA" / "wiki_01",
      dir / "c" / "wiki-AB" / "deep" / "wiki_00"};
  EXPECT_EQ(corpus.files(), expected);
  EXPECT_EQ(read_tokens(corpus), (Tokens{"notes", "one", "two", "three", "four", "five"}));
  EXPECT_EQ(count_words(corpus, {}), 6);
  EXPECT_EQ(count_words(corpus, {}, 4), 4);
  // A folder whose only files are hidden or in hidden folders holds no file.
  write_text(dir / "h" / ".git" / "x", "never");
  EXPECT_NE(error_of([&] { Corpus c(dir / "h"); }).find("holds no file"), std::string::npos);
}

TEST(Word2vecTextReader, NormaliserDropsDocLinesAndPunctuation) {
  ScratchDir dir;
  write_text(dir / "w.txt",
             "<doc id=\"12\" url=\"http://x?curid=12\" title=\"Anarchism\">\nAnarchism\n\n"
             "It's a (political) philosophy, 1990.\n</doc>\nÉcole café\n");
  Corpus corpus(dir / "w.txt");
  TextOptions options;
  options.normalize = true;
  options.lowercase = true;
  EXPECT_EQ(read_tokens(corpus, options),
            (Tokens{"anarchism", "</s>", "</s>", "it", "s", "a", "political", "philosophy", "1990",
                    "</s>", "école", "café", "</s>"}));
}

TEST(Word2vecTextReader, LowercaseLatinGreekCyrillic) {
  std::string s = "ABCxyz ÀÉÎÕÜ Ÿ ŁĄ ΑΩ ДЯЁ 123 ×";
  lowercase_utf8(s);
  EXPECT_EQ(s, "abcxyz àéîõü ÿ łą αω дяё 123 ×");
}

TEST(Word2vecTextReader, ByteRangesCoverEveryTokenOnce) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 400; ++i) text += "w" + std::to_string(i % 37) + (i % 11 == 0 ? "\n" : "  ");
  write_text(dir / "c" / "a.txt", text);
  write_text(dir / "c" / "b.txt", "<doc id=\"1\">\n" + text + "</doc>\n");
  Corpus corpus(dir / "c");
  for (const bool normalize : {false, true}) {
    TextOptions options;
    options.normalize = normalize;
    const Tokens whole = read_tokens(corpus, options);
    for (int parts = 1; parts <= 7; ++parts) {
      const auto bounds = corpus.split(parts);
      Tokens joined;
      for (int p = 0; p < parts; ++p) {
        const Tokens t = read_tokens(corpus, options, bounds[p], bounds[p + 1]);
        joined.insert(joined.end(), t.begin(), t.end());
      }
      for (size_t i = 0; i < std::min(joined.size(), whole.size()); ++i) {
        ASSERT_EQ(joined[i], whole[i]) << "token " << i << " parts=" << parts << " normalize=" << normalize
                                       << " bounds " << bounds[1] << " of " << corpus.sizes()[0];
      }
      ASSERT_EQ(joined.size(), whole.size()) << "parts=" << parts << " normalize=" << normalize;
      for (size_t i = 0; i < whole.size(); ++i) {
        ASSERT_EQ(joined[i], whole[i]) << "token " << i << " parts=" << parts << " normalize=" << normalize;
      }
    }
  }
}

TEST(Word2vecTextReader, LongSingleLineAcrossBuffers) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 300000; ++i) text += "ab" + std::to_string(i % 10) + " ";
  write_text(dir / "one.txt", text);  // ~1.2 MB, one line, crosses the 1 MiB buffer
  Corpus corpus(dir / "one.txt");
  const Tokens t = read_tokens(corpus);
  ASSERT_EQ(t.size(), 300000u);
  EXPECT_EQ(t[299999], "ab9");
}

TEST(Word2vecTextReader, InvalidUtf8NamesFileLineAndOffset) {
  ScratchDir dir;
  write_text(dir / "bad.txt", "good words\nfine ok\xC3\x28 more\n");
  Corpus corpus(dir / "bad.txt");
  TokenReader reader(corpus, {}, /*validate_utf8=*/true);
  std::string_view t;
  const std::string msg = error_of([&] { while (reader.next(t)) {} });
  EXPECT_NE(msg.find("bad.txt:2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("invalid UTF-8 at byte offset 18"), std::string::npos) << msg;
  EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9"), std::string::npos);
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);  // surrogate
  EXPECT_EQ(find_invalid_utf8("a\xC0\xAF"), 1u);     // overlong
}

TEST(Word2vecTextReader, MissingInputAndEmptyFolder) {
  ScratchDir dir;
  EXPECT_NE(error_of([&] { Corpus c(dir / "nope.txt"); }).find("nope.txt: no such corpus"), std::string::npos);
  std::filesystem::create_directories(dir / "empty");
  EXPECT_NE(error_of([&] { Corpus c(dir / "empty"); }).find("holds no file"), std::string::npos);
}

}  // namespace
}  // namespace seer::word2vec
