// Faster R-CNN end to end on tiny synthetic scenes: the batches, a loss that falls, one image
// overfitted to near-perfect detections, the alternating schedule's freezing, the model file
// round trip, --init from a Python-written state_dict, and the `seer detect` commands.
#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numeric>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "cli_runner.h"
#include "seer/core/checkpoint.h"
#include "seer/detection/data/synth.h"
#include "seer/detection/data/voc.h"
#include "seer/detection/eval/voc_ap.h"
#include "seer/detection/models/faster_rcnn.h"
#include "seer/detection/training/batch_loader.h"
#include "seer/detection/training/detector_task.h"
#include "seer/nn/bf16_autocast.h"
#include "detection/models/scenes_fixture.h"
#include "test_support.h"

namespace seer::detection::models {
namespace {

using seer::testing::ScratchDir;
using seer::detection::testing::scene_loader_options;
using seer::detection::testing::write_scenes;

// A detector small enough to train in seconds on 160 x 120 scenes.
FasterRcnnConfig tiny_config(const std::vector<std::string>& classes) {
  FasterRcnnConfig c;
  c.classes = classes;
  c.backbone.widths = {8, 16, 32, 32};
  c.backbone.blocks = {1, 1, 1};
  c.backbone.gn_groups = 8;
  c.anchors = AnchorOptions{{24.0, 48.0, 96.0}, {0.5, 1.0, 2.0}};
  c.roi_heads.fc_dim = 64;
  c.roi_heads.batch_per_image = 64;
  c.rpn.pre_nms_top_n_train = 600;
  c.rpn.post_nms_top_n_train = 150;
  c.rpn.pre_nms_top_n_test = 300;
  c.rpn.post_nms_top_n_test = 50;
  c.input.short_side = 120;
  c.input.max_long_side = 160;
  return c;
}



torch::optim::SGD make_sgd(FasterRcnn& model, double lr) {
  return torch::optim::SGD(model->parameters(), torch::optim::SGDOptions(lr).momentum(0.9).weight_decay(1e-4));
}

TEST(BatchLoader, BatchesArePureFunctionsOfTheStep) {
  ScratchDir dir;
  auto data = write_scenes(dir.path(), 5);
  auto options = scene_loader_options(2);
  options.flip_probability = 0.5;
  options.short_sides = {96, 120};
  options.prefetch = true;
  training::BatchLoader a(data, options, tiny_config(synth_classes()).input);
  training::BatchLoader b(data, options, tiny_config(synth_classes()).input);
  auto a3 = a.batch(3);
  a.batch(4);
  auto b3 = b.batch(3);
  EXPECT_EQ(a3.ids, b3.ids);
  EXPECT_TRUE(torch::equal(a3.images.images, b3.images.images));
  // Steps 0-1 and the first image of step 2 are the 5 images of epoch 0, each once.
  std::set<std::string> epoch0;
  for (int s = 0; s < 2; ++s)
    for (const auto& id : a.batch(s).ids) epoch0.insert(id);
  epoch0.insert(a.batch(2).ids[0]);
  EXPECT_EQ(epoch0.size(), 5u);
  // Padded to the stride, targets inside each image's own size.
  EXPECT_EQ(a3.images.images.size(2) % 16, 0);
  for (size_t k = 0; k < a3.targets.size(); ++k) {
    auto boxes = a3.targets[k].boxes;
    if (boxes.numel() == 0) continue;
    EXPECT_LE(boxes.select(1, 2).max().item<float>(), a3.images.sizes[k][1] + 1e-3);
    EXPECT_LE(boxes.select(1, 3).max().item<float>(), a3.images.sizes[k][0] + 1e-3);
  }
}

TEST(BatchLoader, ACorruptImageIsSkippedWithAWarningOrIsAnError) {
  ScratchDir dir;
  auto data = write_scenes(dir.path(), 2);
  std::ofstream(data.images[0].image_path, std::ios::binary | std::ios::trunc) << "not a jpeg";
  training::BatchLoader skipping(data, scene_loader_options(2), tiny_config(synth_classes()).input);
  std::string warned = seer::testing::stderr_of([&] {
    auto batch = skipping.batch(0);
    EXPECT_EQ(batch.ids[0], batch.ids[1]);  // the readable image, twice
  });
  EXPECT_TRUE(seer::testing::Contains(warned, data.images[0].image_path.string()));
  auto strict_options = scene_loader_options(2);
  strict_options.skip_bad_images = false;
  training::BatchLoader strict(data, strict_options, tiny_config(synth_classes()).input);
  EXPECT_TRUE(seer::testing::Contains(seer::testing::error_of([&] {
                                        for (int s = 0; s < 2; ++s) strict.batch(s);
                                      }),
                                      data.images[0].image_path.string()));
}

// Both in fp32 and with the forward passes in bf16 (`detect train --bf16`: one autocast guard
// per step, as DetectorTask::train_step holds it).
class LossFalls : public ::testing::TestWithParam<bool> {};

TEST_P(LossFalls, OnTwoImages) {
  ScratchDir dir;
  auto data = write_scenes(dir.path(), 2);
  torch::manual_seed(1);
  auto model = make_faster_rcnn(tiny_config(synth_classes()));
  training::BatchLoader loader(data, scene_loader_options(2), model->config().input);
  auto optimizer = make_sgd(model, 0.01);
  model->train();
  std::vector<double> losses;
  for (int step = 0; step < 40; ++step) {
    auto batch = loader.batch(step);
    optimizer.zero_grad();
    std::map<std::string, torch::Tensor> out;
    {
      seer::nn::Bf16Autocast bf16(GetParam());
      out = model->losses(batch.images, batch.targets);
    }
    for (const auto& [name, value] : out) ASSERT_EQ(value.scalar_type(), torch::kFloat32) << name;
    out.at("loss").backward();
    optimizer.step();
    losses.push_back(out.at("loss").item<double>());
    for (const char* name : {"loss_rpn_cls", "loss_rpn_box", "loss_head_cls", "loss_head_box"}) ASSERT_TRUE(out.count(name)) << name;
  }
  const double first = (losses[0] + losses[1] + losses[2]) / 3;
  const double last = (losses[37] + losses[38] + losses[39]) / 3;
  EXPECT_LT(last, 0.6 * first) << "first " << first << " last " << last;
}

INSTANTIATE_TEST_SUITE_P(FasterRcnn, LossFalls, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Bf16" : "Fp32"; });

TEST(FasterRcnn, OverfitsOneImageToNearPerfectDetections) {
  ScratchDir dir;
  auto data = write_scenes(dir.path(), 1, 11);
  ASSERT_GE(data.images[0].objects.size(), 1u);
  torch::manual_seed(2);
  auto config = tiny_config(synth_classes());
  auto model = make_faster_rcnn(config);
  training::BatchLoader loader(data, scene_loader_options(1), config.input);
  auto optimizer = make_sgd(model, 0.02);
  model->train();
  for (int step = 0; step < 250; ++step) {
    auto batch = loader.batch(step);
    optimizer.zero_grad();
    model->losses(batch.images, batch.targets).at("loss").backward();
    optimizer.step();
  }
  auto dets = training::detect_dataset(model, data);
  auto result = voc_evaluate(data, dets);
  EXPECT_GE(result.map, 0.9) << dets.size() << " detections";
  // The same model in bfloat16 (`detect test --bf16`) keeps its detections.
  seer::nn::Bf16Autocast bf16(true);
  auto bf16_dets = training::detect_dataset(model, data);
  EXPECT_GE(voc_evaluate(data, bf16_dets).map, 0.9) << bf16_dets.size() << " detections in bf16";
}

TEST(DetectorTask, AlternatingScheduleFreezesTheSharedConvsInItsLastSteps) {
  ScratchDir dir;
  auto data = write_scenes(dir.path(), 2);
  torch::manual_seed(3);
  auto model = make_faster_rcnn(tiny_config(synth_classes()));
  training::DetectorTaskOptions o;
  o.schedule = training::Schedule::kAlternating;
  o.total_steps = 8;
  training::DetectorTask task(model, std::make_unique<training::BatchLoader>(data, scene_loader_options(1), model->config().input),
                              DetectionDataset{}, o, torch::kCPU);
  EXPECT_EQ(task.phase(0), 0);
  EXPECT_EQ(task.phase(2), 1);
  EXPECT_EQ(task.phase(5), 2);
  EXPECT_EQ(task.phase(7), 3);
  auto optimizer = make_sgd(model, 0.01);
  auto snapshot = [&] {
    std::map<std::string, torch::Tensor> s;
    for (const auto& p : model->named_parameters()) s[p.key()] = p.value().detach().clone();
    return s;
  };
  auto changed = [&](const std::map<std::string, torch::Tensor>& before, const std::string& prefix) {
    for (const auto& p : model->named_parameters())
      if (p.key().rfind(prefix, 0) == 0 && !torch::equal(before.at(p.key()), p.value())) return true;
    return false;
  };
  auto step = [&](int64_t s) {
    clear_gradients(optimizer);
    task.train_step(s).at("loss").backward();
    optimizer.step();
  };
  auto before = snapshot();
  step(0);  // phase 1: backbone + RPN
  EXPECT_TRUE(changed(before, "backbone."));
  EXPECT_TRUE(changed(before, "rpn."));
  EXPECT_FALSE(changed(before, "roi_heads."));
  before = snapshot();
  step(4);  // phase 3: RPN only, shared convs frozen (and in eval mode)
  EXPECT_FALSE(changed(before, "backbone."));
  EXPECT_TRUE(changed(before, "rpn."));
  EXPECT_FALSE(changed(before, "roi_heads."));
  task.set_train_mode();
  EXPECT_FALSE(model->backbone().is_training());
  EXPECT_TRUE(model->rpn()->is_training());
  before = snapshot();
  step(6);  // phase 4: head only
  EXPECT_FALSE(changed(before, "backbone."));
  EXPECT_FALSE(changed(before, "rpn."));
  EXPECT_TRUE(changed(before, "roi_heads."));
}

TEST(FasterRcnn, ModelFileRoundTripGivesTheSameDetections) {
  ScratchDir dir;
  auto data = write_scenes(dir / "data", 1);
  torch::manual_seed(4);
  auto model = make_faster_rcnn(tiny_config(synth_classes()));
  {
    torch::NoGradGuard no_grad;  // confident class scores, so that there are detections
    auto& bias = model->roi_heads()->cls_score()->bias;
    bias.zero_();
    bias[1] = 3.0;
  }
  save_model_file(dir / "model.pt", ModelFile{kFasterRcnnKind, model->config().to_json(), state_dict(*model), {}});
  auto loaded = load_faster_rcnn(dir / "model.pt", torch::kCPU);
  auto a = training::detect_dataset(model, data), b = training::detect_dataset(loaded, data);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 0u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].label, b[i].label);
    EXPECT_FLOAT_EQ(a[i].score, b[i].score);
    EXPECT_EQ(a[i].box, b[i].box);
  }
  EXPECT_EQ(loaded->config().to_json(), model->config().to_json());
  // Another kind of model file is refused with its name.
  save_model_file(dir / "other.pt", ModelFile{"captcha", nlohmann::json::object(), {}, {}});
  EXPECT_TRUE(seer::testing::Contains(seer::testing::error_of([&] { load_faster_rcnn(dir / "other.pt", torch::kCPU); }),
                                      "is a 'captcha' model, not an R-CNN family detector"));
}

