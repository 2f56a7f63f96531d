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

TEST(Word2vecTextReader, NormaliserDropsADocLineAfterAByteOrderMark) {
  ScratchDir dir;
  write_text(dir / "b.txt", "\xEF\xBB\xBF<doc id=\"1\" url=\"https://x\" title=\"T\">\nhello world\n</doc>\n");
  Corpus corpus(dir / "b.txt");
  TextOptions options;
  options.normalize = true;
  EXPECT_EQ(read_tokens(corpus, options), (Tokens{"hello", "world", "</s>"}));
}

TEST(Word2vecTextReader, NormaliserSplitsOnUnicodeSpacesDashesAndQuotes) {
  ScratchDir dir;
  // NBSP, thin space, em and en dashes, curly quotes, ellipsis, zero-width space, guillemets,
  // ideographic space and a byte-order mark separate; letters, the joiner U+200D, the
  // multiplication sign (U+00D7, lead byte 0xC3) and the superscript U+2074 stay in words.
  write_text(dir / "u.txt",
             "\xEF\xBB\xBF" "10\xC2\xA0km war\xE2\x80\x94peace 1990\xE2\x80\x93" "1995 "
             "\xE2\x80\x9Cquoted\xE2\x80\x9D don\xE2\x80\x99t wait\xE2\x80\xA6 a\xE2\x80\x8B" "b "
             "\xC2\xABoui\xC2\xBB x\xE2\x80\x89y a\xE3\x80\x80" "b "
             "a\xE2\x80\x8D" "b 3\xC3\x97" "4 x\xE2\x81\xB4 caf\xC3\xA9\xC2\xA0\n");
  Corpus corpus(dir / "u.txt");
  TextOptions options;
  options.normalize = true;
  EXPECT_EQ(read_tokens(corpus, options),
            (Tokens{"10", "km", "war", "peace", "1990", "1995", "quoted", "don", "t", "wait", "a", "b",
                    "oui", "x", "y", "a", "b", "a\xE2\x80\x8D" "b", "3\xC3\x97" "4", "x\xE2\x81\xB4",
                    "caf\xC3\xA9", "</s>"}));
  // Without the normaliser only ASCII whitespace separates.
  EXPECT_EQ(read_tokens(corpus)[1], "war\xE2\x80\x94peace");
  // A separator cut by the end of the file is a word byte (and invalid UTF-8 for the validator).
  const uint8_t cut[] = {0xE2, 0x80};
  EXPECT_EQ(separator_length(cut, 2), 0u);
  const uint8_t nbsp[] = {0xC2, 0xA0};
  EXPECT_EQ(separator_length(nbsp, 2), 2u);
}

TEST(Word2vecTextReader, ByteRangesSplitInsideUnicodeSeparatorsAndLetters) {
  // Every split offset, including those inside a two- or three-byte separator or letter: the
  // two ranges together read each token once, as the whole corpus does.
  ScratchDir dir;
  const std::string text =
      "ab\xC2\xA0" "cd\xE2\x80\x94\xE2\x80\x94" "ef caf\xC3\xA9\xE2\x80\x89\xC3\xA9t\xC3\xA9 "
      "\xE2\x80\x9Cx\xE2\x80\x9D\n\xC2\xA0\xE3\x80\x80z\xE2\x80\x8Dw\xC2\xBB";
  write_text(dir / "s.txt", text);
  Corpus corpus(dir / "s.txt");
  TextOptions options;
  options.normalize = true;
  const Tokens whole = read_tokens(corpus, options);
  ASSERT_EQ(whole, (Tokens{"ab", "cd", "ef", "caf\xC3\xA9", "\xC3\xA9t\xC3\xA9", "x", "</s>",
                           "z\xE2\x80\x8Dw"}));
  for (uint64_t split = 1; split < text.size(); ++split) {
    Tokens joined = read_tokens(corpus, options, 0, split);
    const Tokens second = read_tokens(corpus, options, split, text.size());
    joined.insert(joined.end(), second.begin(), second.end());
    ASSERT_EQ(joined, whole) << "split at byte " << split;
  }
}

TEST(Word2vecTextReader, UnicodeSeparatorAcrossTheBufferEnd) {
  // A three-byte dash at the 1 MiB read buffer's end: whole in the next buffer, or cut after
  // its first or second byte.
  for (const size_t before : {size_t{1} << 20, (size_t{1} << 20) - 1, (size_t{1} << 20) - 2}) {
    ScratchDir dir;
    std::string text = "b " + std::string(before - 4, 'a') + " x\xE2\x80\x94y z";
    ASSERT_EQ(text.find('\xE2'), before);
    write_text(dir / "b.txt", text);
    Corpus corpus(dir / "b.txt");
    TextOptions options;
    options.normalize = true;
    const Tokens t = read_tokens(corpus, options);
    ASSERT_EQ(t.size(), 5u) << before;
    EXPECT_EQ(t[2], "x");
    EXPECT_EQ(t[3], "y");
  }
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
