// Plain serial reference implementations of the RoI ops for the tests (written from the
// documented semantics, one channel and one output at a time, no parallelism, no channels-last
// tricks), plus a finite-difference gradient and small tensor helpers.
#pragma once

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <utility>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

namespace seer::testing {

// Runs f with `n` intra-op threads, restoring the previous count.
template <typename F>
auto with_threads(int n, F&& f) {
  const int before = at::get_num_threads();
  at::set_num_threads(n);
  auto result = f();
  at::set_num_threads(before);
  return result;
}

// value(n, c, y, x) = sin(1.3 n + 0.7 c + 0.37 y^2 + 1.1 x), computed in double: the map the
// torchvision golden values in the tests were computed on.
inline at::Tensor sine_map(int64_t N, int64_t C, int64_t H, int64_t W, at::ScalarType t) {
  auto x = at::empty({N, C, H, W}, at::kDouble);
  auto a = x.accessor<double, 4>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t w = 0; w < W; ++w)
          a[n][c][y][w] = std::sin(1.3 * n + 0.7 * c + 0.37 * y * y + 1.1 * w);
  return x.to(t);
}

// Distinct values (a shuffled ramp with gaps of 1/numel), so max pooling has no ties and a
// small perturbation never moves an argmax.
inline at::Tensor distinct_map(at::IntArrayRef sizes, uint64_t seed, at::ScalarType t) {
  auto gen = at::detail::createCPUGenerator(seed);
  const int64_t numel = c10::multiply_integers(sizes);
  auto perm = at::randperm(numel, gen, at::TensorOptions().dtype(at::kLong));
  return (perm.to(at::kDouble) / static_cast<double>(numel)).reshape(sizes).to(t);
}

// Random RoIs in image coordinates (image H/scale x W/scale), some partly outside the map.
inline at::Tensor random_rois(int64_t K, int64_t N, double img_h, double img_w, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto u = at::rand({K, 5}, gen, at::TensorOptions().dtype(at::kDouble));
  auto r = at::empty({K, 5}, at::kDouble);
  auto a = u.accessor<double, 2>();
  auto o = r.accessor<double, 2>();
  for (int64_t k = 0; k < K; ++k) {
    o[k][0] = std::floor(a[k][0] * N);
    const double cx = a[k][1] * img_w * 1.2 - 0.1 * img_w, cy = a[k][2] * img_h * 1.2 - 0.1 * img_h;
    const double w = 1 + a[k][3] * img_w * 0.6, h = 1 + a[k][4] * img_h * 0.6;
    o[k][1] = cx - w / 2, o[k][2] = cy - h / 2, o[k][3] = cx + w / 2, o[k][4] = cy + h / 2;
  }
  return r;
}

// Numerical d/dx sum(f(x) * weight) by central differences (double), one element at a time.
inline at::Tensor numeric_grad(const std::function<at::Tensor(const at::Tensor&)>& f,
                               const at::Tensor& x, const at::Tensor& weight, double eps) {
  auto g = at::zeros_like(x);
  auto xf = x.detach().clone().contiguous();
  double* xp = xf.data_ptr<double>();
  double* gp = g.data_ptr<double>();
  for (int64_t i = 0; i < xf.numel(); ++i) {
    const double keep = xp[i];
    xp[i] = keep + eps;
    const double up = (f(xf) * weight).sum().item<double>();
    xp[i] = keep - eps;
    const double down = (f(xf) * weight).sum().item<double>();
    xp[i] = keep;
    gp[i] = (up - down) / (2 * eps);
  }
  return g;
}

// ---- roi_pool: torchvision's quantisation, written per output element -------------------
struct PoolRef {
  at::Tensor out;     // [K, C, P, Q]
  at::Tensor argmax;  // [K, C, P, Q] int64, plane index, -1 for none
};

