// Pictures of word vectors: a 2-D PCA projection of word pairs, with an arrow from each first
// word to its second (male -> female, present -> past, country -> capital).
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

struct PlotOptions {
  int width = 1000, height = 800;  // pixels
  std::string title;               // drawn at the top when not empty
};

struct PlotResult {
  std::vector<std::pair<float, float>> points;  // 2-D coordinates of first, second of each kept pair
  WordPairs kept;                                // pairs whose two words are known
  double explained = 0;                          // variance share of the two components
};

// The 2-D PCA (power iteration on the centred unit vectors) of the pairs' words. Pairs with an
// unknown word are skipped with a warning; fewer than 2 known pairs is an error.
PlotResult project_pairs(const WordVectors& vectors, const WordPairs& pairs);

// Draws the projection and writes a PNG (atomically).
PlotResult plot_pairs(const WordVectors& vectors, const WordPairs& pairs,
                      const std::filesystem::path& png, const PlotOptions& options = {});

}  // namespace seer::word2vec
