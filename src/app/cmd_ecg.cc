// `lingjing ecg evaluate [DIR] [--records 100,101] [--lead 0]`: runs the streaming QRS detector
// over WFDB records and scores it beat by beat (ANSI/AAMI EC57, 150 ms window, from 5 min).
// Prints a per-record table and the gross figures; exits 1 when data is missing or unreadable.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "clinical/ecg/evaluate.h"

namespace lj::app {
namespace {

struct EcgEvaluateFlags {
  std::string dir = "../shared/data/mitdb";
  std::vector<std::string> records;
  int lead = 0;
};

// Every record in `dir` with both a header and reference annotations, sorted by name.
std::vector<std::string> FindRecords(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".hea") continue;
    std::filesystem::path atr = e.path();
    atr.replace_extension(".atr");
    if (std::filesystem::exists(atr)) out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

int RunEvaluate(const EcgEvaluateFlags& f) {
  if (!std::filesystem::is_directory(f.dir)) {
    std::cerr << "lingjing ecg evaluate: " << f.dir << ": no such directory\n";
    return 1;
  }
  std::vector<std::string> records = f.records.empty() ? FindRecords(f.dir) : f.records;
  if (records.empty()) {
    std::cerr << "lingjing ecg evaluate: " << f.dir << ": no records with .hea and .atr\n";
    return 1;
  }
  std::cout << fmt::format("{:<8} {:>6} {:>7} {:>7} {:>5} {:>5} {:>8} {:>8}\n", "record", "fs",
                           "beats", "TP", "FN", "FP", "Se%", "+P%");
  clinical::ecg::Ec57Counts gross;
  int failures = 0;
  for (const std::string& r : records) {
    Result<clinical::ecg::RecordScore> s =
        clinical::ecg::EvaluateRecord((std::filesystem::path(f.dir) / r).string(), f.lead);
    if (!s.ok()) {
      std::cerr << "lingjing ecg evaluate: " << s.status().ToString() << "\n";
      ++failures;
      continue;
    }
    const auto& c = s->counts;
    gross += c;
    std::cout << fmt::format("{:<8} {:>6} {:>7} {:>7} {:>5} {:>5} {:>8.2f} {:>8.2f}\n", r,
                             s->rate_hz, c.tp + c.fn, c.tp, c.fn, c.fp, 100 * c.Sensitivity(),
                             100 * c.PositivePredictivity());
  }
  std::cout << fmt::format("{:<8} {:>6} {:>7} {:>7} {:>5} {:>5} {:>8.2f} {:>8.2f}\n", "gross", "",
                           gross.tp + gross.fn, gross.tp, gross.fn, gross.fp,
                           100 * gross.Sensitivity(), 100 * gross.PositivePredictivity());
  return failures == 0 ? 0 : 1;
}

}  // namespace

void AddEcgCommand(CLI::App& app) {
  auto flags = std::make_shared<EcgEvaluateFlags>();
  CLI::App* ecg = app.add_subcommand("ecg", "ECG analysis: QRS detection and its evaluation");
  ecg->require_subcommand(1);
  CLI::App* eval = ecg->add_subcommand(
      "evaluate",
      "Run the QRS detector over WFDB records and score it beat by beat (ANSI/AAMI EC57: 150 ms "
      "match window, scoring from 5 min); prints per-record and gross Se and +P");
  eval->add_option("dir", flags->dir, "Directory of WFDB records (.hea, .dat, .atr)")
      ->capture_default_str();
  eval->add_option("--records", flags->records, "Record names (default: every record in DIR)")
      ->delimiter(',');
  eval->add_option("--lead", flags->lead, "Signal index to analyse")->capture_default_str();
  eval->callback([flags] {
    int rc = RunEvaluate(*flags);
    if (rc != 0) throw CLI::RuntimeError("ecg evaluate failed", rc);
  });
}

}  // namespace lj::app
