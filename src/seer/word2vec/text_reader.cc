#include "seer/word2vec/text_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>
#include <zlib.h>

#include "seer/core/error.h"
#include "seer/core/utf8.h"

namespace seer::word2vec {
namespace fs = std::filesystem;

namespace {
constexpr size_t kBufferBytes = 1 << 20;
constexpr size_t kLookbackBytes = 4096;  // a <doc ...> line is far shorter
// kLead: (normaliser only) the first byte of a UTF-8 character that may be a separator.
// kMarkup: (normaliser only) '<' or '&', which may start HTML markup (html_markup).
enum : uint8_t { kWord = 0, kSpace = 1, kNewline = 2, kLead = 3, kMarkup = 4 };
constexpr size_t kMaxTagBytes = 256;
constexpr size_t kMaxReferenceBytes = 12;  // "&#x10FFFF;" and the longest name with its & and ;
constexpr size_t kGzipBufferBytes = 1 << 17;

constexpr size_t kUndecided = static_cast<size_t>(-1);

bool starts_doc_line(const char* p, size_t n) {
  std::string_view s(p, n);
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);  // a byte-order mark before <doc ...>
  return s.starts_with("<doc ") || s.starts_with("<doc>") || s.starts_with("</doc>");
}

// At the kLead byte buf[pos] of buf[0, len): the length of the separator it starts (0: a word
// byte), or kUndecided when the buffer ends before its character does and more can be read.
size_t separator_at(const char* buf, size_t pos, size_t len, bool more) {
  const auto* p = reinterpret_cast<const uint8_t*>(buf) + pos;
  if (more && len - pos < (p[0] == 0xC2 ? 2u : 3u)) return kUndecided;
  return separator_length(p, len - pos);
}
}  // namespace

size_t separator_length(const uint8_t* p, size_t n) {
  if (n >= 2 && p[0] == 0xC2) {
    switch (p[1]) {
      case 0x85: case 0xA0: case 0xA1: case 0xAB: case 0xBB: case 0xBF: return 2;
      default: return 0;
    }
  }
  if (n < 3 || (p[2] & 0xC0) != 0x80) return 0;
  switch (p[0]) {
    case 0xE1: return p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;                    // U+1680
    case 0xE2:                                                                 // U+2000-U+205F
      if (p[1] == 0x80) return p[2] == 0x8C || p[2] == 0x8D ? 0 : 3;         // not ZWNJ, ZWJ
      return p[1] == 0x81 && p[2] <= 0x9F ? 3 : 0;
    case 0xE3: return p[1] == 0x80 && p[2] <= 0x82 ? 3 : 0;                    // U+3000-U+3002
    case 0xEF: return p[1] == 0xBB && p[2] == 0xBF ? 3 : 0;                    // U+FEFF
    default: return 0;
  }
}

// ---- HTML markup ----------------------------------------------------------------------------
namespace {
bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_digit(char c) { return c >= '0' && c <= '9'; }

bool html_text_tag(std::string_view name) {
  static constexpr std::string_view kTags[] = {
      "a", "b", "big", "blockquote", "br", "center", "cite", "code", "dd", "del", "div", "dl", "dt",
      "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol",
      "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody",
      "td", "th", "thead", "tr", "tt", "u", "ul"};
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(std::begin(kTags), std::end(kTags), lower) != std::end(kTags);
}

// HTML's common named references: punctuation and spaces, and the Latin-1 letters.
uint32_t named_reference(std::string_view name) {
  static constexpr std::pair<std::string_view, uint32_t> kNames[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0},
      {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
      {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"hellip", 0x2026}, {"bull", 0x2022},
      {"laquo", 0xAB}, {"raquo", 0xBB}, {"middot", 0xB7}, {"copy", 0xA9}, {"reg", 0xAE},
      {"trade", 0x2122}, {"deg", 0xB0}, {"iexcl", 0xA1}, {"iquest", 0xBF}, {"szlig", 0xDF},
      {"times", 0xD7}, {"divide", 0xF7}};
  for (const auto& [n, cp] : kNames)
    if (n == name) return cp;
  // U+00C0-U+00FF in order (times and divide at D7 / F7 are above).
  static constexpr std::string_view kLatin1[] = {
      "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
      "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
      "Ocirc", "Otilde", "Ouml", "", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN",
      "", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave",
      "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve",
      "oacute", "ocirc", "otilde", "ouml", "", "oslash", "ugrave", "uacute", "ucirc", "uuml",
      "yacute", "thorn", "yuml"};
  for (size_t i = 0; i < std::size(kLatin1); ++i)
    if (!kLatin1[i].empty() && kLatin1[i] == name) return static_cast<uint32_t>(0xC0 + i);
  return 0;
}

// Whether the normaliser keeps the character inside words.
bool word_code_point(uint32_t cp) {
  if (cp < 0x80) return std::isalnum(static_cast<int>(cp)) != 0;
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7) return false;  // Latin-1 spaces, punctuation, signs
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  char utf8[4];
  const size_t n = encode_utf8(static_cast<char32_t>(cp), utf8);
  return separator_length(reinterpret_cast<const uint8_t*>(utf8), n) == 0 && !(cp >= 0x2000 && cp <= 0x206F) && cp != 0x2122;
}

