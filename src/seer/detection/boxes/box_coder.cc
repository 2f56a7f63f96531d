#include "seer/detection/boxes/box_coder.h"

#include <string>

#include <ATen/ATen.h>

#include "seer/core/error.h"
#include "seer/detection/boxes/box_tensor.h"

namespace seer::detection {

namespace {

void check_2d(const char* fn, const char* name, const at::Tensor& t, const char* shape) {
  if (!t.defined() || t.dim() != 2)
    throw Error(std::string(fn) + ": " + name + " must be a " + shape + " tensor, got " +
                (t.defined() ? std::to_string(t.dim()) + "-D" : "an undefined tensor"));
}

}  // namespace

BoxCoder::BoxCoder(const BoxCoderOptions& options) : options_(options) {
  for (double w : options_.weights)
    if (!(w > 0) || !std::isfinite(w))
      throw Error("BoxCoder: weights must be positive and finite, got " + std::to_string(w));
}

BoxCoder::BoxCoder(double wx, double wy, double ww, double wh)
    : BoxCoder(BoxCoderOptions{{wx, wy, ww, wh}}) {}

at::Tensor BoxCoder::encode(const at::Tensor& reference_boxes, const at::Tensor& proposals) const {
  auto [g, p] = common_floating_boxes("BoxCoder::encode", "reference_boxes", reference_boxes,
                                      "proposals", proposals);
  if (g.size(0) != p.size(0))
    throw Error("BoxCoder::encode: reference_boxes has " +
                std::to_string(reference_boxes.size(0)) + " rows, proposals " +
                std::to_string(proposals.size(0)));
  const auto& w = options_.weights;

  const auto pw = p.select(1, 2) - p.select(1, 0);
  const auto ph = p.select(1, 3) - p.select(1, 1);
  const auto px = p.select(1, 0) + 0.5 * pw;
  const auto py = p.select(1, 1) + 0.5 * ph;
  const auto gw = g.select(1, 2) - g.select(1, 0);
  const auto gh = g.select(1, 3) - g.select(1, 1);
  const auto gx = g.select(1, 0) + 0.5 * gw;
  const auto gy = g.select(1, 1) + 0.5 * gh;

  const auto dx = w[0] * (gx - px) / pw;
  const auto dy = w[1] * (gy - py) / ph;
  const auto dw = w[2] * at::log(gw / pw);
  const auto dh = w[3] * at::log(gh / ph);
  return at::stack({dx, dy, dw, dh}, 1);
}

at::Tensor BoxCoder::decode(const at::Tensor& deltas, const at::Tensor& boxes) const {
  check_2d("BoxCoder::decode", "deltas", deltas, "[N, 4K]");
  check_boxes("BoxCoder::decode", "boxes", boxes);
  if (deltas.size(1) % 4 != 0 || deltas.size(1) == 0)
    throw Error("BoxCoder::decode: deltas must be [N, 4K], got " + std::to_string(deltas.size(1)) +
                " columns");
  if (deltas.size(0) != boxes.size(0))
    throw Error("BoxCoder::decode: deltas has " + std::to_string(deltas.size(0)) +
                " rows, boxes " + std::to_string(boxes.size(0)));
  if (deltas.device() != boxes.device())
    throw Error("BoxCoder::decode: deltas and boxes are on different devices");
  const auto d = as_floating(deltas);
  const auto b = boxes.to(d.scalar_type());
  const auto& w = options_.weights;

  const auto widths = (b.select(1, 2) - b.select(1, 0)).unsqueeze(1);  // [N, 1]
  const auto heights = (b.select(1, 3) - b.select(1, 1)).unsqueeze(1);
  const auto ctr_x = b.select(1, 0).unsqueeze(1) + 0.5 * widths;
  const auto ctr_y = b.select(1, 1).unsqueeze(1) + 0.5 * heights;

  const auto dx = d.slice(1, 0, at::indexing::None, 4) / w[0];  // [N, K]
  const auto dy = d.slice(1, 1, at::indexing::None, 4) / w[1];
  const auto dw = (d.slice(1, 2, at::indexing::None, 4) / w[2]).clamp_max(options_.clip);
  const auto dh = (d.slice(1, 3, at::indexing::None, 4) / w[3]).clamp_max(options_.clip);

  const auto cx = dx * widths + ctr_x;
  const auto cy = dy * heights + ctr_y;
  const auto half_w = 0.5 * (at::exp(dw) * widths);
  const auto half_h = 0.5 * (at::exp(dh) * heights);
  // [N, K, 4] -> [N, 4K]: group k is (x1, y1, x2, y2) of class k.
  return at::stack({cx - half_w, cy - half_h, cx + half_w, cy + half_h}, 2).flatten(1);
}

at::Tensor clip_boxes_to_image(const at::Tensor& boxes, double height, double width) {
  if (!boxes.defined() || boxes.dim() < 1 || boxes.size(-1) % 2 != 0)
    throw Error("clip_boxes_to_image: boxes must be [..., 2n] (alternating x, y columns)");
  const auto pairs = boxes.reshape({-1, 2});
  const auto x = pairs.select(1, 0).clamp(0, width);
  const auto y = pairs.select(1, 1).clamp(0, height);
  return at::stack({x, y}, 1).reshape(boxes.sizes());
}

at::Tensor remove_small_boxes(const at::Tensor& boxes, double min_size) {
  check_boxes("remove_small_boxes", "boxes", boxes);
  const auto ws = boxes.select(1, 2) - boxes.select(1, 0);
  const auto hs = boxes.select(1, 3) - boxes.select(1, 1);
  return at::nonzero(at::logical_and(ws >= min_size, hs >= min_size)).view({-1});
}

}  // namespace seer::detection
