#include "seer/text/encoding.h"

#include <cstdint>

#include "seer/core/utf8.h"
#include "seer/word2vec/text_reader.h"

namespace seer::text {
namespace {

// cp1252's 0x80..0x9F; 0 where cp1252 has no character (the Latin-1 C1 control is used).
constexpr char32_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 80-87
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,       // 88-8F
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90-97
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,  // 98-9F
};

void append_cp1252(std::string& out, uint8_t b) {
  char32_t cp = b;
  if (b >= 0x80 && b <= 0x9F && kCp1252High[b - 0x80] != 0) cp = kCp1252High[b - 0x80];
  append_utf8(out, cp);
}

}  // namespace

std::string cp1252_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char c : bytes) append_cp1252(out, static_cast<uint8_t>(c));
  return out;
}

std::string utf8_or_cp1252(std::string_view bytes, size_t* invalid_bytes) {
  size_t bad_count = 0;
  size_t bad = word2vec::find_invalid_utf8(bytes);
  if (bad == std::string_view::npos) {
    if (invalid_bytes) *invalid_bytes = 0;
    return std::string(bytes);
  }
  std::string out;
  out.reserve(bytes.size() + 8);
  while (bad != std::string_view::npos) {
    out.append(bytes.substr(0, bad));  // ends at a character boundary: bad is a sequence start
    append_cp1252(out, static_cast<uint8_t>(bytes[bad]));
    ++bad_count;
    bytes.remove_prefix(bad + 1);
    bad = word2vec::find_invalid_utf8(bytes);
  }
  out.append(bytes);
  if (invalid_bytes) *invalid_bytes = bad_count;
  return out;
}

}  // namespace seer::text
