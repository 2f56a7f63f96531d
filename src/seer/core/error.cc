#include "seer/core/error.h"

#include <cstdio>
#include <mutex>

namespace seer {

Error file_error(const std::string& path, const std::string& message) {
  return Error(path + ": " + message);
}

Error file_error(const std::string& path, long line, const std::string& message) {
  return Error(path + ":" + std::to_string(line) + ": " + message);
}

namespace {

std::mutex collector_mutex;
bool collecting = false;
std::vector<std::string> collected;

}  // namespace

void warn(const std::string& message, WarningOutput output) {
  if (output != WarningOutput::print_only) {
    std::lock_guard<std::mutex> lock(collector_mutex);
    if (collecting) collected.push_back(message);
  }
  // stdio rather than std::cerr: one fputs call keeps the line whole when threads warn at once.
  if (output != WarningOutput::record_only) std::fputs(("warning: " + message + "\n").c_str(), stderr);
}

WarningCollector::WarningCollector() {
  std::lock_guard<std::mutex> lock(collector_mutex);
  if (collecting) throw Error("WarningCollector: another collector is already active");
  collecting = true;
  collected.clear();
}

WarningCollector::~WarningCollector() {
  std::lock_guard<std::mutex> lock(collector_mutex);
  collecting = false;
  collected.clear();
}

std::vector<std::string> WarningCollector::messages() const {
  std::lock_guard<std::mutex> lock(collector_mutex);
  return collected;
}

}  // namespace seer
