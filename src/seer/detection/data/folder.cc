#include "seer/detection/data/folder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include <fmt/format.h>

#include "seer/core/error.h"
#include "seer/detection/data/annotation_reader.h"

namespace seer::detection {
namespace {

namespace fs = std::filesystem;

constexpr size_t kUnannotatedNamesShown = 5;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The sub-folder of `root` called `name` in any case (the first by name when several match).
std::optional<fs::path> child_folder(const fs::path& root, const std::string& name) {
  std::vector<fs::path> found;
  for (const auto& e : fs::directory_iterator(root)) {
    std::error_code ec;
    if (e.is_directory(ec) && lower(e.path().filename().string()) == name) found.push_back(e.path());
  }
  if (found.empty()) return std::nullopt;
  return *std::min_element(found.begin(), found.end());
}

struct Layout {
  fs::path annotations;              // the XML files
  std::vector<fs::path> image_dirs;  // where images are looked for before beside the XML
};

Layout find_layout(const fs::path& root) {
  Layout layout;
  if (auto annotations = child_folder(root, "annotations")) {
    layout.annotations = *annotations;
    for (const char* name : {"jpegimages", "images"})
      if (auto dir = child_folder(root, name)) layout.image_dirs.push_back(*dir);
  } else {
    layout.annotations = root;
  }
  return layout;
}

bool is_image_file(const fs::path& p) {
  const std::string ext = lower(p.extension().string());
  const auto& known = internal::image_extensions();
  return std::any_of(known.begin(), known.end(), [&](const std::string& e) { return lower(e) == ext; });
}

// One warning for the images that no annotation file covers (never saved in labelImg).
void warn_unannotated(const fs::path& root, const Layout& layout, const std::set<std::string>& ids,
                      const std::vector<fs::path>& used) {
  std::vector<fs::path> dirs = layout.image_dirs;
  if (std::find(dirs.begin(), dirs.end(), layout.annotations) == dirs.end()) dirs.push_back(layout.annotations);
  const std::set<fs::path> used_set(used.begin(), used.end());
  std::vector<std::string> unannotated;
  for (const auto& dir : dirs) {
    for (const auto& e : fs::directory_iterator(dir)) {
      std::error_code ec;
      if (!e.is_regular_file(ec) || !is_image_file(e.path())) continue;
      if (ids.count(e.path().stem().string()) || used_set.count(e.path())) continue;
      unannotated.push_back(fs::relative(e.path(), root, ec).string());
    }
  }
  if (unannotated.empty()) return;
  std::sort(unannotated.begin(), unannotated.end());
  std::string names;
  for (size_t i = 0; i < unannotated.size() && i < kUnannotatedNamesShown; ++i)
    names += (i ? ", " : "") + unannotated[i];
  if (unannotated.size() > kUnannotatedNamesShown) names += ", ...";
  warn(fmt::format("{}: {} image(s) have no annotation XML and are skipped as not annotated (labelImg writes "
                   "one for every image it saves, even without boxes): {}",
                   root.string(), unannotated.size(), names));
}

bool is_seeded_split_name(const std::string& split) {
  return split == "train" || split == "val" || split == "test" || split == "trainval";
}

}  // namespace

std::vector<std::string> seeded_split(std::vector<std::string> ids, const std::string& split, double val_fraction,
                                      double test_fraction, uint64_t seed) {
  if (!is_seeded_split_name(split))
    throw Error("seeded split: the split must be train, val, test or trainval, not '" + split + "'");
  const auto valid = [](double f) { return std::isfinite(f) && f >= 0 && f <= 1; };
  if (!valid(val_fraction) || !valid(test_fraction) || val_fraction + test_fraction > 1 + 1e-9)
    throw Error(fmt::format("seeded split: val fraction {} and test fraction {} must lie in [0, 1] and sum to at "
                            "most 1",
                            val_fraction, test_fraction));
  std::sort(ids.begin(), ids.end());
  const size_t n = ids.size();
  // Fisher-Yates with the raw 64-bit outputs of mt19937_64 (fully specified by the standard),
  // not std::shuffle / uniform_int_distribution, whose results differ between libraries.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(seed);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  const size_t n_test = std::min(n, static_cast<size_t>(std::llround(test_fraction * static_cast<double>(n))));
  const size_t n_val =
      std::min(n - n_test, static_cast<size_t>(std::llround(val_fraction * static_cast<double>(n))));
  size_t begin = 0, end = n;
  if (split == "test") begin = 0, end = n_test;
  else if (split == "val") begin = n_test, end = n_test + n_val;
  else if (split == "train") begin = n_test + n_val;
  else begin = n_test;  // trainval
  std::vector<size_t> picked(order.begin() + static_cast<ptrdiff_t>(begin), order.begin() + static_cast<ptrdiff_t>(end));
  std::sort(picked.begin(), picked.end());
  std::vector<std::string> out;
  for (size_t i : picked) out.push_back(ids[i]);
  return out;
}

DetectionDataset read_detection_folder(const fs::path& root, const FolderReadOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw file_error(root.string(), "not a folder");
  const Layout layout = find_layout(root);
  std::vector<internal::AnnotationFile> all;
  try {
    all = internal::list_annotation_files(layout.annotations);
  } catch (const Error&) {
    throw file_error(root.string(),
                     "no annotation files (*.xml): expected a PASCAL-VOC folder (Annotations/, JPEGImages/), "
                     "images/ and annotations/ folders, or images with labelImg's .xml files beside them");
  }

  std::vector<internal::AnnotationFile> files;
  const fs::path image_sets = root / "ImageSets" / "Main";
  if (options.split.empty()) {
    files = all;
  } else if (fs::is_directory(image_sets, ec)) {
    files = internal::read_split_file(image_sets / (options.split + ".txt"), layout.annotations, options.split);
  } else {
    if (!is_seeded_split_name(options.split))
      throw file_error(root.string(), "no ImageSets/Main/ folder, so the split is drawn by seed and must be "
                                      "train, val, test or trainval, not '" + options.split + "'");
    std::vector<std::string> ids;
    for (const auto& f : all) ids.push_back(f.id);
    const auto chosen = seeded_split(ids, options.split, options.val_fraction, options.test_fraction,
                                     options.split_seed);
    const std::set<std::string> keep(chosen.begin(), chosen.end());
    for (const auto& f : all)
      if (keep.count(f.id)) files.push_back(f);
    if (files.empty())
      throw file_error(root.string(),
                       fmt::format("split '{}' is empty: 0 of {} annotated images at val fraction {}, test "
                                   "fraction {} (seed {})",
                                   options.split, all.size(), options.val_fraction, options.test_fraction,
                                   options.split_seed));
  }

  VocReadOptions voc;
  voc.classes = options.classes;
  voc.keep_difficult = options.keep_difficult;
  voc.check_images = options.check_images;
  internal::AnnotationReader reader(voc);
  for (const auto& file : files) reader.read(file, layout.image_dirs);

  std::set<std::string> ids;
  for (const auto& f : all) ids.insert(f.id);
  warn_unannotated(root, layout, ids, reader.image_paths());
  return reader.finish(root, layout.annotations);
}

}  // namespace seer::detection
