// The config.json a `--resume` read, for the one message that must name it: the stored config
// is the only one not written by seer in this process (a user may have edited it), so a JSON
// error while a task reads it (`key 'seed' not found`, a string where a number belongs) is
// reported by main() against that file.
#pragma once

#include <filesystem>

namespace seer::cli {

// Empty until open_run resumes a run.
const std::filesystem::path& resumed_config_file();
void set_resumed_config_file(const std::filesystem::path& path);

}  // namespace seer::cli
