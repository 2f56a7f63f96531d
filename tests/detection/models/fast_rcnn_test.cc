// Fast R-CNN: the detector without an RPN, trained and run on outside proposals; the batch
// loader carrying proposals through resize and flip; the truncated SVD of the head.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "cli_runner.h"
#include "seer/core/checkpoint.h"
#include "seer/detection/boxes/box_tensor.h"
#include "seer/detection/data/synth.h"
#include "seer/detection/data/voc.h"
#include "seer/detection/eval/voc_ap.h"
#include "seer/detection/models/faster_rcnn.h"
#include "seer/detection/models/roi_heads/truncated_svd.h"
#include "seer/detection/training/batch_loader.h"
#include "seer/detection/training/detector_task.h"
#include "detection/models/scenes_fixture.h"
#include "test_support.h"

namespace seer::detection::models {
namespace {

using seer::testing::Contains;
using seer::testing::error_of;
using seer::testing::ScratchDir;
using seer::detection::testing::scene_loader_options;
using seer::detection::testing::jittered_proposals;
using seer::detection::testing::tiny_detector;
using seer::detection::testing::train_on_proposals;
using seer::detection::testing::write_scenes;

TEST(BatchLoader, ProposalsAreResizedAndFlippedWithTheImage) {
  ScratchDir dir;
  auto data = write_scenes(dir.path(), 1, 5);  // 160 x 120
  const std::vector<std::vector<Box>> proposals = {{Box{10, 10, 30, 20}, Box{0, 0, 160, 120}}};
  auto options = scene_loader_options(1);
  options.short_sides = {240};  // scale 2
  options.max_long_side = 1000;
  training::BatchLoader plain(data, options, tiny_detector(kFastRcnnKind).input, proposals);
  auto p = tensor_to_boxes(plain.batch(0).proposals.at(0));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], (Box{20, 20, 60, 40}));
  EXPECT_EQ(p[1], (Box{0, 0, 320, 240}));
  options.flip_probability = 1;
  training::BatchLoader flipped(data, options, tiny_detector(kFastRcnnKind).input, proposals);
  p = tensor_to_boxes(flipped.batch(0).proposals.at(0));
  EXPECT_EQ(p[0], (Box{260, 20, 300, 40}));  // x1' = W - x2 in the 320-wide image
  EXPECT_TRUE(Contains(error_of([&] {
                         training::BatchLoader(data, options, tiny_detector(kFastRcnnKind).input, {{}, {}});
                       }),
                       "one proposal list per training image"));
}

TEST(FastRcnn, HasNoRpnAndNeedsProposals) {
  torch::manual_seed(1);
  auto model = make_faster_rcnn(tiny_detector(kFastRcnnKind));
  EXPECT_TRUE(model->rpn().is_empty());
  for (const auto& p : model->named_parameters()) EXPECT_NE(p.key().rfind("rpn.", 0), 0u) << p.key();
  ImageBatch batch = batch_images({torch::zeros({3, 120, 160})}, 16);
  DetectionTargets t{torch::tensor({{10.f, 10.f, 50.f, 50.f}}), torch::tensor({int64_t{0}})};
  EXPECT_TRUE(Contains(error_of([&] { model->losses(batch, {t}); }), "proposals"));
  auto out = model->losses(batch, {t}, {}, {torch::tensor({{8.f, 12.f, 52.f, 49.f}, {0.f, 0.f, 160.f, 120.f}})});
  EXPECT_EQ(out.count("loss_rpn_cls"), 0u);
  EXPECT_TRUE(torch::allclose(out.at("loss"), out.at("loss_head_cls") + out.at("loss_head_box")));
  // The alternating schedule needs an RPN.
  training::DetectorTaskOptions o;
  o.schedule = training::Schedule::kAlternating;
  EXPECT_TRUE(Contains(error_of([&] {
                         training::DetectorTask(model, nullptr, DetectionDataset{}, o, torch::kCPU);
                       }),
                       "--schedule joint"));
}