HtmlMarkup undecided_markup() {
  HtmlMarkup m;
  m.undecided = true;
  return m;
}
}  // namespace

HtmlMarkup html_markup(const char* p, size_t n, bool more) {
  HtmlMarkup none;
  if (n == 0) return none;
  if (p[0] == '<') {
    size_t i = 1;
    if (i < n && p[i] == '/') ++i;
    const size_t name_begin = i;
    while (i < n && i - name_begin <= 10 && (ascii_alpha(p[i]) || (i > name_begin && ascii_digit(p[i])))) ++i;
    if (i == n) return more ? undecided_markup() : none;
    if (i == name_begin || !html_text_tag(std::string_view(p + name_begin, i - name_begin))) return none;
    if (p[i] != '>' && p[i] != '/' && p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return none;
    for (; i < n && i < kMaxTagBytes; ++i) {
      if (p[i] == '>') {
        HtmlMarkup tag;
        tag.length = i + 1;
        return tag;
      }
      if (p[i] == '<' || p[i] == '\n') return none;
    }
    return i == n && i < kMaxTagBytes && more ? undecided_markup() : none;
  }
  if (p[0] != '&') return none;
  size_t i = 1;
  uint32_t cp = 0;
  if (i < n && p[i] == '#') {
    ++i;
    const bool hex = i < n && (p[i] == 'x' || p[i] == 'X');
    if (hex) ++i;
    const size_t digits_begin = i;
    for (; i < n && i - digits_begin < 7; ++i) {
      const char c = p[i];
      int d = ascii_digit(c) ? c - '0' : -1;
      if (hex && d < 0 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) d = 10 + (std::tolower(c) - 'a');
      if (d < 0) break;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    if (i == n) return more && i < kMaxReferenceBytes ? undecided_markup() : none;
    if (i == digits_begin || p[i] != ';') return none;
  } else {
    const size_t name_begin = i;
    while (i < n && i - name_begin < 8 && (ascii_alpha(p[i]) || (i > name_begin && ascii_digit(p[i])))) ++i;
    if (i == n) return more && i < kMaxReferenceBytes ? undecided_markup() : none;
    if (p[i] != ';') return none;
    cp = named_reference(std::string_view(p + name_begin, i - name_begin));
    if (cp == 0) return none;
  }
  HtmlMarkup ref;
  ref.length = i + 1;
  ref.code_point = cp;
  ref.word = cp <= 0x10FFFF && word_code_point(cp);
  return ref;
}

// ---- Corpus ---------------------------------------------------------------------------------
Corpus::Corpus(const fs::path& input) : Corpus(std::vector<fs::path>{input}) {}

namespace {
// The files of one input (see Corpus).
std::vector<fs::path> input_files(const fs::path& input) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(input, ec)) {
    // Recursive: corpora such as WikiExtractor's output keep their text in subfolders (AA/, AB/, ...).
    fs::recursive_directory_iterator it(input, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory(ec)) it.disable_recursion_pending();  // hidden folder: skip its files
        ec.clear();
        continue;
      }
      if (it->is_regular_file(ec)) files.push_back(it->path());
      ec.clear();
    }
    if (ec) throw file_error(input.string(), "cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end());  // by path, component by component
    if (files.empty()) throw file_error(input.string(), "the corpus folder holds no file");
  } else if (fs::is_regular_file(input, ec)) {
    files.push_back(input);
  } else {
    throw file_error(input.string(), "no such corpus file or folder");
  }
  return files;
}

bool is_gzip(const fs::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw file_error(path.string(), "cannot open: " + std::string(std::strerror(errno)));
  unsigned char magic[2] = {0, 0};
  const size_t got = std::fread(magic, 1, 2, f);
  std::fclose(f);
  return got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
}

