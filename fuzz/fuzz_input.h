// What every fuzz target shares: the input written to a scratch file (seer's readers take
// paths), and the rule the target checks: a reader either returns or throws seer::Error (a
// message naming the file); any other exception escaping it is a finding, like a crash.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "seer/core/error.h"

namespace seer::fuzz {

// A folder of this process's own under $TMPDIR (or /tmp), made once.
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    auto d = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("seer-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline std::filesystem::path write(const std::filesystem::path& path, const uint8_t* data, size_t size) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  return path;
}

// Runs `read`; seer::Error is the reader's documented way to refuse an input.
template <typename F>
void expect_result_or_seer_error(F&& read) {
  try {
    read();
  } catch (const seer::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FINDING: an exception that is not seer::Error escaped: %s\n", e.what());
    std::abort();
  }
}

}  // namespace seer::fuzz
