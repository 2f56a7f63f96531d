// A helper shared by the channels-last RoI kernels (max_pool_bins.cc, roi_align.cc): they
// compute one RoI's result as [bins][C] and store it as the output's [C][bins] block.
#pragma once

#include <algorithm>
#include <cstdint>

namespace seer::detection::ops::detail {

// dst[c * bins + b] = src[b * C + c]. Blocked over 16 channels so that both sides stay within a
// few cache lines (the plain loops read or write with a stride of C or bins elements, which
// for C = 512 maps every access of a column onto the same few L1 sets).
template <typename T>
inline void store_channels_first(const T* src, T* dst, int64_t bins, int64_t C) {
  constexpr int64_t kBlock = 16;
  for (int64_t c0 = 0; c0 < C; c0 += kBlock) {
    const int64_t c1 = std::min(C, c0 + kBlock);
    for (int64_t b = 0; b < bins; ++b)
      for (int64_t c = c0; c < c1; ++c) dst[c * bins + b] = src[b * C + c];
  }
}

}  // namespace seer::detection::ops::detail
