#include "seer/core/image_file.h"

#include <array>
#include <cctype>
#include <cstring>
#include <string_view>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <zlib.h>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/core/jpeg_decoder.h"

namespace seer {
namespace {

// A warning about an image file, once per file and process (training decodes every image once
// an epoch).
void warn_once_per_file(const std::string& path, const std::string& message) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!warned.insert(path).second) return;
  }
  warn(path + ": " + message);
}

// libjpeg's warnings about a file.
void warn_damaged_jpeg(const std::string& path, const std::vector<std::string>& messages) {
  std::string joined;
  for (const auto& m : messages) joined += (joined.empty() ? "" : "; ") + m;
  warn_once_per_file(path, "damaged JPEG data, decoded anyway (libjpeg: " + joined + ")");
}

namespace fs = std::filesystem;

uint32_t be16(const unsigned char* p) { return (uint32_t(p[0]) << 8) | p[1]; }
uint32_t be32(const unsigned char* p) { return (be16(p) << 16) | be16(p + 2); }
uint32_t le16(const unsigned char* p) { return (uint32_t(p[1]) << 8) | p[0]; }
uint32_t le32(const unsigned char* p) { return (le16(p + 2) << 16) | le16(p); }

// JPEG: walk the marker segments up to the first start-of-frame (SOF0..SOF15 except DHT C4,
// JPG C8 and DAC CC), whose payload holds precision, height, width.
std::optional<cv::Size> jpeg_size(std::ifstream& in) {
  unsigned char b[8];
  for (;;) {
    int c = in.get();
    if (c == EOF) return std::nullopt;
    if (c != 0xFF) return std::nullopt;
    int marker;
    do marker = in.get();
    while (marker == 0xFF);  // fill bytes
    if (marker == EOF) return std::nullopt;
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no payload
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // end of image / scan before a frame
    if (!in.read(reinterpret_cast<char*>(b), 2)) return std::nullopt;
    uint32_t length = be16(b);
    if (length < 2) return std::nullopt;
    bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (length < 7 || !in.read(reinterpret_cast<char*>(b), 5)) return std::nullopt;
      int height = static_cast<int>(be16(b + 1)), width = static_cast<int>(be16(b + 3));
      if (width <= 0 || height <= 0) return std::nullopt;  // height 0 (DNL) is not supported here
      return cv::Size(width, height);
    }
    in.seekg(length - 2, std::ios::cur);
    if (!in) return std::nullopt;
  }
}

// Whether a JPEG's bytes hold its end-of-image marker after the first start-of-scan. libjpeg
// decodes a truncated file without an error (it pads the missing scan with grey and only prints
// "Premature end of JPEG file"), so a cut-off download would otherwise pass as an image. Inside
// the entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so the first
// FF D9 after the scan starts is the real end of the image.
bool jpeg_has_end(const std::string& bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 2;  // after SOI
  while (i + 4 <= n) {
    if (p[i] != 0xFF) {  // stray bytes between segments: libjpeg skips them with a warning
      ++i;
      continue;
    }
    const unsigned char marker = p[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD9) return true;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      i += 2;
      continue;
    }
    const size_t length = be16(p + i + 2);
    if (marker == 0xDA) return bytes.find("\xFF\xD9", i + 2 + length) != std::string::npos;
    i += 2 + length;
  }
  return false;
}

}  // namespace

ImageFormat sniff_image_format(const unsigned char* h, size_t n) {
  auto starts = [&](std::string_view magic, size_t at = 0) {
    return n >= at + magic.size() && std::memcmp(h + at, magic.data(), magic.size()) == 0;
  };
  if (starts("\xFF\xD8\xFF")) return ImageFormat::jpeg;
  if (starts("\x89PNG\r\n\x1A\n")) return ImageFormat::png;
  if (starts("BM")) return ImageFormat::bmp;
  if (starts("GIF87a") || starts("GIF89a")) return ImageFormat::gif;
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4))) return ImageFormat::tiff;
  if (starts("RIFF") && starts("WEBP", 8)) return ImageFormat::webp;
  // PBM / PGM / PPM (P1-P6) and PAM (P7), then whitespace.
  if (n >= 3 && h[0] == 'P' && h[1] >= '1' && h[1] <= '7' && std::isspace(h[2])) return ImageFormat::pnm;
  return ImageFormat::unknown;
}

