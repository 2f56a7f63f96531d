// A devkit results file (comp4_det_<split>_<class>.txt, "image score x1 y1 x2 y2" lines), read
// against a small ground truth and scored (VOC 11-point and area AP, COCO AP): either a
// seer::Error or finite APs in [0, 1].
#include <cmath>

#include "fuzz_input.h"
#include "seer/detection/eval/voc_ap.h"
#include "seer/detection/eval/voc_results.h"

namespace {

seer::detection::DetectionDataset ground_truth() {
  using namespace seer::detection;
  DetectionDataset gt;
  gt.classes = {"cat", "dog"};
  for (int i = 0; i < 3; ++i) {
    DetectionImage image;
    image.id = "img" + std::to_string(i);
    image.width = 100;
    image.height = 80;
    DetectionObject cat;
    cat.box = Box{10.0f * i, 5, 40.0f + 10 * i, 60};
    cat.label = 0;
    cat.difficult = i == 2;
    image.objects.push_back(cat);
    DetectionObject dog;
    dog.box = Box{50, 20, 90, 70};
    dog.label = 1;
    image.objects.push_back(dog);
    gt.images.push_back(image);
  }
  return gt;
}

void check(double ap, const char* what) {
  if (!(ap >= 0 && ap <= 1)) {
    std::fprintf(stderr, "FINDING: %s %g outside [0, 1]\n", what, ap);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto gt = ground_truth();
  const auto dir = seer::fuzz::scratch() / "results";
  seer::fuzz::write(dir / "comp4_det_test_cat.txt", data, size);
  seer::fuzz::write(dir / "comp4_det_test_dog.txt", nullptr, 0);
  seer::fuzz::expect_result_or_seer_error([&] {
    seer::detection::VocResultsReadOptions options;
    options.skip_unknown_images = size % 2 == 0;
    const auto dets = seer::detection::read_voc_results(dir, "test", gt, options);
    for (const bool use_07 : {true, false}) {
      seer::detection::VocEvalOptions o;
      o.use_07_metric = use_07;
      const auto result = seer::detection::voc_evaluate(gt, dets, o);
      check(result.map, "VOC mAP");
    }
    check(seer::detection::coco_ap(gt, dets).map, "COCO AP");
  });
  return 0;
}
