// Image files for detection datasets: the size of an image from its header (fast, exact), and
// loading an image the way annotation tools see it.
#pragma once

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

namespace seer::detection {

// Width and height of an image file, read from its header without decoding the pixels for
// JPEG (baseline and progressive, any number of components), PNG, BMP and GIF; other formats
// (TIFF, WebP, ...) are decoded with OpenCV. The size is the stored one: EXIF orientation is
// ignored, as labelImg ignores it. Only the header is checked, not the pixel data.
// Throws seer::Error naming the file when it is missing, unreadable or not an image.
cv::Size read_image_size(const std::filesystem::path& path);

// The image as 8-bit BGR: grayscale, CMYK and 16-bit images converted, alpha dropped, EXIF
// orientation ignored so that pixels match the annotation's coordinates (and read_image_size).
// Throws seer::Error naming the file when it is missing, unreadable, not an image, or a JPEG cut
// short (no end-of-image marker: libjpeg would silently pad it with grey).
cv::Mat read_image_bgr(const std::filesystem::path& path);

// Where an annotation's image name points inside `folder`: folder / name for a relative name
// that stays inside (subfolders allowed), else folder / the name's last component, so that an
// absolute name or one with ".." (a COCO file_name, a VOC <filename>) never leaves the dataset.
std::filesystem::path path_inside(const std::filesystem::path& folder, const std::string& name);

}  // namespace seer::detection
