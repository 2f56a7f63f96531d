// PASCAL-VOC datasets as labelImg writes them: reading a folder into a DetectionDataset, and
// writing one image's annotation back as labelImg-compatible XML. (read_detection_folder in
// folder.h also reads plain labelImg folders, with the same rules for each file.)
//
// Layout read by read_voc(root):
//   root/Annotations/<id>.xml        one per image (the id is the file's stem)
//   root/JPEGImages/<filename>       the image; also accepted: the image beside the XML, and
//                                    any common extension (.jpg .jpeg .png .bmp ...) when
//                                    <filename> has none or names a file that is absent
//   root/ImageSets/Main/<split>.txt  optional: one id per line (extra columns are ignored)
//
// Coordinates: VOC files are 1-based and pixel-inclusive; in memory boxes are 0-based and
// continuous (see detection/boxes/box.h): x1 = xmin - 1, y1 = ymin - 1, x2 = xmax, y2 = ymax.
// Float coordinates ("123.0", "12.5") are accepted.
//
// Dirty data (each case is tested in tests/detection/data/voc_test.cc):
//   malformed XML                        seer::Error "file:line: malformed XML (...)"
//   non-numeric / missing coordinate,    seer::Error "file:line: object 2 'dog': <ymin> is not a
//     missing <bndbox>                     number: 'abc'" (an error, not a skip: such a file is
//                                        broken, not merely noisy)
//   xmax <= xmin or ymax <= ymin (file   object skipped, warning naming file and object
//     coordinates: zero-area, inverted,
//     or a single pixel wide/high)
//   box partly outside the image         clipped to [0,W]x[0,H], warning; skipped (warning)
//                                        when nothing of it remains inside
//   missing <difficult>/<truncated>/     false / false / "" (no warning)
//     <pose>
//   <size> disagreeing with the image    the image wins, warning (only with check_images)
//   <size> 0 or missing                  size read from the image (no warning); with
//                                        check_images=false the image header is read anyway
//   missing <name>                       object skipped with a warning
//   <difficult>1 with keep_difficult=false  object dropped silently
//   class not in options.classes         objects skipped, one warning per class name
//   image file missing or unreadable     image skipped with a warning; seer::Error if no
//                                        image is left
//   not an <annotation> document         seer::Error naming the file
//   duplicate id in a split file         ignored with a warning
//   images without objects               kept (background-only images)
//   no annotations / empty split         seer::Error naming the folder / split file
//   split id without an XML              seer::Error naming the split file and line
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "seer/core/atomic_file.h"
#include "seer/detection/data/dataset.h"

namespace seer::detection {

struct VocReadOptions {
  std::string split;                 // "" = every annotation; else ImageSets/Main/<split>.txt (error if missing)
  std::vector<std::string> classes;  // fixed class list (objects of other classes skipped with one warning per class); empty = from the data, sorted by name
  bool keep_difficult = true;        // difficult objects are kept and flagged (evaluation needs them)
  bool check_images = true;          // open each image header to verify it exists and its true size
};

// Reads a VOC folder (see above). Images are ordered by id (or by the split file's order).
// Classes from the data are those of the objects kept (sorted by name); pass a fixed list to
// keep label indices stable across splits and options. Warnings go to stderr via seer::warn,
// at most 10 per kind and then a count of the rest.
DetectionDataset read_voc(const std::filesystem::path& root, const VocReadOptions& options = {});

// Writes one image's annotation as labelImg-compatible VOC XML, atomically. `filename` is the
// <filename> written (the image's file name, e.g. "000001.jpg"); boxes are converted to VOC
// file coordinates (xmin = x1 + 1, ymin = y1 + 1, xmax = x2, ymax = y2, rounded to integers).
void write_voc_annotation(const std::filesystem::path& xml, const DetectionImage& image,
                          const std::vector<std::string>& classes, const std::string& filename,
                          Durability durability = Durability::synced);

}  // namespace seer::detection
