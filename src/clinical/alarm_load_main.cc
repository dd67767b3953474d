// lj_alarm_load: alarm load of a simulated ward day, and an audit of every alarm against the
// simulator's scripted patient courses. Runs the demo ward's simulator (vitals, observations,
// device events and, unless --no-ecg, the ECG that the clinical layer's QRS detector analyses;
// no pleth) for --hours of simulated time, stepped as fast as the machine allows, through the
// real Pipeline and ClinicalService, twice: with the alarm-fatigue design (onset delays,
// hysteresis, INOP suppression, NEWS2 persistence) and with onset delays and hysteresis set to
// zero. A simulated nurse acknowledges every alarm 90 s after it was raised. Prints alarms
// raised per patient per day by priority, the audible announcements, and the audit
// (clinical/alarm_audit.h): false alarms (no scheduled event behind them) by priority and kind,
// and every scheduled event kind with how many of its events raised the alarm they should.
// Progress goes to stderr. Usage: lj_alarm_load [--hours 24] [--beds 24] [--seed 42]
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "clinical/alarm_audit.h"
#include "clinical/clinical_service.h"
#include "common/time.h"
#include "graph/twin_graph.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "metrics/metrics.h"
#include "model/model.h"
#include "sim/simulator.h"
#include "sim/ward_builder.h"

