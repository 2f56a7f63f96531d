// Files written atomically: a temporary beside the target, flushed, then renamed over it, so a
// reader (or a resumed run) never sees a half-written file.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace seer {

// How hard a write insists on reaching the disk before it returns.
enum class Durability {
  // fsync of the file before the rename and of its folder after: a power cut leaves the old
  // file or the new one, whole (checkpoints, models, results).
  synced,
  // Renamed into place without fsync: readers still never see half a file, but a power cut
  // may leave an empty one. For data that is regenerated at will (generated captchas and
  // scenes), where two fsyncs per file cost a third of the time (1000 captchas, one thread:
  // 1.2-1.5 s synced, 0.8-0.9 s unsynced on this machine's disk); call sync_file_system once
  // after the batch.
  unsynced,
};

// Writes `bytes` to `path` atomically (parent folders are created). Throws seer::Error.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes,
                       Durability durability = Durability::synced);

// Calls `writer` with a stream on a temporary file, then renames it to `path`.
// If `writer` throws, the temporary is removed and `path` is untouched.
void write_file_atomic(const std::filesystem::path& path,
                       const std::function<void(std::ostream&)>& writer,
                       Durability durability = Durability::synced);

// Removes the temporaries (".<name>.tmp-<pid>-<n>") that a process killed mid-write left in
// `folder` (not recursive), those of processes no longer running; a live process's are kept.
// Returns how many were removed. Run folders call it when opened, so `kill -9` then
// `--resume` leaves no half-written file behind.
int remove_stale_temporaries(const std::filesystem::path& folder);

// One syncfs(2) for the file system holding `folder`: what a batch of unsynced writes calls
// once at its end. Throws seer::Error naming the folder when the data cannot be written.
void sync_file_system(const std::filesystem::path& folder);

// Whole file as bytes; throws seer::Error naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace seer
