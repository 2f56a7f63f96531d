#include "seer/core/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../test_support.h"
#include "seer/core/error.h"

namespace seer {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  return names;
}

TEST(AtomicFile, WritesBytesAndCreatesParentFolders) {
  testing::ScratchDir dir;
  const fs::path path = dir / "a/b/data.bin";
  const std::string bytes("zero\0byte\nand more", 18);
  write_file_atomic(path, bytes);
  EXPECT_EQ(read_file(path), bytes);
  EXPECT_EQ(names_in(path.parent_path()), std::vector<std::string>{"data.bin"});
}

TEST(AtomicFile, ReplacesExistingFileAndLeavesNoTemporary) {
  testing::ScratchDir dir;
  const fs::path path = dir / "config.json";
  write_file_atomic(path, std::string("a much longer first version"));
  write_file_atomic(path, std::string("short"));
  EXPECT_EQ(read_file(path), "short");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"config.json"});
}

// Unsynced writes (regenerable data) are as atomic for readers: the whole file under its name,
// no temporary left; one sync_file_system call covers the batch, and names a folder it cannot open.
TEST(AtomicFile, UnsyncedWritesReplaceWholeFilesAndOneSyncCoversThem) {
  testing::ScratchDir dir;
  for (int i = 0; i < 3; ++i)
    write_file_atomic(dir / "gen" / (std::to_string(i) + ".png"), std::string(100 + i, char('a' + i)),
                      Durability::unsynced);
  write_file_atomic(dir / "gen" / "0.png", std::string("again"), Durability::unsynced);
  EXPECT_EQ(read_file(dir / "gen" / "0.png"), "again");
  EXPECT_EQ(read_file(dir / "gen" / "2.png"), std::string(102, 'c'));
  EXPECT_EQ(names_in(dir / "gen").size(), 3u);
  EXPECT_NO_THROW(sync_file_system(dir / "gen"));
  try {
    sync_file_system(dir / "absent");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("absent: cannot open folder to sync"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, StreamWriterIsWrittenThrough) {
  testing::ScratchDir dir;
  const fs::path path = dir / "stream.txt";
  write_file_atomic(path, [](std::ostream& out) { out << "line " << 1 << "\nline " << 2 << "\n"; });
  EXPECT_EQ(read_file(path), "line 1\nline 2\n");
}

TEST(AtomicFile, ThrowingWriterKeepsOldFileAndRemovesTemporary) {
  testing::ScratchDir dir;
  const fs::path path = dir / "model.pt";
  write_file_atomic(path, std::string("old"));
  EXPECT_THROW(write_file_atomic(path,
                                 [](std::ostream& out) {
                                   out << "half of the new";
                                   throw std::runtime_error("serialisation failed");
                                 }),
               std::runtime_error);
  EXPECT_EQ(read_file(path), "old");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"model.pt"});
}

TEST(AtomicFile, UnwritableTargetErrorNamesPath) {
  testing::ScratchDir dir;
  write_file_atomic(dir / "plain-file", std::string("x"));
  const fs::path path = dir / "plain-file" / "inside.txt";  // the parent is a file
  try {
    write_file_atomic(path, std::string("data"));
    FAIL() << "expected seer::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("plain-file"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, ReadMissingFileErrorNamesPath) {
  testing::ScratchDir dir;
  const fs::path path = dir / "missing.txt";
  try {
    read_file(path);
    FAIL() << "expected seer::Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": ", 0), 0u) << e.what();
  }
  EXPECT_THROW(read_file(dir.path()), Error);  // a folder is not a file
}

TEST(AtomicFile, ReadsEmptyFile) {
  testing::ScratchDir dir;
  std::ofstream(dir / "empty").close();
  EXPECT_EQ(read_file(dir / "empty"), "");
}

// Threads writing the same target each need their own temporary: a shared one would mix their
// bytes or make a rename fail.
TEST(AtomicFile, ConcurrentWritersNeverMixContents) {
  testing::ScratchDir dir;
  const fs::path path = dir / "shared.txt";
  std::vector<std::string> payloads;
  for (int i = 0; i < 8; ++i) payloads.push_back(std::string(100000, static_cast<char>('a' + i)));
  std::vector<std::thread> threads;
  for (const auto& payload : payloads) {
    threads.emplace_back([&path, &payload] {
      for (int n = 0; n < 5; ++n) write_file_atomic(path, payload);
    });
  }
  for (auto& t : threads) t.join();
  const std::string result = read_file(path);
  ASSERT_EQ(result.size(), 100000u);
  EXPECT_EQ(result, std::string(100000, result[0]));
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"shared.txt"});
}

// error.cc has no test file of its own; its formats are checked here.
TEST(FormatFileError, PathAndLinePrefix) {
  EXPECT_STREQ(file_error("a/b.txt", "bad").what(), "a/b.txt: bad");
  EXPECT_STREQ(file_error("a/b.txt", 12, "bad").what(), "a/b.txt:12: bad");
}

TEST(FormatWarning, PrefixedLineOnStderr) {
  ::testing::internal::CaptureStderr();
  warn("font not found");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "warning: font not found\n");
}

}  // namespace
}  // namespace seer