// zlib's message for the last error on `f`, without the "path: " zlib puts before it (the
// errors here name the file themselves).
std::string gz_message(gzFile f, const fs::path& path) {
  int code = Z_OK;
  const char* msg = gzerror(f, &code);
  if (code == Z_ERRNO) return std::strerror(errno);
  std::string text = msg && *msg ? msg : "read error";
  const std::string prefix = path.string() + ": ";
  if (text.starts_with(prefix)) text.erase(0, prefix.size());
  return text;
}

// The decompressed size of a gzip file (all its members), by decompressing it.
uint64_t gzip_size(const fs::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw file_error(path.string(), "cannot open: " + std::string(std::strerror(errno)));
  gzbuffer(f, kGzipBufferBytes);
  std::vector<char> buf(kBufferBytes);
  uint64_t total = 0;
  for (;;) {
    const int got = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (got < 0) {
      const std::string msg = gz_message(f, path);
      gzclose(f);
      throw file_error(path.string(), "corrupt gzip data after " + std::to_string(total) +
                                          " decompressed bytes (" + msg + ")");
    }
    if (got == 0) break;
    total += static_cast<uint64_t>(got);
  }
  int code = Z_OK;
  gzerror(f, &code);
  const std::string msg = code != Z_OK ? gz_message(f, path) : "";
  gzclose(f);
  if (code != Z_OK) {
    throw file_error(path.string(), "corrupt or truncated gzip file after " + std::to_string(total) +
                                        " decompressed bytes (" + msg + ")");
  }
  return total;
}
}  // namespace

Corpus::Corpus(const std::vector<fs::path>& inputs) {
  if (inputs.empty()) throw Error("no corpus input given");
  for (const auto& input : inputs) {
    const auto files = input_files(input);
    files_.insert(files_.end(), files.begin(), files.end());
  }
  std::error_code ec;
  for (const auto& f : files_) {
    const bool gz = is_gzip(f);
    const uint64_t size = gz ? gzip_size(f) : fs::file_size(f, ec);
    if (ec) throw file_error(f.string(), "cannot read: " + ec.message());
    sizes_.push_back(size);
    compressed_.push_back(gz);
    total_ += size;
  }
}

std::vector<uint64_t> Corpus::split(int parts) const {
  std::vector<uint64_t> bounds;
  for (int i = 0; i <= parts; ++i) {
    bounds.push_back(static_cast<uint64_t>(static_cast<unsigned __int128>(total_) * i / parts));
  }
  return bounds;
}

int64_t count_words(const Corpus& corpus, const TextOptions& options, int64_t limit) {
  TokenReader reader(corpus, options);
  std::string_view token;
  int64_t n = 0;
  while (n < limit && reader.next(token)) {
    if (token != kEndOfSentence) ++n;
  }
  return n;
}

// ---- TokenReader ----------------------------------------------------------------------------
TokenReader::TokenReader(const Corpus& corpus, const TextOptions& options, uint64_t begin,
                         uint64_t end, bool validate_utf8)
    : corpus_(corpus), options_(options), validate_(validate_utf8), end_(end) {
  for (int c = 0; c < 256; ++c) {
    uint8_t cls = kWord;
    if (c == '\n') cls = kNewline;
    else if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == 0) cls = kSpace;
    else if (options_.normalize && (c == '<' || c == '&')) cls = kMarkup;
    else if (options_.normalize && c < 0x80 && !std::isalnum(c)) cls = kSpace;
    else if (options_.normalize && (c == 0xC2 || c == 0xE1 || c == 0xE2 || c == 0xE3 || c == 0xEF)) cls = kLead;
    class_[c] = cls;
  }
  buffer_.resize(kBufferBytes);
  const auto& sizes = corpus_.sizes();
  size_t index = 0;
  uint64_t file_begin = 0;
  while (index < sizes.size() && begin >= file_begin + sizes[index]) file_begin += sizes[index++];
  file_begin_ = file_begin;
  if (index >= sizes.size() || file_begin_ >= end_) {
    done_ = true;
    return;
  }
  open_file(index, begin - file_begin_);
}

TokenReader::~TokenReader() {
  if (fp_) gzclose(fp_);
}

