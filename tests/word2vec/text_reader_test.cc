#include "seer/word2vec/text_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <iterator>

#include "test_support.h"
#include "word2vec/w2v_test_util.h"

namespace seer::word2vec {
namespace {

using seer::testing::ScratchDir;
using namespace seer::word2vec::testing;
using Tokens = std::vector<std::string>;

// The tokens of consecutive byte ranges [bounds[i], bounds[i + 1]), joined in order.
Tokens read_in_parts(const Corpus& corpus, const TextOptions& options, const std::vector<uint64_t>& bounds) {
  Tokens joined;
  for (size_t p = 0; p + 1 < bounds.size(); ++p) {
    const Tokens t = read_tokens(corpus, options, bounds[p], bounds[p + 1]);
    joined.insert(joined.end(), t.begin(), t.end());
  }
  return joined;
}

// With the normaliser, `text` reads as `expected`, and so do its two byte ranges split at every
// offset (inside multi-byte characters and markup too) joined: each token is read once.
void expect_every_split_reads(const std::string& text, const Tokens& expected) {
  ScratchDir dir;
  write_text(dir / "t.txt", text);
  Corpus corpus(dir / "t.txt");
  TextOptions options;
  options.normalize = true;
  ASSERT_EQ(read_tokens(corpus, options), expected);
  for (uint64_t split = 1; split < text.size(); ++split) {
    ASSERT_EQ(read_in_parts(corpus, options, {0, split, text.size()}), expected) << "split at byte " << split;
  }
}

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
  // Every split offset, including those inside a two- or three-byte separator or letter.
  expect_every_split_reads(
      "ab\xC2\xA0" "cd\xE2\x80\x94\xE2\x80\x94" "ef caf\xC3\xA9\xE2\x80\x89\xC3\xA9t\xC3\xA9 "
      "\xE2\x80\x9Cx\xE2\x80\x9D\n\xC2\xA0\xE3\x80\x80z\xE2\x80\x8Dw\xC2\xBB",
      {"ab", "cd", "ef", "caf\xC3\xA9", "\xC3\xA9t\xC3\xA9", "x", "</s>", "z\xE2\x80\x8Dw"});
}

// fuzz_corpus's finding (2026-12-06): a separator followed by a stray continuation byte (not
// UTF-8); a range starting on that byte took itself to be inside the separator's character and
// dropped the word that starts there, which the whole reading keeps.
TEST(Word2vecTextReader, ByteRangesSplitAfterASeparatorBeforeAStrayContinuationByte) {
  expect_every_split_reads("fun!\xC2\xA0\xA7\x93s b\xC2\xA0\x80x\n", {"fun", "\xA7\x93s", "b", "\x80x", "</s>"});
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
      const Tokens joined = read_in_parts(corpus, options, bounds);
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

// ---- HTML in the normaliser -----------------------------------------------------------------
TEST(Word2vecTextReader, NormaliserDropsHtmlTagsAndDecodesReferences) {
  ScratchDir dir;
  write_text(dir / "r.txt",
             "Great film.<br /><br />I loved it&amp;more caf&eacute; &#233;t&#xE9; <shakes head> x&lt;y "
             "<BR>end <i>so</i> &quot;good&quot;&#8230; a<b &foo; &#;\n<p class=\"x\">two");
  TextOptions options;
  options.normalize = true;
  EXPECT_EQ(read_tokens(Corpus(dir / "r.txt"), options),
            (Tokens{"Great", "film", "I", "loved", "it", "more", "caf\xC3\xA9", "\xC3\xA9t\xC3\xA9", "shakes", "head",
                    "x", "y", "end", "so", "good", "a", "b", "foo", "</s>", "two"}));
  // Without the normaliser the text is left as it is.
  EXPECT_EQ(read_tokens(Corpus(dir / "r.txt")).front(), "Great");
  EXPECT_EQ(read_tokens(Corpus(dir / "r.txt"))[1], "film.<br");
}

TEST(Word2vecTextReader, HtmlMarkupRules) {
  auto len = [](std::string_view s, bool more = false) { return html_markup(s.data(), s.size(), more).length; };
  EXPECT_EQ(len("<br />x"), 6u);
  EXPECT_EQ(len("</I>"), 4u);
  EXPECT_EQ(len("<a href=\"http://x\">"), 19u);
  EXPECT_EQ(len("<sighs>"), 0u);       // not HTML's
  EXPECT_EQ(len("<br\n/>"), 0u);       // a tag stays on its line
  EXPECT_EQ(len("<b <i>"), 0u);
  EXPECT_TRUE(html_markup("<br /", 5, true).undecided);
  EXPECT_EQ(len("<br /"), 0u);         // the file ends: no tag
  EXPECT_EQ(len("&#39;"), 5u);
  EXPECT_FALSE(html_markup("&#39;", 5, false).word);
  const HtmlMarkup e = html_markup("&Eacute;", 8, false);
  EXPECT_EQ(e.code_point, 0xC9u);
  EXPECT_TRUE(e.word);
  EXPECT_EQ(html_markup("&#x3bc;", 7, false).code_point, 0x3BCu);  // mu, a letter
  EXPECT_TRUE(html_markup("&#x3bc;", 7, false).word);
  EXPECT_FALSE(html_markup("&nbsp;", 6, false).word);
  EXPECT_FALSE(html_markup("&#8217;", 7, false).word);  // right single quote
  EXPECT_FALSE(html_markup("&#55296;", 8, false).word);  // a surrogate: dropped, never written
  // Above U+10FFFF: a reference (HTML reads U+FFFD), so a separator, never written out.
  EXPECT_EQ(len("&#1114112;"), 10u);
  EXPECT_FALSE(html_markup("&#1114112;", 10, false).word);
  EXPECT_EQ(len("&#12345678;"), 0u);   // 7 digits at most
  EXPECT_EQ(len("&bogus;"), 0u);
  EXPECT_EQ(len("& x"), 0u);
  EXPECT_TRUE(html_markup("&eac", 4, true).undecided);
}

TEST(Word2vecTextReader, ByteRangesSplitInsideHtmlMarkup) {
  // Every split offset, including those inside tags and references (separators or letters).
  expect_every_split_reads(
      "ab<br /><br />cd caf&eacute;s &amp; x&#233;y<i>z</i> &#8217;q&#8217; <sighs> w\n"
      "<p>e&eacute;</p>&eacute;f",
      {"ab", "cd", "caf\xC3\xA9s", "x\xC3\xA9y", "z", "q", "sighs", "w", "</s>", "e\xC3\xA9", "\xC3\xA9" "f"});
}

TEST(Word2vecTextReader, HtmlMarkupAcrossTheBufferEnd) {
  // A tag cut by the 1 MiB read buffer's end after its first, third or fifth byte, then a
  // letter reference further on.
  for (const size_t cut : {size_t{1}, size_t{3}, size_t{5}}) {
    ScratchDir dir;
    const size_t at = (size_t{1} << 20) - cut;
    const std::string text = "b " + std::string(at - 4, 'a') + " x<br />y" + std::string((1 << 20) - 11, ' ') +
                             " caf&eacute; z";
    ASSERT_EQ(text.find('<'), at);
    write_text(dir / "b.txt", text);
    TextOptions options;
    options.normalize = true;
    const Tokens t = read_tokens(Corpus(dir / "b.txt"), options);
    ASSERT_EQ(t.size(), 6u) << cut;
    EXPECT_EQ(t[2], "x");
    EXPECT_EQ(t[3], "y");
    EXPECT_EQ(t[4], "caf\xC3\xA9") << cut;
    EXPECT_EQ(t[5], "z");
  }
}

// ---- gzip and several inputs ----------------------------------------------------------------
void write_gzip(const std::filesystem::path& path, std::string_view text, int members = 1) {
  std::filesystem::create_directories(path.parent_path());
  // Several members (as `cat a.gz b.gz` makes) are one stream to gzip readers.
  for (int m = 0; m < members; ++m) {
    gzFile f = gzopen(path.c_str(), m == 0 ? "wb" : "ab");
    ASSERT_NE(f, nullptr);
    const size_t begin = text.size() * m / members, end = text.size() * (m + 1) / members;
    ASSERT_EQ(gzwrite(f, text.data() + begin, static_cast<unsigned>(end - begin)), static_cast<int>(end - begin));
    ASSERT_EQ(gzclose(f), Z_OK);
  }
}

TEST(Word2vecTextReader, GzipFilesAreReadDecompressed) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "w" + std::to_string(i % 53) + (i % 17 == 0 ? "<br />\n" : " &amp; ");
  write_text(dir / "plain.txt", text);
  write_gzip(dir / "c.txt.gz", text, 2);
  write_gzip(dir / "named-without-gz", text);  // known by its first bytes, not its name
  Corpus plain(dir / "plain.txt");
  for (const char* name : {"c.txt.gz", "named-without-gz"}) {
    Corpus gz(dir / name);
    ASSERT_TRUE(gz.compressed(0));
    EXPECT_EQ(gz.total_bytes(), text.size()) << name;
    for (const bool normalize : {false, true}) {
      TextOptions options;
      options.normalize = normalize;
      const Tokens whole = read_tokens(plain, options);
      ASSERT_EQ(read_tokens(gz, options), whole) << name;
      for (int parts = 2; parts <= 5; ++parts) {
        ASSERT_EQ(read_in_parts(gz, options, gz.split(parts)), whole)
            << name << " parts=" << parts << " normalize=" << normalize;
      }
    }
  }
  EXPECT_FALSE(plain.compressed(0));
}

TEST(Word2vecTextReader, SeveralInputsAreReadInTheOrderGiven) {
  ScratchDir dir;
  write_text(dir / "b.txt", "b1 b2\n");
  write_gzip(dir / "f" / "2.gz", "f2\n");
  write_text(dir / "f" / "1.txt", "f1\n");
  Corpus corpus(std::vector<std::filesystem::path>{dir / "b.txt", dir / "f"});
  ASSERT_EQ(corpus.files().size(), 3u);
  EXPECT_EQ(read_tokens(corpus), (Tokens{"b1", "b2", "</s>", "f1", "</s>", "f2", "</s>"}));
  EXPECT_NE(error_of([&] { Corpus c(std::vector<std::filesystem::path>{dir / "b.txt", dir / "nope"}); }).find("nope: no such"),
            std::string::npos);
}

TEST(Word2vecTextReader, CorruptOrTruncatedGzipNamesTheFile) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "word" + std::to_string(i) + " ";
  write_gzip(dir / "ok.gz", text);
  std::ifstream in(dir / "ok.gz", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_text(dir / "truncated.gz", bytes.substr(0, bytes.size() / 2));
  std::string corrupt = bytes;
  for (size_t i = 20; i < 60; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5A);
  write_text(dir / "corrupt.gz", corrupt);
  const std::string t = error_of([&] { Corpus c(dir / "truncated.gz"); });
  EXPECT_NE(t.find("truncated.gz"), std::string::npos) << t;
  EXPECT_NE(t.find("gzip"), std::string::npos) << t;
  EXPECT_EQ(t.find("truncated.gz"), t.rfind("truncated.gz")) << t;  // named once, not again by zlib
  const std::string c = error_of([&] { Corpus c(dir / "corrupt.gz"); });
  EXPECT_NE(c.find("corrupt.gz"), std::string::npos) << c;
  EXPECT_NE(c.find("gzip"), std::string::npos) << c;
}

}  // namespace
}  // namespace seer::word2vec
