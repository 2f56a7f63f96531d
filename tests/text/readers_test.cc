// The MR / TREC / SST / TSV readers on small files written here.
#include "seer/text/readers.h"

#include <fstream>

#include <gtest/gtest.h>

#include "test_support.h"

namespace seer::text {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;
using seer::testing::ScratchDir;
using seer::testing::stderr_of;
using Tokens = std::vector<std::string>;
namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}


TEST(MrReader, Latin1FilesTwoLabelsNoSplits) {
  ScratchDir dir;
  write(dir / "rt-polarity.pos", "un film tr\xE8s caf\xE9 , it's good \nA \x93great\x94 one\n");
  write(dir / "rt-polarity.neg", "bad movie\n");
  TextDataset d;
  const std::string err = stderr_of([&] { d = read_mr(dir.path()); });
  EXPECT_EQ(err, "");  // Latin-1 is MR's encoding: nothing to warn about
  EXPECT_EQ(d.name, "mr");
  EXPECT_EQ(d.labels, (Tokens{"neg", "pos"}));
  ASSERT_EQ(d.train.size(), 3u);
  EXPECT_TRUE(d.dev.empty());
  EXPECT_TRUE(d.test.empty());
  EXPECT_EQ(d.train[0].tokens, (Tokens{"bad", "movie"}));
  EXPECT_EQ(d.train[0].label, 0);
  EXPECT_EQ(d.train[1].tokens, (Tokens{"un", "film", "tr", "s", "caf", ",", "it", "'s", "good"}));
  EXPECT_EQ(d.train[1].label, 1);
  EXPECT_EQ(d.train[2].tokens, (Tokens{"a", "great", "one"}));
  TextReadOptions keep_case;
  keep_case.lowercase = false;
  EXPECT_EQ(read_mr(dir.path(), keep_case).train[2].tokens, (Tokens{"A", "great", "one"}));
}

TEST(MrReader, EmptyLinesSkippedWithOneWarning) {
  ScratchDir dir;
  write(dir / "rt-polarity.pos", "good\r\n\r\n  \nfine\n\n");
  write(dir / "rt-polarity.neg", "bad\n");
  TextDataset d;
  const std::string err = stderr_of([&] { d = read_mr(dir.path()); });
  ASSERT_EQ(d.train.size(), 3u);
  EXPECT_EQ(d.train[2].tokens, (Tokens{"fine"}));
  EXPECT_TRUE(Contains(err, "warning: " + (dir / "rt-polarity.pos").string() +
                                ":2: skipped 3 empty line(s)"));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1);
}

TEST(MrReader, MissingOrEmptyFileIsAnError) {
  ScratchDir dir;
  write(dir / "rt-polarity.pos", "good\n");
  EXPECT_TRUE(Contains(error_of([&] { read_mr(dir.path()); }),
                       (dir / "rt-polarity.neg").string() + ": file not found"));
  write(dir / "rt-polarity.neg", "\n\n");
  std::string msg;
  stderr_of([&] { msg = error_of([&] { read_mr(dir.path()); }); });
  EXPECT_TRUE(Contains(msg, (dir / "rt-polarity.neg").string() + ": no sentences"));
}

void write_trec(const ScratchDir& dir) {
  write(dir / "train_5500.label",
        "DESC:manner How did serfdom develop in Russia ?\n"
        "NUM:dist How far is it from Denver to Aspen?\n"
        "HUM:ind Who was the sister\xF0" "city's mayor ?\n"
        "NUM:date When was Ike born ?\n");
  write(dir / "TREC_10.label", "NUM:date When did Hawaii become a state ?\nHUM:ind Who is Galileo ?\n");
}

TEST(TrecReader, CoarseLabelsKeepCaseAndWarnOnceForBadBytes) {
  ScratchDir dir;
  write_trec(dir);
  TextDataset d;
  const std::string err = stderr_of([&] { d = read_trec(dir.path()); });
  EXPECT_EQ(err, "warning: " + (dir / "train_5500.label").string() +
                     ":3: 1 line(s) with bytes that are not UTF-8 (the first here); those bytes "
                     "were read as cp1252/Latin-1\n");
  EXPECT_EQ(d.name, "trec");
  EXPECT_EQ(d.labels, (Tokens{"DESC", "HUM", "NUM"}));
  ASSERT_EQ(d.train.size(), 4u);
  ASSERT_EQ(d.test.size(), 2u);
  EXPECT_TRUE(d.dev.empty());
  EXPECT_EQ(d.train[0].label, 0);
  EXPECT_EQ(d.train[1].label, 2);
  EXPECT_EQ(d.train[1].tokens,
            (Tokens{"How", "far", "is", "it", "from", "Denver", "to", "Aspen", "?"}));
  EXPECT_EQ(d.train[2].tokens, (Tokens{"Who", "was", "the", "sister", "city", "'s", "mayor", "?"}));
  EXPECT_EQ(d.test[1].label, 1);
  TextReadOptions lower;
  lower.trec_lowercase = true;
  stderr_of([&] { d = read_trec(dir.path(), lower); });
  EXPECT_EQ(d.test[1].tokens, (Tokens{"who", "is", "galileo", "?"}));
}