template <typename T>
PoolRef ref_roi_pool(const at::Tensor& input, const at::Tensor& rois, int64_t P, int64_t Q,
                     double scale_d) {
  const auto in_c = input.contiguous();
  const auto in = in_c.accessor<T, 4>();
  const auto r = rois.to(input.scalar_type()).contiguous();
  const auto ra = r.accessor<T, 2>();
  const int64_t K = r.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  PoolRef res{at::zeros({K, C, P, Q}, input.options()), at::full({K, C, P, Q}, -1, at::kLong)};
  auto o = res.out.accessor<T, 4>();
  auto am = res.argmax.accessor<int64_t, 4>();
  const T scale = static_cast<T>(scale_d);
  for (int64_t k = 0; k < K; ++k) {
    const int64_t n = static_cast<int64_t>(ra[k][0]);
    const int64_t x1 = std::lround(ra[k][1] * scale), y1 = std::lround(ra[k][2] * scale);
    const int64_t x2 = std::lround(ra[k][3] * scale), y2 = std::lround(ra[k][4] * scale);
    const T bh = static_cast<T>(std::max<int64_t>(y2 - y1 + 1, 1)) / static_cast<T>(P);
    const T bw = static_cast<T>(std::max<int64_t>(x2 - x1 + 1, 1)) / static_cast<T>(Q);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < P; ++i)
        for (int64_t j = 0; j < Q; ++j) {
          const int64_t hs = std::clamp<int64_t>(y1 + (int64_t)std::floor(i * bh), 0, H);
          const int64_t he = std::clamp<int64_t>(y1 + (int64_t)std::ceil((i + 1) * bh), 0, H);
          const int64_t ws = std::clamp<int64_t>(x1 + (int64_t)std::floor(j * bw), 0, W);
          const int64_t we = std::clamp<int64_t>(x1 + (int64_t)std::ceil((j + 1) * bw), 0, W);
          if (he <= hs || we <= ws) continue;
          T m = -FLT_MAX;
          for (int64_t y = hs; y < he; ++y)
            for (int64_t x = ws; x < we; ++x)
              if (in[n][c][y][x] > m) m = in[n][c][y][x], am[k][c][i][j] = y * W + x;
          o[k][c][i][j] = m;
        }
  }
  return res;
}

// Serial scatter of grad_out to the argmax cells, RoI by RoI.
template <typename T>
at::Tensor ref_max_backward(const at::Tensor& grad_out, const at::Tensor& argmax,
                            const at::Tensor& rois, at::IntArrayRef input_sizes) {
  auto gin = at::zeros(input_sizes, grad_out.options());
  const int64_t W = input_sizes[3];
  auto g = gin.accessor<T, 4>();
  const auto go_c = grad_out.contiguous();
  const auto go = go_c.accessor<T, 4>();
  const auto am = argmax.accessor<int64_t, 4>();
  const auto r = rois.to(at::kDouble).contiguous();
  const auto ra = r.accessor<double, 2>();
  for (int64_t k = 0; k < argmax.size(0); ++k)
    for (int64_t c = 0; c < argmax.size(1); ++c)
      for (int64_t i = 0; i < argmax.size(2); ++i)
        for (int64_t j = 0; j < argmax.size(3); ++j)
          if (am[k][c][i][j] >= 0)
            g[(int64_t)ra[k][0]][c][am[k][c][i][j] / W][am[k][c][i][j] % W] += go[k][c][i][j];
  return gin;
}

// ---- roi_align: torchvision's arithmetic, per output element, no precomputation ----------
template <typename T>
bool ref_bilinear(int64_t H, int64_t W, T y, T x, T w[4], int64_t yx[4][2]) {
  if (y < -1.0 || y > H || x < -1.0 || x > W) return false;
  y = std::max(y, T(0));
  x = std::max(x, T(0));
  int64_t yl = (int64_t)y, xl = (int64_t)x, yh = yl + 1, xh = xl + 1;
  if (yl >= H - 1) yh = yl = H - 1, y = (T)yl;
  if (xl >= W - 1) xh = xl = W - 1, x = (T)xl;
  const T ly = y - yl, lx = x - xl, hy = (T)(1. - ly), hx = (T)(1. - lx);
  w[0] = hy * hx, w[1] = hy * lx, w[2] = ly * hx, w[3] = ly * lx;
  const int64_t c[4][2] = {{yl, xl}, {yl, xh}, {yh, xl}, {yh, xh}};
  for (int i = 0; i < 4; ++i) yx[i][0] = c[i][0], yx[i][1] = c[i][1];
  return true;
}

