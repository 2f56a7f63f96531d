// Synthetic detection scenes (`seer detect synth`): coloured shapes of a few classes on
// textured backgrounds, with distractor clutter, written as a PASCAL-VOC folder:
//   out/JPEGImages/<id>.jpg, out/Annotations/<id>.xml, out/ImageSets/Main/{train,val,test,trainval}.txt
// Every image is a pure function of (seed, index). Objects are filled shapes with a darker rim
// (by default about 10%..65% of the short side, aspect 0.75..1.33, some rotation, saturated
// colours chosen to stand out from the background and from the objects they overlap); later objects may occlude
// earlier ones but leave each at least 35% visible, and at least 75% of each lies inside the
// image (truncated=1 otherwise). Objects less than 50% visible are marked difficult. Boxes are
// the exact bounding rectangles of each object's visible pixels. Clutter (lines, zig-zags, open
// arcs, small dots) lies behind the objects on a gradient / striped / blotchy background, with
// Gaussian noise over everything. Splits: a seeded permutation, test then val then train.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "seer/detection/data/dataset.h"

namespace seer::detection {

struct SynthOptions {
  int count = 300;                // images
  int width = 320, height = 240;  // image size in pixels
  uint64_t seed = 1;
  int min_objects = 1, max_objects = 6;  // objects per image (uniform)
  double min_size = 0.10, max_size = 0.60;  // object size (sqrt of w x h before rotation), x the short side
  double val_fraction = 0.1, test_fraction = 0.2;  // of `count`; the rest is train
};

// The object classes, in label order.
std::vector<std::string> synth_classes();

// Writes `o.count` scenes as a VOC dataset under `out` (created). Throws seer::Error on bad
// options or unwritable output.
void write_synthetic_voc(const std::filesystem::path& out, const SynthOptions& o);

// One scene in memory, as written (before JPEG compression).
struct SynthScene {
  cv::Mat image;             // 8-bit BGR, o.width x o.height
  cv::Mat labels;            // CV_8U: k + 1 where object k is visible, 0 on background and clutter
  DetectionImage annotation;  // id "000042" for index 42; labels index synth_classes()
};
SynthScene make_synthetic_scene(const SynthOptions& o, int index);

}  // namespace seer::detection