TEST(TrecReader, FineLabels) {
  ScratchDir dir;
  write_trec(dir);
  TextReadOptions fine;
  fine.trec_fine = true;
  TextDataset d;
  stderr_of([&] { d = read_trec(dir.path(), fine); });
  EXPECT_EQ(d.labels, (Tokens{"DESC:manner", "HUM:ind", "NUM:date", "NUM:dist"}));
  EXPECT_EQ(d.test[0].label, 2);
  EXPECT_EQ(d.test[1].label, 1);
}

TEST(TrecReader, MalformedLinesNameFileAndLine) {
  ScratchDir dir;
  write_trec(dir);
  const std::string train = (dir / "train_5500.label").string();
  const std::string test = (dir / "TREC_10.label").string();
  write(dir / "TREC_10.label", "NUM:date When ?\n\nNUMdate When ?\n");
  EXPECT_TRUE(Contains(stderr_of([&] {
                         EXPECT_TRUE(Contains(error_of([&] { read_trec(dir.path()); }),
                                              test + ":3: expected 'COARSE:fine question'"));
                       }),
                       "empty line"));
  write(dir / "TREC_10.label", "NUM:date\n");
  EXPECT_TRUE(Contains(error_of([&] { stderr_of([&] { read_trec(dir.path()); }); }),
                       test + ":1: no question after the label 'NUM:date'"));
  write(dir / "TREC_10.label", "NUM:date When ?\nENTY:animal What bird ?\n");
  EXPECT_TRUE(Contains(error_of([&] { stderr_of([&] { read_trec(dir.path()); }); }),
                       test + ":2: label 'ENTY' does not occur in the training file " + train));
  fs::remove(dir / "TREC_10.label");
  EXPECT_TRUE(Contains(error_of([&] { stderr_of([&] { read_trec(dir.path()); }); }),
                       test + ": file not found"));
}

TEST(SstReader, BinaryAndFineVariants) {
  ScratchDir dir;
  write(dir / "stsa.binary.train", "1 a gorgeous , witty film\n0 It's dull.\n");
  write(dir / "stsa.binary.dev", "1 fine\n");
  write(dir / "stsa.binary.test", "0 bad\n1 good\n");
  TextDataset d = read_sst(dir.path());
  EXPECT_EQ(d.name, "sst2");
  EXPECT_EQ(d.labels, (Tokens{"0", "1"}));
  ASSERT_EQ(d.train.size(), 2u);
  EXPECT_EQ(d.train[0].tokens, (Tokens{"a", "gorgeous", ",", "witty", "film"}));
  EXPECT_EQ(d.train[0].label, 1);
  EXPECT_EQ(d.train[1].tokens, (Tokens{"it's", "dull"}));
  EXPECT_EQ(d.dev.size(), 1u);
  EXPECT_EQ(d.test.size(), 2u);

  ScratchDir fine_dir;
  write(fine_dir / "stsa.fine.train", "4 great\n0 awful\n2 so-so\n3 good\n1 bad\n");
  write(fine_dir / "stsa.fine.test", "3 nice\n");
  d = read_sst(fine_dir.path());
  EXPECT_EQ(d.name, "sst5");
  EXPECT_EQ(d.labels, (Tokens{"0", "1", "2", "3", "4"}));
  EXPECT_EQ(d.train[0].label, 4);
  EXPECT_EQ(d.train[2].tokens, (Tokens{"so", "so"}));
  EXPECT_TRUE(d.dev.empty());
  EXPECT_EQ(d.test[0].label, 3);
  // Naming a file (or the prefix) chooses the variant when both are present.
  write(dir / "stsa.fine.train", "4 great\n1 bad\n");
  EXPECT_EQ(read_sst(dir.path()).name, "sst2");
  EXPECT_EQ(read_sst(dir / "stsa.fine.train").name, "sst5");
  EXPECT_EQ(read_sst(dir / "stsa.fine").train.size(), 2u);
  EXPECT_EQ(read_text_dataset("sst:" + (fine_dir / "stsa.fine.test").string()).train.size(), 5u);
}

