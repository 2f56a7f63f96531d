// Each command group adds its subcommands to the `seer` program.
#pragma once

#include <CLI/CLI.hpp>

namespace seer::cli {

void add_captcha_command(CLI::App& app);
void add_detect_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_textcnn_command(CLI::App& app);
void add_word2vec_command(CLI::App& app);

}  // namespace seer::cli
