#include "seer/core/checkpoint.h"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "test_support.h"

namespace seer {
namespace {

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    fc = register_module("fc", torch::nn::Linear(3, 2));
    bn = register_module("bn", torch::nn::BatchNorm1d(2));
  }
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};
TORCH_MODULE(Tiny);

TEST(Checkpoint, ModelFileRoundTripsTensorsConfigAndExtra) {
  testing::ScratchDir dir;
  torch::manual_seed(3);
  Tiny a;
  a->bn->running_mean.fill_(0.25);
  ModelFile f{"tiny", {{"hidden", 2}, {"name", "ü-utf8"}}, state_dict(*a), {}};
  f.extra["step"] = torch::tensor(int64_t{42});
  save_model_file(dir / "m.pt", f);

  ModelFile g = load_model_file(dir / "m.pt");
  EXPECT_EQ(g.kind, "tiny");
  EXPECT_EQ(g.config.at("hidden"), 2);
  EXPECT_EQ(g.config.at("name"), "ü-utf8");
  EXPECT_EQ(g.extra.at("step").item<int64_t>(), 42);
  Tiny b;
  load_state_dict(*b, g.state, "m.pt");
  EXPECT_TRUE(torch::equal(a->fc->weight, b->fc->weight));
  EXPECT_TRUE(torch::equal(a->bn->running_mean, b->bn->running_mean));
  EXPECT_EQ(b->bn->running_mean[0].item<float>(), 0.25f);
}

TEST(Checkpoint, ShapeMismatchNamesTensorAndFile) {
  Tiny a;
  auto state = state_dict(*a);
  state["fc.weight"] = torch::zeros({5, 5});
  try {
    load_state_dict(*a, state, "x.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.pt"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("fc.weight"), std::string::npos);
  }
  state = state_dict(*a);
  state.erase("fc.bias");
  EXPECT_THROW(load_state_dict(*a, state, "x.pt"), Error);
  state = state_dict(*a);
  state["extra.weight"] = torch::zeros({1});
  EXPECT_THROW(load_state_dict(*a, state, "x.pt"), Error);
}

TEST(Checkpoint, GarbageAndMissingFilesAreClearErrors) {
  testing::ScratchDir dir;
  write_file_atomic(dir / "junk.pt", std::string("this is not a model"));
  try {
    load_model_file(dir / "junk.pt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.pt"), std::string::npos);
  }
  EXPECT_THROW(load_model_file(dir / "absent.pt"), Error);
  // A valid pickle that is not a seer file.
  auto bytes = torch::pickle_save(c10::IValue(torch::ones({2})));
  write_file_atomic(dir / "tensor.pt", std::string_view(bytes.data(), bytes.size()));
  EXPECT_THROW(load_model_file(dir / "tensor.pt"), Error);
  // A seer dict whose fields have the wrong types: an error naming the file (toInt and
  // toStringRef would throw c10's bare "Expected Int but got String").
  for (const char* field : {"version", "kind", "config"}) {
    c10::impl::GenericDict d(c10::StringType::get(), c10::AnyType::get());
    d.insert("format", std::string("seer"));
    d.insert("version", int64_t{1});
    d.insert("kind", std::string("captcha"));
    d.insert("config", std::string("{}"));
    d.insert("state_dict", c10::IValue(c10::Dict<std::string, at::Tensor>()));
    d.insert_or_assign(field, std::string(field) == "version" ? c10::IValue(std::string("one")) : c10::IValue(int64_t{7}));
    auto b = torch::pickle_save(c10::IValue(d));
    write_file_atomic(dir / "typed.pt", std::string_view(b.data(), b.size()));
    try {
      load_model_file(dir / "typed.pt");
      ADD_FAILURE() << field << ": no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("typed.pt: not a seer model file (" + std::string(field) + " is not"),
                std::string::npos) << e.what();
    }
  }
}

