#include "seer/core/jpeg_decoder.h"

#include <csetjmp>
#include <cstdint>
#include <cstdio>

#include <jpeglib.h>

#include "seer/core/error.h"

namespace seer {
namespace {

// libjpeg's error manager, extended: fatal errors jump back to decode(), warnings are kept.
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char fatal[JMSG_LENGTH_MAX] = {};
  std::vector<std::string>* warnings = nullptr;
};

extern "C" void on_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->fatal);
  std::longjmp(err->jump, 1);
}

// level < 0: a warning (corrupt data; libjpeg goes on). level >= 0: trace messages, dropped.
extern "C" void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  char text[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, text);
  // libjpeg repeats a warning for every damaged segment: keep the first few only.
  if (err->warnings->size() < 5) err->warnings->emplace_back(text);
  ++cinfo->err->num_warnings;
}

enum class Outcome { decoded, other_color_space, failed };

// Only trivially destructible objects live in this frame across setjmp / longjmp.
Outcome decode(const std::string& bytes, cv::Mat& image, ErrorManager& err) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error_exit;
  err.pub.emit_message = on_message;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return Outcome::failed;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK ||
      cinfo.num_components == 4) {
    jpeg_destroy_decompress(&cinfo);
    return Outcome::other_color_space;
  }
  // OpenCV's limit (CV_IO_MAX_IMAGE_PIXELS): a forged header must not allocate gigabytes.
  if (static_cast<uint64_t>(cinfo.image_width) * cinfo.image_height > (uint64_t{1} << 30)) {
    std::snprintf(err.fatal, sizeof err.fatal, "%ux%u pixels, more than 2^30", cinfo.image_width,
                  cinfo.image_height);
    jpeg_destroy_decompress(&cinfo);
    return Outcome::failed;
  }
  cinfo.out_color_space = JCS_EXT_BGR;
  jpeg_start_decompress(&cinfo);
  image.create(static_cast<int>(cinfo.output_height), static_cast<int>(cinfo.output_width), CV_8UC3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = image.ptr<unsigned char>(static_cast<int>(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return Outcome::decoded;
}

}  // namespace

std::optional<JpegDecodeResult> decode_jpeg_bgr(const std::string& bytes, const std::string& path) {
  JpegDecodeResult result;
  ErrorManager err;
  err.warnings = &result.warnings;
  switch (decode(bytes, result.image, err)) {
    case Outcome::decoded:
      return result;
    case Outcome::other_color_space:
      return std::nullopt;
    case Outcome::failed:
      break;
  }
  throw file_error(path, std::string("corrupt JPEG (libjpeg: ") + err.fatal + ")");
}

}  // namespace seer
