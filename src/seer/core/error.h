// seer's error type: every user-facing failure names the file (and line, where there is one).
#pragma once

#include <stdexcept>
#include <string>

namespace seer {

// An error caused by input or usage, not by a bug: the CLI prints `what()` and exits 1.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// "path: message" / "path:line: message", the compiler-style location prefix.
Error file_error(const std::string& path, const std::string& message);
Error file_error(const std::string& path, long line, const std::string& message);

// Prints "warning: <message>" on stderr (one place so tests and the CLI agree on the format).
void warn(const std::string& message);

}  // namespace seer
