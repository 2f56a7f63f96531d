// A labelImg / PASCAL-VOC annotation XML, read as read_voc reads a dataset.
#include <opencv2/imgcodecs.hpp>

#include "fuzz_input.h"
#include "seer/detection/data/voc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto root = seer::fuzz::scratch() / "voc";
  static const bool image = cv::imwrite((root / "JPEGImages" / "a.jpg").string(),
                                        (std::filesystem::create_directories(root / "JPEGImages"),
                                         cv::Mat(48, 64, CV_8UC3, cv::Scalar(90, 120, 200))));
  (void)image;
  seer::fuzz::write(root / "Annotations" / "a.xml", data, size);
  seer::fuzz::expect_result_or_seer_error([&] { seer::detection::read_voc(root); });
  return 0;
}
