// The flags every command that runs a trained model shares (captcha eval / predict, textcnn
// eval / predict, detect test / image): --model, --device, --threads, --json. One place, so
// each such command has all four, described alike.
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <c10/core/Device.h>

#include "seer/core/device.h"

namespace seer::cli {

struct InferenceFlags {
  std::string model;
  std::string device = "cpu";
  int threads = 0;  // 0: all cores
  bool json = false;
};

// `json_help` says what --json prints for this command.
inline void add_inference_flags(CLI::App* app, InferenceFlags& f, const std::string& json_help,
                                const std::string& model_help = "Model file (model.pt, best.pt or a checkpoint)") {
  app->add_option("--model", f.model, model_help)->required();
  app->add_option("--device", f.device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  app->add_option("--threads", f.threads, "CPU threads (0 = all cores)")->capture_default_str();
  app->add_flag("--json", f.json, json_help);
}

// Sets the CPU threads; returns the device to load the model on.
inline c10::Device apply_inference_flags(const InferenceFlags& f) {
  set_threads(f.threads);
  return select_device(f.device);
}

}  // namespace seer::cli
