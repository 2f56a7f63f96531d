// The `seer detect` command group's shared parts: the model commands (train, test, image, in
// detect_train_command.cc) are added by add_detect_command (detect_command.cc), and both print
// VOC results the same way.
#pragma once

#include <cstddef>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "seer/detection/data/folder.h"
#include "seer/detection/eval/voc_ap.h"

namespace seer::cli {

void add_detect_model_commands(CLI::App* detect);
void add_detect_proposals_command(CLI::App* detect);  // detect_proposals_command.cc
void add_detect_compare_command(CLI::App* detect);    // detect_compare_command.cc

inline constexpr const char* kDataHelp =
    "Detection folder: PASCAL-VOC (Annotations/, JPEGImages/, ImageSets/Main/), images/ + "
    "annotations/, or images with labelImg's .xml files beside them";

// --val-fraction, --test-fraction, --split-seed: the seeded split of a folder without
// ImageSets/Main/ (see detection/data/folder.h).
void add_seeded_split_flags(CLI::App* cmd, detection::FolderReadOptions& o);

// {"mAP", "iou_threshold", "ap": {class: AP}, "classes": [...]} with undefined APs as null.
nlohmann::json voc_result_json(const detection::VocEvalResult& r);
// The per-class table (npos, detections, TP, FP, recall, AP) and the mAP line, on stdout.
void print_voc_table(const detection::VocEvalResult& r, size_t images, size_t detections);

}  // namespace seer::cli
