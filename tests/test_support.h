// Small helpers shared by the tests: scratch folders and the location of ../shared/data.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "seer/core/error.h"

namespace seer::testing {

// A fresh, empty folder under the build tree, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "scratch";
    std::random_device rd;
    path_ = std::filesystem::path(SEER_BINARY_DIR) / "test-scratch" /
            (name + "-" + std::to_string(rd()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// $SEER_DATA, else ../shared/data beside the checkout; nullopt when absent.
inline std::optional<std::filesystem::path> shared_data_dir() {
  if (const char* env = std::getenv("SEER_DATA"); env && *env) {
    if (std::filesystem::is_directory(env)) return std::filesystem::path(env);
    return std::nullopt;
  }
  auto p = std::filesystem::path(SEER_SOURCE_DIR) / ".." / "shared" / "data";
  if (std::filesystem::is_directory(p)) return std::filesystem::weakly_canonical(p);
  return std::nullopt;
}

// The message of the seer::Error that `f` throws, or "" when it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ::seer::Error& e) {
    return e.what();
  }
  return "";
}

// "message contains fragment", printing the message when it does not.
inline ::testing::AssertionResult Contains(const std::string& message, const std::string& fragment) {
  if (message.find(fragment) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\"" << message << "\" does not contain \"" << fragment << "\"";
}

// Runs f with stderr captured; returns what it printed (warnings, say).
template <typename F>
std::string stderr_of(F&& f) {
  ::testing::internal::CaptureStderr();
  try {
    f();
  } catch (...) {
    ::testing::internal::GetCapturedStderr();
    throw;
  }
  return ::testing::internal::GetCapturedStderr();
}

}  // namespace seer::testing

// Skips the current test with a clear message when ../shared/data/<sub> is absent. When
// SEER_DATA is set, the data was promised: a folder or <sub> missing there fails the test (a
// mistyped SEER_DATA must not turn every real-data test into a quiet skip).
#define SEER_REQUIRE_DATA(var, sub)                                                                 \
  auto var##_root = ::seer::testing::shared_data_dir();                                             \
  if (const char* var##_env = std::getenv("SEER_DATA");                                             \
      var##_env && *var##_env && (!var##_root || !std::filesystem::exists(*var##_root / (sub))))    \
    FAIL() << "SEER_DATA=" << var##_env << ": " << (var##_root ? "no '" + std::string(sub) + "' in it" \
                                                                : std::string("not a folder"))      \
           << " (unset SEER_DATA to skip the real-data tests)";                                     \
  if (!var##_root || !std::filesystem::exists(*var##_root / (sub)))                                 \
    GTEST_SKIP() << "shared data '" << (sub) << "' not found (set SEER_DATA or place "               \
                    "it in ../shared/data)";                                                        \
  const std::filesystem::path var = *var##_root / (sub)
