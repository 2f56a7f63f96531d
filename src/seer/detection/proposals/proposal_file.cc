#include "seer/detection/proposals/proposal_file.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "seer/core/atomic_file.h"
#include "seer/core/cores.h"
#include "seer/core/error.h"
#include "seer/core/progress_bar.h"
#include "seer/detection/data/image_io.h"

namespace seer::detection::proposals {
namespace {

namespace fs = std::filesystem;
constexpr char kMagic[8] = {'S', 'E', 'E', 'R', 'P', 'R', 'O', 'P'};
constexpr const char* kRemake = "make it with `seer detect proposals --data DIR --split SPLIT --out DIR`";

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_f32(std::string& out, float f) {
  uint32_t v;
  std::memcpy(&v, &f, 4);
  put_u32(out, v);
}

class Reader {
 public:
  Reader(const std::string& bytes, const fs::path& path) : bytes_(bytes), path_(path) {}
  uint32_t u32() {
    need(4);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    pos_ += 4;
    return v;
  }
  float f32() {
    uint32_t v = u32();
    float f;
    std::memcpy(&f, &v, 4);
    return f;
  }
  std::string str(size_t n) {
    need(n);
    std::string s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t left() const { return bytes_.size() - pos_; }

 private:
  void need(size_t n) const {
    if (bytes_.size() - pos_ < n) throw file_error(path_.string(), std::string("truncated proposals file; ") + kRemake);
  }
  const std::string& bytes_;
  const fs::path& path_;
  size_t pos_ = 0;
};

}  // namespace

fs::path proposal_path(const fs::path& dir, const std::string& image_id) { return dir / (image_id + ".proposals"); }

void write_proposals(const fs::path& path, const ProposalSet& set) {
  std::string out(kMagic, sizeof kMagic);
  put_u32(out, kProposalFileVersion);
  put_u32(out, static_cast<uint32_t>(set.width));
  put_u32(out, static_cast<uint32_t>(set.height));
  put_u32(out, static_cast<uint32_t>(set.method.size()));
  out += set.method;
  put_u32(out, static_cast<uint32_t>(set.boxes.size()));
  for (const Box& b : set.boxes) {
    put_f32(out, b.x1);
    put_f32(out, b.y1);
    put_f32(out, b.x2);
    put_f32(out, b.y2);
  }
  write_file_atomic(path, out);
}

ProposalSet read_proposals(const fs::path& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw file_error(path.string(), "not a seer proposals file (no SEERPROP header)");
  Reader r(bytes, path);
  r.str(sizeof kMagic);
  const uint32_t version = r.u32();
  if (version != kProposalFileVersion)
    throw file_error(path.string(), fmt::format("proposals file version {}, this seer reads version {}; {}", version,
                                                kProposalFileVersion, kRemake));
  ProposalSet set;
  set.width = static_cast<int>(r.u32());
  set.height = static_cast<int>(r.u32());
  const uint32_t method_size = r.u32();
  if (method_size > 4096) throw file_error(path.string(), "corrupt proposals file (method string too long)");
  set.method = r.str(method_size);
  const uint32_t n = r.u32();
  if (static_cast<uint64_t>(n) * 16 != r.left())
    throw file_error(path.string(), fmt::format("corrupt proposals file ({} boxes announced, {} bytes left); {}", n,
                                                r.left(), kRemake));
  set.boxes.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Box& b = set.boxes[i];
    b.x1 = r.f32();
    b.y1 = r.f32();
    b.x2 = r.f32();
    b.y2 = r.f32();
    const bool finite = std::isfinite(b.x1) && std::isfinite(b.y1) && std::isfinite(b.x2) && std::isfinite(b.y2);
    if (!finite || b.x1 < 0 || b.y1 < 0 || b.x2 > set.width + 0.5f || b.y2 > set.height + 0.5f || b.x2 <= b.x1 ||
        b.y2 <= b.y1)
      throw file_error(path.string(), fmt::format("box {} ({}, {}, {}, {}) is not a box inside the {}x{} image", i,
                                                  b.x1, b.y1, b.x2, b.y2, set.width, set.height));
  }
  return set;
}

std::string selective_search_method(const SelectiveSearchOptions& o) {
  return fmt::format("selective-search {} max-side {} max-aspect {} min-size {} k {},{} sigma {} max {}", o.mode,
                     o.max_side, o.max_aspect, o.min_size, o.base_k, o.inc_k, o.sigma, o.max_proposals);
}

ComputeReport compute_proposals(const DetectionDataset& data, const fs::path& dir, const SelectiveSearchOptions& options,
                                const ComputeOptions& compute) {
  options.validate();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw file_error(dir.string(), "cannot create the proposals folder: " + ec.message());
  const std::string method = selective_search_method(options);
  const int n = static_cast<int>(data.images.size());

  // Which images already have a current file.
  std::vector<char> todo(n, 1);
  ComputeReport report;
  if (!compute.recompute) {
    for (int i = 0; i < n; ++i) {
      const DetectionImage& im = data.images[i];
      const fs::path p = proposal_path(dir, im.id);
      if (!fs::exists(p)) continue;
      try {
        ProposalSet s = read_proposals(p);
        if (s.method == method && s.width == im.width && s.height == im.height) {
          todo[i] = 0;
          ++report.reused;
        }
      } catch (const Error&) {
        // stale or corrupt: made again below
      }
    }
  }
  std::vector<int> work;
  for (int i = 0; i < n; ++i)
    if (todo[i]) work.push_back(i);

  const int threads = std::max(1, std::min<int>(compute.threads > 0 ? compute.threads
                                                                     : available_cores(),
                                                static_cast<int>(std::max<size_t>(1, work.size()))));
  ProgressBarOptions bar_options;
  bar_options.label = "proposals";
  bar_options.unit = "img";
  bar_options.enabled = compute.progress && !work.empty();
  ProgressBar bar(static_cast<int64_t>(work.size()), bar_options);
  std::atomic<int> next{0}, done{0}, failed{0};
  std::atomic<int64_t> boxes_made{0};
  std::mutex bar_mutex;
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (int k; (k = next.fetch_add(1)) < static_cast<int>(work.size());) {
      const DetectionImage& im = data.images[work[k]];
      try {
        const cv::Mat bgr = read_image_bgr(im.image_path);
        ProposalSet s;
        s.method = method;
        s.width = bgr.cols;
        s.height = bgr.rows;
        s.boxes = selective_search(bgr, options, im.image_path.string());
        boxes_made += static_cast<int64_t>(s.boxes.size());
        write_proposals(proposal_path(dir, im.id), s);
      } catch (const Error& e) {
        warn(std::string(e.what()) + " (no proposals for this image)");
        ++failed;
      }
      const int d = ++done;
      std::lock_guard<std::mutex> lock(bar_mutex);
      bar.update(d);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  bar.finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.failed = failed;
  report.computed = static_cast<int>(work.size()) - report.failed;

  // Boxes per image over the whole folder (reused files included).
  int64_t total = 0;
  int counted = 0;
  for (int i = 0; i < n; ++i) {
    const fs::path p = proposal_path(dir, data.images[i].id);
    if (!fs::exists(p)) continue;
    try {
      total += static_cast<int64_t>(read_proposals(p).boxes.size());
      ++counted;
    } catch (const Error&) {
    }
  }
  report.boxes_per_image = counted ? static_cast<double>(total) / counted : 0.0;
  return report;
}

std::vector<std::vector<Box>> read_dataset_proposals(const fs::path& dir, const DetectionDataset& data,
                                                     int max_per_image) {
  std::vector<std::vector<Box>> out;
  out.reserve(data.images.size());
  for (const DetectionImage& im : data.images) {
    const fs::path p = proposal_path(dir, im.id);
    if (!fs::exists(p))
      throw file_error(p.string(), fmt::format("no proposals for image '{}'; {}", im.id, kRemake));
    ProposalSet s = read_proposals(p);
    if (s.width != im.width || s.height != im.height)
      throw file_error(p.string(), fmt::format("proposals made for a {}x{} image, but {} is {}x{}; {}", s.width,
                                               s.height, im.image_path.string(), im.width, im.height, kRemake));
    if (max_per_image > 0 && static_cast<int>(s.boxes.size()) > max_per_image) s.boxes.resize(max_per_image);
    out.push_back(std::move(s.boxes));
  }
  return out;
}

int64_t import_boxes_file(const fs::path& file, const DetectionDataset& data, const fs::path& dir) {
  std::ifstream in(file);
  if (!in) throw file_error(file.string(), "cannot open the boxes file");
  struct Entry {
    Box box;
    double score;
    bool has_score;
  };
  std::map<std::string, std::vector<Entry>> by_image;
  std::string line;
  long line_no = 0;
  bool every_scored = true;
  while (std::getline(in, line)) {
    ++line_no;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream ss(line);
    std::string id;
    if (!(ss >> id)) continue;
    double v[4];
    for (double& x : v)
      if (!(ss >> x) || !std::isfinite(x))
        throw file_error(file.string(), line_no, "expected '<image id> <xmin> <ymin> <xmax> <ymax> [score]'");
    Entry e{Box{static_cast<float>(v[0] - 1), static_cast<float>(v[1] - 1), static_cast<float>(v[2]),
                static_cast<float>(v[3])},
            0.0, false};
    if (ss >> e.score) e.has_score = true;
    std::string extra;
    if (!e.has_score && !ss.eof()) throw file_error(file.string(), line_no, "the score is not a number");
    if (ss >> extra) throw file_error(file.string(), line_no, "more than 6 fields");
    every_scored = every_scored && e.has_score;
    by_image[id].push_back(e);
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw file_error(dir.string(), "cannot create the proposals folder: " + ec.message());
  int64_t written = 0;
  int missing = 0, skipped = 0;
  for (const DetectionImage& im : data.images) {
    ProposalSet s;
    s.method = "boxes file " + file.filename().string();
    s.width = im.width;
    s.height = im.height;
    auto it = by_image.find(im.id);
    if (it == by_image.end()) {
      ++missing;
    } else {
      auto entries = it->second;
      if (every_scored)
        std::stable_sort(entries.begin(), entries.end(),
                         [](const Entry& a, const Entry& b) { return a.score > b.score; });
      for (Entry& e : entries) {
        Box& b = e.box;
        b.x1 = std::clamp(b.x1, 0.0f, static_cast<float>(im.width));
        b.x2 = std::clamp(b.x2, 0.0f, static_cast<float>(im.width));
        b.y1 = std::clamp(b.y1, 0.0f, static_cast<float>(im.height));
        b.y2 = std::clamp(b.y2, 0.0f, static_cast<float>(im.height));
        if (b.x2 <= b.x1 || b.y2 <= b.y1) {
          ++skipped;
          continue;
        }
        s.boxes.push_back(b);
      }
    }
    written += static_cast<int64_t>(s.boxes.size());
    write_proposals(proposal_path(dir, im.id), s);
  }
  if (missing) warn(fmt::format("{}: no boxes for {} of the {} images", file.string(), missing, data.images.size()));
  if (skipped) warn(fmt::format("{}: {} empty or inverted boxes (after clipping to the image) skipped", file.string(), skipped));
  return written;
}

}  // namespace seer::detection::proposals
