#include "seer/detection/data/annotation_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/core/strings.h"
#include "seer/detection/data/image_io.h"

namespace seer::detection::internal {
namespace {

namespace fs = std::filesystem;

std::optional<double> parse_number(std::string_view text) {
  std::string s(trim(text));
  if (!s.empty() && s[0] == '+') s.erase(0, 1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// "1"/"true"/"yes" (any case, any non-zero number) -> true; absent, "0", anything else -> false.
bool parse_flag(const pugi::xml_node& node) {
  std::string s(trim(node.child_value()));
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

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// <filename> in the image folders and then beside the XML; then <stem>.<ext> in the same places
// for the stem of <filename> and the id, for each common extension.
std::optional<fs::path> resolve_image(const std::vector<fs::path>& image_dirs, const fs::path& xml,
                                      const std::string& id, const std::string& filename) {
  std::error_code ec;
  std::vector<fs::path> dirs = image_dirs;
  if (std::find(dirs.begin(), dirs.end(), xml.parent_path()) == dirs.end()) dirs.push_back(xml.parent_path());
  if (!filename.empty() && fs::path(filename).has_extension())
    for (const auto& d : dirs)
      if (fs::is_regular_file(path_inside(d, filename), ec)) return path_inside(d, filename);
  std::vector<std::string> stems;
  if (!filename.empty()) stems.push_back(path_inside("", filename).replace_extension().string());
  if (std::find(stems.begin(), stems.end(), id) == stems.end()) stems.push_back(id);
  for (const auto& stem : stems)
    for (const auto& d : dirs)
      for (const auto& ext : image_extensions())
        if (fs::is_regular_file(d / (stem + ext), ec)) return d / (stem + ext);
  return std::nullopt;
}

// "JPEGImages/ or beside the annotation", "beside the annotation".
std::string places(const std::vector<fs::path>& image_dirs, const fs::path& xml) {
  std::string out;
  for (const auto& d : image_dirs) {
    if (d == xml.parent_path()) continue;
    out += (out.empty() ? "in " : ", ") + d.filename().string() + "/";
  }
  return out.empty() ? "beside the annotation" : out + " or beside the annotation";
}

std::string num(double v) { return fmt::format("{}", v); }

}  // namespace

const std::vector<std::string>& image_extensions() {
  static const std::vector<std::string> extensions = {".jpg", ".jpeg", ".png", ".bmp", ".JPG", ".JPEG",
                                                      ".PNG", ".BMP", ".tif", ".tiff", ".webp", ".gif"};
  return extensions;
}

std::vector<AnnotationFile> list_annotation_files(const fs::path& dir) {
  std::vector<AnnotationFile> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (lower(e.path().extension().string()) == ".xml" && e.is_regular_file())
      files.push_back({e.path().stem().string(), e.path()});
  }
  std::sort(files.begin(), files.end(), [](const AnnotationFile& a, const AnnotationFile& b) {
    return std::tie(a.id, a.xml) < std::tie(b.id, b.xml);
  });
  if (files.empty()) throw file_error(dir.string(), "no annotation files (*.xml)");
  return files;
}

std::vector<AnnotationFile> read_split_file(const fs::path& split_file, const fs::path& dir,
                                            const std::string& split) {
  std::error_code ec;
  if (!fs::is_regular_file(split_file, ec))
    throw file_error(split_file.string(), "split file not found (split '" + split + "')");
  std::istringstream lines(read_file(split_file));
  std::vector<AnnotationFile> files;
  std::set<std::string> seen;
  std::string line;
  long n = 0;
  Warnings dup_warnings;
  while (std::getline(lines, line)) {
    ++n;
    std::istringstream tokens(line);
    std::string id;
    if (!(tokens >> id)) continue;  // blank line; VOC's per-class files add a second column
    if (!seen.insert(id).second) {
      dup_warnings.add("duplicate id", split_file.string() + ":" + std::to_string(n) + ": duplicate id '" + id +
                                           "' ignored");
      continue;
    }
    fs::path xml = dir / (id + ".xml");
    if (!fs::is_regular_file(xml, ec))
      throw file_error(split_file.string(), n,
                       "no annotation " + (dir.filename() / (id + ".xml")).string() + " for id '" + id + "'");
    files.push_back({id, xml});
  }
  if (files.empty()) throw file_error(split_file.string(), "split file lists no image ids");
  return files;
}

AnnotationReader::AnnotationReader(const VocReadOptions& options) : options_(options) {
  // A fixed class list must be usable.
  for (size_t i = 0; i < options.classes.size(); ++i) {
    const auto& c = options.classes[i];
    if (c.empty()) throw Error("read_voc: empty class name in the class list");
    if (!fixed_.emplace(c, static_cast<int>(i)).second)
      throw Error("read_voc: class '" + c + "' appears twice in the class list");
  }
}

bool AnnotationReader::read(const AnnotationFile& file, const std::vector<fs::path>& image_dirs) {
  ++files_;
  const auto& [id, xml] = file;
  RawAnnotation a = parse_annotation(xml);
  const std::string xml_name = xml.string();
  auto image_path = resolve_image(image_dirs, xml, id, a.filename);
  if (!image_path) {
    ++unusable_images_;
    warnings_.add("missing image", xml_name + ": image '" + (a.filename.empty() ? id : a.filename) +
                                       "' not found " + places(image_dirs, xml) + "; image skipped");
    return false;
  }
  DetectionImage im;
  im.id = id;
  im.image_path = *image_path;
  if (options_.check_images || a.width <= 0 || a.height <= 0) {
    cv::Size size;
    try {
      // Training reads every pixel: a file cut short or damaged is found here, not mid-training.
      size = options_.check_images ? read_image_size_checked(*image_path) : read_image_size(*image_path);
    } catch (const Error& e) {
      ++unusable_images_;
      warnings_.add("unreadable image", std::string(e.what()) + " (for " + xml_name + "); image skipped");
      return false;
    }
    if (a.width > 0 && a.height > 0 && (a.width != size.width || a.height != size.height))
      warnings_.add("size mismatch",
                    fmt::format("{}: <size> {}x{} disagrees with the image {} ({}x{}); using the image's",
                                xml_name, a.width, a.height, image_path->string(), size.width, size.height));
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
      warnings_.add("no name", what + " has no <name>; skipped");
      continue;
    }
    int label = -1;
    if (!fixed_.empty()) {
      auto it = fixed_.find(o.name);
      if (it == fixed_.end()) {
        ++unknown_classes_[o.name];
        continue;
      }
      label = it->second;
    }
    if (o.difficult && !options_.keep_difficult) continue;
    const std::string coords =
        fmt::format("xmin {}, ymin {}, xmax {}, ymax {}", num(o.xmin), num(o.ymin), num(o.xmax), num(o.ymax));
    // Inclusive pixel coordinates (the devkit's): xmin == xmax is a box one pixel wide.
    if (o.xmax < o.xmin || o.ymax < o.ymin) {
      warnings_.add("degenerate box", what + " has an inverted box (" + coords + "); skipped");
      continue;
    }
    if (o.xmax == o.xmin || o.ymax == o.ymin)
      warnings_.add("one-pixel box", what + " is one pixel " +
                                         (o.xmax == o.xmin && o.ymax == o.ymin ? "square (a click?)"
                                          : o.xmax == o.xmin                  ? "wide"
                                                                              : "high") +
                                         " (" + coords + "); kept, as the VOC devkit counts it");
    Box b{static_cast<float>(o.xmin - 1), static_cast<float>(o.ymin - 1), static_cast<float>(o.xmax),
          static_cast<float>(o.ymax)};
    const float W = static_cast<float>(im.width), H = static_cast<float>(im.height);
    if (b.x1 < 0 || b.y1 < 0 || b.x2 > W || b.y2 > H) {
      Box c{std::clamp(b.x1, 0.0f, W), std::clamp(b.y1, 0.0f, H), std::clamp(b.x2, 0.0f, W),
            std::clamp(b.y2, 0.0f, H)};
      if (c.x2 <= c.x1 || c.y2 <= c.y1) {
        warnings_.add("box outside image",
                      fmt::format("{} lies outside the {}x{} image ({}); skipped", what, im.width, im.height, coords));
        continue;
      }
      warnings_.add("box clipped",
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
  image_paths_.push_back(im.image_path);
  dataset_.images.push_back(std::move(im));
  names_.push_back(std::move(kept_names));
  return true;
}

DetectionDataset AnnotationReader::finish(const fs::path& root, const fs::path& annotations) {
  for (const auto& [name, n] : unknown_classes_)
    warn(fmt::format("{}: skipped {} object(s) of class '{}' (not in the class list)", annotations.string(), n, name));
  unknown_classes_.clear();
  warnings_.flush();

  DetectionDataset ds = std::move(dataset_);
  dataset_ = {};
  if (ds.images.empty())
    throw file_error(root.string(), fmt::format("no usable images: {} annotation(s) read, {} without a readable image",
                                                files_, unusable_images_));
  if (!fixed_.empty()) {
    ds.classes = options_.classes;
  } else {
    std::set<std::string> all;
    for (const auto& v : names_) all.insert(v.begin(), v.end());
    ds.classes.assign(all.begin(), all.end());
    for (size_t i = 0; i < ds.images.size(); ++i)
      for (size_t j = 0; j < ds.images[i].objects.size(); ++j)
        ds.images[i].objects[j].label = ds.class_index(names_[i][j]);
  }
  names_.clear();
  return ds;
}

}  // namespace seer::detection::internal