TEST(SstReader, MalformedLines) {
  ScratchDir dir;
  const std::string train = (dir / "stsa.binary.train").string();
  write(dir / "stsa.binary.train", "1 good\npositive great\n");
  EXPECT_TRUE(Contains(error_of([&] { read_sst(dir.path()); }),
                       train + ":2: expected 'LABEL sentence' with an integer label"));
  write(dir / "stsa.binary.train", "1 good\n0\n");
  EXPECT_TRUE(Contains(error_of([&] { read_sst(dir.path()); }),
                       train + ":2: no sentence after the label '0'"));
  ScratchDir fine;
  write(fine / "stsa.fine.train", "1 good\n2 fine\n");
  write(fine / "stsa.fine.dev", "1 ok\n0 bad\n");
  EXPECT_TRUE(Contains(error_of([&] { read_sst(fine.path()); }),
                       (fine / "stsa.fine.dev").string() + ":2: label '0' does not occur"));
  ScratchDir empty;
  EXPECT_TRUE(Contains(error_of([&] { read_sst(empty.path()); }),
                       "no SST training file: expected stsa.binary.train or stsa.fine.train"));
  // A label outside stsa.binary's 0/1 is a broken line, not a third class.
  write(dir / "stsa.binary.train", "1 good\n0 bad\n7 weird\n");
  EXPECT_TRUE(Contains(error_of([&] { read_sst(dir.path()); }), train + ":3: label 7 is outside 0..1"));
}

TEST(TsvReader, TrainOnlyAndWithTest) {
  ScratchDir dir;
  write(dir / "train.tsv", "sports\tThe Match, won!\nart\tA painting\nsports \t Goal\n");
  write(dir / "test.tsv", "art\tsculpture\n");
  TextDataset d = read_tsv(dir / "train.tsv", std::nullopt);
  EXPECT_EQ(d.name, "tsv");
  EXPECT_EQ(d.labels, (Tokens{"art", "sports"}));
  ASSERT_EQ(d.train.size(), 3u);
  EXPECT_EQ(d.train[0].tokens, (Tokens{"the", "match", ",", "won", "!"}));
  EXPECT_EQ(d.train[0].label, 1);
  EXPECT_EQ(d.train[2].label, 1);
  EXPECT_TRUE(d.test.empty());
  d = read_tsv(dir / "train.tsv", dir / "test.tsv");
  ASSERT_EQ(d.test.size(), 1u);
  EXPECT_EQ(d.test[0].label, 0);
  // Through the spec: a file, or a folder of train.tsv [dev.tsv] [test.tsv].
  EXPECT_EQ(read_text_dataset("tsv:" + (dir / "train.tsv").string()).test.size(), 0u);
  write(dir / "dev.tsv", "art\tdrawing\n");
  d = read_text_dataset("tsv:" + dir.path().string());
  EXPECT_EQ(d.dev.size(), 1u);
  EXPECT_EQ(d.test.size(), 1u);
}

// A sentence that cleans to no tokens is skipped with one warning per file (it was kept as an
// empty sentence, all padding for the model).
TEST(TextReaders, SentencesWithNoWordsAfterCleaningAreSkipped) {
  ScratchDir dir;
  write(dir / "train.tsv", "pos\tgood\npos\t@#$\nneg\tbad\nneg\t...\n");
  TextDataset d;
  std::string err = stderr_of([&] { d = read_tsv(dir / "train.tsv", std::nullopt); });
  ASSERT_EQ(d.train.size(), 2u);
  EXPECT_EQ(d.train[1].tokens, (Tokens{"bad"}));
  EXPECT_EQ(err, "warning: " + (dir / "train.tsv").string() +
                     ":2: skipped 2 sentence(s) with no words left after cleaning (the first here)\n");

  fs::create_directories(dir / "trec");
  write(dir / "trec/train_5500.label", "NUM:dist How far ?\nHUM:ind ...\nHUM:ind Who ?\n");
  write(dir / "trec/TREC_10.label", "NUM:dist How far ?\n");
  err = stderr_of([&] { d = read_trec(dir / "trec"); });
  EXPECT_EQ(d.train.size(), 2u);
  EXPECT_TRUE(Contains(err, "train_5500.label:2: skipped 1 sentence(s)")) << err;

  write(dir / "rt-polarity.pos", "good\n#@\n");
  write(dir / "rt-polarity.neg", "bad\n");
  err = stderr_of([&] { d = read_mr(dir.path()); });
  EXPECT_EQ(d.train.size(), 2u);
  EXPECT_TRUE(Contains(err, "rt-polarity.pos:2: skipped 1 sentence(s)")) << err;

  write(dir / "stsa.binary.train", "1 fine\n0 %%\n0 dull\n");
  err = stderr_of([&] { d = read_sst(dir / "stsa.binary.train"); });
  EXPECT_EQ(d.train.size(), 2u);
  EXPECT_TRUE(Contains(err, "stsa.binary.train:2: skipped 1 sentence(s)")) << err;

  // Nothing left at all: the file has no examples.
  write(dir / "train.tsv", "a\t###\nb\t***\n");
  stderr_of([&] { err = error_of([&] { read_tsv(dir / "train.tsv", std::nullopt); }); });
  EXPECT_TRUE(Contains(err, "train.tsv: no examples in the file")) << err;
}

