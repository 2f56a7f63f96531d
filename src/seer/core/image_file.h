// Image files, read the one way every task reads them (detection datasets, captcha folders,
// `seer ... predict`): the size from the header (fast, exact), and the pixels as annotation
// tools see them. Only the formats below are handed to a decoder: OpenCV would otherwise pass
// any file to whichever of its codecs claims it (DICOM through GDCM, which aborts the process
// on a malformed file), and a dataset image is never one of those.
#pragma once

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

namespace seer {

enum class ImageFormat { jpeg, png, bmp, gif, tiff, webp, pnm, unknown };

// The format of a file from its first bytes (`n` of them readable; 32 are enough).
ImageFormat sniff_image_format(const unsigned char* head, size_t n);

// "JPEG, PNG, BMP, TIFF, WebP or PNM": for messages.
inline constexpr const char* kReadableImageFormats = "JPEG, PNG, BMP, TIFF, WebP or PNM";

// Width and height of an image file, read from its header without decoding the pixels for
// JPEG (baseline and progressive, any number of components), PNG and BMP; TIFF, WebP and PNM
// are decoded with OpenCV. The size is the stored one: EXIF orientation is ignored, as
// labelImg ignores it. Only the header is checked, not the pixel data.
// Throws seer::Error naming the file when it is missing, unreadable or not an image of those
// formats (a GIF included: OpenCV 4.6 has no GIF decoder, so it could not be trained on).
cv::Size read_image_size(const std::filesystem::path& path);

// read_image_size, and the whole file's structure checked without decoding it: a JPEG's
// end-of-image marker, a PNG's chunks and their CRCs. Throws what read_image_bgr would throw for
// a file cut short or damaged in those ways, so that a dataset's loader finds them before
// training meets them. Reads the whole file (read_image_size reads only the header).
cv::Size read_image_size_checked(const std::filesystem::path& path);

// The image as 8-bit BGR: grayscale, CMYK and 16-bit images converted, alpha dropped, EXIF
// orientation ignored so that pixels match the annotation's coordinates (and read_image_size).
// JPEGs are decoded by libjpeg-turbo directly (jpeg_decoder.h): its warnings about damaged
// data become one seer warning per file naming it. Throws seer::Error naming the file when it
// is missing, unreadable, not an image of kReadableImageFormats (GIF included: OpenCV has no
// GIF decoder), or a JPEG cut short (no end-of-image marker: libjpeg would silently pad it
// with grey) or that libjpeg cannot decode, or a PNG cut short or with a critical chunk's CRC
// wrong.
cv::Mat read_image_bgr(const std::filesystem::path& path);

}  // namespace seer
