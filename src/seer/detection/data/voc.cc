#include "seer/detection/data/voc.h"

#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/detection/data/annotation_reader.h"

namespace seer::detection {

namespace fs = std::filesystem;

DetectionDataset read_voc(const fs::path& root, const VocReadOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw file_error(root.string(), "not a folder");
  const fs::path ann_dir = root / "Annotations";
  if (!fs::is_directory(ann_dir, ec))
    throw file_error(root.string(),
                     "no Annotations/ folder (expected PASCAL-VOC: Annotations/*.xml, JPEGImages/)");
  internal::AnnotationReader reader(options);
  // Every XML, or the split's ids in the split's order.
  const auto files = options.split.empty()
                         ? internal::list_annotation_files(ann_dir)
                         : internal::read_split_file(root / "ImageSets" / "Main" / (options.split + ".txt"),
                                                     ann_dir, options.split);
  for (const auto& file : files) reader.read(file, {root / "JPEGImages"});
  return reader.finish(root, ann_dir);
}

void write_voc_annotation(const fs::path& xml, const DetectionImage& image,
                          const std::vector<std::string>& classes, const std::string& filename,
                          Durability durability) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("annotation");
  auto text = [](pugi::xml_node parent, const char* name, const std::string& value) {
    parent.append_child(name).text().set(value.c_str());
  };
  text(root, "folder", "JPEGImages");
  text(root, "filename", filename);
  text(root, "path", filename);
  text(root.append_child("source"), "database", "Unknown");
  pugi::xml_node size = root.append_child("size");
  text(size, "width", std::to_string(image.width));
  text(size, "height", std::to_string(image.height));
  text(size, "depth", "3");
  text(root, "segmented", "0");
  for (const DetectionObject& o : image.objects) {
    if (o.label < 0 || o.label >= static_cast<int>(classes.size()))
      throw file_error(xml.string(), fmt::format("cannot write image '{}': object label {} is not a class index "
                                                 "(there are {} classes)", image.id, o.label, classes.size()));
    pugi::xml_node obj = root.append_child("object");
    text(obj, "name", classes[o.label]);
    text(obj, "pose", o.pose.empty() ? "Unspecified" : o.pose);
    text(obj, "truncated", o.truncated ? "1" : "0");
    text(obj, "difficult", o.difficult ? "1" : "0");
    pugi::xml_node box = obj.append_child("bndbox");
    // Inverse of reading (box.h): xmin = x1 + 1, ymin = y1 + 1, xmax = x2, ymax = y2.
    text(box, "xmin", std::to_string(std::lround(o.box.x1) + 1));
    text(box, "ymin", std::to_string(std::lround(o.box.y1) + 1));
    text(box, "xmax", std::to_string(std::lround(o.box.x2)));
    text(box, "ymax", std::to_string(std::lround(o.box.y2)));
  }
  std::ostringstream out;
  doc.save(out, "\t", pugi::format_indent | pugi::format_no_declaration);
  write_file_atomic(xml, out.str(), durability);
}

}  // namespace seer::detection