TEST(Checkpoint, OptimizerStateRoundTrips) {
  testing::ScratchDir dir;
  Tiny a;
  torch::optim::Adam opt(a->parameters(), torch::optim::AdamOptions(0.01));
  auto loss = a->fc->forward(torch::ones({4, 3})).sum();
  loss.backward();
  opt.step();
  save_optimizer(dir / "o.optim", opt);
  torch::optim::Adam opt2(a->parameters(), torch::optim::AdamOptions(0.01));
  load_optimizer(dir / "o.optim", opt2);
  ASSERT_EQ(opt2.state().size(), opt.state().size());
  // Every parameter's moments and step count, value for value.
  // (Only the parameters the loss reached have a state.)
  int compared = 0;
  for (const auto& p : a->parameters()) {
    const auto key = c10::guts::to_string(p.unsafeGetTensorImpl());
    ASSERT_EQ(opt2.state().count(key), opt.state().count(key));
    if (opt.state().count(key) == 0) continue;
    ++compared;
    const auto& s1 = static_cast<const torch::optim::AdamParamState&>(*opt.state().at(key));
    const auto& s2 = static_cast<const torch::optim::AdamParamState&>(*opt2.state().at(key));
    EXPECT_EQ(s2.step(), s1.step());
    EXPECT_TRUE(torch::equal(s2.exp_avg(), s1.exp_avg()));
    EXPECT_TRUE(torch::equal(s2.exp_avg_sq(), s1.exp_avg_sq()));
    EXPECT_GT(s1.exp_avg().abs().sum().item<double>(), 0);  // a real state, not zeros
  }
  EXPECT_EQ(compared, 2);  // fc's weight and bias
  EXPECT_EQ(optimizer_path_for(dir / "checkpoints/step-00000010.pt").filename(),
            "step-00000010.optim");
}

TEST(ModelLoading, AnotherKindIsAnErrorNamingFileAndKinds) {
  testing::ScratchDir dir;
  Tiny a;
  save_model_file(dir / "m.pt", ModelFile{"textcnn", {}, state_dict(*a), {}});
  EXPECT_EQ(testing::error_of([&] { load_model_file_of_kind(dir / "m.pt", "tiny", "tiny net"); }),
            (dir / "m.pt").string() + ": is a 'textcnn' model, not a tiny net");
  EXPECT_EQ(load_model_file_of_kind(dir / "m.pt", "textcnn", "text CNN").kind, "textcnn");
  EXPECT_THROW(load_model_file_of_kind(dir / "absent.pt", "tiny", "tiny net"), Error);
}

struct TinyConfig {
  int hidden = 0;
  static TinyConfig from_json(const nlohmann::json& j) {
    TinyConfig c;
    c.hidden = j.at("hidden").get<int>();  // a JSON error when absent
    if (c.hidden != 2) throw Error("tiny model config: hidden must be 2");
    return c;
  }
};

TEST(ModelLoading, ConfigErrorsNameTheFile) {
  const std::filesystem::path path = "runs/x/model.pt";
  ModelFile file{"tiny", {{"hidden", 3}}, {}, {}};
  EXPECT_EQ(testing::error_of([&] { parse_model_config(path, file, TinyConfig::from_json); }),
            "runs/x/model.pt: tiny model config: hidden must be 2");
  file.config = nlohmann::json::object();
  auto msg = testing::error_of([&] { parse_model_config(path, file, TinyConfig::from_json); });
  EXPECT_EQ(msg.rfind("runs/x/model.pt: malformed model config: ", 0), 0u) << msg;
  EXPECT_TRUE(testing::Contains(msg, "hidden")) << msg;
  file.config = {{"hidden", 2}};
  EXPECT_EQ(parse_model_config(path, file, TinyConfig::from_json).hidden, 2);
  // Any callable: a lambda returning something else.
  EXPECT_EQ(parse_model_config(path, file, [](const nlohmann::json& j) { return j.size(); }), 1u);
}

