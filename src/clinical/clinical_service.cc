#include "clinical/clinical_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "clinical/ecg/qrs_detector.h"
#include "common/log.h"
#include "common/time.h"
#include "metrics/metrics.h"

namespace lj::clinical {
namespace {

constexpr const char* kBedModel = "dtmi:lingjing:ward:Bed;1";
constexpr const char* kPatientModel = "dtmi:lingjing:ward:Patient;1";
constexpr const char* kWardModel = "dtmi:lingjing:ward:Ward;1";

std::optional<double> Number(const ingest::Value& v) {
  if (v.kind == ingest::ValueKind::kDouble) return v.d;
  if (v.kind == ingest::ValueKind::kInt) return static_cast<double>(v.i);
  return std::nullopt;
}

std::optional<Consciousness> ParseAcvpu(std::string_view s) {
  if (s == "alert") return Consciousness::kAlert;
  if (s == "newConfusion") return Consciousness::kNewConfusion;
  if (s == "voice") return Consciousness::kVoice;
  if (s == "pain") return Consciousness::kPain;
  if (s == "unresponsive") return Consciousness::kUnresponsive;
  return std::nullopt;
}

std::string_view RiskEnum(Risk r) {
  switch (r) {
    case Risk::kLow:
      return "low";
    case Risk::kLowMedium:
      return "lowMedium";
    case Risk::kMedium:
      return "medium";
    case Risk::kHigh:
      return "high";
  }
  return "low";
}

}  // namespace

struct ClinicalService::Patient {
  explicit Patient(const std::string& id) : id(id), tracker(id, "") {}
  std::string id, ward;
  PatientInputs in;
  News2Result news2;
  AlarmLimits limits;
  AlarmTracker tracker;
  bool dirty = false;
  bool ecg_inop = false;  // EcgInop at the last check: its end restarts the rhythm timers
  // Last published derived values (publish on change only).
  bool published = false;
  int pub_news2 = -1, pub_count = -1;
  bool pub_complete = false;
  std::string pub_risk, pub_response, pub_level, pub_text;
  double pub_ecg_hr = 0;
  int64_t pub_ecg_ns = 0;
};

struct ClinicalService::EcgSeries {
  ecg::QrsDetector detector;
  std::vector<ecg::Beat> beats;
  std::vector<int32_t> scratch;
  std::string patient;  // whose ECG it was at the last block
  int64_t end_ns = 0;   // where the last block ended (0 = none yet)
  double rate_hz = 0;
};

struct ClinicalService::Output {
  ingest::ParsedBatch batch;
  std::vector<AlarmEvent> events;
  void Add(const std::string& twin, std::string_view tel, int64_t t, ingest::Value v) {
    ingest::ParsedSample s;
    s.twin = batch.owned.emplace_back(twin);
    s.telemetry = tel;
    s.t_ns = t;
    if (v.kind == ingest::ValueKind::kString) v.s = batch.owned.emplace_back(v.s);
    s.value = v;
    batch.samples.push_back(s);
  }
};

Result<std::unique_ptr<ClinicalService>> ClinicalService::Open(graph::TwinGraph& graph,
                                                               ingest::IngestSink& sink,
                                                               metrics::Registry* metrics,
                                                               ClinicalOptions options) {
  LJ_RETURN_IF_ERROR(Validate(options.default_limits));
  for (const auto& [ward, l] : options.ward_limits) LJ_RETURN_IF_ERROR(Validate(l));
  Result<std::unique_ptr<AlarmStore>> store = AlarmStore::Open(options.db_path);
  if (!store.ok()) return store.status();
  if (!options.clock) options.clock = [] { return NowNs(); };
  std::unique_ptr<ClinicalService> s(
      new ClinicalService(graph, sink, metrics, std::move(options), std::move(store).value()));
  s->next_id_ = s->store_->MaxAlarmId();
  Result<std::vector<std::pair<std::string, nlohmann::json>>> limits = s->store_->LoadLimits();
  if (!limits.ok()) return limits.status();
  for (auto& [patient, doc] : *limits) s->overrides_[patient] = doc;
  s->Refresh();
  return s;
}

ClinicalService::ClinicalService(graph::TwinGraph& graph, ingest::IngestSink& sink,
                                 metrics::Registry* metrics, ClinicalOptions options,
                                 std::unique_ptr<AlarmStore> store)
    : graph_(graph), sink_(sink), options_(std::move(options)), store_(std::move(store)) {
  if (metrics) {
    for (Priority p : {Priority::kInop, Priority::kLow, Priority::kMedium, Priority::kHigh}) {
      raised_[static_cast<size_t>(p)] =
          &metrics->GetCounter("lj_clinical_alarms_raised_total", "Alarms raised, by priority.",
                               {{"priority", std::string(PriorityName(p))}});
    }
  }
}

ClinicalService::~ClinicalService() { Stop(); }

void ClinicalService::Start() {
  std::lock_guard lk(run_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lk(run_mu_);
    while (!stop_) {
      run_cv_.wait_for(lk, std::chrono::duration<double>(options_.tick_s), [&] { return stop_; });
      if (stop_) break;
      lk.unlock();
      Tick();
      lk.lock();
    }
  });
}

