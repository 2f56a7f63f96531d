// Running the `seer` program from a test: exit code and output of one command line.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seer::testing {

struct CliResult {
  int code;
  std::string out;  // stdout, and stderr too when asked for
};

// Runs `exe args` through the shell; stderr joins stdout, or goes to /dev/null.
inline CliResult run_cli(const std::string& exe, const std::string& args, bool with_stderr = true) {
  const std::string cmd = exe + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  CliResult r{-1, ""};
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Every line of `out` that starts with '{' and parses as JSON, in order.
inline std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> found;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;
    try {
      found.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
    }
  }
  return found;
}

// The last such line (null when there is none).
inline nlohmann::json last_json(const std::string& out) {
  auto all = json_lines(out);
  return all.empty() ? nlohmann::json() : all.back();
}

}  // namespace seer::testing