cv::Size read_image_size(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    throw file_error(path.string(), fs::exists(path, ec) ? "cannot open image" : "image file not found");
  }
  std::array<unsigned char, 32> h{};
  in.read(reinterpret_cast<char*>(h.data()), h.size());
  const auto got = static_cast<size_t>(in.gcount());
  in.clear();
  std::optional<cv::Size> size;
  bool known = false;
  const ImageFormat format = sniff_image_format(h.data(), got);
  if (format == ImageFormat::jpeg) {
    known = true;
    in.seekg(2);
    size = jpeg_size(in);
  } else if (format == ImageFormat::png) {
    known = true;
    if (got >= 24 && be32(h.data() + 12) == 0x49484452u)  // IHDR
      size = cv::Size(static_cast<int>(be32(h.data() + 16)), static_cast<int>(be32(h.data() + 20)));
  } else if (format == ImageFormat::bmp) {
    known = true;
    if (got < 26) throw file_error(path.string(), "corrupt image header");
    uint32_t header = le32(h.data() + 14);
    if (header == 12) {  // OS/2 BITMAPCOREHEADER
      size = cv::Size(static_cast<int>(le16(h.data() + 18)), static_cast<int>(le16(h.data() + 20)));
    } else {
      // Signed fields; a negative height means top-down rows. In 64 bits, so that a height of
      // INT32_MIN is not negated in int (undefined); a size past INT_MAX is a corrupt header.
      const int64_t w = static_cast<int32_t>(le32(h.data() + 18));
      const int64_t hh = std::llabs(static_cast<int32_t>(le32(h.data() + 22)));
      if (w > 0 && hh > 0 && w <= INT32_MAX && hh <= INT32_MAX) size = cv::Size(static_cast<int>(w), static_cast<int>(hh));
    }
  } else if (format == ImageFormat::unknown || format == ImageFormat::gif) {
    throw file_error(path.string(), std::string("not an image seer reads (") + kReadableImageFormats + ")");
  }
  if (known) {
    if (!size || size->width <= 0 || size->height <= 0)
      throw file_error(path.string(), "corrupt image header");
    return *size;
  }
  // TIFF, WebP, PNM: OpenCV decodes them.
  cv::Mat image = cv::imread(path.string(), cv::IMREAD_UNCHANGED | cv::IMREAD_IGNORE_ORIENTATION);
  if (image.empty()) throw file_error(path.string(), "not an image OpenCV can read");
  return image.size();
}

namespace {

// What is wrong with a PNG's chunk structure, or nothing: every chunk whole and its CRC right up
// to IEND. libpng finds the same faults while decoding, but prints them bare ("libpng error:
// IDAT: CRC error") with no file name, and OpenCV then only says it failed. A bad CRC in an
// ancillary chunk (lower-case first letter: text, colour profile, ...) is what libpng skips with
// a warning: here too, a warning naming the file.
std::optional<std::string> png_structure_problem(const std::string& bytes, const std::string& path) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t at = 8;  // after the signature
  std::string previous = "the signature";
  while (true) {
    if (at + 8 > n) return "truncated PNG (it ends after " + previous + ", before the IEND chunk)";
    const uint32_t length = be32(p + at);
    const std::string type(reinterpret_cast<const char*>(p + at + 4), 4);
    for (char c : type)
      if (!std::isalpha(static_cast<unsigned char>(c)))
        return "corrupt PNG (no chunk type at byte " + std::to_string(at + 4) + ")";
    if (length > 0x7FFFFFFFu) return "corrupt PNG (chunk " + type + " at byte " + std::to_string(at) + " has a length over 2^31)";
    if (at + 12 + size_t{length} > n)
      return "truncated PNG (it ends inside its " + type + " chunk at byte " + std::to_string(at) + ")";
    const uint32_t crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), p + at + 4, length + 4));
    if (crc != be32(p + at + 8 + length)) {
      if (std::islower(static_cast<unsigned char>(type[0]))) {
        warn_once_per_file(path, "CRC mismatch in the PNG's ancillary " + type + " chunk at byte " +
                                     std::to_string(at) + " (libpng ignores the chunk)");
      } else {
        return "corrupt PNG (CRC mismatch in its " + type + " chunk at byte " + std::to_string(at) + ")";
      }
    }
    if (type == "IEND") return std::nullopt;
    previous = "its " + type + " chunk";
    at += 12 + size_t{length};
  }
}

// The faults found without decoding: a JPEG without its end marker, a PNG's broken chunks.
void check_structure(const std::string& bytes, ImageFormat format, const std::string& path) {
  if (format == ImageFormat::jpeg && !jpeg_has_end(bytes))
    throw file_error(path, "truncated or corrupt JPEG (no end-of-image marker after the image data)");
  if (format == ImageFormat::png) {
    if (auto problem = png_structure_problem(bytes, path)) throw file_error(path, *problem);
  }
}

// The whole file, or an error naming it.
std::string read_image_bytes(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw file_error(path.string(), "image file not found");
  try {
    return read_file(path);
  } catch (const Error&) {
    throw file_error(path.string(), "cannot open image");
  }
}

}  // namespace

cv::Size read_image_size_checked(const fs::path& path) {
  const cv::Size size = read_image_size(path);
  const std::string bytes = read_image_bytes(path);
  check_structure(bytes, sniff_image_format(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()),
                  path.string());
  return size;
}

cv::Mat read_image_bgr(const fs::path& path) {
  std::string bytes = read_image_bytes(path);
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const ImageFormat format = sniff_image_format(b, bytes.size());
  if (format == ImageFormat::unknown || format == ImageFormat::gif)
    throw file_error(path.string(), std::string("not an image seer reads (") + kReadableImageFormats + ")");
  check_structure(bytes, format, path.string());
  if (format == ImageFormat::jpeg) {
    if (auto jpeg = decode_jpeg_bgr(bytes, path.string())) {
      if (!jpeg->warnings.empty()) warn_damaged_jpeg(path.string(), jpeg->warnings);
      return std::move(jpeg->image);
    }
  }
  // IMREAD_COLOR: any depth and channel count (16-bit, grey, alpha, CMYK) becomes 8-bit BGR.
  cv::Mat image;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, bytes.data());
    image = cv::imdecode(raw, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    throw file_error(path.string(), std::string("not an image OpenCV can read (") + e.what() + ")");
  }
  if (image.empty()) throw file_error(path.string(), "not an image OpenCV can read");
  return image;
}
}  // namespace seer
