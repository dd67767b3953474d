// The ward demo's device simulator: one simulated bedside monitor per id, each with its own
// patient (vital-sign baselines and random walks, McSharry ECG, pleth synchronised to the beats).
//
// Data path: every block it writes a JSON batch in the documented json-ingest format
// (doc/protocols/json-ingest.md), parses it with ingest::ParseJsonBatch and hands it to
// IngestSink::Ingest(batch, Protocol::kSimulator) — exactly what a real device's data goes
// through. Per block (block_ms) and monitor: one "ecg" and one "pleth" waveform block; at
// vitals_hz one multi item with hr, rr, spo2, nibpSys, nibpDia, nibpMean, temp, ecgLeadsOff and
// spo2SensorOff; and when `patients` names the patient of a monitor, every
// observation_interval_s (and whenever they change) one item on the patient twin with the nurse
// observations consciousness (ACVPU) and supplementalO2.
//
// Courses (course.h): `courses[i]` shapes monitor i's patient — sepsis, respiratory, arrhythmia
// (tachycardia, asystole runs: flat ECG, HR 0), technical events (leads off: flat ECG and
// ecgLeadsOff; probe off: flat pleth and spo2SensorOff). Without courses every patient is a
// plain random walk. `waveforms = false` sends vitals only; `pleth = false` leaves out the pleth
// (the clinical layer analyses only the ECG: alarm-load measurement).
//
// Timing: simulated time starts at an origin (a whole millisecond) and runs `speed` times as
// fast as the wall clock; at speed 1 timestamps are wall-clock time. Blocks are scheduled by
// absolute time and are contiguous: the next block of a waveform starts exactly n/rate after the
// previous one. A block is sent once its last sample is in the past. If the process falls more
// than 5 s behind (e.g. the machine was suspended) the schedule restarts at the current time.
//
// External feeds: YieldTo(monitor, until) makes the simulator stop writing a monitor (and its
// patient's observations) for every block that starts before `until` (data time), so that a real
// device or a replay (`lingjing replay`, an HL7 feed, a curl) owns the monitor meanwhile and
// neither is refused for overlapping the other; the simulation resumes after. FeedYield
// (feed_yield.h) calls it for every sample a client writes to a simulated monitor.
//
// Thread-safety: Start/Stop from one thread; Step must not be called while started. stats() and
// YieldTo may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ingest/ingest_sink.h"
#include "sim/course.h"

namespace lj::sim {

class Simulator {
 public:
  struct Options {
    std::vector<std::string> monitors;  // BedsideMonitor twin ids
    // Monitors whose patient has a target SpO2 of 88–92 % (spo2Scale 2, e.g. COPD).
    std::vector<std::string> spo2_scale2_monitors;
    double vitals_hz = 1;
    double ecg_hz = 250;
    double pleth_hz = 125;
    int block_ms = 100;
    uint32_t seed = 42;
    double speed = 1.0;
    std::vector<std::string> patients;  // parallel to monitors ("" = no observations)
    std::vector<CourseSpec> courses;    // parallel to monitors (missing = plain random walk)
    double observation_interval_s = 60;
    bool waveforms = true;
    bool pleth = true;  // with waveforms: also the pleth (false: ECG only, e.g. alarm load)
  };

  struct Stats {
    uint64_t batches = 0;
    uint64_t accepted = 0;  // samples, as reported by the sink
    uint64_t rejected = 0;
    uint64_t yielded = 0;  // monitor-blocks not simulated because an external feed owned them
  };

  Simulator(ingest::IngestSink& sink, Options options);
  ~Simulator();  // stops
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Runs the schedule on an own thread, starting now. No-op when already running.
  void Start();
  // Stops and joins the thread. Idempotent.
  void Stop();

  // For tests and tools, instead of Start(): the first call sets the time origin (simulated
  // time, ns since the epoch); each call then emits every block that has ended by `now_ns`.
  void Step(int64_t now_ns);

  // An external feed writes `monitor` up to `until_ns` (data time): blocks starting before it
  // are not simulated for that monitor. Only ever extends; unknown ids are ignored.
  void YieldTo(std::string_view monitor, int64_t until_ns);
  bool IsSimulated(std::string_view monitor) const;

  Stats stats() const;
  const Options& options() const { return options_; }
  // The course monitor `i` runs (seeded per monitor; its time is seconds since the first
  // origin), or null when it has none. The schedule an alarm audit compares alarms with.
  const Course* course(size_t i) const;

 private:
  struct Monitor;
  void Run();
  void Restart(int64_t origin_ns);
  void EmitBlock(int64_t block);

  ingest::IngestSink& sink_;
  Options options_;
  std::vector<std::unique_ptr<Monitor>> monitors_;
  std::map<std::string, size_t, std::less<>> index_;  // id -> monitor; fixed after construction

  bool has_origin_ = false;
  int64_t origin_ns_ = 0;
  int64_t start_ns_ = 0;  // the first origin: course time 0
  int64_t next_block_ = 0;
  double gen_base_s_ = 0;  // generator time at the origin (grows when the schedule restarts)
  int64_t last_reject_log_ns_ = 0;

  std::atomic<uint64_t> batches_{0}, accepted_{0}, rejected_{0}, yielded_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace lj::sim
