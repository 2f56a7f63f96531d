// Where and how wide LibTorch runs: the device (`cpu`, `cuda`, `auto`) and intra-op threads.
// LibTorch starts with ONE intra-op thread on this platform; seer uses every core by default.
#pragma once

#include <string>

#include <c10/core/Device.h>

namespace seer {

// "cpu" | "cuda" | "cuda:N" | "auto" (cuda when available, else cpu). Throws seer::Error for an
// unknown name or for cuda on a build/machine without it.
c10::Device select_device(const std::string& name);

// Sets LibTorch's intra-op threads (and OpenMP's); n <= 0 means all cores. Returns the count set.
int set_threads(int n);

// Makes glibc's malloc keep freed memory in the process instead of returning it to the system
// on every free (mmap threshold 256 MiB, trim threshold 1 GiB). Training frees and reallocates
// the same large activations every step; with glibc's defaults each step page-faults them in
// again (measured: 18% of a captcha training step in the kernel; with this, images/s 320 -> 413
// at 2 threads). Call once at start-up; a no-op on other C libraries.
void tune_allocator();

// Seeds LibTorch's global generators (CPU and CUDA) for reproducible initialisation and dropout.
void seed_everything(uint64_t seed);

}  // namespace seer
