// Readers of the text-classification datasets of Kim (2014), plus a plain TSV format.
//
// Decoding: files are UTF-8, except MR, whose files are Latin-1/cp1252 bytes (converted to
// UTF-8). A UTF-8 file's invalid bytes are decoded as cp1252 (Latin-1 where cp1252 has no
// character), so no text is lost; one warning per file names it, the first bad line and the
// number of lines with bad bytes. A UTF-8 BOM at the start of a file is dropped, "\r\n" is
// read as "\n".
//
// Empty (or all-whitespace) lines are skipped, with one warning per file naming the first and
// the count (the newline that ends the last line makes no empty line). A line whose text is
// empty after cleaning (e.g. only non-ASCII letters) is still an example, with no tokens, as
// in Kim's code.
//
// Malformed lines are seer::Error "file:line: ..." (never skipped: a half-read dataset would
// give wrong numbers quietly): a TREC line not "COARSE:fine question", an SST line
// without an integer label and a sentence, a TSV line without a tab or with an empty label,
// a test/dev label that train does not have. Missing files: seer::Error naming the path.
// A dataset with no training example: seer::Error.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "seer/text/dataset.h"

namespace seer::text {

struct TextReadOptions {
  bool trec_fine = false;  // TREC: the 50 fine labels ("NUM:dist") instead of the 6 coarse
  // Lowercase the text (MR, TSV; SST always lowercases). Kim lowercases everything but TREC (clean_str(..., TREC=True)); the
  // readers follow him: read_trec ignores this and keeps the case unless trec_lowercase.
  bool lowercase = true;
  bool trec_lowercase = false;  // TREC: lowercase anyway (not Kim's setting)
};

// Tokens: Kim's cleaning (tokenizer.h) then split_tokens. Non-ASCII letters are separators
// there ("café" -> "caf"), as in Kim's byte-wise Python 2 code; decoding still matters for
// the label names of TSV files and for error messages.
//
// MR (Pang & Lee 2005 sentence polarity v1.0): DIR/rt-polarity.pos and DIR/rt-polarity.neg,
// one sentence a line, Latin-1. labels {"neg", "pos"}; train = all neg then all pos; no
// dev/test (Kim uses 10-fold cross-validation: cv_folds). clean_str.
TextDataset read_mr(const std::filesystem::path& dir, const TextReadOptions& o = {});

// TREC (Li & Roth 2002): DIR/train_5500.label (train) and DIR/TREC_10.label (test), lines
// "COARSE:fine question". Labels: the coarse ones (ABBR DESC ENTY HUM LOC NUM), or the
// "COARSE:fine" ones with trec_fine, sorted. clean_str without lowercasing (Kim's TREC=True).
TextDataset read_trec(const std::filesystem::path& dir, const TextReadOptions& o = {});

// SST (Kim's stsa files from Socher et al. 2013): DIR/stsa.binary.{train,dev,test} (name
// "sst2", labels "0" "1") or, when those are absent, DIR/stsa.fine.{train,dev,test} ("sst5",
// labels "0".."4"). Lines "LABEL sentence". clean_str_sst. DIR may also name one of the files
// (e.g. ".../stsa.fine.train" or ".../stsa.fine") to choose the variant. dev/test optional.
TextDataset read_sst(const std::filesystem::path& dir, const TextReadOptions& o = {});

// "label<TAB>text" lines (the first tab splits; label trimmed). Labels sorted. clean_str.
TextDataset read_tsv(const std::filesystem::path& train,
                     const std::optional<std::filesystem::path>& test,
                     const TextReadOptions& o = {});

// "mr:DIR" | "trec:DIR" | "sst:DIR-or-file" | "tsv:FILE" (train only) | "tsv:DIR" (DIR/train.tsv,
// and DIR/dev.tsv, DIR/test.tsv when present). seer::Error for an unknown or missing format.
TextDataset read_text_dataset(const std::string& spec, const TextReadOptions& o = {});

}  // namespace seer::text
