#include "seer/detection/data/image_io.h"

namespace seer::detection {

std::filesystem::path path_inside(const std::filesystem::path& folder, const std::string& name) {
  const std::filesystem::path rel(name);
  bool escapes = rel.is_absolute() || rel.has_root_name() || rel.has_root_directory();
  for (const auto& part : rel)
    if (part == "..") escapes = true;
  return folder / (escapes ? rel.filename() : rel);
}

}  // namespace seer::detection
