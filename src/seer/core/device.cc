#include "seer/core/device.h"

#include <thread>  // (also defines __GLIBC__ on glibc)
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <ATen/Parallel.h>
#include <opencv2/core/utility.hpp>
#include <torch/cuda.h>
#include <torch/utils.h>

#include "seer/core/cores.h"
#include "seer/core/error.h"

namespace seer {

c10::Device select_device(const std::string& name) {
  if (name == "auto") {
    return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  }
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(name);
  } catch (const std::exception&) {
    throw Error("unknown device '" + name + "' (expected cpu, cuda, cuda:N or auto)");
  }
  if (device.is_cuda() && !torch::cuda::is_available()) {
    throw Error("device '" + name + "' requested but this LibTorch build or machine has no CUDA");
  }
  return device;
}

// n <= 0: available_cores(), the affinity mask and cgroup quota, not the machine's count.
// OpenCV is made sequential here: seer parallelises over images itself (captcha batches in
// at::parallel_for, the detection loader in a thread beside the model's), and OpenCV's own
// TBB pool (2 threads on this machine) inside those workers only oversubscribes the cores.
int set_threads(int n) {
  if (n <= 0) n = available_cores();
  cv::setNumThreads(1);
  at::set_num_threads(n);
  return at::get_num_threads();
}

void tune_allocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

void seed_everything(uint64_t seed) { torch::manual_seed(seed); }

}  // namespace seer
