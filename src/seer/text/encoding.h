// Byte-to-UTF-8 decoding for the text-classification readers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace seer::text {

// Latin-1 / cp1252 bytes -> UTF-8: 0x80..0x9F are cp1252's characters (0x85 "…", 0x92 "’",
// 0x93 "“" ...), the five bytes cp1252 leaves undefined (81 8D 8F 90 9D) and 0xA0..0xFF are
// Latin-1 (U+0081 ..., U+00A0..U+00FF). ASCII is unchanged.
std::string cp1252_to_utf8(std::string_view bytes);

// Valid UTF-8 is kept as it is; each byte that does not start a valid UTF-8 sequence is
// decoded as cp1252 instead. `invalid_bytes` (when given) receives how many such bytes there were.
std::string utf8_or_cp1252(std::string_view bytes, size_t* invalid_bytes = nullptr);

}  // namespace seer::text
