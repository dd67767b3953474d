// ClinicalService: the ward's clinical layer, live. As a SampleObserver it keeps, per patient,
// the latest vital signs from the patient's devices (Bed hasDevice X with Bed occupiedBy
// Patient, or Patient wears X) and the nurse observations on the patient twin (consciousness,
// supplementalO2); it recomputes NEWS2 whenever an input changes, runs one QRS detector per ECG
// series (ECG heart rate, asystole), runs the AlarmTracker, and ingests the derived telemetry on
// the patient twin (news2, news2Risk, news2Complete, news2Response, alarmLevel, alarmText,
// alarmCount, ecgHr) with Protocol::kClinical, so every viewer sees it through the live API.
// As a GraphListener it re-resolves device -> patient -> ward after graph changes.
//
// Rhythm: the end of an INOP of the ECG (leads off, no data) and a gap in an ECG series' data
// time restart the patient's rhythm timers, so "no QRS for N s" never counts across them.
//
// Time: the service's clock is data time — the newest accepted sample timestamp, extrapolated
// by `options.clock` since that sample arrived — so replays and accelerated simulation behave as
// live data. Tick() (every tick_s on the Start() thread) applies staleness, "no data", silence
// expiry and escalation when no samples arrive.
// Thread-safety: every public method may be called from any thread (one internal mutex; the
// derived telemetry and the history are written after it is released). Samples ingested with
// Protocol::kClinical are ignored (no feedback loop).
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "clinical/alarm_limits.h"
#include "clinical/alarm_store.h"
#include "clinical/alarm_tracker.h"
#include "clinical/patient_inputs.h"
#include "graph/twin_graph.h"
#include "ingest/ingest_sink.h"
#include "live/sample_observer.h"

namespace lj::metrics {
class Registry;
class Counter;
}  // namespace lj::metrics

namespace lj::clinical {

struct ClinicalOptions {
  std::string db_path = ":memory:";  // the engine passes "<data_dir>/clinical.db"
  AlarmLimits default_limits = DefaultLimits();
  std::map<std::string, AlarmLimits> ward_limits;  // ward twin id -> its defaults
  Staleness staleness;
  AlarmTiming timing;
  AlarmPolicy policy;
  std::function<int64_t()> clock;  // wall clock (ns) for extrapolating data time; NowNs if empty
  double tick_s = 1;
  bool analyse_ecg = true;
};

struct AlarmQuery {
  std::string ward, patient;        // empty = any
  std::optional<AlarmState> state;  // empty = every shown alarm
};

class ClinicalService : public live::SampleObserver, public graph::GraphListener {
 public:
  // `graph` and `sink` must outlive the service; `metrics` may be null.
  static Result<std::unique_ptr<ClinicalService>> Open(graph::TwinGraph& graph,
                                                       ingest::IngestSink& sink,
                                                       metrics::Registry* metrics,
                                                       ClinicalOptions options);
  ~ClinicalService() override;

  void Start();  // Tick() every tick_s on an own thread
  void Stop();
  void Tick();
  int64_t Now() const;

  std::vector<Alarm> Alarms(const AlarmQuery& q) const;
  Result<nlohmann::json> History(const std::string& patient, int64_t from_ns, int64_t to_ns,
                                 size_t limit = 1000);
  Result<Alarm> Acknowledge(uint64_t alarm_id, const std::string& by);
  Result<Alarm> Silence(uint64_t alarm_id, double seconds);  // <= 0: the policy's default
  // {"effective": {...}, "overrides": {...}, "ward": "..."}
  Result<nlohmann::json> Limits(const std::string& patient) const;
  // Replaces the patient's overrides (a partial limits document; {} resets to the ward's).
  Result<nlohmann::json> SetLimits(const std::string& patient, const nlohmann::json& overrides);
  // Score, risk, response and the per-parameter breakdown (value, score, missing, time).
  Result<nlohmann::json> News2(const std::string& patient) const;

  AlarmStore& store() { return *store_; }

  // live::SampleObserver
  void OnAccepted(ingest::Protocol protocol, std::span<const live::AcceptedScalar> scalars,
                  std::span<const live::AcceptedBlock> blocks) override;
  // graph::GraphListener: only marks the topology dirty (re-resolved on the next sample/tick).
  void OnTwinUpserted(const graph::Twin& twin, bool created) override;
  void OnTwinDeleted(const std::string& id) override;
  void OnRelationshipsChanged(const std::string& source) override;

 private:
  struct Patient;
  struct EcgSeries;
  struct Output;
  ClinicalService(graph::TwinGraph& graph, ingest::IngestSink& sink, metrics::Registry* metrics,
                  ClinicalOptions options, std::unique_ptr<AlarmStore> store);
  void Refresh();
  void Route(const live::AcceptedScalar& s);
  void AnalyseEcg(const live::AcceptedBlock& b);
  void CheckEcgInop(Patient& p, int64_t now);
  void RestartRhythm(Patient& p, int64_t t_ns);
  void Evaluate(Patient& p, int64_t now, Output& out);
  void Publish(Patient& p, int64_t now, Output& out);
  void Emit(Output& out);
  AlarmLimits BaseLimits(const Patient& p) const;
  void NoteData(int64_t t_ns);
  int64_t NowLocked() const;

  graph::TwinGraph& graph_;
  ingest::IngestSink& sink_;
  ClinicalOptions options_;
  std::unique_ptr<AlarmStore> store_;
  std::array<metrics::Counter*, 5> raised_{};

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Patient>> patients_;
  std::unordered_map<std::string, std::string> device_patient_;
  std::unordered_map<uint64_t, std::string> alarm_patient_;
  std::unordered_map<std::string, std::unique_ptr<EcgSeries>> ecg_;
  std::map<std::string, nlohmann::json> overrides_;
  uint64_t next_id_ = 0;
  int64_t data_ns_ = 0, data_clock_ns_ = 0;
  mutable int64_t last_now_ns_ = 0;
  std::atomic<bool> topology_dirty_{true};

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace lj::clinical
