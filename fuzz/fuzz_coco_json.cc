// A COCO instances JSON, read with the image sizes taken from the file.
#include "fuzz_input.h"
#include "seer/detection/data/coco.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto json = seer::fuzz::write(seer::fuzz::scratch() / "coco" / "instances.json", data, size);
  seer::fuzz::expect_result_or_seer_error([&] {
    seer::detection::read_coco(json, seer::fuzz::scratch() / "coco" / "images", {.check_images = false});
  });
  return 0;
}