TEST(TsvReader, InvalidUtf8IsKeptWithOneWarning) {
  ScratchDir dir;
  write(dir / "train.tsv", "ok\tfine\ncaf\xE9\tgood \xE9t\xE9\nx\tplain\ncaf\xE9\tagain\n");
  TextDataset d;
  const std::string err = stderr_of([&] { d = read_tsv(dir / "train.tsv", std::nullopt); });
  EXPECT_EQ(err, "warning: " + (dir / "train.tsv").string() +
                     ":2: 2 line(s) with bytes that are not UTF-8 (the first here); those bytes "
                     "were read as cp1252/Latin-1\n");
  EXPECT_EQ(d.labels, (Tokens{"caf\xC3\xA9", "ok", "x"}));
  ASSERT_EQ(d.train.size(), 4u);
  EXPECT_EQ(d.train[1].tokens, (Tokens{"good", "t"}));
  EXPECT_EQ(d.train[3].label, 0);
}

TEST(TsvReader, MalformedLinesAndEmptyFiles) {
  ScratchDir dir;
  const std::string train = (dir / "train.tsv").string();
  write(dir / "train.tsv", "a\tone\nb two\n");
  EXPECT_TRUE(Contains(error_of([&] { read_tsv(train, std::nullopt); }),
                       train + ":2: expected 'label<TAB>text', found no tab"));
  write(dir / "train.tsv", "a\tone\n \ttwo\n");
  EXPECT_TRUE(Contains(error_of([&] { read_tsv(train, std::nullopt); }),
                       train + ":2: empty label before the tab"));
  write(dir / "train.tsv", "a\tone\nc\tthree\n");
  write(dir / "test.tsv", "a\tx\n\nb\ty\n");
  std::string msg;
  stderr_of([&] { msg = error_of([&] { read_tsv(train, dir / "test.tsv"); }); });
  EXPECT_TRUE(Contains(msg, (dir / "test.tsv").string() + ":3: label 'b' does not occur"));
  write(dir / "train.tsv", "");
  EXPECT_TRUE(Contains(error_of([&] { read_tsv(train, std::nullopt); }),
                       train + ": no examples in the file"));
  // A test file that is there but empty is an error, not "no test split".
  write(dir / "train.tsv", "a\tone\nb\ttwo\n");
  write(dir / "blank.tsv", "\n\n");
  EXPECT_TRUE(Contains(error_of([&] { read_tsv(train, dir / "blank.tsv"); }),
                       (dir / "blank.tsv").string() + ": no examples in the file"));
  // One label only: nothing to classify.
  write(dir / "train.tsv", "a\tone\na\ttwo\n");
  EXPECT_TRUE(Contains(error_of([&] { read_tsv(train, std::nullopt); }),
                       train + ": every example has the label 'a': a classifier needs at least 2 labels"));
  EXPECT_TRUE(Contains(error_of([&] { read_tsv(dir / "missing.tsv", std::nullopt); }),
                       (dir / "missing.tsv").string() + ": file not found"));
}

TEST(TextDatasetSpec, UnknownOrIncompleteSpecs) {
  EXPECT_TRUE(Contains(error_of([] { read_text_dataset("imdb:data/imdb"); }),
                       "unknown dataset format 'imdb' in 'imdb:data/imdb' (expected mr:PATH"));
  EXPECT_TRUE(Contains(error_of([] { read_text_dataset("data/mr"); }), "names no format"));
  EXPECT_TRUE(Contains(error_of([] { read_text_dataset("mr:"); }), "names no path"));
  EXPECT_TRUE(Contains(error_of([] { read_text_dataset("mr:/no/such/dir"); }),
                       "/no/such/dir/rt-polarity.neg: file not found"));
}

}  // namespace
}  // namespace seer::text
