// The `seer detect` command group's shared parts: the model commands (train, test, image, in
// detect_train_command.cc) are added by add_detect_command (detect_command.cc), and both print
// VOC results the same way.
#pragma once

#include <cstddef>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "seer/detection/eval/voc_ap.h"

namespace seer::cli {

void add_detect_model_commands(CLI::App* detect);

// {"mAP", "iou_threshold", "ap": {class: AP}, "classes": [...]} with undefined APs as null.
nlohmann::json voc_result_json(const detection::VocEvalResult& r);
// The per-class table (npos, detections, TP, FP, recall, AP) and the mAP line, on stdout.
void print_voc_table(const detection::VocEvalResult& r, size_t images, size_t detections);

}  // namespace seer::cli
