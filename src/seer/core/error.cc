#include "seer/core/error.h"

#include <cstdio>

namespace seer {

Error file_error(const std::string& path, const std::string& message) {
  return Error(path + ": " + message);
}

Error file_error(const std::string& path, long line, const std::string& message) {
  return Error(path + ":" + std::to_string(line) + ": " + message);
}

void warn(const std::string& message) {
  // stdio rather than std::cerr: one fputs call keeps the line whole when threads warn at once.
  std::fputs(("warning: " + message + "\n").c_str(), stderr);
}

}  // namespace seer
