// Training throughput of seer's captcha network (images/s), the C++ half of
// bench/captcha_speed.py's comparison. Same network, same batch, same threads; fixed random
// input so that only the network's step is timed.
//
//   captcha_speed --threads 2 --batch 64 --steps 30 [--warmup 5]
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "seer/captcha/model.h"
#include "seer/core/device.h"
#include "seer/core/trainer.h"

int main(int argc, char** argv) {
  int threads = 2, batch = 64, steps = 30, warmup = 5, channels_last = 0;
  seer::captcha::CaptchaNetOptions o;  // the defaults `seer captcha train` uses
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (a == "--threads") threads = v;
    else if (a == "--batch") batch = v;
    else if (a == "--steps") steps = v;
    else if (a == "--warmup") warmup = v;
    else if (a == "--channels-last") channels_last = v;
    else if (a == "--width") o.input_width = v;
    else if (a == "--height") o.input_height = v;
    else if (a == "--convs") o.convs_per_block = v;
    else if (a == "--hidden") o.head_hidden = v;
    else if (a == "--channels") {  // comma-separated
      o.channels.clear();
      for (std::string c = argv[i + 1]; !c.empty();) {
        auto cut = c.find(',');
        o.channels.push_back(std::stoll(c.substr(0, cut)));
        c = cut == std::string::npos ? "" : c.substr(cut + 1);
      }
    }
  }
  seer::tune_allocator();  // as the `seer` program does at start-up
  at::set_num_threads(threads);
  torch::manual_seed(0);
  seer::captcha::CaptchaNet net(o);
  net->train();
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
  auto x = torch::rand({batch, 1, o.input_height, o.input_width});
  if (channels_last) {
    torch::NoGradGuard g;
    for (auto& p : net->parameters()) {
      if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    }
    x = x.contiguous(at::MemoryFormat::ChannelsLast);
  }
  auto y = torch::randint(0, o.num_classes, {batch, o.length}, torch::kInt64);
  double t_fwd = 0, t_bwd = 0, t_opt = 0;
  auto since = [](auto t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  auto step = [&] {
    auto t = std::chrono::steady_clock::now();
    seer::clear_gradients(opt);  // as the Trainer does
    auto logits = net->forward(x);  // [B, length, classes]
    auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, o.num_classes}),
                                                     y.reshape({-1})) * o.length;
    t_fwd += since(t);
    t = std::chrono::steady_clock::now();
    loss.backward();
    t_bwd += since(t);
    t = std::chrono::steady_clock::now();
    opt.step();
    t_opt += since(t);
  };
  for (int i = 0; i < warmup; ++i) step();
  t_fwd = t_bwd = t_opt = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << nlohmann::json{{"tool", "seer"}, {"threads", threads}, {"batch", batch},
                              {"steps", steps}, {"seconds", s},
                              {"images_per_second", steps * batch / s},
                              {"forward_s", t_fwd}, {"backward_s", t_bwd}, {"optimizer_s", t_opt}}
                   .dump()
            << std::endl;
  return 0;
}
