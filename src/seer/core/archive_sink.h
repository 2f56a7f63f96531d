// Writing torch archives (optimizer state, tensor caches) to a stream that may fail part way,
// e.g. on a full disk. PyTorchStreamWriter checks every write and, when one fails, throws; its
// destructor then finishes the archive, fails again and throws from a destructor: std::terminate,
// an abort instead of an error. Its writes go through this sink instead, which never reports a
// failure to it: the stream keeps the failure, and write_file_atomic turns that into a
// seer::Error naming the file ("cannot write: No space left on device").
#pragma once

#include <cstddef>
#include <functional>
#include <ostream>

namespace seer {

inline std::function<size_t(const void*, size_t)> archive_sink(std::ostream& out) {
  return [&out](const void* data, size_t size) -> size_t {
    if (out) out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    return size;
  };
}

}  // namespace seer
