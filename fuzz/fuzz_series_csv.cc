// The CSV tables `seer plot` draws.
#include "fuzz_input.h"
#include "seer/core/series_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = seer::fuzz::write(seer::fuzz::scratch() / "csv" / "t.csv", data, size);
  seer::fuzz::expect_result_or_seer_error([&] { seer::read_series_csv(file); });
  return 0;
}
