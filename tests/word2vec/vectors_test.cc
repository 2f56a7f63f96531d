#include "seer/word2vec/vectors.h"

#include <cstdlib>
#include <limits>

#include <gtest/gtest.h>

#include "seer/core/atomic_file.h"
#include "test_support.h"
#include "word2vec/w2v_test_util.h"

namespace seer::word2vec {
namespace {

using seer::testing::ScratchDir;
using namespace seer::word2vec::testing;

WordVectors sample_vectors() {
  WordVectors v;
  v.dim = 3;
  v.words = {"</s>", "café", "naïve", "東京", "x"};
  v.data = {0.0f, 1.0f, -2.5f, 0.1f, 1e-8f, 3.25f, -0.333333f, 123456.78f, 7.0f,
            1.5f, -1.5f, 0.0f, 0.2f, 0.3f, 0.4f};
  v.build_index();
  return v;
}

void expect_same(const WordVectors& a, const WordVectors& b) {
  ASSERT_EQ(a.words, b.words);
  ASSERT_EQ(a.dim, b.dim);
  EXPECT_EQ(a.data, b.data);  // bit-exact, also for the text format
}

TEST(Word2vecVectors, BinaryRoundTripWithUtf8Words) {
  ScratchDir dir;
  const auto v = sample_vectors();
  save_vectors(v, dir / "v.bin", VectorFormat::kBinary);
  const std::string bytes = read_file(dir / "v.bin");
  EXPECT_TRUE(bytes.starts_with("5 3\n</s> "));
  EXPECT_EQ(bytes.size(), 4 + 5 * (3 * 4 + 2) + (4 + 5 + 6 + 6 + 1));
  const auto back = load_vectors(dir / "v.bin");
  expect_same(v, back);
  EXPECT_EQ(back.find("東京"), 3);
}

TEST(Word2vecVectors, TextRoundTripAndSniffing) {
  ScratchDir dir;
  const auto v = sample_vectors();
  save_vectors(v, dir / "v.txt", VectorFormat::kText);
  const std::string bytes = read_file(dir / "v.txt");
  EXPECT_TRUE(bytes.starts_with("5 3\n</s> 0 1 -2.5\ncafé ")) << bytes.substr(0, 40);
  expect_same(v, load_vectors(dir / "v.txt"));
  // Unknown extensions are sniffed.
  save_vectors(v, dir / "v.model", VectorFormat::kText);
  expect_same(v, load_vectors(dir / "v.model"));
  save_vectors(v, dir / "w.model", VectorFormat::kBinary);
  expect_same(v, load_vectors(dir / "w.model"));
  // word2vec.c's text style: "%lf " with a trailing space.
  write_text(dir / "c.vec", "2 2\na 0.500000 -1.000000 \nb 2.000000 0.000000 \n");
  const auto c = load_vectors(dir / "c.vec");
  EXPECT_EQ(c.data, (std::vector<float>{0.5f, -1.0f, 2.0f, 0.0f}));
}

TEST(Word2vecVectors, BadFilesGiveClearErrors) {
  ScratchDir dir;
  EXPECT_NE(error_of([&] { load_vectors(dir / "missing.bin"); }).find("missing.bin: no such vectors file"),
            std::string::npos);
  write_text(dir / "h.bin", "hello world\nxx");
  std::string msg = error_of([&] { load_vectors(dir / "h.bin"); });
  EXPECT_NE(msg.find("h.bin:1: not a word2vec vectors file"), std::string::npos) << msg;
  write_text(dir / "t.bin", "3 4\nab ");
  msg = error_of([&] { load_vectors(dir / "t.bin"); });
  EXPECT_NE(msg.find("t.bin:1: the header announces 3 words of 4 numbers"), std::string::npos) << msg;
  write_text(dir / "t2.bin", std::string("3 1\nabcdefgh \x01\x02\x03\x04\nijklmnop \x05\x06\x07\x08\nq"));
  msg = error_of([&] { load_vectors(dir / "t2.bin"); });
  EXPECT_NE(msg.find("t2.bin: truncated: word 3 of 3"), std::string::npos) << msg;
  write_text(dir / "n.txt", "1 2\nword 1.0 oops\n");
  msg = error_of([&] { load_vectors(dir / "n.txt"); });
  EXPECT_NE(msg.find("n.txt:2: number 2 is not a float"), std::string::npos) << msg;
  write_text(dir / "k.txt", "2 2\nword 1.0 2.0\n");
  msg = error_of([&] { load_vectors(dir / "k.txt"); });
  EXPECT_NE(msg.find("k.txt:3: truncated"), std::string::npos) << msg;
  write_text(dir / "u.txt", "1 1\nw\xFF 1.0\n");
  msg = error_of([&] { load_vectors(dir / "u.txt"); });
  EXPECT_NE(msg.find("u.txt: word 1 is not valid UTF-8"), std::string::npos) << msg;
}

TEST(Word2vecVectors, FormatComesFromTheBytesNotTheName) {
  ScratchDir dir;
  const auto v = sample_vectors();
  // Text in a .bin and binary in a .vec or .txt: read as what they are.
  save_vectors(v, dir / "text.bin", VectorFormat::kText);
  expect_same(v, load_vectors(dir / "text.bin"));
  save_vectors(v, dir / "binary.vec", VectorFormat::kBinary);
  expect_same(v, load_vectors(dir / "binary.vec"));
  // Realistic text rows (long decimals) under an unknown extension.
  write_text(dir / "g.dat", "2 3\nking 0.123456789 -0.987654321 0.5\nqueen 0.25 0.75 -0.125\n");
  const auto g = load_vectors(dir / "g.dat");
  ASSERT_EQ(g.words, (std::vector<std::string>{"king", "queen"}));
  EXPECT_FLOAT_EQ(g.row(0)[1], -0.987654321f);
  // Text rows with fewer numbers than the header says: a text error, not binary garbage.
  write_text(dir / "short.bin", "2 3\nking 1.5 2.5\nqueen 1.25 0.5\n");
  const std::string msg = error_of([&] { load_vectors(dir / "short.bin"); });
  EXPECT_NE(msg.find("short.bin:2: expected 3 numbers after the word, found 2"), std::string::npos) << msg;
}

TEST(Word2vecVectors, RowsPastTheHeadersCountAreIgnoredWithAWarning) {
  ScratchDir dir;
  write_text(dir / "extra.txt", "1 2\na 1 2\nb 3 4\n");
  WordVectors v;
  const std::string err = seer::testing::stderr_of([&] { v = load_vectors(dir / "extra.txt"); });
  EXPECT_EQ(v.words, (std::vector<std::string>{"a"}));
  EXPECT_NE(err.find("extra.txt: more rows than the header's 1"), std::string::npos) << err;
  write_text(dir / "exact.txt", "1 2\na 1 2\n\n");
  EXPECT_EQ(seer::testing::stderr_of([&] { load_vectors(dir / "exact.txt"); }), "");
}

TEST(Word2vecVectors, HeaderPromisingMoreThanTheFileIsRefusedBeforeAllocating) {
  ScratchDir dir;
  write_text(dir / "big.txt", "20000 100000\nking 1 2 3\n");
  const std::string msg = error_of([&] { load_vectors(dir / "big.txt"); });
  EXPECT_NE(msg.find("big.txt:1: the header announces 20000 words of 100000 numbers"), std::string::npos) << msg;
}

TEST(Word2vecVectors, NonFiniteValuesAreErrors) {
  ScratchDir dir;
  write_text(dir / "nan.txt", "2 2\nking 1 2\nqueen nan 1\n");
  std::string msg = error_of([&] { load_vectors(dir / "nan.txt"); });
  EXPECT_NE(msg.find("nan.txt:3: number 1 is not finite"), std::string::npos) << msg;
  write_text(dir / "inf.txt", "1 2\nking 1 inf\n");
  msg = error_of([&] { load_vectors(dir / "inf.txt"); });
  EXPECT_NE(msg.find("inf.txt:2: number 2 is not finite"), std::string::npos) << msg;
  WordVectors v;
  v.dim = 2;
  v.words = {"a", "b"};
  v.data = {1.0f, 2.0f, 3.0f, std::numeric_limits<float>::quiet_NaN()};
  save_vectors(v, dir / "nan.bin", VectorFormat::kBinary);
  msg = error_of([&] { load_vectors(dir / "nan.bin"); });
  EXPECT_NE(msg.find("nan.bin: word 2 ('b'): value 2 is not a finite number"), std::string::npos) << msg;
}

TEST(Word2vecVectors, GensimLoadsOurFiles) {
  if (std::system("/usr/bin/python3 -c 'import gensim' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-gensim not installed";
  }
  ScratchDir dir;
  const auto v = sample_vectors();
  save_vectors(v, dir / "v.bin", VectorFormat::kBinary);
  save_vectors(v, dir / "v.txt", VectorFormat::kText);
  const std::string script =
      "import sys\n"
      "from gensim.models import KeyedVectors\n"
      "for path, binary in ((sys.argv[1], True), (sys.argv[2], False)):\n"
      "    kv = KeyedVectors.load_word2vec_format(path, binary=binary)\n"
      "    assert kv.index_to_key == ['</s>', 'café', 'naïve', '東京', 'x'], kv.index_to_key\n"
      "    assert abs(float(kv['naïve'][1]) - 123456.78) < 0.01\n"
      "    assert abs(float(kv['café'][1]) - 1e-8) < 1e-14\n"
      "    kv.save_word2vec_format(path[:-4] + '-gensim' + path[-4:], binary=binary)\n";
  write_text(dir / "check.py", script);
  const std::string cmd = "/usr/bin/python3 " + (dir / "check.py").string() + " " + (dir / "v.bin").string() +
                          " " + (dir / "v.txt").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  expect_same(v, load_vectors(dir / "v-gensim.bin"));
  expect_same(v, load_vectors(dir / "v-gensim.txt"));
}

}  // namespace
}  // namespace seer::word2vec
