// The `seer word2vec` commands end to end, as a user runs them.
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "cli_runner.h"
#include "test_support.h"

namespace {

using seer::testing::ScratchDir;

seer::testing::CliResult run(const std::string& args) { return seer::testing::run_cli(SEER_EXE, args); }

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(Word2vecCli, TokensAreWhatTrainReadsFromRawAndGzipInputs) {
  ScratchDir dir;
  // A raw review file (HTML breaks, references, punctuation) and a gzip one.
  std::string raw, gz_text;
  for (int i = 0; i < 400; ++i) {
    raw += "Movie " + std::to_string(i % 37) + " was Caf&eacute;-good!<br /><br />I &amp; you.\n";
    gz_text += "the film w" + std::to_string(i % 23) + " &#8217;ok&#8217; <i>fine</i>\n";
  }
  write(dir / "a.txt", raw);
  gzFile f = gzopen((dir / "b.gz").c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, gz_text.data(), static_cast<unsigned>(gz_text.size()));
  gzclose(f);
  const std::string inputs = " --input " + (dir / "a.txt").string() + " " + (dir / "b.gz").string();

  auto t = run("word2vec tokens" + inputs + " --normalize --lowercase --output " + (dir / "tokens.txt").string());
  ASSERT_EQ(t.code, 0) << t.out;
  EXPECT_NE(t.out.find("4800 words, 800 lines"), std::string::npos) << t.out;
  const std::string tokens = slurp(dir / "tokens.txt");
  EXPECT_EQ(tokens.substr(0, tokens.find('\n') + 1), "movie 0 was caf\xC3\xA9 good i you\n");
  EXPECT_NE(tokens.find("\nthe film w0 ok fine\n"), std::string::npos);

  // Training on the token file as it is gives the same vectors as training on the raw inputs
  // with the normaliser (one thread, one seed).
  const std::string opts = " --dim 8 --epochs 2 --min-count 1 --threads 1 --seed 4 --quiet --text";
  auto a = run("word2vec train" + inputs + " --normalize --lowercase --output " + (dir / "raw.txt").string() + opts);
  ASSERT_EQ(a.code, 0) << a.out;
  auto b = run("word2vec train --input " + (dir / "tokens.txt").string() + " --output " + (dir / "tok.txt").string() +
               opts);
  ASSERT_EQ(b.code, 0) << b.out;
  EXPECT_EQ(slurp(dir / "raw.txt"), slurp(dir / "tok.txt"));

  // A missing input names itself.
  auto m = run("word2vec tokens --input " + (dir / "nope.txt").string() + " --output " + (dir / "x.txt").string());
  EXPECT_NE(m.code, 0);
  EXPECT_NE(m.out.find("nope.txt"), std::string::npos) << m.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.txt"));
}

}  // namespace
