#include "seer/core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "seer/core/error.h"

namespace seer {
namespace fs = std::filesystem;

namespace {

// Beside the target (rename is only atomic within one file system), hidden (folder listings
// skip it), and unique per process and call (threads may write the same folder at once).
fs::path temp_path_for(const fs::path& path) {
  static std::atomic<unsigned long> counter{0};
  return path.parent_path() /
         fmt::format(".{}.tmp-{}-{}", path.filename().string(), ::getpid(), counter++);
}

// The data must be on disk before the rename is: otherwise a crash can leave the new name
// pointing at an empty file. An fsync on a read-only descriptor flushes the file all the same.
void sync_file(const fs::path& temp, const fs::path& target) {
  int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw file_error(target.string(), std::string("cannot sync temporary file: ") + std::strerror(err));
  }
  ::close(fd);
}

// Makes the rename itself durable. Best effort: some file systems refuse to sync a folder, and
// the file is already complete either way.
void sync_folder(const fs::path& folder) {
  int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

int remove_stale_temporaries(const fs::path& folder) {
  std::error_code ec;
  int removed = 0;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // ".<name>.tmp-<pid>-<n>", as temp_path_for makes them.
    if (name.size() < 2 || name[0] != '.') continue;
    const size_t tmp = name.rfind(".tmp-");
    if (tmp == std::string::npos || tmp == 0) continue;
    const std::string rest = name.substr(tmp + 5);
    const size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == rest.size()) continue;
    if (rest.find_first_not_of("0123456789-") != std::string::npos) continue;
    const long pid = std::strtol(rest.substr(0, dash).c_str(), nullptr, 10);
    if (pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running (or not ours to judge)
    std::error_code rm;
    if (fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

void write_file_atomic(const fs::path& path, std::string_view bytes, Durability durability) {
  write_file_atomic(
      path, [bytes](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); },
      durability);
}

void sync_file_system(const fs::path& folder) {
  int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw file_error(folder.string(), std::string("cannot open folder to sync: ") + std::strerror(errno));
  const int rc = ::syncfs(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw file_error(folder.string(), std::string("cannot sync: ") + std::strerror(err));
}

void write_file_atomic(const fs::path& path, const std::function<void(std::ostream&)>& writer,
                       Durability durability) {
  const fs::path parent = path.parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) throw file_error(parent.string(), "cannot create folder: " + ec.message());
  }
  const fs::path temp = temp_path_for(path);
  auto discard = [&] {
    std::error_code ignored;
    fs::remove(temp, ignored);
  };
  try {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw file_error(path.string(), std::string("cannot create temporary file: ") + std::strerror(errno));
    }
    errno = 0;
    writer(out);
    out.flush();
    // The stream keeps no reason; the failed write(2) left it in errno (ENOSPC for a full disk).
    auto failed = [&] { return file_error(path.string(), std::string("cannot write: ") + std::strerror(errno ? errno : EIO)); };
    if (!out) throw failed();
    out.close();
    if (out.fail()) throw failed();
    if (durability == Durability::synced) sync_file(temp, path);
  } catch (...) {
    discard();
    throw;
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    discard();
    throw file_error(path.string(), "cannot replace file: " + ec.message());
  }
  if (durability == Durability::synced) sync_folder(parent);
}

std::string read_file(const fs::path& path) {
  // file_size also rejects folders and missing files, with the system's wording.
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) throw file_error(path.string(), "cannot read: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path.string(), std::string("cannot read: ") + std::strerror(errno));
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size) {
    throw file_error(path.string(), "cannot read: file changed while reading");
  }
  return bytes;
}

}  // namespace seer