TEST(Backbone, ResnetLiteAtStride8KeepsTheLastStagesResolution) {
  torch::manual_seed(0);
  BackboneOptions o;
  o.widths = {8, 16, 16, 32};
  o.blocks = {1, 1, 1};
  auto images = torch::randn({2, 3, 64, 96});
  auto at16 = make_backbone(o);
  EXPECT_EQ(at16->stride(), 16);
  EXPECT_EQ(at16->forward(images).sizes(), (std::vector<int64_t>{2, 32, 4, 6}));
  o.stride = 8;
  auto at8 = make_backbone(o);
  EXPECT_EQ(at8->stride(), 8);
  EXPECT_EQ(at8->forward(images).sizes(), (std::vector<int64_t>{2, 32, 8, 12}));
  // The same parameters either way: only the last stage's first convolution steps differently.
  EXPECT_EQ(at8->parameters().size(), at16->parameters().size());
  EXPECT_EQ(BackboneOptions::from_json(o.to_json()).stride, 8);
  o.stride = 4;
  EXPECT_TRUE(seer::testing::Contains(seer::testing::error_of([&] { make_backbone(o); }), "stride must be 8 or 16"));
}

TEST(FasterRcnn, InitLoadsATorchvisionVgg16StateDictWrittenByPython) {
  ScratchDir dir;
  const auto file = dir / "vgg16.pth";
  const std::string cmd =
      "/usr/bin/python3 -c \"import torch, torchvision; torch.manual_seed(0); "
      "m = torchvision.models.vgg16(); "
      "torch.save({'features.' + k: v for k, v in m.features.state_dict().items()}, '" + file.string() + "'); "
      "print(float(m.features[28].weight[0, 0, 0, 0]))\" 2>&1";
  std::string printed;
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buf[256];
  while (fgets(buf, sizeof buf, pipe)) printed += buf;
  ASSERT_EQ(pclose(pipe), 0) << "python3 with torch and torchvision is part of make test's setup "
                                "(scripts/install-deps): " << printed;
  BackboneOptions o;
  o.name = "vgg16";
  auto backbone = make_backbone(o);
  auto report = init_from_file(*backbone, file, {"", "backbone."});
  EXPECT_EQ(report.loaded.size(), 26u);  // 13 convolutions x (weight, bias)
  EXPECT_TRUE(report.missing.empty());
  EXPECT_EQ(report.unused, 0);
  auto conv53 = backbone->named_parameters()["features.28.weight"];
  EXPECT_NEAR(conv53[0][0][0][0].item<double>(), std::stod(printed), 1e-6);
}

