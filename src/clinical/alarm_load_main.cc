// lj_alarm_load: alarm load of a simulated ward day. Runs the demo ward's simulator (vitals,
// observations and device events; no waveforms) for --hours of simulated time, stepped as fast as
// the machine allows, through the real Pipeline and ClinicalService, twice: with the
// alarm-fatigue design (onset delays, hysteresis, INOP suppression, NEWS2 persistence) and with
// onset delays and hysteresis set to zero. Prints alarms raised per patient per day by priority
// and the audible announcements. Nobody acknowledges, so escalations are included in the
// announcements. Usage: lj_alarm_load [--hours 24] [--beds 24] [--seed 42]
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

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

struct Figures {
  std::map<Priority, uint64_t> raised;
  uint64_t announcements = 0;
  std::map<std::string, uint64_t> by_kind;
};

Result<Figures> RunDay(double hours, int beds, uint32_t seed, bool fatigue_design) {
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
  layout.beds = beds;
  layout.seed = seed;
  LJ_RETURN_IF_ERROR(sim::BuildWard(**graph, layout));
  live::PipelineOptions po;
  po.max_future_ns = int64_t{1} << 62;  // simulated time runs ahead of the wall clock
  live::Pipeline pipeline(live, metrics, po);

  ClinicalOptions opts;
  opts.db_path = dir + "/clinical.db";
  int64_t start = NowNs() / 1'000'000'000 * 1'000'000'000;
  opts.clock = [&] { return start; };  // data time only
  if (!fatigue_design) {
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
  so.waveforms = false;
  sim::Simulator sim(pipeline, so);
  sim.Step(start);
  const int64_t end = start + static_cast<int64_t>(hours * 3600) * 1'000'000'000;
  for (int64_t t = start; t <= end; t += 1'000'000'000) {
    sim.Step(t);
    if ((t - start) % 10'000'000'000 == 0) {
      for (const Alarm& a : (*svc)->Alarms({}))
        if (a.state != AlarmState::kAcknowledged && t - a.onset_ns >= 90'000'000'000)
          (*svc)->Acknowledge(a.id, "load-nurse").status().IgnoreError();  // races are fine
    }
    if ((t - start) % (3600 * int64_t{1'000'000'000}) == 0)
      if (isatty(STDERR_FILENO))
        std::cerr << fmt::format("  {} h simulated\r", (t - start) / 3'600'000'000'000)
                  << std::flush;
  }
  (*svc)->Tick();
  (*svc)->store().Flush();
  Figures f;
  for (const std::string& p : sim::PatientIds(layout)) {
    Result<nlohmann::json> h = (*svc)->History(p, start, end + 3600LL * 1'000'000'000, 100000);
    if (!h.ok()) return h.status();
    for (const nlohmann::json& a : *h) {
      // The priority it was raised at (the first event).
      const std::string pr = a["events"].empty() ? a["priority"].get<std::string>()
                                                 : a["events"][0]["priority"].get<std::string>();
      f.raised[*ParsePriority(pr)]++;
      f.announcements += a["announcements"].get<uint64_t>();
      f.by_kind[a["kind"].get<std::string>()]++;
    }
  }
  svc->reset();
  std::filesystem::remove_all(dir);
  return f;
}

}  // namespace
}  // namespace lj::clinical

int main(int argc, char** argv) {
  CLI::App app{
      "Alarm load of a simulated ward day: alarms per patient-day by priority, with the "
      "alarm-fatigue design (onset delay + hysteresis) and without it"};
  double hours = 24;
  int beds = 24;
  uint32_t seed = 42;
  std::string only;
  app.add_option("--hours", hours, "Simulated hours")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 24.0 * 14));
  app.add_option("--beds", beds, "Beds of the demo ward")
      ->capture_default_str()
      ->check(CLI::Range(1, 480));
  app.add_option("--seed", seed, "Simulator seed (courses are deterministic)")
      ->capture_default_str();
  app.add_option("--only", only, "Run only one design")
      ->check(CLI::IsMember({"design", "baseline"}));
  CLI11_PARSE(app, argc, argv);
  using lj::clinical::Priority;
  std::cout << fmt::format("Alarm load: {} beds, {} h simulated, seed {}\n", beds, hours, seed);
  std::cout << "design                         high  medium  low   inop  | per patient-day: "
               "total  announcements\n";
  for (bool design : {true, false}) {
    if (!only.empty() && (only == "design") != design) continue;
    auto f = lj::clinical::RunDay(hours, beds, seed, design);
    if (!f.ok()) {
      std::cerr << f.status().ToString() << "\n";
      return 1;
    }
    uint64_t total = 0;
    for (auto& [p, n] : f->raised) total += n;
    const double pd = beds * hours / 24.0;
    std::cout << fmt::format("{:<30} {:5} {:7} {:5} {:5}  | {:16.1f} {:14.1f}\n",
                             design ? "onset delay + hysteresis" : "no delay, no hysteresis",
                             f->raised[Priority::kHigh], f->raised[Priority::kMedium],
                             f->raised[Priority::kLow], f->raised[Priority::kInop], total / pd,
                             static_cast<double>(f->announcements) / pd);
    std::string kinds;
    for (auto& [k, n] : f->by_kind) kinds += fmt::format(" {}={}", k, n);
    std::cout << "   by kind:" << kinds << "\n";
  }
  return 0;
}
