// The `seer` program: one executable, one subcommand group per model family.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <c10/util/Exception.h>

#include "seer/cli/commands.h"
#include "seer/cli/resumed_config.h"
#include "seer/core/device.h"
#include "seer/core/error.h"

int main(int argc, char** argv) {
  seer::tune_allocator();
  CLI::App app{"seer: classic deep-learning systems of vision and language, in C++"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "seer 0.1.0");
  app.footer(
      "Memory: seer keeps freed memory in the process for reuse (glibc mallopt: mmap threshold\n"
      "256 MiB, trim threshold 1 GiB), for every command. Training frees and reallocates the same\n"
      "activations every step; glibc's defaults return them to the system and fault them in again\n"
      "(measured: captcha training 320 -> 413 images/s on 2 cores). The process's resident memory\n"
      "stays near its peak until it exits.");
  seer::cli::add_captcha_command(app);
  seer::cli::add_detect_command(app);
  seer::cli::add_plot_command(app);
  seer::cli::add_textcnn_command(app);
  seer::cli::add_word2vec_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const seer::Error& e) {
    std::cerr << "seer: error: " << e.what() << "\n";
    return 1;
  } catch (const c10::Error& e) {
    std::cerr << "seer: error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const nlohmann::json::exception& e) {
    // Every config seer writes itself is complete; a resumed run's config.json may be edited.
    const auto& config = seer::cli::resumed_config_file();
    if (!config.empty()) {
      std::cerr << "seer: error: " << config.string() << ": not the config this run needs (" << e.what()
                << "); was it edited? Restore the value, or start a new run\n";
    } else {
      std::cerr << "seer: error: " << e.what() << "\n";
    }
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "seer: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
