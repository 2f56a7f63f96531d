// A word2vec vectors file, text or binary (the format is read from the bytes).
#include "fuzz_input.h"
#include "seer/word2vec/vectors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = seer::fuzz::write(seer::fuzz::scratch() / "vectors" / "v.bin", data, size);
  seer::fuzz::expect_result_or_seer_error([&] { seer::word2vec::load_vectors(file); });
  return 0;
}
