// The MR, TREC and SST sentence readers (Kim's datasets), and the spec parser in front of them.
// Byte 0 picks the reader, byte 1 where the input is cut into its two files (MR: pos / neg;
// TREC: train / test; SST: train / test of the binary or the fine variant).
#include "fuzz_input.h"
#include "seer/text/readers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int reader = data[0] % 4;
  const uint8_t* rest = data + 2;
  const size_t n = size - 2;
  const size_t cut = n == 0 ? 0 : (static_cast<size_t>(data[1]) * n) / 255;
  const auto dir = seer::fuzz::scratch() / ("text" + std::to_string(reader));
  std::filesystem::remove_all(dir);
  std::string spec;
  switch (reader) {
    case 0:
      seer::fuzz::write(dir / "rt-polarity.pos", rest, cut);
      seer::fuzz::write(dir / "rt-polarity.neg", rest + cut, n - cut);
      spec = "mr:" + dir.string();
      break;
    case 1:
      seer::fuzz::write(dir / "train_5500.label", rest, cut);
      seer::fuzz::write(dir / "TREC_10.label", rest + cut, n - cut);
      spec = "trec:" + dir.string();
      break;
    case 2:
      seer::fuzz::write(dir / "stsa.binary.train", rest, cut);
      seer::fuzz::write(dir / "stsa.binary.test", rest + cut, n - cut);
      spec = "sst:" + dir.string();
      break;
    default:
      seer::fuzz::write(dir / "stsa.fine.train", rest, cut);
      seer::fuzz::write(dir / "stsa.fine.dev", rest + cut, n - cut);
      spec = "sst:" + (dir / "stsa.fine").string();
      break;
  }
  seer::text::TextReadOptions options;
  options.trec_fine = (data[1] & 1) != 0;
  options.lowercase = (data[1] & 2) != 0;
  seer::fuzz::expect_result_or_seer_error([&] { seer::text::read_text_dataset(spec, options); });
  return 0;
}
