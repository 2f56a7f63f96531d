// The course's labelling of a captcha: "0782" with charset "0123456789" is
//   - 4 class indices            {0, 7, 8, 2}, one per position (one softmax head each), and
//   - one 40-long vector          4 one-hot blocks of 10: block p has a 1 at p*10 + index.
// Both encodings, both directions. Labels of varying length (min_length < length, for the CTC
// head) take up to `length` positions; to_padded_indices fills the rest with -1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace seer::captcha {

class LabelCodec {
 public:
  // `charset`: distinct single-byte characters (ASCII); `length`: characters per captcha (the
  // most, when `min_length` is given: 0 means the same as length). Throws seer::Error on an
  // empty/duplicated charset, length < 1 or min_length outside 1..length.
  LabelCodec(std::string charset, int length, int min_length = 0);

  const std::string& charset() const { return charset_; }
  int length() const { return length_; }      // the most characters
  int min_length() const { return min_length_; }
  bool fixed_length() const { return min_length_ == length_; }
  int num_classes() const { return static_cast<int>(charset_.size()); }
  int vector_size() const { return length_ * num_classes(); }

  // Throws seer::Error saying what is wrong (wrong length, which character is outside charset).
  std::vector<int64_t> to_indices(const std::string& label) const;
  // to_indices, then -1 up to `length` values.
  std::vector<int64_t> to_padded_indices(const std::string& label) const;
  std::string from_indices(const std::vector<int64_t>& indices) const;

  std::vector<float> to_one_hot(const std::string& label) const;  // vector_size() floats
  // Decodes by arg-max within each block (so it also decodes scores/probabilities).
  std::string from_one_hot(const std::vector<float>& vec) const;

  // Empty string if `label` is valid, else the reason (no exception; for loaders).
  std::string check(const std::string& label) const;

 private:
  std::string charset_;
  int length_;
  int min_length_;
  int index_of_[256];
};

}  // namespace seer::captcha