bool TokenReader::open_file(size_t index, uint64_t offset) {
  if (fp_) gzclose(fp_);
  fp_ = nullptr;
  file_index_ = index;
  const auto& path = corpus_.files()[index];
  fp_ = gzopen(path.c_str(), "rb");
  if (!fp_) throw file_error(path.string(), "cannot open: " + std::string(std::strerror(errno)));
  gzbuffer(fp_, kGzipBufferBytes);
  pos_ = len_ = 0;
  file_eof_ = false;
  line_start_ = true;
  skip_line_ = skip_partial_ = false;
  line_ = 1;
  buf_offset_ = offset;
  // Reads exactly `n` bytes at the file's (decompressed) offset `at` (a gzip file is
  // decompressed up to there: zlib's gzseek).
  auto read_at = [&](uint64_t at, char* out, size_t n) {
    if (gzseek(fp_, static_cast<z_off_t>(at), SEEK_SET) != static_cast<z_off_t>(at) ||
        gzread(fp_, out, static_cast<unsigned>(n)) != static_cast<int>(n)) {
      throw file_error(path.string(), "cannot read at byte " + std::to_string(at) + " (" + gz_message(fp_, path) + ")");
    }
  };
  if (offset > 0) {
    // Look back: are we inside a word (owned by the previous range), inside HTML markup or
    // inside a <doc> line? The bytes read ahead of `offset` start the buffer (a gzip file
    // cannot seek back cheaply).
    const uint64_t back = std::min<uint64_t>(offset, kLookbackBytes);
    std::string s(back + kMaxTagBytes, '\0');
    read_at(offset - back, s.data(), back);
    const int got = gzread(fp_, s.data() + back, static_cast<unsigned>(kMaxTagBytes));
    if (got < 0) throw file_error(path.string(), "read error: " + gz_message(fp_, path));
    s.resize(back + static_cast<size_t>(got));
    std::memcpy(buffer_.data(), s.data() + back, static_cast<size_t>(got));
    len_ = static_cast<size_t>(got);
    const std::string_view tail(s.data(), back);
    line_ = -1;
    const bool tail_from_file_start = back == offset;
    const uint8_t last = static_cast<uint8_t>(tail.back());
    line_start_ = last == '\n';
    skip_partial_ = class_[last] == kWord || class_[last] == kLead;
    size_t start = 0;  // > 0: the first bytes belong to the previous range (markup or a separator)
    if (options_.normalize) {
      // HTML markup across `offset`: the previous range owns it (and the word it belongs to).
      const size_t nl = tail.rfind('\n');
      size_t p = nl == std::string::npos ? (back > kMaxTagBytes ? back - kMaxTagBytes : 0) : nl + 1;
      while (p < back) {
        const uint8_t c = static_cast<uint8_t>(s[p]);
        const HtmlMarkup m = class_[c] == kMarkup ? html_markup(s.data() + p, s.size() - p, false) : HtmlMarkup{};
        if (m.length == 0) {
          ++p;
          continue;
        }
        if (p + m.length > back) {
          start = p + m.length - back;
          skip_partial_ = m.word;
          break;
        }
        if (p + m.length == back) skip_partial_ = m.word;
        p += m.length;
      }
    }
    if (options_.normalize && last >= 0x80 && start == 0) {
      // A multi-byte character at the boundary: a separator ends the previous range's word.
      const auto* u = reinterpret_cast<const uint8_t*>(s.data());
      size_t lead = back;  // the first byte of the character holding byte `back` (or before it)
      while (lead > 0 && back - lead < 3 && (u[lead] & 0xC0) == 0x80) --lead;
      if (lead < back) {
        // `offset` is inside the character that starts at `lead`: the previous range owns it.
        const size_t sep = separator_length(u + lead, std::min(s.size() - lead, back - lead + 3));
        // sep == back - lead: a separator ends right at `offset` (whose byte is a stray
        // continuation byte, so the walk back passed it): a new word starts here.
        if (sep >= back - lead) {
          start = lead + sep - back;  // start after it
          skip_partial_ = false;
        }
      } else {
        // `offset` starts a character: the one before it decides.
        size_t prev = back - 1;
        while (prev > 0 && back - prev < 4 && (u[prev] & 0xC0) == 0x80) --prev;
        if (separator_length(u + prev, back - prev) == back - prev) skip_partial_ = false;
      }
    }
    pos_ = start;
    if (options_.normalize && !line_start_) {
      const size_t nl = tail.rfind('\n');
      if (nl != std::string::npos || tail_from_file_start) {
        const size_t from = nl == std::string::npos ? 0 : nl + 1;
        skip_line_ = starts_doc_line(tail.data() + from, tail.size() - from);
      }
    }
  }
  return true;
}

