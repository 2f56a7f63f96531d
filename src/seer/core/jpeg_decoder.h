// JPEG decoding with libjpeg-turbo directly, so that what libjpeg says reaches the user with
// the file's name. Through OpenCV, libjpeg's warnings ("Corrupt JPEG data: 12 extraneous bytes
// before marker 0xd9", "Premature end of JPEG file") are printed bare on stderr, naming no file,
// and its errors become an empty image with no reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace seer {

struct JpegDecodeResult {
  cv::Mat image;                      // 8-bit BGR
  std::vector<std::string> warnings;  // libjpeg's warnings, in order (corrupt but decodable data)
};

// Decodes JPEG bytes to 8-bit BGR as OpenCV's IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION does
// (the same libjpeg with the same settings: the pixels are identical), for grayscale, YCbCr and
// RGB JPEGs, baseline and progressive. std::nullopt for the ones OpenCV converts its own way
// (CMYK and YCCK: the caller falls back to OpenCV). Throws seer::Error "<path>: corrupt JPEG
// (libjpeg: <its message>)" when libjpeg gives up.
std::optional<JpegDecodeResult> decode_jpeg_bgr(const std::string& bytes, const std::string& path);

}  // namespace seer