void ClinicalService::Stop() {
  {
    std::lock_guard lk(run_mu_);
    stop_ = true;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// ---- topology ------------------------------------------------------------------------------

void ClinicalService::OnTwinUpserted(const graph::Twin&, bool) { topology_dirty_ = true; }
void ClinicalService::OnTwinDeleted(const std::string&) { topology_dirty_ = true; }
void ClinicalService::OnRelationshipsChanged(const std::string&) { topology_dirty_ = true; }

void ClinicalService::Refresh() {
  if (!topology_dirty_.exchange(false)) return;
  // Read the graph without holding mu_ (the graph has its own lock).
  std::unordered_map<std::string, std::string> device_patient, patient_ward;
  std::map<std::string, Spo2Scale> scales;
  if (auto patients = graph_.ListTwins(kPatientModel); patients.ok()) {
    for (const graph::Twin& t : *patients) {
      const nlohmann::json& sc = t.properties.value("spo2Scale", nlohmann::json(1));
      scales[t.id] = sc == 2 ? Spo2Scale::kScale2 : Spo2Scale::kScale1;
      if (auto rels = graph_.ListRelationships(t.id); rels.ok())
        for (const graph::Relationship& r : *rels)
          if (r.name == "wears") device_patient[r.target] = t.id;
    }
  }
  if (auto beds = graph_.ListTwins(kBedModel); beds.ok()) {
    for (const graph::Twin& b : *beds) {
      auto rels = graph_.ListRelationships(b.id);
      if (!rels.ok()) continue;
      std::string patient;
      for (const graph::Relationship& r : *rels)
        if (r.name == "occupiedBy") patient = r.target;
      if (patient.empty()) continue;
      for (const graph::Relationship& r : *rels)
        if (r.name == "hasDevice") device_patient.emplace(r.target, patient);
    }
  }
  if (auto wards = graph_.ListTwins(kWardModel); wards.ok()) {
    for (const graph::Twin& w : *wards) {
      auto under = graph_.Traverse(w.id, {"contains", "occupiedBy"}, 4);
      if (!under.ok()) continue;
      for (const std::string& id : *under)
        if (scales.count(id)) patient_ward.emplace(id, w.id);
    }
  }
  Output out;
  {
    std::lock_guard lk(mu_);
    device_patient_ = std::move(device_patient);
    const int64_t now = NowLocked();
    for (auto it = patients_.begin(); it != patients_.end();) {
      if (scales.count(it->first)) {
        ++it;
        continue;
      }
      it->second->tracker.ClearAll(now, "patient_left", out.events);
      it = patients_.erase(it);
    }
    for (const auto& [id, scale] : scales) {
      auto& slot = patients_[id];
      if (!slot) slot = std::make_unique<Patient>(id);
      Patient& p = *slot;
      p.in.scale = scale;
      auto w = patient_ward.find(id);
      p.ward = w == patient_ward.end() ? "" : w->second;
      p.tracker.set_ward(p.ward);
      AlarmLimits base = BaseLimits(p);
      auto ov = overrides_.find(id);
      Result<AlarmLimits> eff =
          ov == overrides_.end() ? Result<AlarmLimits>(base) : MergeLimits(base, ov->second);
      p.limits = eff.ok() ? *eff : base;
    }
    for (const AlarmEvent& e : out.events) alarm_patient_.erase(e.alarm.id);
  }
  Emit(out);
}

AlarmLimits ClinicalService::BaseLimits(const Patient& p) const {
  auto w = options_.ward_limits.find(p.ward);
  return ForScale(w == options_.ward_limits.end() ? options_.default_limits : w->second,
                  p.in.scale);
}

// ---- samples -------------------------------------------------------------------------------

int64_t ClinicalService::NowLocked() const {
  const int64_t wall = options_.clock();
  if (data_ns_ == 0) return wall;  // no data yet
  const int64_t t = data_ns_ + std::max<int64_t>(0, wall - data_clock_ns_);
  // Never backwards: derived samples published at an earlier instant would be stale on arrival.
  last_now_ns_ = std::max(last_now_ns_, t);
  return last_now_ns_;
}

int64_t ClinicalService::Now() const {
  std::lock_guard lk(mu_);
  return NowLocked();
}

void ClinicalService::NoteData(int64_t t_ns) {
  if (t_ns > data_ns_) {
    data_ns_ = t_ns;
    data_clock_ns_ = options_.clock();
  }
}

void ClinicalService::Route(const live::AcceptedScalar& s) {
  const std::string_view tel = s.telemetry;
  auto pit = patients_.find(std::string(s.twin));
  if (pit != patients_.end()) {  // nurse observations on the patient twin
    Patient& p = *pit->second;
    if (tel == "consciousness" && s.value.kind == ingest::ValueKind::kString) {
      if (auto c = ParseAcvpu(s.value.s); c && s.t_ns >= p.in.consciousness_ns) {
        p.in.consciousness = c;
        p.in.consciousness_ns = s.t_ns;
        p.dirty = true;
      }
    } else if (tel == "supplementalO2" && s.value.kind == ingest::ValueKind::kBool &&
               s.t_ns >= p.in.oxygen_ns) {
      p.in.on_oxygen = s.value.b;
      p.in.oxygen_ns = s.t_ns;
      p.dirty = true;
    } else if (std::optional<double> v = Number(s.value)) {
      // Charted vitals (a nurse's count, POST /fhir/Observation without a device) count in
      // NEWS2 like a device's: the newest reading of each parameter wins, whoever measured it.
      auto set = [&](Reading& r) {
        if (r.has && s.t_ns < r.t_ns) return;
        r = {true, *v, s.t_ns};
        p.dirty = true;
      };
      if (tel == "rr") set(p.in.vital[kVRr]);
      if (tel == "spo2") set(p.in.vital[kVSpo2]);
      if (tel == "nibpSys") set(p.in.vital[kVSbp]);
      if (tel == "temp") set(p.in.vital[kVTemp]);
      if (tel == "hr") SetHeartRate(p.in, *v, s.t_ns, HrSource::kPulse, options_.staleness);
    }
    return;
  }
  auto dit = device_patient_.find(std::string(s.twin));
  if (dit == device_patient_.end()) return;
  auto it = patients_.find(dit->second);
  if (it == patients_.end()) return;
  Patient& p = *it->second;
  PatientInputs& in = p.in;
  auto set = [&](Reading& r, double v) {
    if (r.has && s.t_ns < r.t_ns) return;
    r = {true, v, s.t_ns};
    p.dirty = true;
  };
  in.last_data_ns = std::max(in.last_data_ns, s.t_ns);
  p.dirty = true;
  if (s.value.kind == ingest::ValueKind::kBool) {
    if (tel == "ecgLeadsOff" || tel == "leadsOff") set(in.leads_off, s.value.b ? 1 : 0);
    if (tel == "spo2SensorOff" || tel == "sensorOff") set(in.spo2_off, s.value.b ? 1 : 0);
    return;
  }
  std::optional<double> v = Number(s.value);
  if (!v) return;
  if (tel == "hr") {
    SetHeartRate(in, *v, s.t_ns, HrSource::kEcgDevice, options_.staleness);
  } else if (tel == "pulseRate") {
    SetHeartRate(in, *v, s.t_ns, HrSource::kPulse, options_.staleness);
  } else if (tel == "rr") {
    set(in.vital[kVRr], *v);
  } else if (tel == "spo2") {
    set(in.vital[kVSpo2], *v);
  } else if (tel == "nibpSys") {
    set(in.vital[kVSbp], *v);
  } else if (tel == "temp") {
    set(in.vital[kVTemp], *v);
  }
}

// The end of an INOP of the ECG (leads off, no data) or a gap in its samples: the time without
// a QRS counts from `t_ns`, not from the last beat before it (a flat line while the leads were
// off is no pause of the heart). The detectors keep what they learnt of the signal's amplitude:
// a fresh detector would learn its thresholds from whatever comes next, and a flat line with
// noise (a heart that stopped while the leads were off) would then yield false beats.
void ClinicalService::RestartRhythm(Patient& p, int64_t t_ns) {
  p.in.rhythm_since_ns = std::max(p.in.rhythm_since_ns, t_ns);
  p.in.asystole = false;  // until the next ECG block says otherwise
}

// At the end of an ECG INOP the rhythm timers restart from the patient's own newest sample (the
// one that ended it), not from the service's clock, which another device may run ahead of.
void ClinicalService::CheckEcgInop(Patient& p, int64_t now) {
  const bool inop = EcgInop(p.in, now, options_.staleness);
  if (p.ecg_inop && !inop)
    RestartRhythm(p, p.in.last_data_ns > 0 ? std::min(now, p.in.last_data_ns) : now);
  p.ecg_inop = inop;
}

void ClinicalService::AnalyseEcg(const live::AcceptedBlock& b) {
  auto dit = device_patient_.find(std::string(b.twin));
  if (dit == device_patient_.end()) return;
  auto pit = patients_.find(dit->second);
  if (pit == patients_.end()) return;
  Patient& p = *pit->second;
  auto& slot = ecg_[std::string(b.twin)];
  if (!slot) slot = std::make_unique<EcgSeries>();
  EcgSeries& e = *slot;
  if (e.patient != p.id) {  // a new series, or the device moved to another patient
    e.detector.Reset();
    e.end_ns = 0;
    e.patient = p.id;
  }
  // A gap (or overlap) of more than two sample periods in the data time, or a new rate.
  if (e.end_ns != 0 &&
      (b.rate_hz != e.rate_hz || std::abs(ElapsedNs(b.t0_ns, e.end_ns)) > 2e9 / b.rate_hz))
    RestartRhythm(p, b.t0_ns);
  e.scratch.resize(b.values.size());
  for (size_t i = 0; i < b.values.size(); ++i)
    e.scratch[i] = static_cast<int32_t>(std::clamp(b.values[i], -2e9, 2e9));
  e.beats.clear();
  e.detector.Push(e.scratch.data(), e.scratch.size(), b.t0_ns, b.rate_hz, &e.beats);
  const int64_t end =
      b.t0_ns +
      static_cast<int64_t>(std::llround(static_cast<double>(b.values.size()) * 1e9 / b.rate_hz));
  e.end_ns = end;
  e.rate_hz = b.rate_hz;
  const ecg::Rhythm r = e.detector.CurrentRhythm(end);
  p.in.last_ecg_ns = end;
  p.in.last_beat_ns = r.last_beat_ns;
  p.in.asystole = r.asystole;
  p.in.last_data_ns = std::max(p.in.last_data_ns, end);
  if (r.heart_rate_bpm > 0) {
    SetHeartRate(p.in, r.heart_rate_bpm, end, HrSource::kEcgDetector, options_.staleness);
    p.pub_ecg_hr = r.heart_rate_bpm;
  }
  p.dirty = true;
}

void ClinicalService::OnAccepted(ingest::Protocol protocol,
                                 std::span<const live::AcceptedScalar> scalars,
                                 std::span<const live::AcceptedBlock> blocks) {
  if (protocol == ingest::Protocol::kClinical) return;
  Refresh();
  Output out;
  {
    std::lock_guard lk(mu_);
    for (const live::AcceptedScalar& s : scalars) {
      Route(s);
      NoteData(s.t_ns);
    }
    // An ECG INOP that these samples ended (leads back on, data again) restarts the rhythm
    // timers before the ECG blocks of the same batch are analysed.
    if (options_.analyse_ecg && !blocks.empty()) {
      const int64_t now = NowLocked();
      for (auto& [id, p] : patients_)
        if (p->dirty) CheckEcgInop(*p, now);
    }
    if (options_.analyse_ecg) {
      for (const live::AcceptedBlock& b : blocks) {
        if (b.telemetry != "ecg" || b.rate_hz <= 0 || b.values.empty()) continue;
        AnalyseEcg(b);
        NoteData(b.t0_ns);
      }
    }
    const int64_t now = NowLocked();
    for (auto& [id, p] : patients_)
      if (p->dirty) Evaluate(*p, now, out);
  }
  Emit(out);
}

void ClinicalService::Tick() {
  Refresh();
  Output out;
  {
    std::lock_guard lk(mu_);
    const int64_t now = NowLocked();
    for (auto& [id, p] : patients_) Evaluate(*p, now, out);
  }
  Emit(out);
}

void ClinicalService::Evaluate(Patient& p, int64_t now, Output& out) {
  p.dirty = false;
  CheckEcgInop(p, now);
  p.news2 = ComputeNews2(ToNews2Input(p.in, now, options_.staleness));
  const Conditions c =
      EvaluateConditions(p.in, p.news2, p.limits, now, options_.staleness, options_.timing);
  const size_t first = out.events.size();
  p.tracker.Update(
      c, now, options_.policy, [this] { return ++next_id_; }, out.events);
  p.tracker.RunTimers(now, options_.policy, out.events);
  for (size_t i = first; i < out.events.size(); ++i) {
    const AlarmEvent& e = out.events[i];
    if (e.what == AlarmEvent::What::kCleared) {
      alarm_patient_.erase(e.alarm.id);
    } else {
      alarm_patient_[e.alarm.id] = p.id;
    }
    if (e.what == AlarmEvent::What::kRaised) {
      if (metrics::Counter* m = raised_[static_cast<size_t>(e.alarm.priority)]) m->Inc();
    }
  }
  Publish(p, now, out);
}

void ClinicalService::Publish(Patient& p, int64_t now, Output& out) {
  using ingest::Value;
  const News2Result& n = p.news2;
  const bool has_any = std::any_of(n.missing.begin(), n.missing.end(), [](bool m) { return !m; });
  if (has_any) {
    const std::string risk(RiskEnum(n.risk));
    if (!p.published || n.total != p.pub_news2) out.Add(p.id, "news2", now, Value::Int(n.total));
    if (!p.published || risk != p.pub_risk) out.Add(p.id, "news2Risk", now, Value::String(risk));
    if (!p.published || n.complete != p.pub_complete)
      out.Add(p.id, "news2Complete", now, Value::Bool(n.complete));
    if (!p.published || n.response != p.pub_response)
      out.Add(p.id, "news2Response", now, Value::String(n.response));
    p.pub_news2 = n.total;
    p.pub_risk = risk;
    p.pub_complete = n.complete;
    p.pub_response = std::string(n.response);
  }
  const std::vector<Alarm> shown = p.tracker.Shown();
  // Level: the highest priority still unacknowledged; text: the most pressing alarm (an active
  // asystole before an older latched "HR 164 > 150"), else the first shown (acknowledged).
  Priority level = Priority::kNone;
  for (const Alarm& a : shown)
    if (a.state != AlarmState::kAcknowledged) level = std::max(level, a.priority);
  const Alarm* first = MostPressing(shown);
  std::string text = first ? first->message : shown.empty() ? "" : shown.front().message;
  const std::string lv(PriorityName(level));
  const int count = static_cast<int>(shown.size());
  if (!p.published || lv != p.pub_level) out.Add(p.id, "alarmLevel", now, Value::String(lv));
  if (!p.published || text != p.pub_text) out.Add(p.id, "alarmText", now, Value::String(text));
  if (!p.published || count != p.pub_count) out.Add(p.id, "alarmCount", now, Value::Int(count));
  p.pub_level = lv;
  p.pub_text = text;
  p.pub_count = count;
  p.published = true;
  // ECG heart rate: at most once a second of data time.
  if (p.pub_ecg_hr > 0 && ElapsedNs(now, p.pub_ecg_ns) >= 1e9) {
    out.Add(p.id, "ecgHr", now, Value::Double(std::round(p.pub_ecg_hr)));
    p.pub_ecg_ns = now;
  }
}

void ClinicalService::Emit(Output& out) {
  if (!out.batch.samples.empty()) {
    ingest::IngestReport r = sink_.Ingest(out.batch, ingest::Protocol::kClinical);
    if (r.rejected > 0 && !r.rejects.empty())
      LJ_LOG_WARN("clinical derived telemetry rejected", "rejected", r.rejected, "first",
                  r.rejects.front().message);
  }
  store_->Append(std::move(out.events));
}

// ---- API -----------------------------------------------------------------------------------

std::vector<Alarm> ClinicalService::Alarms(const AlarmQuery& q) const {
  std::lock_guard lk(mu_);
  std::vector<Alarm> out;
  for (const auto& [id, p] : patients_) {
    if (!q.patient.empty() && id != q.patient) continue;
    if (!q.ward.empty() && p->ward != q.ward) continue;
    for (Alarm& a : p->tracker.Shown())
      if (!q.state || a.state == *q.state) out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(), [](const Alarm& a, const Alarm& b) {
    const bool ua = a.state != AlarmState::kAcknowledged, ub = b.state != AlarmState::kAcknowledged;
    if (ua != ub) return ua;
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.onset_ns < b.onset_ns;
  });
  return out;
}

Result<nlohmann::json> ClinicalService::History(const std::string& patient, int64_t from_ns,
                                                int64_t to_ns, size_t limit) {
  {
    std::lock_guard lk(mu_);
    if (!patients_.count(patient))
      return Status(ErrorCode::kNotFound, fmt::format("no patient '{}'", patient));
  }
  return store_->History(patient, from_ns, to_ns, limit);
}

Result<Alarm> ClinicalService::Acknowledge(uint64_t alarm_id, const std::string& by) {
  Output out;
  Result<Alarm> r = Status(ErrorCode::kNotFound, fmt::format("no shown alarm {}", alarm_id));
  {
    std::lock_guard lk(mu_);
    auto it = alarm_patient_.find(alarm_id);
    if (it == alarm_patient_.end()) return r;
    auto pit = patients_.find(it->second);
    if (pit == patients_.end()) return r;
    Patient& p = *pit->second;
    const int64_t now = NowLocked();
    r = p.tracker.Acknowledge(alarm_id, by, now, out.events);
    if (r.ok() && r->state == AlarmState::kCleared) alarm_patient_.erase(alarm_id);
    Publish(p, now, out);
  }
  Emit(out);
  return r;
}

Result<Alarm> ClinicalService::Silence(uint64_t alarm_id, double seconds) {
  Output out;
  Result<Alarm> r = Status(ErrorCode::kNotFound, fmt::format("no shown alarm {}", alarm_id));
  {
    std::lock_guard lk(mu_);
    auto it = alarm_patient_.find(alarm_id);
    if (it == alarm_patient_.end()) return r;
    auto pit = patients_.find(it->second);
    if (pit == patients_.end()) return r;
    const int64_t now = NowLocked();
    r = pit->second->tracker.Silence(alarm_id, seconds, now, options_.policy, out.events);
    Publish(*pit->second, now, out);
  }
  Emit(out);
  return r;
}

Result<nlohmann::json> ClinicalService::Limits(const std::string& patient) const {
  std::lock_guard lk(mu_);
  auto it = patients_.find(patient);
  if (it == patients_.end())
    return Status(ErrorCode::kNotFound, fmt::format("no patient '{}'", patient));
  auto ov = overrides_.find(patient);
  return nlohmann::json{
      {"patient", patient},
      {"ward", it->second->ward},
      {"effective", LimitsToJson(it->second->limits)},
      {"overrides", ov == overrides_.end() ? nlohmann::json::object() : ov->second}};
}

Result<nlohmann::json> ClinicalService::SetLimits(const std::string& patient,
                                                  const nlohmann::json& overrides) {
  {
    std::lock_guard lk(mu_);
    auto it = patients_.find(patient);
    if (it == patients_.end())
      return Status(ErrorCode::kNotFound, fmt::format("no patient '{}'", patient));
    Result<AlarmLimits> eff = MergeLimits(BaseLimits(*it->second), overrides);
    if (!eff.ok()) return eff.status();
    if (overrides.empty()) {
      LJ_RETURN_IF_ERROR(store_->DeleteLimits(patient));
      overrides_.erase(patient);
    } else {
      LJ_RETURN_IF_ERROR(store_->SaveLimits(patient, overrides));
      overrides_[patient] = overrides;
    }
    it->second->limits = *eff;
    it->second->dirty = true;
  }
  LJ_LOG_INFO("alarm limits changed", "patient", patient);
  return Limits(patient);
}

Result<nlohmann::json> ClinicalService::News2(const std::string& patient) const {
  std::lock_guard lk(mu_);
  auto it = patients_.find(patient);
  if (it == patients_.end())
    return Status(ErrorCode::kNotFound, fmt::format("no patient '{}'", patient));
  const Patient& p = *it->second;
  const int64_t now = NowLocked();
  const News2Input in = ToNews2Input(p.in, now, options_.staleness);
  const News2Result n = ComputeNews2(in);
  auto num = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json();
  };
  auto time = [&](Vital k) {
    return p.in.vital[k].has ? nlohmann::json(FormatRfc3339(p.in.vital[k].t_ns)) : nlohmann::json();
  };
  auto obs_time = [](int64_t t) { return t ? nlohmann::json(FormatRfc3339(t)) : nlohmann::json(); };
  static constexpr std::array<std::string_view, 5> kAcvpu = {"alert", "newConfusion", "voice",
                                                             "pain", "unresponsive"};
  nlohmann::json params = nlohmann::json::object();
  auto add = [&](Param k, nlohmann::json value, nlohmann::json t) {
    params[std::string(ParamName(k))] = {{"value", std::move(value)},
                                         {"score", n.scores[k]},
                                         {"missing", n.missing[k]},
                                         {"t", std::move(t)}};
  };
  add(kRespiration, num(in.respiration_rate), time(kVRr));
  add(kSpo2, num(in.spo2), time(kVSpo2));
  add(kAirOrOxygen, in.on_oxygen ? nlohmann::json(*in.on_oxygen ? "oxygen" : "air") : nullptr,
      obs_time(p.in.oxygen_ns));
  add(kSystolicBp, num(in.systolic_bp), time(kVSbp));
  add(kPulse, num(in.pulse), time(kVHr));
  add(kConsciousness,
      in.consciousness ? nlohmann::json(kAcvpu[static_cast<size_t>(*in.consciousness)])
                       : nlohmann::json(),
      obs_time(p.in.consciousness_ns));
  add(kTemperature, num(in.temperature), time(kVTemp));
  return nlohmann::json{{"patient", patient},
                        {"t", FormatRfc3339(now)},
                        {"score", n.total},
                        {"complete", n.complete},
                        {"risk", RiskEnum(n.risk)},
                        {"singleParameter3", n.single_parameter_3},
                        {"monitoring", n.monitoring},
                        {"response", n.response},
                        {"spo2Scale", static_cast<int>(in.scale)},
                        {"parameters", params}};
}

}  // namespace lj::clinical