bool TokenReader::fill() {
  // Keeps [pos_, len_) and appends what the file has next.
  if (file_eof_) return false;
  if (pos_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + pos_, len_ - pos_);
    buf_offset_ += pos_;
    len_ -= pos_;
    pos_ = 0;
  }
  const int got = gzread(fp_, buffer_.data() + len_, static_cast<unsigned>(buffer_.size() - len_));
  if (got < 0) throw file_error(corpus_.files()[file_index_].string(), "read error: " + gz_message(fp_, corpus_.files()[file_index_]));
  if (got == 0) {
    int code = Z_OK;
    gzerror(fp_, &code);
    if (code != Z_OK) throw file_error(corpus_.files()[file_index_].string(), "read error: " + gz_message(fp_, corpus_.files()[file_index_]));
    file_eof_ = true;
    return false;
  }
  len_ += static_cast<size_t>(got);
  return true;
}

bool TokenReader::doc_line_at(size_t pos) const {
  return starts_doc_line(buffer_.data() + pos, len_ - pos);
}

void TokenReader::utf8_error(size_t bad_index) const {
  const auto path = corpus_.files()[file_index_].string();
  const std::string msg =
      fmt::format("invalid UTF-8 at byte offset {} (in token starting at byte {})",
                  token_offset_ + bad_index, token_offset_);
  if (token_line_ > 0) throw file_error(path, token_line_, msg);
  throw file_error(path, msg);
}

bool TokenReader::finish_token(std::string_view& token) {
  if (token_.size() >= options_.max_word_bytes) {
    // Cut an incomplete trailing UTF-8 sequence.
    size_t lead = token_.size();
    while (lead > 0 && (static_cast<uint8_t>(token_[lead - 1]) & 0xC0) == 0x80) --lead;
    if (lead > 0 && static_cast<uint8_t>(token_[lead - 1]) >= 0xC0) {
      const uint8_t b = static_cast<uint8_t>(token_[lead - 1]);
      const size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
      if (token_.size() - (lead - 1) < need) token_.resize(lead - 1);
    }
  }
  if (validate_) {
    const size_t bad = find_invalid_utf8(token_);
    if (bad != std::string_view::npos) utf8_error(bad);
  }
  if (options_.lowercase) lowercase_utf8(token_);
  token = token_;
  return true;
}

