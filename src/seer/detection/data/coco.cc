#include "seer/detection/data/coco.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/detection/data/image_io.h"
#include "seer/detection/data/warnings.h"

namespace seer::detection {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const json& array_field(const json& j, const char* name, const std::string& file) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_array())
    throw file_error(file, std::string("not a COCO instances file: no \"") + name + "\" array");
  return *it;
}

long long id_of(const json& j, const char* what, const std::string& file) {
  auto it = j.find("id");
  if (it == j.end() || !it->is_number_integer())
    throw file_error(file, std::string("a ") + what + " has no integer \"id\": " + j.dump().substr(0, 200));
  return it->get<long long>();
}

}  // namespace

DetectionDataset read_coco(const fs::path& json_path, const fs::path& images_dir,
                           const CocoReadOptions& options) {
  const std::string file = json_path.string();
  const std::string bytes = read_file(json_path);
  json root;
  try {
    root = json::parse(bytes);
  } catch (const json::parse_error& e) {
    size_t end = std::min(e.byte, bytes.size());
    long line = 1 + static_cast<long>(std::count(bytes.begin(), bytes.begin() + end, '\n'));
    throw file_error(file, line, std::string("bad JSON: ") + e.what());
  } catch (const json::exception& e) {  // a number out of range (1e309) is not a parse_error
    throw file_error(file, std::string("bad JSON: ") + e.what());
  }
  if (!root.is_object()) throw file_error(file, "not a COCO instances file (top level is not an object)");

  DetectionDataset ds;
  try {
    // Categories sorted by id.
    std::vector<std::pair<long long, std::string>> cats;
    for (const json& c : array_field(root, "categories", file)) {
      long long id = id_of(c, "category", file);
      auto name = c.find("name");
      if (name == c.end() || !name->is_string() || name->get<std::string>().empty())
        throw file_error(file, fmt::format("category {} has no name", id));
      cats.emplace_back(id, name->get<std::string>());
    }
    std::sort(cats.begin(), cats.end());
    std::map<long long, int> label_of;
    std::set<std::string> names;
    for (const auto& [id, name] : cats) {
      if (!label_of.emplace(id, static_cast<int>(ds.classes.size())).second)
        throw file_error(file, fmt::format("category id {} appears twice", id));
      if (!names.insert(name).second) throw file_error(file, "category name '" + name + "' appears twice");
      ds.classes.push_back(name);
      ds.category_ids.push_back(id);
    }

    // Images in file order.
    std::map<long long, size_t> index_of;
    std::vector<std::string> size_notes;  // warned once the warning counter exists
    for (const json& j : array_field(root, "images", file)) {
      long long id = id_of(j, "image", file);
      DetectionImage im;
      im.id = std::to_string(id);
      auto fn = j.find("file_name");
      if (fn == j.end() || !fn->is_string())
        throw file_error(file, fmt::format("image {} has no \"file_name\"", id));
      im.image_path = path_inside(images_dir, fn->get<std::string>());
      // A width or height that is not a whole number of pixels in int range is not trusted:
      // the image's header gives the size (get<int>() would truncate 640.7, or overflow).
      for (auto [key, field] : {std::pair{"width", &im.width}, std::pair{"height", &im.height}}) {
        auto v = j.find(key);
        if (v == j.end() || v->is_null()) continue;
        const double d = v->is_number() ? v->get<double>() : -1;
        if (d >= 1 && d <= 1e6 && d == std::floor(d)) {
          *field = static_cast<int>(d);
        } else {
          size_notes.push_back(fmt::format("{}: image {} has {} {}, not a whole number of pixels; using the image's",
                                              file, id, key, v->dump()));
        }
      }
      if (!index_of.emplace(id, ds.images.size()).second)
        throw file_error(file, fmt::format("image id {} appears twice", id));
      ds.images.push_back(std::move(im));
    }

    internal::Warnings warnings;
    for (const auto& m : size_notes) warnings.add("bad image size", m);
    std::vector<bool> usable(ds.images.size(), true);
    for (size_t i = 0; i < ds.images.size(); ++i) {
      DetectionImage& im = ds.images[i];
      if (!options.check_images && im.width > 0 && im.height > 0) continue;
      try {
        cv::Size size = read_image_size(im.image_path);
        if (im.width > 0 && im.height > 0 && (im.width != size.width || im.height != size.height))
          warnings.add("size mismatch", fmt::format("{}: image {} is {}x{} in the json but {}x{} in {}; using the image's",
                                                    file, im.id, im.width, im.height, size.width, size.height,
                                                    im.image_path.string()));
        im.width = size.width;
        im.height = size.height;
      } catch (const Error& e) {
        usable[i] = false;
        warnings.add("missing image", std::string(e.what()) + " (image " + im.id + " of " + file + "); image skipped");
      }
    }

    for (const json& a : array_field(root, "annotations", file)) {
      long long aid = id_of(a, "annotation", file);
      auto where = [&](const std::string& m) { return file_error(file, fmt::format("annotation {}: {}", aid, m)); };
      auto img = a.find("image_id");
      auto cat = a.find("category_id");
      if (img == a.end() || !img->is_number_integer()) throw where("no integer \"image_id\"");
      if (cat == a.end() || !cat->is_number_integer()) throw where("no integer \"category_id\"");
      auto ii = index_of.find(img->get<long long>());
      if (ii == index_of.end()) throw where(fmt::format("unknown image_id {}", img->get<long long>()));
      auto ci = label_of.find(cat->get<long long>());
      if (ci == label_of.end()) throw where(fmt::format("unknown category_id {}", cat->get<long long>()));
      auto bb = a.find("bbox");
      if (bb == a.end() || !bb->is_array() || bb->size() != 4 ||
          !std::all_of(bb->begin(), bb->end(), [](const json& v) { return v.is_number(); }))
        throw where("\"bbox\" is not an array of 4 numbers");
      bool crowd = false;
      if (auto c = a.find("iscrowd"); c != a.end() && !c->is_null()) {
        if (c->is_boolean()) crowd = c->get<bool>();
        else if (c->is_number()) crowd = c->get<double>() != 0;
        else throw where("\"iscrowd\" is " + c->dump() + ", not 0, 1, true or false");
      }
      if (!usable[ii->second]) continue;
      if (crowd && !options.keep_crowd) continue;
      DetectionImage& im = ds.images[ii->second];
      double x = (*bb)[0].get<double>(), y = (*bb)[1].get<double>(), w = (*bb)[2].get<double>(),
             h = (*bb)[3].get<double>();
      const std::string coords = fmt::format("bbox [{}, {}, {}, {}]", x, y, w, h);
      if (!(w > 0 && h > 0) || !std::isfinite(x) || !std::isfinite(y)) {
        warnings.add("degenerate box", fmt::format("{}: annotation {} has an empty {}; skipped", file, aid, coords));
        continue;
      }
      const double W = im.width, H = im.height;
      double x1 = x, y1 = y, x2 = x + w, y2 = y + h;
      if (x1 < 0 || y1 < 0 || x2 > W || y2 > H) {
        x1 = std::clamp(x1, 0.0, W), y1 = std::clamp(y1, 0.0, H), x2 = std::clamp(x2, 0.0, W), y2 = std::clamp(y2, 0.0, H);
        if (x2 <= x1 || y2 <= y1) {
          warnings.add("box outside image", fmt::format("{}: annotation {} {} lies outside the {}x{} image {}; skipped",
                                                        file, aid, coords, im.width, im.height, im.id));
          continue;
        }
        warnings.add("box clipped", fmt::format("{}: annotation {} {} extends outside the {}x{} image {}; clipped",
                                                file, aid, coords, im.width, im.height, im.id));
      }
      DetectionObject o;
      o.box = Box{static_cast<float>(x1), static_cast<float>(y1), static_cast<float>(x2), static_cast<float>(y2)};
      o.label = ci->second;
      o.difficult = crowd;
      im.objects.push_back(std::move(o));
    }
    warnings.flush();

    size_t kept = 0;
    for (size_t i = 0; i < ds.images.size(); ++i)
      if (usable[i]) {
        if (kept != i) ds.images[kept] = std::move(ds.images[i]);
        ++kept;
      }
    ds.images.resize(kept);
  } catch (const json::exception& e) {  // a field of the wrong type
    throw file_error(file, std::string("unexpected COCO content: ") + e.what());
  }
  if (ds.images.empty()) throw file_error(file, "no usable images");
  return ds;
}

}  // namespace seer::detection
