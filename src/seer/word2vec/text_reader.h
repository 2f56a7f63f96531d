// Streaming tokenizer for word2vec corpora: files and folders of files (gzip-compressed or
// not), read as one byte stream, split into tokens on ASCII whitespace, with a "</s>" token at
// each newline (as the original word2vec.c does). Readers cover a byte range of the stream (of
// the decompressed bytes), so that training threads can split the input by bytes. Memory is a
// fixed buffer, whatever the line lengths.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

struct gzFile_s;  // zlib's file handle (zlib.h stays out of this header)

namespace seer::word2vec {

// The sentence-break token emitted at every newline, word 0 of every vocabulary.
inline constexpr std::string_view kEndOfSentence = "</s>";

struct TextOptions {
  // Lowercase ASCII letters and the capitals of Latin-1, Latin Extended-A, Greek and Cyrillic
  // (two-byte UTF-8 letters; other scripts are left as they are).
  bool lowercase = false;
  // Normaliser for raw text such as WikiExtractor output: lines starting with "<doc " or
  // "</doc>" are dropped whole, and every ASCII byte that is not a letter or digit separates
  // words and is dropped (like Mikolov's wikifil.pl: "don't." -> "don" "t"), and so do the
  // non-ASCII spaces, punctuation and invisible marks of separator_length ("10\u00A0km" ->
  // "10" "km", "war\u2014peace" -> "war" "peace"). Other UTF-8 characters stay inside words.
  // HTML as found in scraped text (reviews with "<br />" breaks): the tags of html_markup
  // separate words and are dropped, and character references (&amp; &eacute; &#233; &#xE9;) are
  // decoded: a letter or digit joins its word ("caf&eacute;" -> "café"), anything else separates.
  bool normalize = false;
  // Longer tokens are cut (at a UTF-8 character boundary); word2vec.c cuts at 100 bytes.
  size_t max_word_bytes = 1000;
};

// One file, or the regular files of a folder and its subfolders (recursive; files and folders
// whose name starts with '.' skipped) sorted by path; or several such inputs, one after the
// other in the order given. A gzip file (known by its first two bytes, whatever its name) is
// read decompressed; its size is counted by decompressing it once here. Throws seer::Error when
// a path is missing, a folder holds no file, or a gzip file is corrupt or truncated.
class Corpus {
 public:
  explicit Corpus(const std::filesystem::path& input);
  explicit Corpus(const std::vector<std::filesystem::path>& inputs);
  const std::vector<std::filesystem::path>& files() const { return files_; }
  // Bytes of each file as read: decompressed for gzip files.
  const std::vector<uint64_t>& sizes() const { return sizes_; }
  bool compressed(size_t file) const { return compressed_[file]; }
  uint64_t total_bytes() const { return total_; }
  // Splits [0, total_bytes) into `parts` nearly equal byte ranges (begin offsets, parts + 1).
  std::vector<uint64_t> split(int parts) const;

 private:
  std::vector<std::filesystem::path> files_;
  std::vector<uint64_t> sizes_;
  std::vector<bool> compressed_;
  uint64_t total_ = 0;
};

// Reads the tokens whose first byte lies in [begin, end) of the corpus's concatenated bytes.
// A range that starts inside a word skips that word's tail (the previous range owns it).
class TokenReader {
 public:
  // `validate_utf8`: each token is checked, and invalid UTF-8 throws seer::Error naming the
  // file, the line (when the reader started at the file's start) and the byte offset.
  TokenReader(const Corpus& corpus, const TextOptions& options, uint64_t begin, uint64_t end,
              bool validate_utf8 = false);
  TokenReader(const Corpus& corpus, const TextOptions& options, bool validate_utf8 = false)
      : TokenReader(corpus, options, 0, corpus.total_bytes(), validate_utf8) {}
  ~TokenReader();
  TokenReader(const TokenReader&) = delete;
  TokenReader& operator=(const TokenReader&) = delete;

