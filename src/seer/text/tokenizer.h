// Sentence normalisation for the text CNN, as Kim (2014) does it in process_data.py
// (github.com/yoonkim/CNN_sentence): clean_str for MR/TREC/CR/MPQA/Subj, clean_str_sst for SST.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace seer::text {

// Kim's clean_str, rule by rule (Python `re` semantics, applied in this order):
//   [^A-Za-z0-9(),!?\'\`] -> " "      (every other byte, so any non-ASCII UTF-8 byte, too)
//   "'s" "'ve" "n't" "'re" "'d" "'ll" -> " 's" " 've" " n't" " 're" " 'd" " 'll"
//   "," "!" "(" ")" "?"               -> " , " " ! " " ( " " ) " " ? "
//   \s{2,} -> " ", then strip, then lowercase unless `lowercase` is false.
// Kim calls clean_str(..., TREC=True) for TREC, which keeps the case: read_trec follows that
// by default (see TextReadOptions::lowercase). Note: Kim's "\(" / "\)" / "\?" replacements
// write a literal backslash in Python ("\(" in a replacement string is kept as "\(");
// we write " ( " " ) " " ? " as the rules intend (the backslash would be removed by nothing
// and is an artefact); documented deviation.
std::string clean_str(std::string_view s, bool lowercase = true);

// Kim's clean_str_sst: [^A-Za-z0-9(),!?\'\`] -> " ", \s{2,} -> " ", strip, lowercase.
std::string clean_str_sst(std::string_view s);

// Splits on ASCII whitespace (space, \t, \n, \v, \f, \r); no empty tokens.
std::vector<std::string> split_tokens(std::string_view cleaned);

}  // namespace seer::text
