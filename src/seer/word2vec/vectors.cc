#include "seer/word2vec/vectors.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/word2vec/text_reader.h"

namespace seer::word2vec {
namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little, "the .bin format is little-endian float32");

int32_t WordVectors::find(std::string_view word) const {
  const auto it = index_.find(std::string(word));
  return it == index_.end() ? -1 : it->second;
}

void WordVectors::build_index() {
  index_.clear();
  index_.reserve(words.size());
  for (size_t i = 0; i < words.size(); ++i) index_.emplace(words[i], static_cast<int32_t>(i));
}

VectorFormat format_for_path(const fs::path& path, VectorFormat fallback) {
  const auto ext = path.extension().string();
  if (ext == ".bin") return VectorFormat::kBinary;
  if (ext == ".txt" || ext == ".vec") return VectorFormat::kText;
  return fallback;
}

void save_vectors(const WordVectors& vectors, const fs::path& path, VectorFormat format) {
  if (vectors.data.size() != vectors.words.size() * static_cast<size_t>(vectors.dim)) {
    throw Error("save_vectors: data size does not match words x dim");
  }
  for (const auto& w : vectors.words) {
    if (w.empty() || w.find_first_of(" \n") != std::string::npos) {
      throw file_error(path.string(), "cannot write the word '" + w + "': empty or holds a space/newline");
    }
  }
  write_file_atomic(path, [&](std::ostream& os) {
    os << vectors.size() << ' ' << vectors.dim << '\n';
    std::string line;
    char number[32];
    for (size_t i = 0; i < vectors.size(); ++i) {
      line = vectors.words[i];
      const float* row = vectors.row(i);
      if (format == VectorFormat::kBinary) {
        line += ' ';
        line.append(reinterpret_cast<const char*>(row), sizeof(float) * vectors.dim);
      } else {
        for (int d = 0; d < vectors.dim; ++d) {
          const auto r = std::to_chars(number, number + sizeof number, row[d]);
          line += ' ';
          line.append(number, r.ptr);
        }
      }
      line += '\n';
      os.write(line.data(), static_cast<std::streamsize>(line.size()));
    }
  });
}

