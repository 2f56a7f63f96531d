// Image files of detection datasets: reading them (core/image_file.h), and where an
// annotation's image name points.
#pragma once

#include <filesystem>
#include <string>

#include "seer/core/image_file.h"

namespace seer::detection {

using seer::read_image_bgr;
using seer::read_image_size;
using seer::read_image_size_checked;

// Where an annotation's image name points inside `folder`: folder / name for a relative name
// that stays inside (subfolders allowed), else folder / the name's last component, so that an
// absolute name or one with ".." (a COCO file_name, a VOC <filename>) never leaves the dataset.
std::filesystem::path path_inside(const std::filesystem::path& folder, const std::string& name);

}  // namespace seer::detection
