#include "sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/log.h"
#include "common/time.h"
#include "ingest/json_batch.h"
#include "sim/ecgsyn.h"
#include "sim/pleth.h"
#include "sim/rng.h"
#include "sim/vitals.h"

namespace lj::sim {
namespace {

constexpr int64_t kMsNs = 1'000'000;
constexpr int64_t kMaxLagNs = 5'000'000'000;

// Number of samples (at `rate`, first one at offset 0) that fall before `offset_ns`.
int64_t SamplesBefore(int64_t offset_ns, double rate) {
  long double x = static_cast<long double>(offset_ns) * rate / 1e9L;
  return static_cast<int64_t>(std::ceil(x - 1e-9L));
}

int64_t SampleOffsetNs(int64_t index, double rate) {
  return static_cast<int64_t>(std::llround(static_cast<long double>(index) * 1e9L / rate));
}

// Milliseconds since the epoch, exact to the nanosecond ("1795428000000", "1795428000000.5").
void AppendMs(std::string& out, int64_t ns) {
  int64_t ms = ns / kMsNs;
  int64_t rem = ns % kMsNs;
  if (rem < 0) {
    rem += kMsNs;
    --ms;
  }
  fmt::format_to(std::back_inserter(out), "{}", ms);
  if (rem != 0) {
    std::string frac = fmt::format("{:06d}", rem);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    out += '.';
    out += frac;
  }
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

struct Simulator::Monitor {
  Monitor(std::string id_, uint64_t seed, bool scale2, const Options& o)
      : id(std::move(id_)),
        vitals(seed, scale2),
        course(CourseSpec{}, seed),
        ecg(EcgOptions(seed, o)),
        pleth(PlethOpts(seed)) {}

  EcgSynOptions EcgOptions(uint64_t seed, const Options& o) {
    Rng rng(seed ^ 0xECC);
    EcgSynOptions e;
    e.sample_rate_hz = o.ecg_hz;
    e.hr_bpm = vitals.heart_rate();
    e.resp_rate_bpm = vitals.resp_rate();
    e.hr_std_bpm = rng.Uniform(0.8, 2.5);
    e.r_peak_uv = rng.Uniform(950, 1450);
    e.wander_uv = rng.Uniform(20, 60);
    e.noise_uv = rng.Uniform(4, 9);
    e.seed = seed ^ 0xE5;
    return e;
  }
  static PlethOptions PlethOpts(uint64_t seed) {
    Rng rng(seed ^ 0x9137);
    PlethOptions p;
    p.perfusion = rng.Uniform(0.5, 1.15);
    p.ptt_s = rng.Uniform(0.18, 0.26);
    p.seed = seed ^ 0x91;
    return p;
  }

  std::string id;
  std::string patient;
  bool has_course = false;
  VitalsWalk vitals;
  Course course;
  double last_obs_s = -1e18;
  std::string_view last_acvpu;
  bool last_o2 = false;
  CourseState State(double t_s) const { return has_course ? course.At(t_s) : CourseState{}; }
  EcgSynth ecg;
  PlethSynth pleth;
  std::atomic<int64_t> yield_until{0};  // data time; an external feed owns blocks before it
};

Simulator::Simulator(ingest::IngestSink& sink, Options options)
    : sink_(sink), options_(std::move(options)) {
  if (options_.block_ms <= 0) options_.block_ms = 100;
  if (options_.ecg_hz <= 0) options_.ecg_hz = 250;
  if (options_.pleth_hz <= 0) options_.pleth_hz = 125;
  if (options_.vitals_hz <= 0) options_.vitals_hz = 1;
  if (options_.speed <= 0) options_.speed = 1;
  for (size_t i = 0; i < options_.monitors.size(); ++i) {
    const std::string& id = options_.monitors[i];
    const bool scale2 =
        std::find(options_.spo2_scale2_monitors.begin(), options_.spo2_scale2_monitors.end(), id) !=
        options_.spo2_scale2_monitors.end();
    const uint64_t seed = Mix64(HashId(id) ^ (uint64_t{options_.seed} << 32));
    auto m = std::make_unique<Monitor>(id, seed, scale2, options_);
    if (i < options_.patients.size()) m->patient = options_.patients[i];
    if (i < options_.courses.size()) {
      m->course = Course(options_.courses[i], seed);
      m->has_course = true;
    }
    index_.emplace(id, monitors_.size());
    monitors_.push_back(std::move(m));
  }
}

Simulator::~Simulator() { Stop(); }

void Simulator::Start() {
  std::lock_guard lk(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Simulator::Stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Simulator::YieldTo(std::string_view monitor, int64_t until_ns) {
  auto it = index_.find(monitor);
  if (it == index_.end()) return;
  std::atomic<int64_t>& u = monitors_[it->second]->yield_until;
  int64_t cur = u.load(std::memory_order_relaxed);
  while (cur < until_ns && !u.compare_exchange_weak(cur, until_ns, std::memory_order_relaxed)) {
  }
}

bool Simulator::IsSimulated(std::string_view monitor) const { return index_.contains(monitor); }

const Course* Simulator::course(size_t i) const {
  if (i >= monitors_.size() || !monitors_[i]->has_course) return nullptr;
  return &monitors_[i]->course;
}

Simulator::Stats Simulator::stats() const {
  Stats s;
  s.batches = batches_.load(std::memory_order_relaxed);
  s.accepted = accepted_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.yielded = yielded_.load(std::memory_order_relaxed);
  return s;
}

void Simulator::Restart(int64_t origin_ns) {
  if (!has_origin_) start_ns_ = origin_ns;
  // Waveform generators keep running: their time axis simply continues from here.
  gen_base_s_ = monitors_.empty() ? 0 : monitors_.front()->ecg.time_s();
  origin_ns_ = origin_ns;
  next_block_ = 0;
  has_origin_ = true;
}

void Simulator::Step(int64_t now_ns) {
  if (!has_origin_) {
    Restart(now_ns);
    return;
  }
  const int64_t block_ns = int64_t{options_.block_ms} * kMsNs;
  while (origin_ns_ + (next_block_ + 1) * block_ns <= now_ns) EmitBlock(next_block_++);
}

void Simulator::Run() {
  using Clock = std::chrono::system_clock;
  const int64_t block_ns = int64_t{options_.block_ms} * kMsNs;
  const double speed = options_.speed;
  int64_t wall_origin = NowNs();
  wall_origin -= wall_origin % kMsNs;
  Restart(wall_origin);
  LJ_LOG_INFO("simulator started", "monitors", monitors_.size(), "speed", speed);

  std::unique_lock lk(mu_);
  while (!stop_) {
    const int64_t due_offset = (next_block_ + 1) * block_ns;  // simulated ns after the origin
    const int64_t wall_due = wall_origin + static_cast<int64_t>(due_offset / speed);
    cv_.wait_until(lk,
                   Clock::time_point(std::chrono::duration_cast<Clock::duration>(
                       std::chrono::nanoseconds(wall_due))),
                   [&] { return stop_; });
    if (stop_) break;
    lk.unlock();
    const int64_t wall = NowNs();
    int64_t sim_now = origin_ns_ + static_cast<int64_t>((wall - wall_origin) * speed);
    if (sim_now - (origin_ns_ + due_offset) > kMaxLagNs) {
      LJ_LOG_WARN("simulator fell behind; restarting its schedule", "behind_ms",
                  (sim_now - origin_ns_ - due_offset) / kMsNs);
      wall_origin = wall - wall % kMsNs;
      sim_now -= sim_now % kMsNs;
      Restart(sim_now);
    }
    Step(sim_now);
    lk.lock();
  }
  LJ_LOG_INFO("simulator stopped");
}

void Simulator::EmitBlock(int64_t block) {
  const Options& o = options_;
  const int64_t block_ns = int64_t{o.block_ms} * kMsNs;
  const int64_t from = block * block_ns;
  const int64_t to = from + block_ns;
  const int64_t e0 = SamplesBefore(from, o.ecg_hz), e1 = SamplesBefore(to, o.ecg_hz);
  const int64_t p0 = SamplesBefore(from, o.pleth_hz), p1 = SamplesBefore(to, o.pleth_hz);
  const int64_t v0 = SamplesBefore(from, o.vitals_hz), v1 = SamplesBefore(to, o.vitals_hz);

  std::string body;
  body.reserve(monitors_.size() * (64 + 6 * static_cast<size_t>(e1 - e0 + p1 - p0 + 40)));
  body += "{\"samples\":[";
  bool first = true;
  auto begin_item = [&](const std::string& twin) {
    if (!first) body += ",\n";
    first = false;
    body += "{\"twin\":";
    AppendJsonString(body, twin);
  };

  // One monitor's items of this block (vitals, its patient's observations, waveforms).
  auto emit_monitor = [&](Monitor& m) {
    for (int64_t v = v0; v < v1; ++v) {
      m.vitals.Advance(1.0 / o.vitals_hz);
      const int64_t t_ns = origin_ns_ + SampleOffsetNs(v, o.vitals_hz);
      const double t_s = static_cast<double>(t_ns - start_ns_) / 1e9;
      const CourseState cs = m.State(t_s);
      VitalsReading r = m.vitals.Reading();
      r.hr = cs.asystole ? 0 : std::clamp(std::round(r.hr + cs.d_hr), 25.0, 220.0);
      r.rr = std::clamp(std::round(r.rr + cs.d_rr), 4.0, 50.0);
      r.spo2 = std::clamp(std::round(r.spo2 + cs.d_spo2), 60.0, 100.0);
      r.nibp_sys = std::clamp(std::round(r.nibp_sys + cs.d_sbp), 50.0, 250.0);
      r.nibp_dia = std::clamp(std::round(r.nibp_dia + 0.6 * cs.d_sbp), 30.0, r.nibp_sys - 15);
      r.nibp_mean = std::round(r.nibp_dia + (r.nibp_sys - r.nibp_dia) / 3);
      r.temp = std::round((r.temp + cs.d_temp) * 10) / 10;
      m.ecg.SetHeartRate(std::clamp(m.vitals.heart_rate() + cs.d_hr, 25.0, 220.0));
      m.ecg.SetRespRate(m.vitals.resp_rate() + cs.d_rr);
      begin_item(m.id);
      body += ",\"t\":";
      AppendMs(body, t_ns);
      fmt::format_to(std::back_inserter(body),
                     ",\"values\":{{\"hr\":{:.1f},\"rr\":{:.1f},\"spo2\":{:.1f},"
                     "\"nibpSys\":{:.1f},\"nibpDia\":{:.1f},\"nibpMean\":{:.1f},\"temp\":{:.1f},"
                     "\"ecgLeadsOff\":{},\"spo2SensorOff\":{}}}}}",
                     r.hr, r.rr, r.spo2, r.nibp_sys, r.nibp_dia, r.nibp_mean, r.temp, cs.leads_off,
                     cs.spo2_off);
      if (!m.patient.empty() && (t_s - m.last_obs_s >= o.observation_interval_s ||
                                 cs.consciousness != m.last_acvpu || cs.oxygen != m.last_o2)) {
        m.last_obs_s = t_s;
        m.last_acvpu = cs.consciousness;
        m.last_o2 = cs.oxygen;
        begin_item(m.patient);
        body += ",\"t\":";
        AppendMs(body, t_ns);
        fmt::format_to(std::back_inserter(body),
                       ",\"values\":{{\"consciousness\":\"{}\",\"supplementalO2\":{}}}}}",
                       cs.consciousness, cs.oxygen);
      }
    }
    if (!o.waveforms) return;

    if (e1 > e0) {
      begin_item(m.id);
      body += ",\"telemetry\":\"ecg\",\"t\":";
      AppendMs(body, origin_ns_ + SampleOffsetNs(e0, o.ecg_hz));
      fmt::format_to(std::back_inserter(body), ",\"rate\":{},\"values\":[", o.ecg_hz);
      for (int64_t i = e0; i < e1; ++i) {
        if (i != e0) body += ',';
        const double x = m.ecg.Next();
        const CourseState cs = m.State(
            static_cast<double>(origin_ns_ + SampleOffsetNs(i, o.ecg_hz) - start_ns_) / 1e9);
        // Asystole: a flat line with a few microvolts of noise; leads off: the amplifier's zero.
        const int64_t y = cs.leads_off ? 0 : cs.asystole ? (i * 7919) % 11 - 5 : std::llround(x);
        fmt::format_to(std::back_inserter(body), "{}", y);
      }
      body += "]}";
    }

    if (!o.pleth) {
      // Nobody reads the R-peak times without a pleth: keep the deque bounded.
      auto& beats = m.ecg.beats();
      while (beats.size() > 2) beats.pop_front();
    } else if (p1 > p0) {
      const double resp_hz = m.vitals.resp_rate() / 60.0;
      begin_item(m.id);
      body += ",\"telemetry\":\"pleth\",\"t\":";
      AppendMs(body, origin_ns_ + SampleOffsetNs(p0, o.pleth_hz));
      fmt::format_to(std::back_inserter(body), ",\"rate\":{},\"values\":[", o.pleth_hz);
      for (int64_t j = p0; j < p1; ++j) {
        if (j != p0) body += ',';
        const double t = gen_base_s_ + static_cast<double>(j) / o.pleth_hz;
        const CourseState cs = m.State(
            static_cast<double>(origin_ns_ + SampleOffsetNs(j, o.pleth_hz) - start_ns_) / 1e9);
        const double y = m.pleth.At(t, m.ecg.beats(), resp_hz);
        fmt::format_to(std::back_inserter(body), "{}",
                       cs.asystole || cs.spo2_off ? 0 : std::llround(y));
      }
      body += "]}";
      // Keep one beat before the horizon: pulses use the interval to the preceding beat.
      auto& beats = m.ecg.beats();
      const double horizon = m.pleth.Horizon(gen_base_s_ + static_cast<double>(p1) / o.pleth_hz);
      while (beats.size() > 2 && beats[1] < horizon) beats.pop_front();
    }
  };

  for (auto& mp : monitors_) {
    Monitor& m = *mp;
    // An external feed owns this monitor for the block: generate as usual (the patient's course
    // and signals run on), then take the monitor's items out again.
    const bool yielded = m.yield_until.load(std::memory_order_relaxed) > origin_ns_ + from;
    const size_t mark = body.size();
    const bool was_first = first;
    emit_monitor(m);
    if (yielded) {
      body.resize(mark);
      first = was_first;
      yielded_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  body += "]}";

  ingest::ParsedBatch batch;
  ingest::JsonBatchOptions jo;
  jo.default_time_ns = origin_ns_ + from;
  ingest::ParseJsonBatch(body, jo, batch);
  const ingest::IngestReport report = sink_.Ingest(batch, ingest::Protocol::kSimulator);
  batches_.fetch_add(1, std::memory_order_relaxed);
  accepted_.fetch_add(report.accepted, std::memory_order_relaxed);
  rejected_.fetch_add(report.rejected, std::memory_order_relaxed);
  if (report.rejected > 0) {
    const int64_t now = MonoNs();
    if (last_reject_log_ns_ == 0 || now - last_reject_log_ns_ > 10'000'000'000) {
      last_reject_log_ns_ = now;
      LJ_LOG_WARN("simulator samples rejected", "rejected", report.rejected, "first",
                  report.rejects.empty() ? std::string() : report.rejects.front().message);
    }
  }
}

}  // namespace lj::sim
