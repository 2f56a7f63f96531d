#include "seer/captcha/label_codec.h"

#include <cstdio>
#include <string>
#include <utility>

#include "seer/core/error.h"

namespace seer::captcha {
namespace {

// A character as it should appear in an error message: printable ASCII as is, anything
// else (a stray byte of UTF-8, a control character) as \xNN so the message stays readable.
std::string show_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string(1, c);
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", u);
  return buf;
}

std::string show_string(const std::string& s) {
  std::string out;
  for (char c : s) out += show_char(c);
  return out;
}

}  // namespace

LabelCodec::LabelCodec(std::string charset, int length, int min_length)
    : charset_(std::move(charset)), length_(length), min_length_(min_length == 0 ? length : min_length) {
  for (int& i : index_of_) i = -1;
  if (charset_.empty()) throw Error("captcha charset is empty");
  if (length_ < 1)
    throw Error("captcha length must be at least 1 (got " + std::to_string(length_) + ")");
  if (min_length_ < 1 || min_length_ > length_)
    throw Error("captcha minimum length " + std::to_string(min_length_) + " is outside 1.." +
                std::to_string(length_));
  for (size_t i = 0; i < charset_.size(); ++i) {
    auto u = static_cast<unsigned char>(charset_[i]);
    if (index_of_[u] >= 0)
      throw Error("charset \"" + show_string(charset_) + "\": character '" +
                  show_char(charset_[i]) + "' appears twice");
    index_of_[u] = static_cast<int>(i);
  }
}

std::string LabelCodec::check(const std::string& label) const {
  const int n = static_cast<int>(label.size());
  if (fixed_length() && n != length_)
    return "label \"" + show_string(label) + "\": length " + std::to_string(label.size()) +
           ", expected " + std::to_string(length_);
  if (n < min_length_ || n > length_)
    return "label \"" + show_string(label) + "\": length " + std::to_string(label.size()) +
           ", expected " + std::to_string(min_length_) + " to " + std::to_string(length_);
  for (size_t i = 0; i < label.size(); ++i) {
    if (index_of_[static_cast<unsigned char>(label[i])] < 0)
      // 1-based position: this message is read by people, not programs.
      return "label \"" + show_string(label) + "\": character '" + show_char(label[i]) +
             "' at position " + std::to_string(i + 1) + " is not in charset \"" +
             show_string(charset_) + "\"";
  }
  return {};
}

std::vector<int64_t> LabelCodec::to_indices(const std::string& label) const {
  if (auto problem = check(label); !problem.empty()) throw Error(problem);
  std::vector<int64_t> out(label.size());
  for (size_t i = 0; i < label.size(); ++i)
    out[i] = index_of_[static_cast<unsigned char>(label[i])];
  return out;
}

std::vector<int64_t> LabelCodec::to_padded_indices(const std::string& label) const {
  auto out = to_indices(label);
  out.resize(static_cast<size_t>(length_), -1);
  return out;
}

std::string LabelCodec::from_indices(const std::vector<int64_t>& indices) const {
  if (static_cast<int>(indices.size()) != length_)
    throw Error("label indices: " + std::to_string(indices.size()) + " values, expected " +
                std::to_string(length_));
  std::string out;
  out.reserve(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    int64_t k = indices[i];
    if (k < 0 || k >= num_classes())
      throw Error("label indices: value " + std::to_string(k) + " at position " +
                  std::to_string(i + 1) + " is outside 0.." + std::to_string(num_classes() - 1));
    out += charset_[static_cast<size_t>(k)];
  }
  return out;
}

std::vector<float> LabelCodec::to_one_hot(const std::string& label) const {
  auto indices = to_indices(label);
  std::vector<float> out(static_cast<size_t>(vector_size()), 0.0f);
  for (size_t p = 0; p < indices.size(); ++p)
    out[p * static_cast<size_t>(num_classes()) + static_cast<size_t>(indices[p])] = 1.0f;
  return out;
}

std::string LabelCodec::from_one_hot(const std::vector<float>& vec) const {
  if (static_cast<int>(vec.size()) != vector_size())
    throw Error("label vector: " + std::to_string(vec.size()) + " values, expected " +
                std::to_string(vector_size()) + " (" + std::to_string(length_) + " x " +
                std::to_string(num_classes()) + ")");
  const auto n = static_cast<size_t>(num_classes());
  std::string out;
  out.reserve(static_cast<size_t>(length_));
  for (size_t p = 0; p < static_cast<size_t>(length_); ++p) {
    const float* block = vec.data() + p * n;
    size_t best = 0;  // first maximum wins on ties, so the result is well defined
    for (size_t k = 1; k < n; ++k)
      if (block[k] > block[best]) best = k;
    out += charset_[best];
  }
  return out;
}

}  // namespace seer::captcha
