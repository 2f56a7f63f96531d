#include "seer/captcha/folder_dataset.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "seer/core/error.h"
#include "seer/core/image_file.h"
#include "seer/core/strings.h"

namespace seer::captcha {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_image_file(const fs::path& p) {
  static const std::set<std::string> kExtensions = {".png", ".jpg", ".jpeg", ".bmp",
                                                    ".gif", ".tif", ".tiff", ".webp"};
  return kExtensions.count(lower(p.extension().string())) > 0;
}

// Form 1: the label is the start of the file name, up to the first '_' or '.'.
std::string label_from_name(const fs::path& p) {
  std::string name = p.filename().string();
  return name.substr(0, name.find_first_of("_."));
}

// Collects entries, or with skip_bad warns about and counts the bad ones.
class Collector {
 public:
  Collector(const LabelCodec& codec, const FolderDatasetOptions& options)
      : codec_(codec), options_(options) {}

  // `where` locates the entry in messages: the image path, or "labels.txt:LINE".
  void add(const fs::path& path, const std::string& label, const std::string& where) {
    if (auto problem = codec_.check(label); !problem.empty()) return reject(where, problem);
    if (options_.verify_images) {
      try {
        read_image_bgr(path);
      } catch (const Error& e) {
        return reject(e);  // its message names the image already
      }
    }
    items_.push_back({path, label});
  }

  void reject(const std::string& where, const std::string& problem) { reject(file_error(where, problem)); }

  void reject(const Error& e) {
    if (!options_.skip_bad) throw e;
    warn(std::string(e.what()) + " (skipped)");
    ++skipped_;
  }

  std::vector<FolderItem> take() { return std::move(items_); }
  int64_t skipped() const { return skipped_; }

 private:
  const LabelCodec& codec_;
  const FolderDatasetOptions& options_;
  std::vector<FolderItem> items_;
  int64_t skipped_ = 0;
};

// Form 2: "file<TAB>label" lines (or any whitespace, for hand-written files).
void read_label_file(const fs::path& dir, const fs::path& list, Collector& out) {
  std::ifstream in(list);
  if (!in) throw file_error(list.string(), "cannot read");
  const std::string list_name = list.string();
  std::map<std::string, long> seen;  // file -> line it was first listed on
  std::string line;
  long line_no = 0;
  bool first_entry = true;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a UTF-8 BOM (Notepad)
    std::string text(trim(line));
    if (text.empty() || text[0] == '#') continue;
    std::string file, label;
    if (auto tab = text.find('\t'); tab != std::string::npos) {
      // Tab-separated: the file name may contain spaces.
      file = trim(std::string_view(text).substr(0, tab));
      label = trim(std::string_view(text).substr(tab + 1));
    } else {
      std::istringstream fields(text);
      std::string extra;
      fields >> file >> label >> extra;
      if (!extra.empty()) label.clear();  // three fields: reported as malformed below
    }
    if (file.empty() || label.empty() || label.find_first_of(" \t") != std::string::npos)
      // A format problem, not a bad entry: skipping would hide a wrong file, so always fatal.
      throw file_error(list_name, line_no, "expected \"file<TAB>label\", got \"" + text + "\"");
    if (first_entry && lower(file) == "file" && lower(label) == "label") {  // header
      first_entry = false;
      continue;
    }
    first_entry = false;
    const std::string where = list_name + ":" + std::to_string(line_no);
    // The same image however it is written: "./a.png", "a.png", "sub/../a.png".
    fs::path path = (dir / file).lexically_normal();  // an absolute `file` replaces dir, as it should
    if (auto [it, fresh] = seen.emplace(path.string(), line_no); !fresh) {
      out.reject(where, "\"" + file + "\" is already listed on line " + std::to_string(it->second));
      continue;
    }
    // The error_code form: a name the system refuses (longer than NAME_MAX, say) is this
    // line's problem, not an exception.
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      out.reject(where, ec && ec != std::errc::no_such_file_or_directory
                            ? "image \"" + file + "\": " + ec.message()
                            : "image \"" + file + "\" not found in " + dir.string());
      continue;
    }
    out.add(path, label, where);
  }
}

}  // namespace

FolderDataset::FolderDataset(const fs::path& dir, const LabelCodec& codec,
                             FolderDatasetOptions options)
    : dir_(dir) {
  if (!fs::is_directory(dir)) throw file_error(dir.string(), "not a folder");
  Collector collector(codec, options);
  fs::path list;
  for (const char* name : {"labels.txt", "labels.tsv"})
    if (fs::is_regular_file(dir / name)) {
      list = dir / name;
      break;
    }
  if (!list.empty()) {
    read_label_file(dir, list, collector);
  } else {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const auto& p = entry.path();
      // Hidden files include editors' and write_file_atomic's temporaries.
      if (!entry.is_regular_file() || !is_image_file(p) || p.filename().string()[0] == '.')
        continue;
      files.push_back(p);
    }
    std::sort(files.begin(), files.end());  // directory order is arbitrary
    for (const auto& p : files) collector.add(p, label_from_name(p), p.string());
  }
  items_ = collector.take();
  skipped_ = collector.skipped();
  std::sort(items_.begin(), items_.end(),
            [](const FolderItem& a, const FolderItem& b) { return a.path < b.path; });
  if (items_.empty())
    throw file_error(dir.string(), "no labelled images found" +
                                       (skipped_ ? " (" + std::to_string(skipped_) + " skipped)"
                                                 : std::string()));
}

cv::Mat FolderDataset::load(size_t i) const {
  if (i >= items_.size())
    throw Error(dir_.string() + ": image " + std::to_string(i) + " requested, the folder has " +
                std::to_string(items_.size()));
  const auto& path = items_[i].path;
  // 8-bit BGR whatever the file holds (grey, alpha, 16-bit); errors name the file.
  return read_image_bgr(path);
}

void to_model_input(const cv::Mat& image, int width, int height, float* out) {
  if (image.empty()) throw Error("to_model_input: empty image");
  if (width < 1 || height < 1)
    throw Error("to_model_input: bad size " + std::to_string(width) + "x" + std::to_string(height));
  cv::Mat gray;
  switch (image.channels()) {
    case 1:
      gray = image;
      break;
    case 3:
      cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
      break;
    case 4:
      cv::cvtColor(image, gray, cv::COLOR_BGRA2GRAY);
      break;
    default:
      throw Error("to_model_input: unsupported image with " + std::to_string(image.channels()) +
                  " channels");
  }
  // Everything below works in floats in [0, 1]: 8- and 16-bit images are scaled by their
  // range, float images are taken to be in [0, 1] already.
  double scale = 1.0;
  switch (gray.depth()) {
    case CV_8U:
      scale = 1.0 / 255;
      break;
    case CV_16U:
      scale = 1.0 / 65535;
      break;
    case CV_32F:
    case CV_64F:
      break;
    default:
      throw Error("to_model_input: unsupported pixel depth");
  }
  cv::Mat resized;
  if (gray.cols == width && gray.rows == height) {
    resized = gray;
  } else {
    const bool shrinking = width <= gray.cols && height <= gray.rows;
    cv::resize(gray, resized, cv::Size(width, height), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
  // Written straight into the caller's buffer (a tensor's storage, typically).
  cv::Mat dst(height, width, CV_32F, out);
  resized.convertTo(dst, CV_32F, scale);
  if (gray.depth() == CV_32F || gray.depth() == CV_64F) {
    cv::max(dst, 0.0, dst);
    cv::min(dst, 1.0, dst);
  }
}

}  // namespace seer::captcha
