// seer's error type: every user-facing failure names the file (and line, where there is one).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace seer {

// An error caused by input or usage, not by a bug: the CLI prints `what()` and exits 1.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// "path: message" / "path:line: message", the compiler-style location prefix.
Error file_error(const std::string& path, const std::string& message);
Error file_error(const std::string& path, long line, const std::string& message);

// Where a warning goes. Every warning is printed and handed to the live WarningCollector, if
// any; a reader that caps what it prints per kind records the rest (record_only) and prints its
// "N more ... not shown" summary unrecorded (print_only), so that collected counts are exact.
enum class WarningOutput { print_and_record, record_only, print_only };

// Prints "warning: <message>" on stderr (one place so tests and the CLI agree on the format).
void warn(const std::string& message, WarningOutput output = WarningOutput::print_and_record);

// Collects the messages of every warning given while it lives (they are printed as before), for
// commands that count and report them (`seer detect check --json`). At most one at a time
// (a second one is an error); warnings from any thread are collected.
class WarningCollector {
 public:
  WarningCollector();
  ~WarningCollector();
  WarningCollector(const WarningCollector&) = delete;
  WarningCollector& operator=(const WarningCollector&) = delete;
  std::vector<std::string> messages() const;  // in the order given, without "warning: "
};

}  // namespace seer
