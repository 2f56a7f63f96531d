// Detections and ground truth drawn on an image, for looking at what a detector does:
//   detections:    solid boxes, one colour per class, a filled tag "<class> 0.87" above the box
//                  (inside it when the box touches the top edge);
//   ground truth:  dashed white boxes over a thin black outline (visible on any background),
//                  a white tag "GT <class>" at the bottom left inside the box; difficult objects
//                  dashed grey, "GT <class> (difficult)".
// Boxes are in-memory continuous coordinates (detection/boxes/box.h): the box [x1, x2) x
// [y1, y2) covers the pixels floor(x1) .. ceil(x2) - 1, and that is where the outline goes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "seer/detection/data/dataset.h"
#include "seer/detection/eval/voc_ap.h"

namespace seer::detection {

struct DrawOptions {
  float score_threshold = 0.5f;  // detections scoring below are not drawn
  bool ground_truth = true;      // draw the ground-truth objects too
  int scale = 0;                 // integer upscaling before drawing (labels readable on small
                                 // images); 0 = automatic (x2 below 400 px on the short side)
};

// The colour (BGR) of a class: a fixed palette, repeating every 20 classes.
cv::Scalar class_color(int label);

// A copy of `image` (8-bit, 1 or 3 channels; gray is converted to BGR) with `ground_truth` and
// the detections scoring >= options.score_threshold drawn, highest scores on top. `classes`
// names the labels (a label outside it is drawn as "#<label>").
cv::Mat draw_detections(const cv::Mat& image, const std::vector<std::string>& classes,
                        const std::vector<DetectionObject>& ground_truth,
                        const std::vector<Detection>& detections, const DrawOptions& options = {});

// Encodes by the file's extension (.png, .jpg / .jpeg) and writes atomically, creating the
// folder. Throws seer::Error for another extension or a failed write.
void write_image_atomic(const std::filesystem::path& file, const cv::Mat& image,
                        int jpeg_quality = 92);

}  // namespace seer::detection