TEST(FastRcnn, LearnsTwoScenesFromTheirProposals) {
  ScratchDir dir;
  auto data = write_scenes(dir.path(), 2, 7);
  const auto proposals = jittered_proposals(data);
  torch::manual_seed(2);
  auto model = make_faster_rcnn(tiny_detector(kFastRcnnKind));
  train_on_proposals(model, data, proposals, 200);
  auto dets = training::detect_dataset(model, data, 0, false, &proposals);
  EXPECT_GE(voc_evaluate(data, dets).map, 0.9) << dets.size() << " detections";

  // The model file says fast-rcnn and loads back to the same detections.
  save_model_file(dir / "model.pt", ModelFile{kFastRcnnKind, model->config().to_json(), state_dict(*model), {}});
  auto loaded = load_faster_rcnn(dir / "model.pt", torch::kCPU);
  EXPECT_EQ(loaded->config().arch, kFastRcnnKind);
  EXPECT_EQ(loaded->config().max_proposals, 200);
  auto again = training::detect_dataset(loaded, data, 0, false, &proposals);
  ASSERT_EQ(again.size(), dets.size());
  for (size_t i = 0; i < dets.size(); ++i) EXPECT_EQ(again[i].box, dets[i].box);
}

TEST(FastRcnn, SppPoolerFeedsTheFcHeadWithAPyramidVector) {
  torch::manual_seed(5);
  auto config = tiny_detector(kFastRcnnKind);
  config.roi_heads.pooler = "spp";
  config.roi_heads.spp_levels = {3, 1};
  auto model = make_faster_rcnn(config);
  // fc6 reads C * (9 + 1) values: 32 channels x 10 bins.
  EXPECT_EQ(model->roi_heads()->named_parameters()["head.1.weight"].size(1), 32 * 10);
  const auto [scores, deltas] =
      model->roi_heads()->predict(torch::randn({1, 32, 8, 10}), {torch::tensor({{0.f, 0.f, 64.f, 64.f}})});
  EXPECT_EQ(scores.sizes(), (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(deltas.sizes(), (std::vector<int64_t>{1, 20}));
  config.roi_heads.head = "conv";
  EXPECT_TRUE(Contains(error_of([&] { make_faster_rcnn(config); }), "spp pooler needs the fc head"));
}

TEST(TruncatedSvd, OutputErrorWithinTheDroppedSingularValue) {
  torch::manual_seed(3);
  torch::nn::Linear layer(48, 32);
  for (int64_t rank : {1, 8, 31}) {
    TruncatedLinear t = truncated_svd(layer, rank);
    EXPECT_EQ(t.first->weight.sizes(), (std::vector<int64_t>{rank, 48}));
    EXPECT_EQ(t.second->weight.sizes(), (std::vector<int64_t>{32, rank}));
    EXPECT_FALSE(t.first->options.bias());
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({20, 48});
    const auto diff = (layer->forward(x) - t.second->forward(t.first->forward(x))).norm(2, {1});
    const auto bound = t.dropped_sigma * x.norm(2, {1}) + 1e-4;
    EXPECT_TRUE((diff <= bound).all().item<bool>()) << "rank " << rank;
    // Sigma_{r+1} is the spectral norm of W - W_r: the bound is tight for some x.
    const auto sv = torch::linalg::svdvals(layer->weight.to(torch::kFloat64), c10::nullopt);
    EXPECT_NEAR(t.dropped_sigma, sv[rank].item<double>(), 1e-5);
    EXPECT_GT(t.kept_energy, 0);
    EXPECT_LE(t.kept_energy, 1);
  }
  EXPECT_TRUE(Contains(error_of([&] { truncated_svd(layer, 32); }), "rank 32"));
  EXPECT_TRUE(Contains(error_of([&] { truncated_svd(layer, 0); }), "rank 0"));
}

TEST(TruncatedSvd, HeadKeepsItsDetectionsAtHighRank) {
  torch::manual_seed(4);
  auto model = make_faster_rcnn(tiny_detector(kFastRcnnKind));
  model->eval();
  torch::NoGradGuard no_grad;
  const auto features = torch::randn({1, 32, 8, 10});
  const std::vector<torch::Tensor> boxes = {torch::tensor({{0.f, 0.f, 64.f, 64.f}, {30.f, 20.f, 150.f, 110.f}})};
  const auto [scores, deltas] = model->roi_heads()->predict(features, boxes);
  const auto report = model->roi_heads()->truncate_fc({63, 63});  // fc6 32*7*7 -> 64, fc7 64 -> 64
  ASSERT_EQ(report.layers.size(), 2u);
  EXPECT_EQ(report.layers[0].in, 32 * 7 * 7);
  const auto [scores2, deltas2] = model->roi_heads()->predict(features, boxes);
  EXPECT_TRUE(torch::allclose(scores, scores2, 1e-2, 1e-2));
  int64_t linear_layers = 0;
  for (const auto& p : model->roi_heads()->named_parameters())
    if (p.key().rfind("head.", 0) == 0 && p.value().dim() == 2) ++linear_layers;
  EXPECT_EQ(linear_layers, 4);  // two layers each
  EXPECT_TRUE(Contains(error_of([&] { model->roi_heads()->truncate_fc({8, 8, 8, 8, 8}); }), "fc layers"));
}

TEST(DetectCli, ProposalsThenFastRcnnTrainTestWithSvdAndImage) {
  ScratchDir dir;
  const std::string exe = SEER_EXE;
  const std::string scenes = (dir / "scenes").string(), props = (dir / "props").string();
  auto r = seer::testing::run_cli(exe, "detect synth --out " + scenes + " --count 8 --width 160 --height 120 --seed 5");
  ASSERT_EQ(r.code, 0) << r.out;
  // Proposals of every image, then their recall on the test split.
  r = seer::testing::run_cli(exe, "detect proposals --data " + scenes + " --out " + props +
                                      " --max-side 160 --threads 2 --no-progress --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto made = seer::testing::last_json(r.out);
  EXPECT_EQ(made.at("proposals").at("computed"), 8);
  EXPECT_TRUE(made.at("proposals").contains("options"));
  r = seer::testing::run_cli(exe, "detect proposals --data " + scenes + " --split test --recall --proposals " + props + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto recall = seer::testing::last_json(r.out);
  for (const char* key : {"recall", "mabo", "proposals_per_image", "curve"}) EXPECT_TRUE(recall.contains(key)) << key;
  EXPECT_GT(recall.at("recall").at("0.5").get<double>(), 0.5);
  EXPECT_TRUE(std::filesystem::exists(dir / "props" / "recall_test.png"));

  const std::string run = (dir / "run").string();
  r = seer::testing::run_cli(exe, "detect train --arch fast-rcnn --proposals " + props + " --data " + scenes +
                                      " --split train --eval-split test --run " + run +
                                      " --steps 4 --batch 2 --short-side 120 --max-long-side 160 --widths 8,16,16,32"
                                      " --blocks 1,1,1 --fc-dim 32 --threads 1 --no-progress --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(seer::testing::last_json(r.out).at("eval").contains("mAP"));
  EXPECT_EQ(load_model_file(dir / "run" / "model.pt").kind, kFastRcnnKind);

  r = seer::testing::run_cli(exe, "detect test --model " + run + "/model.pt --data " + scenes + " --split test --proposals " +
                                      props + " --svd 16,8 --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto tested = seer::testing::last_json(r.out);
  EXPECT_EQ(tested.at("arch"), kFastRcnnKind);
  ASSERT_EQ(tested.at("svd").size(), 2u);
  EXPECT_EQ(tested.at("svd")[0].at("rank"), 16);
  // And in bf16, the SVD'd head included.
  r = seer::testing::run_cli(exe, "detect test --model " + run + "/model.pt --data " + scenes + " --split test --proposals " +
                                      props + " --svd 16,8 --bf16 --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(seer::testing::last_json(r.out).at("bf16"), true);

  // A picture without a proposals file gets selective search on the spot.
  r = seer::testing::run_cli(exe, "detect image --model " + run + "/model.pt " + scenes + "/JPEGImages/000000.jpg --out " +
                                      (dir / "drawn").string() + " --threshold 0 --json --threads 1 --svd 16,8");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "drawn" / "000000.jpg"));
  EXPECT_TRUE(Contains(r.out, "at rank 16")) << r.out;  // the SVD's report

  // Without --proposals, fast-rcnn training is refused with the command that makes them.
  r = seer::testing::run_cli(exe, "detect train --arch fast-rcnn --data " + scenes + " --run " + (dir / "run2").string() +
                                      " --steps 1 --no-progress");
  EXPECT_NE(r.code, 0);
  EXPECT_TRUE(Contains(r.out, "seer detect proposals"));
}

}  // namespace
}  // namespace seer::detection::models
