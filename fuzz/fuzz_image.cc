// Image header probing and decoding (JPEG, PNG, BMP, GIF headers read by seer; the rest by OpenCV).
#include "fuzz_input.h"
#include "seer/detection/data/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = seer::fuzz::write(seer::fuzz::scratch() / "image" / "input.img", data, size);
  seer::fuzz::expect_result_or_seer_error([&] { seer::detection::read_image_size(file); });
  if (size < 64 * 1024)  // decoding a large random file is slow, not interesting
    seer::fuzz::expect_result_or_seer_error([&] { seer::detection::read_image_bgr(file); });
  return 0;
}