TEST(DetectCli, TrainTestAndImageOnTinyScenes) {
  ScratchDir dir;
  const std::string exe = SEER_EXE;
  auto r = seer::testing::run_cli(exe, "detect synth --out " + (dir / "scenes").string() +
                                           " --count 12 --width 160 --height 120 --seed 5");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string run = (dir / "run").string();
  r = seer::testing::run_cli(
      exe, "detect train --data " + (dir / "scenes").string() + " --split train --eval-split test --run " + run +
               " --steps 6 --batch 1 --short-side 120 --max-long-side 160 --widths 8,16,16,32 --blocks 1,1,1"
               " --anchors 24,48,96:0.5,1,2 --fc-dim 32 --eval-every 3 --threads 1 --no-progress --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto trained = seer::testing::last_json(r.out);
  EXPECT_EQ(trained.at("steps"), 6);
  EXPECT_TRUE(trained.at("eval").contains("mAP")) << trained.dump();
  EXPECT_TRUE(std::filesystem::exists(dir / "run" / "model.pt"));
  EXPECT_TRUE(std::filesystem::exists(dir / "run" / "metrics.jsonl"));

  r = seer::testing::run_cli(exe, "detect test --model " + run + "/model.pt --data " + (dir / "scenes").string() +
                                      " --split test --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto tested = seer::testing::last_json(r.out);
  for (const char* key : {"mAP", "ap", "images", "seconds_per_image"}) EXPECT_TRUE(tested.contains(key)) << key;
  EXPECT_EQ(tested.at("ap").size(), synth_classes().size());
  EXPECT_TRUE(std::filesystem::exists(dir / "run" / "results-test"));
  EXPECT_EQ(tested.at("bf16"), false);
  r = seer::testing::run_cli(exe, "detect test --model " + run + "/model.pt --data " + (dir / "scenes").string() +
                                      " --split test --threads 1 --bf16 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(seer::testing::last_json(r.out).at("bf16"), true);

  r = seer::testing::run_cli(exe, "detect image --model " + run + "/model.pt " + (dir / "scenes" / "JPEGImages").string() +
                                      " --out " + (dir / "drawn").string() + " --threshold 0 --save-voc --json --threads 1");
  ASSERT_EQ(r.code, 0) << r.out;
  auto lines = seer::testing::json_lines(r.out);
  EXPECT_EQ(lines.size(), 12u);
  EXPECT_TRUE(std::filesystem::exists(dir / "drawn" / "000000.jpg"));
  // The saved labelImg XML names the picture and holds the detections as objects.
  std::ifstream xml(dir / "drawn" / "annotations" / "000000.xml");
  const std::string text((std::istreambuf_iterator<char>(xml)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(seer::testing::Contains(text, "<filename>000000.jpg</filename>"));
  EXPECT_EQ(text.find("<object>") != std::string::npos, !lines[0].at("detections").empty());

  // A run folder is not trained over without --resume.
  r = seer::testing::run_cli(exe, "detect train --data " + (dir / "scenes").string() + " --split train --run " + run +
                                      " --steps 2 --no-progress");
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(seer::testing::Contains(r.out, "--resume"));
}

TEST(DetectCli, AdamwAtStride8TrainsAndItsModelLoads) {
  ScratchDir dir;
  const std::string exe = SEER_EXE;
  ASSERT_EQ(seer::testing::run_cli(exe, "detect synth --out " + (dir / "scenes").string() +
                                            " --count 8 --width 160 --height 120 --seed 3 --min-size 0.2 --max-size 0.4").code, 0);
  const std::string run = (dir / "run").string();
  auto r = seer::testing::run_cli(
      exe, "detect train --data " + (dir / "scenes").string() + " --split train --eval-split none --run " + run +
               " --steps 40 --batch 1 --short-side 120 --max-long-side 160 --widths 8,16,16,32 --blocks 1,1,1"
               " --stride 8 --optimizer adamw --anchors 24,48,96:1 --fc-dim 32 --log-every 1 --threads 1 --no-progress --json");
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream config_file(dir / "run" / "config.json");
  const auto config = nlohmann::json::parse(config_file);
  EXPECT_EQ(config.at("optimizer"), "adamw");
  EXPECT_DOUBLE_EQ(config.at("lr").get<double>(), 0.001);  // adamw's default rate
  EXPECT_EQ(config.at("model").at("backbone").at("stride"), 8);
  // The loss falls: the mean of the last 10 logged steps is below that of the first 10.
  std::vector<double> losses;
  std::ifstream metrics(dir / "run" / "metrics.jsonl");
  for (std::string line; std::getline(metrics, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.value("phase", "") == "train" && j.contains("loss")) losses.push_back(j.at("loss").get<double>());
  }
  ASSERT_GE(losses.size(), 30u);
  const double first = std::accumulate(losses.begin(), losses.begin() + 10, 0.0) / 10;
  const double last = std::accumulate(losses.end() - 10, losses.end(), 0.0) / 10;
  EXPECT_LT(last, 0.8 * first) << "first " << first << ", last " << last;
  // The stride-8 model file loads and detects (feature and anchor shapes must agree).
  r = seer::testing::run_cli(exe, "detect test --model " + run + "/model.pt --data " + (dir / "scenes").string() +
                                      " --split test --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(seer::testing::last_json(r.out).contains("mAP"));
  r = seer::testing::run_cli(exe, "detect train --data " + (dir / "scenes").string() + " --run " + (dir / "bad").string() +
                                      " --optimizer adam --steps 1 --no-progress");
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(seer::testing::Contains(r.out, "--optimizer must be sgd or adamw")) << r.out;
}

TEST(DetectCli, KilledTrainingResumesFromItsLastCheckpoint) {
  ScratchDir dir;
  const std::string exe = SEER_EXE;
  ASSERT_EQ(seer::testing::run_cli(exe, "detect synth --out " + (dir / "scenes").string() +
                                            " --count 6 --width 160 --height 120 --seed 9").code, 0);
  const auto run = dir / "run";
  const std::string args = "detect train --data " + (dir / "scenes").string() + " --split train --eval-split none --run " +
                           run.string() + " --steps 150 --checkpoint-every 5 --batch 1 --short-side 120 --max-long-side 160"
                           " --widths 8,16,16,32 --blocks 1,1,1 --anchors 24,48,96:1 --fc-dim 32 --threads 1 --no-progress";
  const auto pid_file = dir / "pid";
  ASSERT_EQ(std::system((exe + " " + args + " > " + (dir / "log").string() + " 2>&1 & echo $! > " + pid_file.string()).c_str()), 0);
  pid_t pid = 0;
  std::ifstream(pid_file) >> pid;
  ASSERT_GT(pid, 0);
  // kill -9 as soon as a checkpoint exists, mid-run.
  bool checkpointed = false;
  for (int i = 0; i < 600 && !checkpointed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(run / "checkpoints", ec))
      if (e.path().extension() == ".pt") checkpointed = true;
  }
  ASSERT_TRUE(checkpointed);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_FALSE(std::filesystem::exists(run / "model.pt")) << "the run finished before it was killed";
  auto r = seer::testing::run_cli(exe, "detect train --run " + run.string() + " --resume --no-progress --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(seer::testing::Contains(r.out, "resuming"));
  auto done = seer::testing::last_json(r.out);
  EXPECT_EQ(done.at("steps"), 150);
  EXPECT_TRUE(done.at("completed").get<bool>());
  EXPECT_TRUE(std::filesystem::exists(run / "model.pt"));
}

}  // namespace
}  // namespace seer::detection::models
