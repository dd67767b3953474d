// `lingjing ecg evaluate [DIR] [--records 100,101] [--lead 0]`: runs the streaming QRS detector
// over WFDB records and scores it beat by beat (ANSI/AAMI EC57, 150 ms window, from 5 min).
// Prints a per-record table (with the analysed lead) and the gross figures; exits 1 when data is
// missing or unreadable.
// `lingjing ecg detect RECORD --out FILE [--format samples|wfdb] [--lead 0]`: writes the
// detector's beats — one sample index per line, or a WFDB (MIT-format) annotation file of N
// beats that any external scorer reads (`bxb -r 100 -a atr qrs` with --out 100.qrs).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "clinical/ecg/evaluate.h"
#include "wfdb/wfdb.h"

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
  std::cout << fmt::format("{:<8} {:<5} {:>6} {:>7} {:>7} {:>5} {:>5} {:>8} {:>8} {:>7}\n",
                           "record", "lead", "fs", "beats", "TP", "FN", "FP", "Se%", "+P%",
                           "excl_s");
  clinical::ecg::Ec57Counts gross;
  double sum_se = 0, sum_pp = 0;
  int scored = 0;
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
    sum_se += c.Sensitivity();
    sum_pp += c.PositivePredictivity();
    ++scored;
    std::cout << fmt::format(
        "{:<8} {:<5} {:>6} {:>7} {:>7} {:>5} {:>5} {:>8.2f} {:>8.2f} {:>7.1f}\n", r,
        s->lead_name.substr(0, 5), s->rate_hz, c.tp + c.fn, c.tp, c.fn, c.fp, 100 * c.Sensitivity(),
        100 * c.PositivePredictivity(), s->excluded_s);
  }
  // EC57 asks for both: gross (events summed over records) and average (mean of the records'
  // figures, every record weighing the same).
  std::cout << fmt::format("{:<8} {:<5} {:>6} {:>7} {:>7} {:>5} {:>5} {:>8.2f} {:>8.2f}\n", "gross",
                           "", "", gross.tp + gross.fn, gross.tp, gross.fn, gross.fp,
                           100 * gross.Sensitivity(), 100 * gross.PositivePredictivity());
  if (scored > 0)
    std::cout << fmt::format("{:<8} {:<5} {:>6} {:>7} {:>7} {:>5} {:>5} {:>8.2f} {:>8.2f}\n",
                             "average", "", "", "", "", "", "", 100 * sum_se / scored,
                             100 * sum_pp / scored);
  return failures == 0 ? 0 : 1;
}

struct EcgDetectFlags {
  std::string record;
  std::string out;
  std::string format = "samples";
  int lead = 0;
};

int RunDetect(const EcgDetectFlags& f) {
  Result<clinical::ecg::RecordBeats> b = clinical::ecg::DetectRecord(f.record, f.lead);
  if (!b.ok()) {
    std::cerr << "lingjing ecg detect: " << b.status().ToString() << "\n";
    return 1;
  }
  std::string bytes;
  if (f.format == "wfdb") {
    std::vector<wfdb::Annotation> ann;
    ann.reserve(b->samples.size());
    for (int64_t s : b->samples) ann.push_back({s, 1, 0, 0, 0, ""});  // 1 = N (NORMAL)
    Result<std::string> enc = wfdb::EncodeAnnotations(ann);
    if (!enc.ok()) {
      std::cerr << "lingjing ecg detect: " << enc.status().ToString() << "\n";
      return 1;
    }
    bytes = std::move(enc).value();
  } else {
    for (int64_t s : b->samples) bytes += fmt::format("{}\n", s);
  }
  std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::cerr << "lingjing ecg detect: cannot write " << f.out << "\n";
    return 1;
  }
  std::cout << fmt::format("{} beats on lead {} ({}) of {} at {} Hz -> {} ({})\n",
                           b->samples.size(), f.lead, b->lead_name, b->record, b->rate_hz, f.out,
                           f.format == "wfdb" ? "WFDB annotations, code N" : "sample indices");
  return 0;
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

  auto det = std::make_shared<EcgDetectFlags>();
  CLI::App* detect = ecg->add_subcommand(
      "detect",
      "Run the QRS detector over one WFDB record and write its beats: one sample index per line, "
      "or (--format wfdb) a WFDB annotation file any external scorer reads (e.g. --out "
      "100.qrs, then `bxb -r 100 -a atr qrs`)");
  detect->add_option("record", det->record, "Record path without extension (e.g. mitdb/100)")
      ->required();
  detect->add_option("--out", det->out, "File to write")->required();
  detect
      ->add_option("--format", det->format,
                   "samples: one sample index per line; wfdb: MIT-format annotations")
      ->check(CLI::IsMember({"samples", "wfdb"}))
      ->capture_default_str();
  detect->add_option("--lead", det->lead, "Signal index to analyse")->capture_default_str();
  detect->callback([det] {
    int rc = RunDetect(*det);
    if (rc != 0) throw CLI::RuntimeError("ecg detect failed", rc);
  });
}

}  // namespace lj::app
