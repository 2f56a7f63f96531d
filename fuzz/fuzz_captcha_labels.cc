// A captcha folder's labels.txt (two real images beside it), strict and with --skip-bad.
#include <opencv2/imgcodecs.hpp>

#include "fuzz_input.h"
#include "seer/captcha/folder_dataset.h"
#include "seer/captcha/label_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto dir = seer::fuzz::scratch() / "captcha";
  static const bool images = [&] {
    std::filesystem::create_directories(dir);
    const cv::Mat m(20, 40, CV_8UC3, cv::Scalar(200, 220, 240));
    return cv::imwrite((dir / "a.png").string(), m) && cv::imwrite((dir / "b c.png").string(), m);
  }();
  (void)images;
  seer::fuzz::write(dir / "labels.txt", data, size);
  static const seer::captcha::LabelCodec codec("0123456789", 4);
  for (bool skip : {false, true}) {
    seer::fuzz::expect_result_or_seer_error([&] {
      seer::captcha::FolderDataset d(dir, codec, {.skip_bad = skip, .verify_images = false});
    });
  }
  return 0;
}