// Visits every (output k,c,i,j; sample weight w; cell y,x; count) in torchvision's order.
template <typename T, typename F>
void ref_align_visit(const at::Tensor& rois, int64_t C, int64_t H, int64_t W, int64_t P,
                     int64_t Q, double scale_d, int64_t sr, bool aligned, F&& visit) {
  const auto r = rois.contiguous();
  const auto ra = r.accessor<T, 2>();
  const T scale = static_cast<T>(scale_d), off = aligned ? T(0.5) : T(0);
  for (int64_t k = 0; k < r.size(0); ++k) {
    const T sw = ra[k][1] * scale - off, sh = ra[k][2] * scale - off;
    T rw = ra[k][3] * scale - off - sw, rh = ra[k][4] * scale - off - sh;
    if (!aligned) rw = std::max(rw, T(1)), rh = std::max(rh, T(1));
    const T bh = rh / P, bw = rw / Q;
    const int64_t gh = sr > 0 ? sr : (int64_t)std::ceil(rh / P);
    const int64_t gw = sr > 0 ? sr : (int64_t)std::ceil(rw / Q);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < P; ++i)
        for (int64_t j = 0; j < Q; ++j)
          for (int64_t iy = 0; iy < gh; ++iy)
            for (int64_t ix = 0; ix < gw; ++ix) {
              const T y = sh + i * bh + static_cast<T>(iy + .5f) * bh / static_cast<T>(gh);
              const T x = sw + j * bw + static_cast<T>(ix + .5f) * bw / static_cast<T>(gw);
              T w[4];
              int64_t yx[4][2];
              if (!ref_bilinear<T>(H, W, y, x, w, yx)) continue;
              visit((int64_t)ra[k][0], k, c, i, j, w, yx, gh * gw);
            }
  }
}

template <typename T>
at::Tensor ref_roi_align(const at::Tensor& input, const at::Tensor& rois, int64_t P, int64_t Q,
                         double scale, int64_t sr, bool aligned) {
  const int64_t C = input.size(1), H = input.size(2), W = input.size(3), K = rois.size(0);
  const auto in_c = input.contiguous();
  const auto in = in_c.accessor<T, 4>();
  auto out = at::zeros({K, C, P, Q}, input.options());
  auto o = out.accessor<T, 4>();
  auto counts = at::ones({K}, at::kLong);
  auto cn = counts.accessor<int64_t, 1>();
  ref_align_visit<T>(rois.to(input.scalar_type()), C, H, W, P, Q, scale, sr, aligned,
                     [&](int64_t n, int64_t k, int64_t c, int64_t i, int64_t j, const T* w,
                         const int64_t (*yx)[2], int64_t count) {
                       o[k][c][i][j] += ((w[0] * in[n][c][yx[0][0]][yx[0][1]] +
                                          w[1] * in[n][c][yx[1][0]][yx[1][1]]) +
                                         w[2] * in[n][c][yx[2][0]][yx[2][1]]) +
                                        w[3] * in[n][c][yx[3][0]][yx[3][1]];
                       cn[k] = std::max<int64_t>(count, 1);
                     });
  for (int64_t k = 0; k < K; ++k) out[k] /= static_cast<double>(cn[k]);
  return out;
}

template <typename T>
at::Tensor ref_roi_align_backward(const at::Tensor& grad_out, const at::Tensor& rois,
                                  at::IntArrayRef input_sizes, double scale, int64_t sr,
                                  bool aligned) {
  auto gin = at::zeros(input_sizes, grad_out.options());
  auto g = gin.accessor<T, 4>();
  const auto go_c = grad_out.contiguous();
  const auto go = go_c.accessor<T, 4>();
  ref_align_visit<T>(rois.to(grad_out.scalar_type()), input_sizes[1], input_sizes[2],
                     input_sizes[3], grad_out.size(2), grad_out.size(3), scale, sr, aligned,
                     [&](int64_t n, int64_t k, int64_t c, int64_t i, int64_t j, const T* w,
                         const int64_t (*yx)[2], int64_t count) {
                       for (int q = 0; q < 4; ++q)
                         g[n][c][yx[q][0]][yx[q][1]] += go[k][c][i][j] * w[q] / (T)count;
                     });
  return gin;
}

}  // namespace seer::testing
