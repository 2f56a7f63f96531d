#include "seer/detection/eval/voc_results.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include <fmt/format.h>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"

namespace seer::detection {
namespace fs = std::filesystem;
namespace {

bool has_space(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) fields.push_back(line.substr(i, j - i));
    i = j;
  }
  return fields;
}

bool parse_double(std::string_view text, double& value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);  // "+1.5" (from_chars rejects it)
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

// The results file of one class, or "" when there is none.
fs::path find_results_file(const fs::path& dir, const std::string& split, const std::string& name) {
  const fs::path exact = dir / voc_results_file_name(split, name);
  if (fs::is_regular_file(exact)) return exact;
  const std::string suffix = "_det_" + split + "_" + name + ".txt";
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (file.size() > suffix.size() && file.ends_with(suffix) && entry.is_regular_file()) {
      found.push_back(entry.path());
    }
  }
  if (found.size() > 1) {
    std::sort(found.begin(), found.end());
    std::string names;
    for (const auto& p : found) names += (names.empty() ? "" : ", ") + p.filename().string();
    throw file_error(dir.string(), fmt::format("several results files for class '{}' of split "
                                               "'{}': {}",
                                               name, split, names));
  }
  return found.empty() ? fs::path() : found[0];
}

}  // namespace

std::string voc_results_file_name(const std::string& split, const std::string& class_name) {
  return "comp4_det_" + split + "_" + class_name + ".txt";
}

void write_voc_results(const fs::path& dir, const std::string& split,
                       const std::vector<std::string>& classes,
                       const std::vector<Detection>& detections) {
  std::vector<std::string> text(classes.size());
  for (const Detection& d : detections) {
    if (d.label < 0 || d.label >= static_cast<int>(classes.size())) {
      throw file_error(dir.string(), fmt::format("detection on image '{}' has label {}, outside "
                                                 "the {} classes",
                                                 d.image_id, d.label, classes.size()));
    }
    if (d.image_id.empty() || has_space(d.image_id)) {
      throw file_error(dir.string(), fmt::format("image id '{}' cannot be written in a results "
                                                 "file (empty or holds whitespace)",
                                                 d.image_id));
    }
    // In double, x1 + 1 is exact for every float coordinate, so reading gives back x1 exactly.
    text[d.label] += fmt::format("{} {} {} {} {} {}\n", d.image_id, d.score,
                                 static_cast<double>(d.box.x1) + 1, static_cast<double>(d.box.y1) + 1,
                                 static_cast<double>(d.box.x2), static_cast<double>(d.box.y2));
  }
  for (size_t c = 0; c < classes.size(); ++c) {
    write_file_atomic(dir / voc_results_file_name(split, classes[c]), text[c]);
  }
}

std::vector<Detection> read_voc_results(const fs::path& dir, const std::string& split,
                                        const DetectionDataset& gt,
                                        const VocResultsReadOptions& options) {
  if (!fs::is_directory(dir)) throw file_error(dir.string(), "results folder not found");
  std::unordered_set<std::string> ids;
  for (const auto& image : gt.images) ids.insert(image.id);

  std::vector<Detection> detections;
  std::vector<std::string> missing;
  for (size_t c = 0; c < gt.classes.size(); ++c) {
    const fs::path file = find_results_file(dir, split, gt.classes[c]);
    if (file.empty()) {
      missing.push_back(gt.classes[c]);
      continue;
    }
    const std::string path = file.string();
    std::istringstream in(read_file(file));
    std::string line;
    long line_no = 0, skipped = 0;
    while (std::getline(in, line)) {
      ++line_no;
      const auto fields = split_fields(line);
      if (fields.empty()) continue;
      if (fields.size() != 6) {
        throw file_error(path, line_no, fmt::format("expected 6 fields 'image_id score xmin ymin "
                                                    "xmax ymax', found {}",
                                                    fields.size()));
      }
      double v[5];
      static const char* kNames[5] = {"score", "xmin", "ymin", "xmax", "ymax"};
      for (int k = 0; k < 5; ++k) {
        if (!parse_double(fields[k + 1], v[k])) {
          throw file_error(path, line_no, fmt::format("{} '{}' is not a number", kNames[k],
                                                      fields[k + 1]));
        }
        if (k == 0 ? std::isnan(v[k]) : !std::isfinite(v[k])) {
          throw file_error(path, line_no, fmt::format("{} '{}' is not finite", kNames[k],
                                                      fields[k + 1]));
        }
      }
      Detection d;
      d.image_id = std::string(fields[0]);
      if (!ids.count(d.image_id)) {
        if (options.skip_unknown_images) {
          ++skipped;
          continue;
        }
        throw file_error(path, line_no, fmt::format("image id '{}' is not in the dataset{}",
                                                    d.image_id,
                                                    split.empty() ? "" : " (split '" + split + "')"));
      }
      d.label = static_cast<int>(c);
      d.score = static_cast<float>(v[0]);
      d.box = {static_cast<float>(v[1] - 1), static_cast<float>(v[2] - 1),
               static_cast<float>(v[3]), static_cast<float>(v[4])};
      detections.push_back(std::move(d));
    }
    if (skipped) {
      warn(fmt::format("{}: skipped {} detection(s) on images not in the dataset", path, skipped));
    }
  }
  if (!gt.classes.empty() && missing.size() == gt.classes.size()) {
    throw file_error(dir.string(), fmt::format("no results files {} (or *_det_{}_<class>.txt) "
                                               "for any of the {} classes",
                                               voc_results_file_name(split, "<class>"), split,
                                               gt.classes.size()));
  }
  // Files of this split for classes the dataset does not have: probably a mistake, say so.
  const std::string prefix = "comp4_det_" + split + "_";
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (!file.starts_with(prefix) || !file.ends_with(".txt")) continue;
    const std::string name = file.substr(prefix.size(), file.size() - prefix.size() - 4);
    if (gt.class_index(name) < 0) {
      warn(fmt::format("{}: '{}' is not a class of the dataset; file ignored", entry.path().string(),
                       name));
    }
  }
  for (const auto& name : missing) {
    warn(fmt::format("{}: no results file for class '{}' ({}): the class has no detections",
                     dir.string(), name, voc_results_file_name(split, name)));
  }
  return detections;
}

}  // namespace seer::detection
