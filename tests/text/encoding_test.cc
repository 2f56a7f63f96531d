#include "seer/text/encoding.h"

#include <gtest/gtest.h>

namespace seer::text {
namespace {

TEST(TextEncoding, Latin1AndCp1252ToUtf8) {
  EXPECT_EQ(cp1252_to_utf8("caf\xE9"), "caf\xC3\xA9");                  // é
  EXPECT_EQ(cp1252_to_utf8("\x93hi\x94"), "\xE2\x80\x9Chi\xE2\x80\x9D");  // “hi”
  EXPECT_EQ(cp1252_to_utf8("\x85"), "\xE2\x80\xA6");                      // …
  EXPECT_EQ(cp1252_to_utf8("\x81\xFF"), "\xC2\x81\xC3\xBF");              // undefined -> U+0081
  EXPECT_EQ(cp1252_to_utf8("plain"), "plain");
}

TEST(TextEncoding, InvalidUtf8BytesReadAsCp1252) {
  size_t bad = 99;
  EXPECT_EQ(utf8_or_cp1252("caf\xC3\xA9", &bad), "caf\xC3\xA9");
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(utf8_or_cp1252("a\xE9" "b \xC3\xA9", &bad), "a\xC3\xA9" "b \xC3\xA9");
  EXPECT_EQ(bad, 1u);
  // A truncated sequence: each byte on its own.
  EXPECT_EQ(utf8_or_cp1252("x\xE2\x80", &bad), "x\xC3\xA2\xE2\x82\xAC");
  EXPECT_EQ(bad, 2u);
  EXPECT_EQ(utf8_or_cp1252("sister\xF0" "city"), "sister\xC3\xB0" "city");
}

}  // namespace
}  // namespace seer::text
