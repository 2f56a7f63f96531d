// Pictures of word vectors: a 2-D projection of word pairs, with an arrow from each first word to
// its second (male -> female, present -> past, country -> capital).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "seer/word2vec/vectors.h"

namespace seer::word2vec {

using WordPairs = std::vector<std::pair<std::string, std::string>>;

// "builtin:gender", "builtin:tense", "builtin:capital", or a file of "first second" lines
// ('#' comments). Throws seer::Error for an unknown name or a bad file.
WordPairs load_pairs(const std::string& spec);

enum class Projection {
  // x: the pairs' mean difference (second - first, of unit vectors); y: the main direction of
  // the words' remaining variance. The relation itself is an axis, so arrows that encode it run
  // parallel, left to right (the course's pictures).
  kRelation,
  // The words' own 2-D PCA: shows what varies most among the 2n words, often topic clusters, with
  // the arrows pointing where the relation happens to fall.
  kPca,
};

// "relation" or "pca"; throws seer::Error otherwise.
Projection parse_projection(const std::string& name);
const char* projection_name(Projection projection);

struct PlotOptions {
  int width = 1000, height = 800;  // pixels
  std::string title;               // drawn at the top when not empty
  Projection projection = Projection::kRelation;
};

struct PlotResult {
  std::vector<std::pair<float, float>> points;  // 2-D coordinates of first, second of each kept pair
  WordPairs kept;                                // pairs whose two words are known
  double explained = 0;                          // variance share of the two axes
  // How parallel the pairs' differences are: the mean cosine of each pair's difference vector
  // (second - first, unit vectors, all dimensions) to their mean. 1: one shared offset.
  double parallelism = 0;
  // The same mean cosine for the drawn 2-D arrows and their mean arrow: how parallel they look.
  double picture_parallelism = 0;
};

// Projects the pairs' words (unit vectors, centred) to 2-D as `projection` says. Pairs with an
// unknown word are skipped with a warning; fewer than 2 known pairs is an error.
PlotResult project_pairs(const WordVectors& vectors, const WordPairs& pairs,
                         Projection projection = Projection::kRelation);

// Draws the projection and writes a PNG (atomically).
PlotResult plot_pairs(const WordVectors& vectors, const WordPairs& pairs,
                      const std::filesystem::path& png, const PlotOptions& options = {});

}  // namespace seer::word2vec
