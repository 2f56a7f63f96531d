// The second training stage of R-CNN and SPP-Net (Girshick et al. 2014, section 2.3 and
// appendix C; He et al. 2014, section 4): once the network is fine-tuned, the fc7 features of
// the training windows train one linear SVM per class (rcnn/linear_svm.h: positives the ground
// truth boxes, negatives the windows under negative_iou with every box of the class, hard
// negative mining) and one ridge box regressor per class (rcnn/ridge_box_regressor.h: windows
// of at least box_iou with a box of the class). The model's svm_head() receives them; from then
// on its detections are scored by the SVMs and placed by the regressors.
//
// Features are scaled so that their mean L2 norm is 20 before training (R-CNN's feat_norm_mean);
// the scale is folded into the stored weights. Per image, the ground-truth boxes and a seeded
// sample of at most windows_per_image proposals are featurised; with `cache` the features are
// written there (a versioned file) and read back by a later run whose model, images and
// options are the same, so the SVMs can be retrained without the CNN.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seer/detection/data/dataset.h"
#include "seer/detection/models/faster_rcnn.h"
#include "seer/detection/models/rcnn/linear_svm.h"

namespace seer::detection::training {

struct SvmStageOptions {
  models::rcnn::LinearSvmOptions svm;
  int64_t windows_per_image = 200;  // proposals featurised per image (a seeded sample; all if fewer)
  double negative_iou = 0.3;        // R-CNN's: a window under this IoU with every box of a class is its negative
  double box_iou = 0.6;             // R-CNN's: box regression learns from windows at least this close
  double ridge_lambda = 1000;       // R-CNN's
  double feature_norm = 20;         // R-CNN's mean feature norm
  uint64_t seed = 1;

  nlohmann::json to_json() const;
  static SvmStageOptions from_json(const nlohmann::json& j);
};

struct SvmStageReport {
  int64_t images = 0, windows = 0;
  double feature_seconds = 0, svm_seconds = 0;
  bool cache_used = false;
  std::vector<std::string> classes;
  std::vector<models::rcnn::LinearSvmReport> svms;
  std::vector<int64_t> box_samples;  // windows each class's box regressor learnt from
  std::vector<std::string> warnings; // classes that could not be trained (never detected)
  std::string summary() const;
  nlohmann::json to_json() const;
};

// `proposals`: one list per image of `train` (picture pixels). A class without a positive or a
// negative window cannot be trained: it is never detected, and the report warns. seer::Error
// when the model has no SVM head or there is no window at all.
SvmStageReport train_svm_stage(models::FasterRcnn& model, const DetectionDataset& train,
                               const std::vector<std::vector<Box>>& proposals, const SvmStageOptions& options,
                               bool progress = false, const std::filesystem::path& cache = {});

}  // namespace seer::detection::training