  // The next token ("</s>" for a newline); the view lives until the next call. False at the end.
  bool next(std::string_view& token);

 private:
  bool open_file(size_t index, uint64_t offset);
  bool fill();  // more bytes into the buffer (next file when one ends); false at the range's end
  bool finish_token(std::string_view& token);
  [[noreturn]] void utf8_error(size_t bad_index) const;
  bool doc_line_at(size_t pos) const;

  const Corpus& corpus_;
  TextOptions options_;
  bool validate_;
  uint64_t end_;             // global end of the range
  size_t file_index_ = 0;
  gzFile_s* fp_ = nullptr;  // zlib reads plain files as they are, gzip ones decompressed
  uint64_t file_begin_ = 0;  // global offset of the current file's byte 0
  uint64_t buf_offset_ = 0;  // offset in the file of buffer_[0]
  std::vector<char> buffer_;
  size_t pos_ = 0, len_ = 0;
  bool file_eof_ = false;
  bool done_ = false;
  bool line_start_ = true;
  bool skip_line_ = false;     // inside a dropped <doc> line
  bool skip_partial_ = false;  // inside a word owned by the previous range
  bool pending_eos_ = false;
  long line_ = 1;              // -1 when the reader started inside the file
  std::string token_;
  uint64_t token_offset_ = 0;  // offset in the file of the token's first byte
  long token_line_ = 1;
  uint8_t class_[256];
};

// The number of words (tokens other than "</s>") in the corpus, counting stops at `limit`.
int64_t count_words(const Corpus& corpus, const TextOptions& options,
                    int64_t limit = std::numeric_limits<int64_t>::max());

// The normaliser's non-ASCII separators: the UTF-8 length of the one at `p` (`n` bytes
// readable), or 0 when `p` starts no separator (or `n` is too short to tell). They are the
// Unicode White_Space characters above ASCII (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
// U+2029, U+202F, U+205F, U+3000), the punctuation and invisible marks of the General
// Punctuation block U+2000-U+205F (dashes, curly quotes, bullets, ellipsis, zero-width space;
// not the joiners U+200C / U+200D, which live inside words), the Latin-1 punctuation
// U+00A1, U+00AB, U+00BB, U+00BF (inverted marks, guillemets), U+3001-U+3002 (ideographic
// comma and full stop) and U+FEFF (byte-order mark).
size_t separator_length(const uint8_t* p, size_t n);

// The normaliser's HTML markup at `p` (`n` bytes readable; `more`: bytes may follow beyond them).
//   * A tag: "<" or "</", a name of HTML's text markup (a b big blockquote br center cite code
//     dd del div dl dt em font h1-h6 hr i img ins kbd li ol p pre q s small span strike strong sub
//     sup table tbody td th thead tr tt u ul; any case), then "/", ">" or a space, attributes, ">"
//     within 256 bytes on the line. "<shakes head>" or "a <b" are no tags.
//   * A character reference: "&#" decimal ";", "&#x" hex ";", or "&" name ";" of HTML's
//     common names (amp lt gt quot apos nbsp, dashes and quotes, the Latin-1 letters).
struct HtmlMarkup {
  size_t length = 0;        // bytes of the markup; 0: none starts at p
  bool undecided = false;   // `more` and the bytes end before it is decided
  bool word = false;        // a reference to a letter or digit: it belongs to its word
  uint32_t code_point = 0;  // references: the character
};
HtmlMarkup html_markup(const char* p, size_t n, bool more);

// Index of the first invalid byte of `text` as UTF-8 (overlongs, surrogates and code points
// above U+10FFFF are invalid), or npos when it is valid.
size_t find_invalid_utf8(std::string_view text);

// Lowercases in place as TextOptions::lowercase describes (byte lengths never change).
void lowercase_utf8(std::string& text);

}  // namespace seer::word2vec