namespace {

struct Header {
  int64_t count = 0;
  int64_t dim = 0;
  size_t end = 0;  // offset after the header's newline
};

Header parse_header(const std::string& bytes, const std::string& name) {
  const size_t nl = bytes.find('\n');
  if (nl == std::string::npos || nl > 100) {
    throw file_error(name, 1, "not a word2vec vectors file: the first line must be \"<count> <dim>\"");
  }
  std::string_view line(bytes.data(), nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Header h;
  const char* p = line.data();
  const char* e = line.data() + line.size();
  auto r1 = std::from_chars(p, e, h.count);
  bool ok = r1.ec == std::errc() && r1.ptr < e && *r1.ptr == ' ';
  if (ok) {
    auto r2 = std::from_chars(r1.ptr + 1, e, h.dim);
    while (r2.ptr < e && *r2.ptr == ' ') ++r2.ptr;
    ok = r2.ec == std::errc() && r2.ptr == e;
  }
  if (!ok || h.count < 0 || h.dim < 1 || h.dim > 100000) {
    throw file_error(name, 1, fmt::format("not a word2vec vectors file: the first line must be "
                                          "\"<count> <dim>\", found \"{}\"", std::string(line.substr(0, 60))));
  }
  h.end = nl + 1;
  return h;
}

// `hint` is added to the message: in a binary file a bad word usually means the rows are not
// as long as the header's dimension says.
void check_word(const std::string& word, const std::string& name, int64_t index, const std::string& hint = {}) {
  if (word.empty()) throw file_error(name, fmt::format("word {} is empty{}", index + 1, hint));
  if (word.find('\n') != std::string::npos) {
    throw file_error(name, fmt::format("word {} holds a newline{}", index + 1, hint));
  }
  if (find_invalid_utf8(word) != std::string::npos) {
    throw file_error(name, fmt::format("word {} is not valid UTF-8{}", index + 1, hint));
  }
}

// Whether the first row after the header is text: after the word, only printable ASCII up to
// the line's end, the first field a number. A binary row's 4 * dim raw bytes practically never
// are (a float's bytes are printable with odds of about 0.37^4, and the row must also start
// like a number); a text row with a malformed number is still text, and gets a text error.
bool first_row_is_text(const std::string& bytes, size_t start) {
  const size_t nl = bytes.find('\n', start);
  std::string_view line(bytes.data() + start, (nl == std::string::npos ? bytes.size() : nl) - start);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0) return false;
  std::string_view rest = line.substr(space);
  for (char ch : rest) {
    const auto c = static_cast<uint8_t>(ch);
    if (!((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\r')) return false;
  }
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  float x = 0;
  const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), x);
  return r.ptr != rest.data();
}

}  // namespace

WordVectors load_vectors(const fs::path& path) {
  const std::string name = path.string();
  if (!fs::exists(path)) throw file_error(name, "no such vectors file");
  const std::string bytes = read_file(path);
  const Header h = parse_header(bytes, name);
  WordVectors v;
  v.dim = static_cast<int>(h.dim);
  // The format is read from the bytes, not the name: a text file called .bin (or the reverse)
  // must not load as garbage.
  const VectorFormat format =
      h.count > 0 && first_row_is_text(bytes, h.end) ? VectorFormat::kText : VectorFormat::kBinary;
  // Each row takes at least a one-byte word, a space and 4 * dim bytes (binary), or a word and
  // dim times " N" (text): a header that promises more than that is refused before allocating.
  const double min_row = format == VectorFormat::kBinary ? 2.0 + 4.0 * h.dim : 1.0 + 2.0 * h.dim;
  if (static_cast<double>(h.count) * min_row > static_cast<double>(bytes.size() - h.end) + 1) {
    throw file_error(name, 1, fmt::format("the header announces {} words of {} numbers, more than the file's {} "
                                          "bytes can hold ({} format)",
                                          h.count, h.dim, bytes.size(),
                                          format == VectorFormat::kBinary ? "binary" : "text"));
  }
  v.words.reserve(h.count);
  v.data.resize(static_cast<size_t>(h.count) * h.dim);
  size_t pos = h.end;
  if (format == VectorFormat::kBinary) {
    const size_t row_bytes = sizeof(float) * h.dim;
    const std::string hint =
        fmt::format(" (binary rows of {} floats: does the header's dimension match the file?)", h.dim);
    for (int64_t i = 0; i < h.count; ++i) {
      while (pos < bytes.size() && bytes[pos] == '\n') ++pos;
      const size_t space = bytes.find(' ', pos);
      if (space == std::string::npos || space + 1 + row_bytes > bytes.size()) {
        throw file_error(name, fmt::format("truncated: word {} of {} is incomplete (byte {})", i + 1, h.count, pos));
      }
      v.words.emplace_back(bytes.data() + pos, space - pos);
      check_word(v.words.back(), name, i, hint);
      std::memcpy(v.row(i), bytes.data() + space + 1, row_bytes);
      for (int64_t d = 0; d < h.dim; ++d) {
        if (!std::isfinite(v.row(i)[d])) {
          throw file_error(name, fmt::format("word {} ('{}'): value {} is not a finite number", i + 1,
                                             v.words.back(), d + 1));
        }
      }
      pos = space + 1 + row_bytes;
    }
  } else {
    long line_no = 1;
    for (int64_t i = 0; i < h.count; ++i) {
      ++line_no;
      if (pos >= bytes.size()) {
        throw file_error(name, line_no, fmt::format("truncated: {} words announced, {} found", h.count, i));
      }
      size_t nl = bytes.find('\n', pos);
      if (nl == std::string::npos) nl = bytes.size();
      std::string_view line(bytes.data() + pos, nl - pos);
      pos = nl + 1;
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.remove_suffix(1);
      const size_t space = line.find(' ');
      if (space == std::string_view::npos || space == 0) {
        throw file_error(name, line_no, "expected a word and " + std::to_string(h.dim) + " numbers");
      }
      v.words.emplace_back(line.substr(0, space));
      check_word(v.words.back(), name, i);
      const char* p = line.data() + space;
      const char* e = line.data() + line.size();
      float* row = v.row(i);
      for (int64_t d = 0; d < h.dim; ++d) {
        if (p >= e || *p != ' ') {
          throw file_error(name, line_no, fmt::format("expected {} numbers after the word, found {}", h.dim, d));
        }
        ++p;
        auto r = std::from_chars(p, e, row[d]);
        if (r.ec != std::errc() || (r.ptr < e && *r.ptr != ' ')) {
          throw file_error(name, line_no, fmt::format("number {} is not a float", d + 1));
        }
        if (!std::isfinite(row[d])) {
          throw file_error(name, line_no, fmt::format("number {} is not finite", d + 1));
        }
        p = r.ptr;
      }
      if (p != e) throw file_error(name, line_no, fmt::format("more than {} numbers after the word", h.dim));
    }
  }
  // Rows past the header's count: word2vec.c and gensim ignore them without a word; say so.
  if (pos < bytes.size() && bytes.find_first_not_of(" \t\r\n", pos) != std::string::npos) {
    warn(fmt::format("{}: more rows than the header's {}; the rest of the file is ignored", name, h.count));
  }
  v.build_index();
  return v;
}

}  // namespace seer::word2vec
