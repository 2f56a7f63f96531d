#include "seer/text/tokenizer.h"

namespace seer::text {
namespace {

bool kept_byte(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '(' || c == ')' || c == ',' || c == '!' || c == '?' || c == '\'' || c == '`';
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Every non-overlapping occurrence of `from`, left to right (as re.sub with a literal pattern).
void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (s.find(from) == std::string::npos) return;
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out.append(to);
  }
  out.append(s, pos, std::string::npos);
  s.swap(out);
}

// [^A-Za-z0-9(),!?'`] -> " "
std::string keep_allowed(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (!kept_byte(c)) c = ' ';
  return out;
}

// re.sub(r"\s{2,}", " ", s).strip(), then ASCII lowercase when asked.
std::string squeeze_strip(const std::string& s, bool lowercase) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) {
      size_t j = i;
      while (j < s.size() && is_space(s[j])) ++j;
      if (j - i >= 2) out += ' ';
      else out += s[i];
      i = j;
    } else {
      char c = s[i++];
      if (lowercase && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      out += c;
    }
  }
  size_t b = 0, e = out.size();
  while (b < e && is_space(out[b])) ++b;
  while (e > b && is_space(out[e - 1])) --e;
  return out.substr(b, e - b);
}

}  // namespace

std::string clean_str(std::string_view s, bool lowercase) {
  std::string t = keep_allowed(s);
  replace_all(t, "'s", " 's");
  replace_all(t, "'ve", " 've");
  replace_all(t, "n't", " n't");
  replace_all(t, "'re", " 're");
  replace_all(t, "'d", " 'd");
  replace_all(t, "'ll", " 'll");
  replace_all(t, ",", " , ");
  replace_all(t, "!", " ! ");
  replace_all(t, "(", " ( ");
  replace_all(t, ")", " ) ");
  replace_all(t, "?", " ? ");
  return squeeze_strip(t, lowercase);
}

std::string clean_str_sst(std::string_view s) { return squeeze_strip(keep_allowed(s), true); }

std::vector<std::string> split_tokens(std::string_view cleaned) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < cleaned.size()) {
    while (i < cleaned.size() && is_space(cleaned[i])) ++i;
    size_t j = i;
    while (j < cleaned.size() && !is_space(cleaned[j])) ++j;
    if (j > i) tokens.emplace_back(cleaned.substr(i, j - i));
    i = j;
  }
  return tokens;
}

}  // namespace seer::text
