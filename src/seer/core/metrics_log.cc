#include "seer/core/metrics_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"

namespace seer {
namespace fs = std::filesystem;

namespace {

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the id helps nobody.
std::string short_reason(const std::exception& e) {
  std::string what = e.what();
  if (auto end = what.find("] "); what.rfind("[json.exception", 0) == 0 && end != std::string::npos) {
    what.erase(0, end + 2);
  }
  return what;
}

}  // namespace

MetricsLog::MetricsLog(fs::path path, int64_t truncate_after_step) : path_(std::move(path)) {
  if (truncate_after_step >= 0 && fs::exists(path_)) {
    // Lines are kept as written (not re-serialised), so a resumed log reads exactly as before.
    // An unreadable line is dropped rather than kept: typically the half-written last line of a
    // run that was killed, which would otherwise break every later read().
    std::istringstream in(read_file(path_));
    std::string kept, line;
    long line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (blank(line)) continue;
      nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (record.is_discarded() || !record.is_object()) {
        warn(file_error(path_.string(), line_no, "unreadable line dropped").what());
        continue;
      }
      auto step = record.find("step");
      if (step != record.end() && step->is_number() && step->get<double>() > truncate_after_step) {
        continue;
      }
      kept += line + "\n";
    }
    write_file_atomic(path_, kept);
  }
  if (!path_.parent_path().empty()) fs::create_directories(path_.parent_path());
  std::ofstream touch(path_, std::ios::app);
  if (!touch) throw file_error(path_.string(), "cannot open for appending");
}

void MetricsLog::append(const nlohmann::json& record) {
  // Opened per record so that each line reaches the file at once (a crash loses nothing
  // already appended) and other readers (plots) can open it in between.
  // One write(2) of the whole line; when it fails (a full disk), whatever part of the line
  // reached the file is cut off again, so the log never ends in half a record.
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw file_error(path_.string(), std::string("cannot append metrics: ") + std::strerror(errno));
  struct stat before {};
  const bool sized = ::fstat(fd, &before) == 0;
  size_t done = 0;
  int err = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : ENOSPC;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (err != 0 && done > 0 && sized) (void)::ftruncate(fd, before.st_size);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) throw file_error(path_.string(), std::string("cannot append metrics: ") + std::strerror(err));
}

std::vector<nlohmann::json> MetricsLog::read(const fs::path& path) {
  std::istringstream in(read_file(path));
  std::vector<nlohmann::json> records;
  std::string line;
  long line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (blank(line)) continue;
    try {
      records.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e309
      throw file_error(path.string(), line_no, "malformed JSON: " + short_reason(e));
    }
    if (!records.back().is_object()) {
      throw file_error(path.string(), line_no, "expected a JSON object {...}");
    }
  }
  return records;
}

std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> collect_series(
    const std::vector<nlohmann::json>& records, const std::string& phase, const std::string& x_key) {
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> series;
  for (const auto& record : records) {
    if (!record.is_object()) continue;
    auto p = record.find("phase");
    if (p == record.end() || !p->is_string() || p->get<std::string>() != phase) continue;
    auto x = record.find(x_key);
    if (x == record.end() || !x->is_number()) continue;
    for (const auto& [key, value] : record.items()) {
      if (key == x_key || key == "phase" || !value.is_number()) continue;
      auto& [xs, ys] = series[key];
      xs.push_back(x->get<double>());
      ys.push_back(value.get<double>());
    }
  }
  return series;
}

}  // namespace seer