namespace lj::clinical {
namespace {

constexpr int64_t kS = 1'000'000'000;

struct Run {
  double hours = 24;
  int beds = 24;
  uint32_t seed = 42;
  bool ecg = true;
  bool fatigue_design = true;
  int show_false = 20;  // false alarms listed one by one
};

struct Figures {
  std::map<Priority, uint64_t> raised;
  uint64_t announcements = 0;
  std::map<std::string, uint64_t> by_kind;
  AuditReport audit;
};

// "+3:25:07" (course time).
std::string Clock(double s) {
  const int64_t t = static_cast<int64_t>(s);
  return fmt::format("+{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
}

Result<Figures> RunDay(const Run& run) {
  model::ModelRegistry models;
  for (const auto& [name, text] : model::BuiltinWardModels())
    LJ_RETURN_IF_ERROR(models.LoadJson(text, name));
  LJ_RETURN_IF_ERROR(models.Resolve());
  const std::string dir = fmt::format("{}/lj_alarm_load_{}",
                                      std::filesystem::temp_directory_path().string(), ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto graph = graph::TwinGraph::Open(dir + "/twins.db", models);
  if (!graph.ok()) return graph.status();
  metrics::Registry metrics;
  live::LiveState live(models, {});
  (*graph)->AddListener(&live);
  sim::WardLayout layout;
  layout.beds = run.beds;
  layout.seed = run.seed;
  LJ_RETURN_IF_ERROR(sim::BuildWard(**graph, layout));
  live::PipelineOptions po;
  po.max_future_ns = int64_t{1} << 62;  // simulated time runs ahead of the wall clock
  live::Pipeline pipeline(live, metrics, po);

  ClinicalOptions opts;
  opts.db_path = dir + "/clinical.db";
  int64_t start = NowNs() / kS * kS;
  opts.clock = [&] { return start; };  // data time only
  if (!run.fatigue_design) {
    for (Limit& l : opts.default_limits.p) {
      l.onset_s = 0;
      l.hysteresis = 0;
    }
    opts.timing.news2_onset_s = 0;
    opts.timing.leads_off_onset_s = 0;
    opts.timing.sensor_off_onset_s = 0;
  }
  auto svc = ClinicalService::Open(**graph, pipeline, &metrics, opts);
  if (!svc.ok()) return svc.status();
  (*graph)->AddListener(svc->get());
  pipeline.AddObserver(svc->get());

  sim::Simulator::Options so = sim::SimulatorOptionsFor(layout);
  so.waveforms = run.ecg;
  so.pleth = false;  // the clinical layer does not analyse it
  sim::Simulator sim(pipeline, so);
  sim.Step(start);
  const int64_t end = start + static_cast<int64_t>(run.hours * 3600) * kS;
  const auto wall0 = std::chrono::steady_clock::now();
  const bool tty = isatty(STDERR_FILENO);
  const int64_t report_every = (tty ? 600 : 3600) * kS;
  const char* name = run.fatigue_design ? "design" : "baseline";
  for (int64_t t = start; t <= end; t += kS) {
    sim.Step(t);
    if ((t - start) % (10 * kS) == 0) {
      for (const Alarm& a : (*svc)->Alarms({}))
        if (a.state != AlarmState::kAcknowledged && t - a.onset_ns >= 90 * kS)
          (*svc)->Acknowledge(a.id, "load-nurse").status().IgnoreError();  // races are fine
    }
    if ((t - start) % report_every == 0 && t > start) {
      const double done = static_cast<double>(t - start) / static_cast<double>(end - start);
      const double spent =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
      std::cerr << fmt::format(
                       "  {}: {:.1f} of {} h simulated ({:.0f} %), {:.0f} s, ~{:.0f} s left{}",
                       name, static_cast<double>(t - start) / 3600e9, run.hours, 100 * done, spent,
                       spent / done - spent, tty ? "   \r" : "\n")
                << std::flush;
    }
  }
  if (tty) std::cerr << std::string(78, ' ') << "\r" << std::flush;
  (*svc)->Tick();
  (*svc)->store().Flush();

  Figures f;
  std::vector<AuditBed> beds;
  std::vector<AuditAlarm> alarms;
  const std::vector<std::string> patients = sim::PatientIds(layout);
  const double course_end = static_cast<double>(end - start) / 1e9;
  auto course_time = [&](const nlohmann::json& v) {
    if (!v.is_string()) return std::numeric_limits<double>::infinity();
    const std::optional<int64_t> ns = ParseRfc3339Ns(v.get<std::string>());
    return ns ? static_cast<double>(*ns - start) / 1e9 : std::numeric_limits<double>::infinity();
  };
  for (size_t i = 0; i < patients.size(); ++i) {
    const std::string& p = patients[i];
    const sim::Course* course = sim.course(i);  // as the simulator runs it (seeded per monitor)
    beds.push_back({p, course ? course->Episodes(0, course_end) : std::vector<sim::Episode>{}});
    Result<nlohmann::json> h = (*svc)->History(p, start, end + 3600 * kS, 100000);
    if (!h.ok()) return h.status();
    for (const nlohmann::json& a : *h) {
      // The priority it was raised at (the first event).
      const std::string pr = a["events"].empty() ? a["priority"].get<std::string>()
                                                 : a["events"][0]["priority"].get<std::string>();
      f.raised[*ParsePriority(pr)]++;
      f.announcements += a["announcements"].get<uint64_t>();
      f.by_kind[a["kind"].get<std::string>()]++;
      AuditAlarm x;
      x.patient = p;
      x.kind = AlarmKind::kCount;
      for (size_t k = 0; k < kAlarmKinds; ++k)
        if (AlarmKindName(static_cast<AlarmKind>(k)) == a["kind"].get<std::string>())
          x.kind = static_cast<AlarmKind>(k);
      if (x.kind == AlarmKind::kCount)
        return Status(ErrorCode::kInternal, fmt::format("history of {}: unknown alarm kind '{}'", p,
                                                        a["kind"].get<std::string>()));
      x.priority = *ParsePriority(pr);
      x.onset_s = course_time(a["onset"]);
      x.end_s = course_time(a["cleared"]);
      x.message = a["message"].get<std::string>();
      alarms.push_back(std::move(x));
    }
  }
  AuditOptions ao;
  ao.run_end_s = course_end;
  ao.ecg = run.ecg;
  f.audit = Audit(beds, alarms, ao);
  svc->reset();
  std::filesystem::remove_all(dir);
  return f;
}

void Print(const Run& run, const Figures& f) {
  uint64_t total = 0;
  for (auto& [p, n] : f.raised) total += n;
  const double pd = run.beds * run.hours / 24.0;
  std::cout << fmt::format(
      "{:<30} {:5} {:7} {:5} {:5}  | {:16.1f} {:14.1f}\n",
      run.fatigue_design ? "onset delay + hysteresis" : "no delay, no hysteresis",
      f.raised.count(Priority::kHigh) ? f.raised.at(Priority::kHigh) : 0,
      f.raised.count(Priority::kMedium) ? f.raised.at(Priority::kMedium) : 0,
      f.raised.count(Priority::kLow) ? f.raised.at(Priority::kLow) : 0,
      f.raised.count(Priority::kInop) ? f.raised.at(Priority::kInop) : 0,
      static_cast<double>(total) / pd, static_cast<double>(f.announcements) / pd);
  std::string kinds;
  for (auto& [k, n] : f.by_kind) kinds += fmt::format(" {}={}", k, n);
  std::cout << "   by kind:" << kinds << "\n";
  const AuditReport& a = f.audit;
  std::cout << fmt::format(
      "   false alarms (no scheduled event behind them): {} of {} — high {}, medium {}, low {}, "
      "inop {}\n",
      a.false_alarms.size(), a.alarms, a.FalseAt(Priority::kHigh), a.FalseAt(Priority::kMedium),
      a.FalseAt(Priority::kLow), a.FalseAt(Priority::kInop));
  if (!a.false_by.empty()) {
    std::string by;
    for (const auto& [key, n] : a.false_by)
      by += fmt::format(" {}/{}={}", AlarmKindName(key.second), PriorityName(key.first), n);
    std::cout << "   false by kind/priority:" << by << "\n";
  }
  std::string eps;
  for (const auto& [kind, n] : a.episodes)
    eps += fmt::format(" {} {}/{}", sim::EpisodeName(kind), n.alarmed, n.scheduled);
  std::cout << "   scheduled events that raised their alarm:" << eps << "\n";
  int shown = 0;
  for (const AuditAlarm& x : a.false_alarms) {
    if (shown++ == run.show_false) {
      std::cout << fmt::format("     ... and {} more\n", a.false_alarms.size() - run.show_false);
      break;
    }
    std::cout << fmt::format("     false: {} {} ({}) at {}: {}\n", x.patient, AlarmKindName(x.kind),
                             PriorityName(x.priority), Clock(x.onset_s), x.message);
  }
  shown = 0;
  for (const auto& [patient, e] : a.missed) {
    if (shown++ == run.show_false) {
      std::cout << fmt::format("     ... and {} more\n", a.missed.size() - run.show_false);
      break;
    }
    std::cout << fmt::format("     missed: {} {} at {}\n", patient, sim::EpisodeName(e.kind),
                             Clock(e.start_s));
  }
}

}  // namespace
}  // namespace lj::clinical

int main(int argc, char** argv) {
  CLI::App app{
      "Alarm load of a simulated ward day: alarms per patient-day by priority, with the "
      "alarm-fatigue design (onset delay + hysteresis) and without it, and every alarm checked "
      "against the simulator's scripted patient courses (false alarms, missed events)"};
  lj::clinical::Run run;
  bool no_ecg = false;
  std::string only;
  app.add_option("--hours", run.hours, "Simulated hours")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 24.0 * 14));
  app.add_option("--beds", run.beds, "Beds of the demo ward")
      ->capture_default_str()
      ->check(CLI::Range(1, 480));
  app.add_option("--seed", run.seed, "Simulator seed (courses are deterministic)")
      ->capture_default_str();
  app.add_option("--only", only, "Run only one design")
      ->check(CLI::IsMember({"design", "baseline"}));
  app.add_flag("--no-ecg", no_ecg,
               "Vitals only: no ECG waveform, so no QRS detection and no asystole (faster)");
  app.add_option("--show-false", run.show_false, "False alarms and missed events listed")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  run.ecg = !no_ecg;
  using lj::clinical::Priority;
  std::cout << fmt::format("Alarm load: {} beds, {} h simulated, seed {}, {}\n", run.beds,
                           run.hours, run.seed, run.ecg ? "ECG analysed" : "no ECG");
  std::cout << "design                         high  medium  low   inop  | per patient-day: "
               "total  announcements\n";
  for (bool design : {true, false}) {
    if (!only.empty() && (only == "design") != design) continue;
    run.fatigue_design = design;
    auto f = lj::clinical::RunDay(run);
    if (!f.ok()) {
      std::cerr << f.status().ToString() << "\n";
      return 1;
    }
    lj::clinical::Print(run, *f);
  }
  return 0;
}
