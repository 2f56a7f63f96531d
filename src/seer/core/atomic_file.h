// Files written atomically: a temporary beside the target, flushed, then renamed over it, so a
// reader (or a resumed run) never sees a half-written file.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace seer {

// Writes `bytes` to `path` atomically (parent folders are created). Throws seer::Error.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// Calls `writer` with a stream on a temporary file, then renames it to `path`.
// If `writer` throws, the temporary is removed and `path` is untouched.
void write_file_atomic(const std::filesystem::path& path,
                       const std::function<void(std::ostream&)>& writer);

// Whole file as bytes; throws seer::Error naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace seer