TEST(ModelLoading, RoundTripIntoAFreshModuleInEvalMode) {
  testing::ScratchDir dir;
  torch::manual_seed(4);
  Tiny a;
  a->bn->running_var.fill_(3.0);
  save_model_file(dir / "m.pt", ModelFile{"tiny", {{"hidden", 2}}, state_dict(*a), {}});

  ModelFile file = load_model_file_of_kind(dir / "m.pt", "tiny", "tiny net");
  auto config = parse_model_config(dir / "m.pt", file, TinyConfig::from_json);
  EXPECT_EQ(config.hidden, 2);
  torch::manual_seed(5);
  Tiny b;
  ASSERT_FALSE(torch::equal(a->fc->weight, b->fc->weight));
  ASSERT_TRUE(b->is_training());
  load_for_inference(*b, file, dir / "m.pt", torch::kCPU);
  EXPECT_TRUE(torch::equal(a->fc->weight, b->fc->weight));
  EXPECT_TRUE(torch::equal(a->bn->running_var, b->bn->running_var));
  EXPECT_FALSE(b->is_training());
  EXPECT_FALSE(b->bn->is_training());
  EXPECT_EQ(b->fc->weight.device().type(), torch::kCPU);
  // A state that does not fit names the file.
  file.state.erase("fc.bias");
  Tiny c;
  EXPECT_TRUE(testing::Contains(
      testing::error_of([&] { load_for_inference(*c, file, dir / "m.pt", torch::kCPU); }),
      (dir / "m.pt").string() + ": missing tensor 'fc.bias'"));
}

// Python's torch.load reads seer's model files (when Debian's python3-torch is installed).
TEST(Checkpoint, PythonTorchLoadReadsModelFile) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with torch not available";
  }
  testing::ScratchDir dir;
  Tiny a;
  {
    torch::NoGradGuard g;
    a->fc->weight.copy_(torch::arange(6, torch::kFloat32).reshape({2, 3}));
  }
  save_model_file(dir / "m.pt", ModelFile{"tiny", {{"k", 7}}, state_dict(*a), {}});
  const std::string cmd =
      "/usr/bin/python3 -c \"import torch,json,sys; d=torch.load(sys.argv[1]); "
      "print(d['format'], d['version'], d['kind'], json.loads(d['config'])['k'], "
      "float(d['state_dict']['fc.weight'].sum()))\" " +
      (dir / "m.pt").string() + " > " + (dir / "out.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_file(dir / "out.txt");
  EXPECT_EQ(read_file(dir / "out.txt"), "seer 1 tiny 7 15.0\n");
}

}  // namespace
}  // namespace seer

namespace seer {
namespace {

TEST(BestModel, KeepsTheBestLaterTiesWinAndResumeReadsItBack) {
  auto dir = std::filesystem::temp_directory_path() / "seer_best_model_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  torch::nn::Linear net(2, 1);
  auto set_weight = [&](float v) {
    torch::NoGradGuard g;
    net->weight.fill_(v);
  };
  BestModel best("linear", {{"in", 2}}, dir / "best.pt");
  EXPECT_TRUE(best.empty());
  set_weight(1);
  EXPECT_TRUE(best.offer(*net, 0.5, 10));
  set_weight(2);
  EXPECT_FALSE(best.offer(*net, 0.4, 20));  // worse: not kept
  set_weight(3);
  EXPECT_TRUE(best.offer(*net, 0.5, 30));   // a tie goes to the later evaluation
  set_weight(4);
  EXPECT_TRUE(best.offer(*net, 0.1, 40, /*always=*/true));
  set_weight(5);
  EXPECT_TRUE(best.offer(*net, 0.2, 50));
  EXPECT_EQ(best.step(), 50);
  EXPECT_DOUBLE_EQ(best.score(), 0.2);

  // An interrupted run: a new keeper with resume reads the file back.
  set_weight(9);
  BestModel resumed("linear", {{"in", 2}}, dir / "best.pt", /*resume=*/true);
  EXPECT_EQ(resumed.step(), 50);
  EXPECT_DOUBLE_EQ(resumed.score(), 0.2);
  EXPECT_FALSE(resumed.offer(*net, 0.15, 60));
  resumed.restore(*net);
  EXPECT_FLOAT_EQ(net->weight[0][0].item<float>(), 5);
  // Without resume the file is ignored (a new run starts empty).
  EXPECT_TRUE(BestModel("linear", {}, dir / "best.pt", false).empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace seer
