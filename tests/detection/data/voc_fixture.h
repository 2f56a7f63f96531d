// Helpers of the data tests: tiny VOC folders written by hand.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

namespace seer::detection::testing {

namespace fs = std::filesystem;

inline void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A <object> element; `extra` replaces the default pose/truncated/difficult lines when given.
inline std::string voc_object(const std::string& name, const std::string& xmin, const std::string& ymin,
                              const std::string& xmax, const std::string& ymax,
                              const std::string& extra = "<pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult>") {
  return fmt::format(
      "\t<object>\n\t\t<name>{}</name>\n\t\t{}\n\t\t<bndbox>\n\t\t\t<xmin>{}</xmin>\n\t\t\t<ymin>{}</ymin>\n"
      "\t\t\t<xmax>{}</xmax>\n\t\t\t<ymax>{}</ymax>\n\t\t</bndbox>\n\t</object>\n",
      name, extra, xmin, ymin, xmax, ymax);
}

inline std::string voc_xml(const std::string& filename, int width, int height, const std::string& objects) {
  return fmt::format(
      "<annotation>\n\t<folder>JPEGImages</folder>\n\t<filename>{}</filename>\n\t<size>\n\t\t<width>{}</width>\n"
      "\t\t<height>{}</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n{}</annotation>\n",
      filename, width, height, objects);
}

// A grey JPEG image of the given size (1 or 3 channels).
inline void write_image(const fs::path& path, int width, int height, int channels = 3,
                        std::vector<int> params = {}) {
  fs::create_directories(path.parent_path());
  cv::Mat m(height, width, channels == 1 ? CV_8UC1 : CV_8UC3, cv::Scalar::all(128));
  ASSERT_TRUE(cv::imwrite(path.string(), m, params)) << path;
}

// Annotations/<id>.xml plus JPEGImages/<id>.jpg of size w x h.
inline void add_image(const fs::path& root, const std::string& id, int w, int h, const std::string& objects) {
  write_text(root / "Annotations" / (id + ".xml"), voc_xml(id + ".jpg", w, h, objects));
  write_image(root / "JPEGImages" / (id + ".jpg"), w, h);
}

inline int count_of(const std::string& text, const std::string& fragment) {
  int n = 0;
  for (size_t p = text.find(fragment); p != std::string::npos; p = text.find(fragment, p + 1)) ++n;
  return n;
}

}  // namespace seer::detection::testing