bool TokenReader::next(std::string_view& token) {
  token_.clear();
  if (pending_eos_) {
    pending_eos_ = false;
    token = kEndOfSentence;
    return true;
  }
  if (done_) return false;
  for (;;) {
    if (pos_ == len_ && !fill()) {
      // End of this file: it ends the token too.
      if (!token_.empty()) return finish_token(token);
      if (file_index_ + 1 >= corpus_.files().size()) return done_ = true, false;
      file_begin_ += corpus_.sizes()[file_index_];
      if (file_begin_ >= end_) return done_ = true, false;
      open_file(file_index_ + 1, 0);
      continue;
    }
    if (line_start_ && options_.normalize && token_.empty() && !skip_line_) {
      if (len_ - pos_ < 9 && !file_eof_) {  // "\xEF\xBB\xBF</doc>"
        fill();
        continue;
      }
      line_start_ = false;
      if (file_begin_ + buf_offset_ + pos_ >= end_) return done_ = true, false;
      skip_line_ = doc_line_at(pos_);
    }
    if (skip_line_) {
      const char* nl = static_cast<const char*>(std::memchr(buffer_.data() + pos_, '\n', len_ - pos_));
      if (!nl) {
        pos_ = len_;
        continue;
      }
      pos_ = static_cast<size_t>(nl - buffer_.data()) + 1;
      skip_line_ = skip_partial_ = false;
      line_start_ = true;
      if (line_ > 0) ++line_;
      continue;
    }
    const uint8_t c = static_cast<uint8_t>(buffer_[pos_]);
    uint8_t cls = class_[c];
    size_t separator = 1;
    if (cls == kLead) {
      separator = separator_at(buffer_.data(), pos_, len_, !file_eof_);
      if (separator == kUndecided) {
        fill();  // keeps [pos_, len_); at the file's end the short tail is decided as it is
        continue;
      }
      cls = separator > 0 ? kSpace : kWord;
    } else if (cls == kMarkup) {
      const HtmlMarkup m = html_markup(buffer_.data() + pos_, len_ - pos_, !file_eof_);
      if (m.undecided) {
        fill();  // keeps [pos_, len_); at the file's end the short tail is decided as it is
        continue;
      }
      if (m.word) {
        // A letter or digit written as a character reference: part of a word.
        if (skip_partial_) {
          pos_ += m.length;
          continue;
        }
        if (token_.empty()) {
          if (file_begin_ + buf_offset_ + pos_ >= end_) return done_ = true, false;
          token_offset_ = buf_offset_ + pos_;
          token_line_ = line_;
        }
        std::string decoded;
        append_utf8(decoded, static_cast<char32_t>(m.code_point));
        if (token_.size() + decoded.size() <= options_.max_word_bytes) token_ += decoded;
        pos_ += m.length;
        continue;
      }
      cls = kSpace;
      separator = std::max<size_t>(m.length, 1);  // a tag or a reference to punctuation, or a lone '<' / '&'
    }
    if (cls == kWord) {
      const size_t start = pos_;
      bool undecided = false;  // stopped at a kLead byte whose character is not all in the buffer
      while (pos_ < len_) {
        const uint8_t b = static_cast<uint8_t>(buffer_[pos_]);
        if (class_[b] == kWord) {
          ++pos_;
          continue;
        }
        if (class_[b] != kLead) break;
        const size_t sep = separator_at(buffer_.data(), pos_, len_, !file_eof_);
        undecided = sep == kUndecided;
        if (sep != 0) break;
        ++pos_;
      }
      if (skip_partial_) {
        // The word ends here, unless a character reference carries it on (decided above).
        if (pos_ < len_ && !undecided && class_[static_cast<uint8_t>(buffer_[pos_])] != kMarkup) skip_partial_ = false;
        continue;
      }
      if (token_.empty()) {
        if (file_begin_ + buf_offset_ + start >= end_) return done_ = true, false;
        token_offset_ = buf_offset_ + start;
        token_line_ = line_;
      }
      const size_t room = options_.max_word_bytes > token_.size() ? options_.max_word_bytes - token_.size() : 0;
      token_.append(buffer_.data() + start, std::min(room, pos_ - start));
      continue;
    }
    skip_partial_ = false;
    line_start_ = false;
    if (cls == kNewline) {
      const bool inside = file_begin_ + buf_offset_ + pos_ < end_;
      ++pos_;
      if (line_ > 0) ++line_;
      line_start_ = true;
      if (!inside) {
        done_ = true;
        return token_.empty() ? false : finish_token(token);
      }
      if (!token_.empty()) {
        pending_eos_ = true;
        return finish_token(token);
      }
      token = kEndOfSentence;
      return true;
    }
    pos_ += separator;
    if (!token_.empty()) return finish_token(token);
  }
}

// ---- UTF-8 ----------------------------------------------------------------------------------
size_t find_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t b = s[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (b >= 0xC2 && b <= 0xDF) len = 2, cp = b & 0x1F;
    else if (b >= 0xE0 && b <= 0xEF) len = 3, cp = b & 0x0F;
    else if (b >= 0xF0 && b <= 0xF4) len = 4, cp = b & 0x07;
    else return i;
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

namespace {
uint32_t lower_code_point(uint32_t cp) {
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp >= 0x100 && cp <= 0x137 && cp != 0x130) return cp | 1;
  if (cp >= 0x139 && cp <= 0x148 && (cp & 1)) return cp + 1;
  if (cp >= 0x14A && cp <= 0x177) return cp | 1;
  if (cp == 0x178) return 0xFF;
  if (cp >= 0x179 && cp <= 0x17E && (cp & 1)) return cp + 1;
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
  if (cp == 0x386) return 0x3AC;
  if (cp >= 0x388 && cp <= 0x38A) return cp + 0x25;
  if (cp == 0x38C) return 0x3CC;
  if (cp == 0x38E || cp == 0x38F) return cp + 0x3F;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  return cp;
}
}  // namespace

void lowercase_utf8(std::string& text) {
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = static_cast<uint8_t>(text[i]);
    if (b < 0x80) {
      if (b >= 'A' && b <= 'Z') text[i] = static_cast<char>(b + 32);
      continue;
    }
    if (b >= 0xC2 && b <= 0xDF && i + 1 < n && (static_cast<uint8_t>(text[i + 1]) & 0xC0) == 0x80) {
      const uint32_t cp = ((b & 0x1Fu) << 6) | (static_cast<uint8_t>(text[i + 1]) & 0x3Fu);
      const uint32_t lo = lower_code_point(cp);  // always a two-byte code point again
      text[i] = static_cast<char>(0xC0 | (lo >> 6));
      text[i + 1] = static_cast<char>(0x80 | (lo & 0x3F));
      ++i;
    }
  }
}

}  // namespace seer::word2vec
