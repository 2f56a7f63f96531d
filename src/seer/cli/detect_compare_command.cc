// `seer detect compare`: the course's comparison table of the R-CNN family on one VOC folder.
// Each arch is trained and tested by seer itself (`seer detect train` then `seer detect test`,
// run as child processes so that each has the whole machine and its own memory), on the same
// split, backbone, input size and proposals; the rows are kept in the run folder
// (<run>/<arch>/row.json) so that an interrupted comparison continues where it stopped.
// Rows: rcnn, sppnet, fast-rcnn, fast-rcnn with truncated SVD (the same model), faster-rcnn with
// 300 RPN proposals. Test time is the detector's (proposal time excluded, as in the papers'
// tables); the speed-up is over R-CNN's.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "seer/cli/detect_commands.h"
#include "seer/core/atomic_file.h"
#include "seer/core/error.h"
#include "seer/detection/models/faster_rcnn.h"

namespace seer::cli {
namespace {

namespace fs = std::filesystem;
using detection::models::detector_archs;

struct CompareFlags {
  std::string data;
  std::string split = "trainval";
  std::string test_split = "test";
  std::vector<std::string> archs = detector_archs();
  std::string backbone = "resnet-lite";
  std::string proposals;
  std::string run = "runs/compare";
  double max_minutes = 0;
  int64_t steps = 0;
  std::vector<int> short_sides = {600};
  int max_long_side = 1000;
  std::vector<int64_t> svd = {256};  // fc6 at a quarter of its width, fc7 whole: on BCCD -46% test time, no mAP lost
                                    // (fc7 at 256 too cost 0.8 points for 1% more speed; docs/BENCHMARKS.md)
  int threads = 0;
  int64_t seed = 1;
  std::string train_args;  // more flags for every `seer detect train`
  bool json = false;
  bool no_progress = false;
};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `seer ARGS...` (this executable), its stderr shown; returns the last line of its stdout
// parsed as JSON. seer::Error naming the command when it fails.
nlohmann::json run_seer(const std::vector<std::string>& args, const std::string& extra = "") {
  std::string command = quote(fs::read_symlink("/proc/self/exe").string());
  for (const auto& a : args) command += " " + quote(a);
  if (!extra.empty()) command += " " + extra;
  std::cerr << "$ " << command << "\n";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw Error("detect compare: cannot start " + command);
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  if (status == -1) throw Error("detect compare: cannot wait for " + command);
  if (WIFSIGNALED(status))
    throw Error(fmt::format("detect compare: `{}` was killed by signal {}", command, WTERMSIG(status)));
  if (WEXITSTATUS(status) != 0)
    throw Error(fmt::format("detect compare: `{}` failed (exit status {})", command, WEXITSTATUS(status)));
  std::istringstream lines(out);
  std::string line, last;
  while (std::getline(lines, line))
    if (!line.empty()) last = line;
  try {
    return nlohmann::json::parse(last);
  } catch (const nlohmann::json::exception&) {
    throw Error("detect compare: `" + command + "` printed no JSON result");
  }
}

std::string join(const std::vector<int64_t>& v) {
  std::string out;
  for (auto x : v) out += (out.empty() ? "" : ",") + std::to_string(x);
  return out;
}

nlohmann::json test_row(const CompareFlags& f, const std::string& arch, const fs::path& dir, const std::string& label,
                        const std::vector<std::string>& more) {
  std::vector<std::string> args = {"detect", "test", "--model", (dir / "run" / "model.pt").string(), "--data", f.data,
                                   "--split", f.test_split, "--threads", std::to_string(f.threads), "--json",
                                   "--out", (dir / ("results-" + label)).string()};
  if (arch != detection::models::kFasterRcnnKind) args.insert(args.end(), {"--proposals", f.proposals});
  args.insert(args.end(), more.begin(), more.end());
  const auto r = run_seer(args);
  return {{"arch", label},
          {"mAP", r.at("mAP")},
          {"ap", r.at("ap")},
          {"test_seconds_per_image", r.at("model_seconds_per_image")},
          {"test_seconds_per_image_with_decoding", r.at("seconds_per_image")},
          {"images", r.at("images")}};
}

// The rows of one arch: trained once (kept), tested (kept).
std::vector<nlohmann::json> arch_rows(const CompareFlags& f, const std::string& arch) {
  const fs::path dir = fs::path(f.run) / arch;
  const fs::path row_file = dir / "rows.json";
  if (fs::exists(row_file)) {
    std::cerr << arch << ": done before, rows from " << row_file.string() << "\n";
    return nlohmann::json::parse(read_file(row_file)).get<std::vector<nlohmann::json>>();
  }
  std::vector<std::string> train = {"detect", "train", "--arch", arch, "--data", f.data, "--split", f.split,
                                    "--eval-split", "none", "--backbone", f.backbone, "--run", (dir / "run").string(),
                                    "--threads", std::to_string(f.threads), "--seed", std::to_string(f.seed),
                                    "--max-long-side", std::to_string(f.max_long_side), "--json"};
  for (int s : f.short_sides) train.insert(train.end(), {"--short-side", std::to_string(s)});
  if (f.max_minutes > 0) train.insert(train.end(), {"--max-minutes", fmt::format("{}", f.max_minutes)});
  if (f.steps > 0) train.insert(train.end(), {"--steps", std::to_string(f.steps)});
  if (f.no_progress) train.push_back("--no-progress");
  if (arch != detection::models::kFasterRcnnKind) train.insert(train.end(), {"--proposals", f.proposals});
  fs::remove_all(dir / "run");
  const auto trained = run_seer(train, f.train_args);
  double train_seconds = trained.at("seconds").get<double>();
  if (trained.contains("svm_stage"))
    train_seconds += trained["svm_stage"].at("feature_seconds").get<double>() +
                     trained["svm_stage"].at("svm_seconds").get<double>();
  std::vector<nlohmann::json> rows;
  auto row = test_row(f, arch, dir, arch, {});
  rows.push_back(row);
  if (arch == detection::models::kFastRcnnKind && !f.svd.empty()) {
    auto svd = test_row(f, arch, dir, arch + " + SVD", {"--svd", join(f.svd)});
    svd["svd"] = f.svd;
    rows.push_back(svd);
  }
  for (auto& r : rows) {
    r["train_seconds"] = train_seconds;
    r["train_steps"] = trained.at("steps");
    r["train_completed"] = trained.at("completed");
  }
  write_file_atomic(row_file, nlohmann::json(rows).dump(1));
  return rows;
}

std::string markdown(const std::vector<nlohmann::json>& rows, const std::vector<std::string>& classes,
                     const CompareFlags& f) {
  std::string out = fmt::format(
      "R-CNN family on {} ({} -> {}), backbone {}, {} threads; test time per image excludes the proposals\n\n"
      "| method | mAP |",
      f.data, f.split, f.test_split, f.backbone, f.threads);
  for (const auto& c : classes) out += " " + c + " |";
  out += " train | test s/img | speed-up over R-CNN |\n|---|---|";
  for (size_t i = 0; i < classes.size(); ++i) out += "---|";
  out += "---|---|---|\n";
  for (const auto& r : rows) {
    out += fmt::format("| {} | {:.3f} |", r.at("arch").get<std::string>(), r.at("mAP").get<double>());
    for (const auto& c : classes) {
      const auto& ap = r.at("ap");
      out += ap.contains(c) && ap[c].is_number() ? fmt::format(" {:.3f} |", ap[c].get<double>()) : std::string(" - |");
    }
    out += fmt::format(" {:.1f} min | {:.3f} | {} |\n", r.at("train_seconds").get<double>() / 60,
                       r.at("test_seconds_per_image").get<double>(),
                       r.contains("speedup") ? fmt::format("{:.1f}x", r["speedup"].get<double>()) : std::string("-"));
  }
  out += "\nThe papers (VOC07, GPU): R-CNN 66.0 mAP at 47 s/image (VGG16); SPP-Net 24-102x faster than R-CNN; "
         "Fast R-CNN 66.9 at 0.32 s, 0.22 s with SVD (146x / 213x); Faster R-CNN 69.9 at 0.2 s; with ZF, Faster "
         "R-CNN (300 RPN proposals) 59.9 vs Fast R-CNN (2000 selective search) 58.7.\n";
  return out;
}

void run_compare(CompareFlags f) {
  if (f.data.empty()) throw Error("detect compare: --data DIR is required");
  const auto known = detector_archs();
  bool needs_proposals = false;
  for (const auto& a : f.archs) {
    if (std::find(known.begin(), known.end(), a) == known.end())
      throw Error("detect compare: unknown arch '" + a + "' (rcnn, sppnet, fast-rcnn, faster-rcnn)");
    needs_proposals |= a != detection::models::kFasterRcnnKind;
  }
  if (f.max_minutes <= 0 && f.steps <= 0) throw Error("detect compare: give --max-minutes or --steps (per arch)");
  fs::create_directories(f.run);
  if (needs_proposals && f.proposals.empty()) {
    // The same selective search proposals for every arch, computed once into the run folder.
    f.proposals = (fs::path(f.run) / "proposals").string();
    for (const auto& split : {f.split, f.test_split}) {
      std::vector<std::string> args = {"detect", "proposals", "--data", f.data, "--split", split, "--out", f.proposals,
                                       "--threads", std::to_string(f.threads), "--json"};
      if (f.no_progress) args.push_back("--no-progress");
      run_seer(args);
    }
  }
  std::vector<nlohmann::json> rows;
  for (const auto& arch : f.archs)
    for (auto& r : arch_rows(f, arch)) rows.push_back(r);
  double rcnn_time = 0;
  for (const auto& r : rows)
    if (r.at("arch") == detection::models::kRcnnKind) rcnn_time = r.at("test_seconds_per_image").get<double>();
  std::vector<std::string> classes;
  for (auto& r : rows) {
    if (rcnn_time > 0) r["speedup"] = rcnn_time / r.at("test_seconds_per_image").get<double>();
    for (const auto& [c, v] : r.at("ap").items())
      if (std::find(classes.begin(), classes.end(), c) == classes.end()) classes.push_back(c);
  }
  const nlohmann::json result = {{"data", f.data},         {"split", f.split},    {"test_split", f.test_split},
                                 {"backbone", f.backbone}, {"threads", f.threads}, {"proposals", f.proposals},
                                 {"rows", rows}};
  const std::string table = markdown(rows, classes, f);
  write_file_atomic(fs::path(f.run) / "compare.json", result.dump(1));
  write_file_atomic(fs::path(f.run) / "compare.md", table);
  if (f.json) {
    std::cout << result.dump() << std::endl;
  } else {
    std::cout << table << "written to " << (fs::path(f.run) / "compare.md").string() << " and compare.json\n";
  }
}

}  // namespace

void add_detect_compare_command(CLI::App* detect) {
  auto f = std::make_shared<CompareFlags>();
  CLI::App* c = detect->add_subcommand(
      "compare", "Train and test R-CNN, SPP-Net, Fast R-CNN and Faster R-CNN on one folder: the course's table");
  c->add_option("--data", f->data, kDataHelp)->required();
  c->add_option("--split", f->split, "Training split")->capture_default_str();
  c->add_option("--test-split", f->test_split, "Test split")->capture_default_str();
  c->add_option("--archs", f->archs, "Detectors to compare, in order")->delimiter(',')->capture_default_str();
  c->add_option("--backbone", f->backbone, "The backbone of every arch")->capture_default_str();
  c->add_option("--proposals", f->proposals,
                "Selective search proposals of both splits (default: computed into RUN/proposals)");
  c->add_option("--run", f->run, "Folder for every arch's run, the rows and the table")->capture_default_str();
  c->add_option("--max-minutes", f->max_minutes, "Training time of each arch (minutes)");
  c->add_option("--steps", f->steps, "Training steps of each arch");
  c->add_option("--short-side", f->short_sides, "Training scales (short side, px)")->capture_default_str();
  c->add_option("--max-long-side", f->max_long_side, "Cap on the long side (px)")->capture_default_str();
  c->add_option("--svd", f->svd, "Fast R-CNN's truncated SVD ranks of fc6[,fc7] (the extra row; fc7 kept whole when one rank is given)")
      ->delimiter(',')
      ->capture_default_str();
  c->add_option("--threads", f->threads, "CPU threads of every run (0 = all cores)")->capture_default_str();
  c->add_option("--seed", f->seed, "Seed of every run")->capture_default_str();
  c->add_option("--train-args", f->train_args, "More flags for every `seer detect train` (one string)");
  c->add_flag("--json", f->json,
              "Print {\"rows\": [{\"arch\", \"mAP\", \"ap\", \"train_seconds\", \"test_seconds_per_image\", \"speedup\"}]}");
  c->add_flag("--no-progress", f->no_progress, "No progress bars");
  c->callback([f] { run_compare(*f); });
}

}  // namespace seer::cli
