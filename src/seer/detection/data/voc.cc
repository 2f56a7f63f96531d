#include "seer/detection/data/voc.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/detection/data/image_io.h"
#include "seer/detection/data/warnings.h"

namespace seer::detection {
namespace {

namespace fs = std::filesystem;

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::optional<double> parse_number(std::string_view text) {
  std::string s = trim(text);
  if (!s.empty() && s[0] == '+') s.erase(0, 1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// "1"/"true"/"yes" (any case, any non-zero number) -> true; absent, "0", anything else -> false.
bool parse_flag(const pugi::xml_node& node) {
  std::string s = trim(node.child_value());
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true" || s == "yes") return true;
  if (auto v = parse_number(s)) return *v != 0;
  return false;
}

// An XML file kept in memory so that nodes can be mapped back to line numbers.
struct XmlFile {
  std::string path;
  std::string bytes;
  pugi::xml_document doc;

  long line_of(ptrdiff_t offset) const {
    if (offset < 0) return 0;
    size_t end = std::min(static_cast<size_t>(offset), bytes.size());
    return 1 + static_cast<long>(std::count(bytes.begin(), bytes.begin() + end, '\n'));
  }
  long line_of(const pugi::xml_node& node) const { return line_of(node.offset_debug()); }
  std::string where(const pugi::xml_node& node) const {
    long line = line_of(node);
    return line > 0 ? path + ":" + std::to_string(line) : path;
  }
};

void load_xml(XmlFile& xml, const fs::path& path) {
  xml.path = path.string();
  xml.bytes = read_file(path);
  pugi::xml_parse_result r =
      xml.doc.load_buffer(xml.bytes.data(), xml.bytes.size(), pugi::parse_default, pugi::encoding_auto);
  if (!r)
    throw file_error(xml.path, xml.line_of(r.offset),
                     std::string("malformed XML (") + r.description() + ")");
}

struct RawObject {
  std::string name;
  double xmin, ymin, xmax, ymax;  // VOC file coordinates (1-based, inclusive)
  bool difficult, truncated;
  std::string pose;
  std::string where;  // "file:line"
  int ordinal;        // 1-based position among the file's objects
};

struct RawAnnotation {
  std::string filename;
  int width = 0, height = 0;  // <size>, 0 when absent or unusable
  std::vector<RawObject> objects;
};

RawAnnotation parse_annotation(const fs::path& path) {
  XmlFile xml;
  load_xml(xml, path);
  pugi::xml_node root = xml.doc.child("annotation");
  if (!root)
    throw file_error(xml.path, "not a PASCAL-VOC annotation (no <annotation> root element)");
  RawAnnotation a;
  a.filename = trim(root.child_value("filename"));
  if (pugi::xml_node size = root.child("size")) {
    auto w = parse_number(size.child_value("width"));
    auto h = parse_number(size.child_value("height"));
    if (w && h && *w >= 1 && *h >= 1 && *w < 1e9 && *h < 1e9) {
      a.width = static_cast<int>(std::lround(*w));
      a.height = static_cast<int>(std::lround(*h));
    }
  }
  int ordinal = 0;
  for (pugi::xml_node obj : root.children("object")) {
    RawObject o;
    o.ordinal = ++ordinal;
    o.where = xml.where(obj);
    o.name = trim(obj.child_value("name"));
    o.difficult = parse_flag(obj.child("difficult"));
    o.truncated = parse_flag(obj.child("truncated"));
    o.pose = trim(obj.child_value("pose"));
    pugi::xml_node box = obj.child("bndbox");
    std::string label = fmt::format("object {} '{}'", o.ordinal, o.name);
    if (!box) throw file_error(xml.path, xml.line_of(obj), label + " has no <bndbox>");
    double* fields[] = {&o.xmin, &o.ymin, &o.xmax, &o.ymax};
    const char* names[] = {"xmin", "ymin", "xmax", "ymax"};
    for (int i = 0; i < 4; ++i) {
      pugi::xml_node n = box.child(names[i]);
      if (!n)
        throw file_error(xml.path, xml.line_of(box),
                         fmt::format("{} has no <{}> in its <bndbox>", label, names[i]));
      auto v = parse_number(n.child_value());
      if (!v)
        throw file_error(xml.path, xml.line_of(n),
                         fmt::format("{}: <{}> is not a number: '{}'", label, names[i],
                                     trim(n.child_value())));
      *fields[i] = *v;
    }
    a.objects.push_back(std::move(o));
  }
  return a;
}

bool has_extension(const std::string& filename) { return fs::path(filename).has_extension(); }

const char* const kImageExtensions[] = {".jpg", ".jpeg", ".png", ".bmp", ".JPG", ".JPEG", ".PNG",
                                        ".BMP", ".tif", ".tiff", ".webp", ".gif"};

// JPEGImages/<filename>, then <filename> beside the XML; then <stem>.<ext> in both places for
// the stem of <filename> and the id, for each common extension.
std::optional<fs::path> resolve_image(const fs::path& root, const fs::path& xml,
                                      const std::string& id, const std::string& filename) {
  std::error_code ec;
  const fs::path dirs[] = {root / "JPEGImages", xml.parent_path()};
  if (!filename.empty() && has_extension(filename))
    for (const auto& d : dirs)
      if (fs::is_regular_file(d / filename, ec)) return d / filename;
  std::vector<std::string> stems;
  if (!filename.empty()) stems.push_back(fs::path(filename).replace_extension().string());
  if (std::find(stems.begin(), stems.end(), id) == stems.end()) stems.push_back(id);
  for (const auto& stem : stems)
    for (const auto& d : dirs)
      for (const char* ext : kImageExtensions)
        if (fs::is_regular_file(d / (stem + ext), ec)) return d / (stem + ext);
  return std::nullopt;
}

std::string num(double v) { return fmt::format("{}", v); }

}  // namespace

DetectionDataset read_voc(const fs::path& root, const VocReadOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw file_error(root.string(), "not a folder");
  const fs::path ann_dir = root / "Annotations";
  if (!fs::is_directory(ann_dir, ec))
    throw file_error(root.string(),
                     "no Annotations/ folder (expected PASCAL-VOC: Annotations/*.xml, JPEGImages/)");

  // Which annotations: every XML, or the split's ids in the split's order.
  std::vector<std::pair<std::string, fs::path>> entries;  // (id, xml path)
  if (options.split.empty()) {
    for (const auto& e : fs::directory_iterator(ann_dir)) {
      std::string ext = e.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
      if (ext == ".xml" && e.is_regular_file()) entries.emplace_back(e.path().stem().string(), e.path());
    }
    std::sort(entries.begin(), entries.end());
    if (entries.empty()) throw file_error(ann_dir.string(), "no annotation files (*.xml)");
  } else {
    const fs::path split_file = root / "ImageSets" / "Main" / (options.split + ".txt");
    if (!fs::is_regular_file(split_file, ec))
      throw file_error(split_file.string(), "split file not found (split '" + options.split + "')");
    std::istringstream lines(read_file(split_file));
    std::set<std::string> seen;
    std::string line;
    long n = 0;
    internal::Warnings dup_warnings;
    while (std::getline(lines, line)) {
      ++n;
      std::istringstream tokens(line);
      std::string id;
      if (!(tokens >> id)) continue;  // blank line; VOC's per-class files add a second column
      if (!seen.insert(id).second) {
        dup_warnings.add("duplicate id", split_file.string() + ":" + std::to_string(n) +
                                             ": duplicate id '" + id + "' ignored");
        continue;
      }
      fs::path xml = ann_dir / (id + ".xml");
      if (!fs::is_regular_file(xml, ec))
        throw file_error(split_file.string(), n, "no annotation Annotations/" + id + ".xml for id '" + id + "'");
      entries.emplace_back(id, xml);
    }
    if (entries.empty()) throw file_error(split_file.string(), "split file lists no image ids");
  }

  // A fixed class list must be usable.
  std::map<std::string, int> fixed;
  for (size_t i = 0; i < options.classes.size(); ++i) {
    const auto& c = options.classes[i];
    if (c.empty()) throw Error("read_voc: empty class name in the class list");
    if (!fixed.emplace(c, static_cast<int>(i)).second)
      throw Error("read_voc: class '" + c + "' appears twice in the class list");
  }

  internal::Warnings warnings;
  std::map<std::string, int> unknown_classes;  // name -> skipped objects
  DetectionDataset ds;
  std::vector<std::vector<std::string>> names;  // per kept image, the class name of each object
  size_t missing_images = 0;
  for (const auto& [id, xml] : entries) {
    RawAnnotation a = parse_annotation(xml);
    const std::string xml_name = xml.string();
    auto image_path = resolve_image(root, xml, id, a.filename);
    if (!image_path) {
      ++missing_images;
      warnings.add("missing image",
                   xml_name + ": image '" + (a.filename.empty() ? id : a.filename) +
                       "' not found in JPEGImages/ or beside the annotation; image skipped");
      continue;
    }
    DetectionImage im;
    im.id = id;
    im.image_path = *image_path;
    if (options.check_images || a.width <= 0 || a.height <= 0) {
      cv::Size size;
      try {
        size = read_image_size(*image_path);
      } catch (const Error& e) {
        ++missing_images;
        warnings.add("unreadable image", std::string(e.what()) + " (for " + xml_name + "); image skipped");
        continue;
      }
      if (a.width > 0 && a.height > 0 && (a.width != size.width || a.height != size.height))
        warnings.add("size mismatch",
                     fmt::format("{}: <size> {}x{} disagrees with the image {} ({}x{}); using the image's",
                                 xml_name, a.width, a.height, image_path->string(), size.width,
                                 size.height));
      im.width = size.width;
      im.height = size.height;
    } else {
      im.width = a.width;
      im.height = a.height;
    }

    std::vector<std::string> kept_names;
    for (const RawObject& o : a.objects) {
      const std::string what = fmt::format("{}: object {} '{}'", o.where, o.ordinal, o.name);
      if (o.name.empty()) {
        warnings.add("no name", what + " has no <name>; skipped");
        continue;
      }
      int label = -1;
      if (!fixed.empty()) {
        auto it = fixed.find(o.name);
        if (it == fixed.end()) {
          ++unknown_classes[o.name];
          continue;
        }
        label = it->second;
      }
      if (o.difficult && !options.keep_difficult) continue;
      const std::string coords =
          fmt::format("xmin {}, ymin {}, xmax {}, ymax {}", num(o.xmin), num(o.ymin), num(o.xmax), num(o.ymax));
      if (o.xmax <= o.xmin || o.ymax <= o.ymin) {
        warnings.add("degenerate box", what + " has a zero-area or inverted box (" + coords + "); skipped");
        continue;
      }
      Box b{static_cast<float>(o.xmin - 1), static_cast<float>(o.ymin - 1), static_cast<float>(o.xmax),
            static_cast<float>(o.ymax)};
      const float W = static_cast<float>(im.width), H = static_cast<float>(im.height);
      if (b.x1 < 0 || b.y1 < 0 || b.x2 > W || b.y2 > H) {
        Box c{std::clamp(b.x1, 0.0f, W), std::clamp(b.y1, 0.0f, H), std::clamp(b.x2, 0.0f, W),
              std::clamp(b.y2, 0.0f, H)};
        if (c.x2 <= c.x1 || c.y2 <= c.y1) {
          warnings.add("box outside image",
                       fmt::format("{} lies outside the {}x{} image ({}); skipped", what, im.width, im.height, coords));
          continue;
        }
        warnings.add("box clipped",
                     fmt::format("{} extends outside the {}x{} image ({}); clipped", what, im.width, im.height, coords));
        b = c;
      }
      DetectionObject d;
      d.box = b;
      d.label = label;
      d.difficult = o.difficult;
      d.truncated = o.truncated;
      d.pose = o.pose;
      im.objects.push_back(std::move(d));
      kept_names.push_back(o.name);
    }
    ds.images.push_back(std::move(im));
    names.push_back(std::move(kept_names));
  }
  for (const auto& [name, n] : unknown_classes)
    warn(fmt::format("{}: skipped {} object(s) of class '{}' (not in the class list)", ann_dir.string(), n, name));
  warnings.flush();

  if (ds.images.empty())
    throw file_error(root.string(), fmt::format("no usable images: {} annotation(s) read, {} without a readable image",
                                                entries.size(), missing_images));

  if (!fixed.empty()) {
    ds.classes = options.classes;
  } else {
    std::set<std::string> all;
    for (const auto& v : names) all.insert(v.begin(), v.end());
    ds.classes.assign(all.begin(), all.end());
    for (size_t i = 0; i < ds.images.size(); ++i)
      for (size_t j = 0; j < ds.images[i].objects.size(); ++j)
        ds.images[i].objects[j].label = ds.class_index(names[i][j]);
  }
  return ds;
}

void write_voc_annotation(const fs::path& xml, const DetectionImage& image,
                          const std::vector<std::string>& classes, const std::string& filename) {
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
  write_file_atomic(xml, out.str());
}

}  // namespace seer::detection
