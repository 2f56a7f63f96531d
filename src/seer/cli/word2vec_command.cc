// `seer word2vec ...` (being written).
#include "seer/cli/commands.h"

namespace seer::cli {

void add_word2vec_command(CLI::App& app) {
  app.add_subcommand("word2vec", "Word vectors: CBOW and skip-gram (not yet available)");
}

}  // namespace seer::cli
