// A "label<TAB>sentence" file (the TSV reader, with Kim's cleaning and the UTF-8 / cp1252 decoding).
#include "fuzz_input.h"
#include "seer/text/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = seer::fuzz::write(seer::fuzz::scratch() / "text" / "train.tsv", data, size);
  seer::fuzz::expect_result_or_seer_error([&] { seer::text::read_tsv(file, std::nullopt); });
  return 0;
}
