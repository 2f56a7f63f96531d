// Internal to detection/data: warnings of a dataset reader, at most `limit` shown per kind and
// a count of the rest at the end, so that a very dirty dataset does not flood the terminal. The
// ones not shown still reach a seer::WarningCollector (see core/error.h).
#pragma once

#include <map>
#include <string>

#include "seer/core/error.h"

namespace seer::detection::internal {

class Warnings {
 public:
  explicit Warnings(int limit = 10) : limit_(limit) {}
  Warnings(const Warnings&) = delete;
  Warnings& operator=(const Warnings&) = delete;
  ~Warnings() { flush(); }

  void add(const std::string& kind, const std::string& message) {
    warn(message, ++counts_[kind] <= limit_ ? WarningOutput::print_and_record : WarningOutput::record_only);
  }
  // Prints "N more <kind> warnings not shown" for each kind over the limit (once).
  void flush() {
    for (auto& [kind, n] : counts_)
      if (n > limit_)
        warn(std::to_string(n - limit_) + " more '" + kind + "' warnings not shown", WarningOutput::print_only);
    counts_.clear();
  }

 private:
  int limit_;
  std::map<std::string, int> counts_;
};

}  // namespace seer::detection::internal
