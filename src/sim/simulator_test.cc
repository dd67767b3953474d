#include "sim/simulator.h"

#include "sim/feed_yield.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace lj::sim {
namespace {

// Records what the simulator ingests, and checks waveform continuity as it goes.
class FakeSink : public ingest::IngestSink {
 public:
  struct Wave {
    int64_t samples = 0;
    int64_t blocks = 0;
    int64_t next_t0 = 0;  // expected start of the next block
    int64_t max_gap_ns = 0;
    double min = 1e18, max = -1e18;
    double rate = 0;
  };

  ingest::IngestReport Ingest(ingest::ParsedBatch& batch, ingest::Protocol protocol) override {
    std::lock_guard lk(mu);
    ++batches;
    EXPECT_EQ(protocol, ingest::Protocol::kSimulator);
    parse_rejects += batch.rejects.size();
    for (const auto& r : batch.rejects) ADD_FAILURE() << "parse reject: " << r.message;
    ingest::IngestReport rep;
    for (const ingest::ParsedSample& s : batch.samples) {
      const std::string key = std::string(s.twin) + "/" + std::string(s.telemetry);
      if (s.is_block()) {
        Wave& w = waves[key];
        if (w.blocks > 0) {
          w.max_gap_ns = std::max<int64_t>(w.max_gap_ns, std::llabs(s.t_ns - w.next_t0));
        }
        w.rate = s.rate_hz;
        w.blocks++;
        w.samples += s.count;
        w.next_t0 = s.t_ns + std::llround(s.count * 1e9 / s.rate_hz);
        for (uint32_t i = 0; i < s.count; ++i) {
          const double v = batch.wave_values[s.offset + i];
          w.min = std::min(w.min, v);
          w.max = std::max(w.max, v);
          EXPECT_EQ(v, std::round(v)) << key;
        }
        rep.accepted += s.count;
      } else {
        double v =
            s.value.kind == ingest::ValueKind::kInt ? static_cast<double>(s.value.i) : s.value.d;
        if (s.value.kind == ingest::ValueKind::kBool) v = s.value.b ? 1 : 0;
        scalars[key].push_back(v);
        scalar_times[key].push_back(s.t_ns);
        rep.accepted += 1;
      }
    }
    batch.Clear();
    return rep;
  }

  std::mutex mu;
  int batches = 0;
  size_t parse_rejects = 0;
  std::map<std::string, Wave> waves;
  std::map<std::string, std::vector<double>> scalars;
  std::map<std::string, std::vector<int64_t>> scalar_times;
};

std::vector<std::string> Monitors(int n) {
  std::vector<std::string> ids;
  for (int i = 1; i <= n; ++i)
    ids.push_back((i < 10 ? "monitor-a0" : "monitor-a") + std::to_string(i));
  return ids;
}

constexpr int64_t kT0 = 1795428000000000000;  // 2026-11-23T10:00:00Z
constexpr int64_t kSec = 1'000'000'000;

TEST(Simulator, WardOfMonitorsForThreeSeconds) {
  FakeSink sink;
  Simulator::Options o;
  o.monitors = Monitors(24);
  o.spo2_scale2_monitors = {"monitor-a07", "monitor-a19"};
  Simulator sim(sink, o);
  sim.Step(kT0);  // origin
  for (int64_t t = kT0; t <= kT0 + 3 * kSec; t += 100'000'000) sim.Step(t);

  EXPECT_EQ(sink.batches, 30);
  EXPECT_EQ(sink.parse_rejects, 0u);
  for (const std::string& m : o.monitors) {
    const FakeSink::Wave& ecg = sink.waves[m + "/ecg"];
    EXPECT_EQ(ecg.samples, 3 * 250) << m;
    EXPECT_EQ(ecg.rate, 250);
    EXPECT_EQ(ecg.blocks, 30);
    EXPECT_EQ(ecg.max_gap_ns, 0) << m;  // contiguous, to the nanosecond
    EXPECT_GT(ecg.max, 700) << m;       // at least one R peak in 3 s
    EXPECT_LT(ecg.max, 1800);
    const FakeSink::Wave& pleth = sink.waves[m + "/pleth"];
    EXPECT_EQ(pleth.samples, 3 * 125) << m;
    EXPECT_EQ(pleth.max_gap_ns, 0) << m;

    for (const char* name : {"hr", "rr", "spo2", "nibpSys", "nibpDia", "nibpMean", "temp",
                             "ecgLeadsOff", "spo2SensorOff"}) {
      EXPECT_EQ(sink.scalars[m + "/" + name].size(), 3u) << m << " " << name;
    }
    const std::vector<int64_t>& ts = sink.scalar_times[m + "/hr"];
    ASSERT_EQ(ts.size(), 3u);
    EXPECT_NEAR(static_cast<double>(ts[0]), static_cast<double>(kT0), 1000);
    EXPECT_NEAR(static_cast<double>(ts[2] - ts[0]), 2.0 * kSec, 1000);
    for (double hr : sink.scalars[m + "/hr"]) {
      EXPECT_GE(hr, 55);
      EXPECT_LE(hr, 110);
    }
    const bool scale2 = m == "monitor-a07" || m == "monitor-a19";
    for (double spo2 : sink.scalars[m + "/spo2"]) {
      EXPECT_GE(spo2, scale2 ? 88 : 92) << m;
      EXPECT_LE(spo2, scale2 ? 92 : 100) << m;
    }
  }
  const Simulator::Stats st = sim.stats();
  EXPECT_EQ(st.batches, 30u);
  EXPECT_EQ(st.rejected, 0u);
  EXPECT_EQ(st.accepted, 24u * (750 + 375 + 3 * 9));
}

// A client writing a simulated monitor (a replay, an HL7 feed) owns it: the simulator skips the
// monitor's blocks that start before the feed's data end + grace, then resumes; other monitors
// run on; samples from the simulator itself or the clinical layer never make it yield.
TEST(Simulator, YieldsAMonitorToAnExternalFeedUntilItsDataEndsPlusGrace) {
  FakeSink sink;
  Simulator::Options o;
  o.monitors = Monitors(2);
  Simulator sim(sink, o);
  FeedYield yield(sim, 2 * kSec);
  sim.Step(kT0);
  sim.Step(kT0 + kSec);  // 10 blocks of both monitors
  const std::vector<double> ecg(250, 0.0);
  const live::AcceptedBlock replay{"monitor-a01", "ecg", kT0 + kSec, 250, ecg};  // 1 s of data
  const live::AcceptedScalar derived{"monitor-a02", "ecgHr", kT0 + kSec, ingest::Value{}};
  yield.OnAccepted(ingest::Protocol::kHttpJson, {}, std::span(&replay, 1));
  yield.OnAccepted(ingest::Protocol::kClinical, std::span(&derived, 1), {});
  yield.OnAccepted(ingest::Protocol::kSimulator, std::span(&derived, 1), {});
  // Unknown twins are ignored.
  const live::AcceptedScalar other{"monitor-zz", "hr", kT0, ingest::Value{}};
  yield.OnAccepted(ingest::Protocol::kMqtt, std::span(&other, 1), {});
  EXPECT_TRUE(sim.IsSimulated("monitor-a01"));
  EXPECT_FALSE(sim.IsSimulated("monitor-zz"));

  for (int64_t t = kT0 + kSec; t <= kT0 + 6 * kSec; t += 100'000'000) sim.Step(t);
  // monitor-a01: blocks starting before kT0 + 2 s (data end) + 2 s (grace) are not simulated.
  const FakeSink::Wave& a01 = sink.waves["monitor-a01/ecg"];
  EXPECT_EQ(a01.samples, (1 + 2) * 250);                      // [0, 1 s) before, [4 s, 6 s) after
  EXPECT_EQ(a01.max_gap_ns, 3 * kSec);                        // the feed's second and the grace
  EXPECT_EQ(sink.waves["monitor-a02/ecg"].samples, 6 * 250);  // never yielded
  EXPECT_EQ(sink.waves["monitor-a02/ecg"].max_gap_ns, 0);
  const std::vector<int64_t>& hr = sink.scalar_times["monitor-a01/hr"];
  for (int64_t t : hr) EXPECT_TRUE(t < kT0 + kSec || t >= kT0 + 4 * kSec) << t - kT0;
  EXPECT_EQ(sim.stats().yielded, 30u);  // 30 blocks of 100 ms
  // Extending only: an older feed sample does not shorten the yield.
  sim.YieldTo("monitor-a02", kT0 + 8 * kSec);
  sim.YieldTo("monitor-a02", kT0 + 7 * kSec);
  for (int64_t t = kT0 + 6 * kSec; t <= kT0 + 8 * kSec; t += 100'000'000) sim.Step(t);
  EXPECT_EQ(sink.waves["monitor-a02/ecg"].samples, 6 * 250);
}

TEST(Simulator, IrregularStepsStillContiguous) {
  FakeSink sink;
  Simulator::Options o;
  o.monitors = Monitors(2);
  o.block_ms = 40;  // 10 ECG samples, 5 pleth samples per block
  Simulator sim(sink, o);
  sim.Step(kT0 + 123'456);  // origin not on a whole millisecond
  int64_t t = kT0;
  for (int64_t step : {7, 300, 41, 1000, 2, 650}) sim.Step(t += step * 1'000'000);
  // 2000 ms elapsed (minus the 0.12 ms origin offset) → 49 whole blocks of 40 ms.
  for (const std::string& m : o.monitors) {
    EXPECT_EQ(sink.waves[m + "/ecg"].samples, 490);
    EXPECT_EQ(sink.waves[m + "/pleth"].samples, 245);
    EXPECT_EQ(sink.waves[m + "/ecg"].max_gap_ns, 0);
    EXPECT_EQ(sink.scalars[m + "/temp"].size(), 2u);
  }
}

TEST(Simulator, EcgWithoutPleth) {
  FakeSink sink;
  Simulator::Options o;
  o.monitors = Monitors(2);
  o.pleth = false;
  Simulator sim(sink, o);
  sim.Step(kT0);
  for (int64_t t = kT0; t <= kT0 + 2 * kSec; t += 100'000'000) sim.Step(t);
  for (const std::string& m : o.monitors) {
    EXPECT_EQ(sink.waves[m + "/ecg"].samples, 2 * 250) << m;
    EXPECT_EQ(sink.waves[m + "/ecg"].max_gap_ns, 0) << m;
    EXPECT_EQ(sink.waves.count(m + "/pleth"), 0u) << m;
    EXPECT_EQ(sink.scalars[m + "/hr"].size(), 2u) << m;
  }
}

TEST(Simulator, ExposesTheCoursesItRuns) {
  FakeSink sink;
  Simulator::Options o;
  o.monitors = Monitors(3);
  o.courses = {{CourseKind::kTechnical, 60, 0}, {CourseKind::kStable, 0, 0}};
  Simulator sim(sink, o);
  ASSERT_NE(sim.course(0), nullptr);
  EXPECT_EQ(sim.course(0)->spec().kind, CourseKind::kTechnical);
  ASSERT_NE(sim.course(1), nullptr);
  EXPECT_EQ(sim.course(2), nullptr);  // no course: a plain random walk
  EXPECT_EQ(sim.course(3), nullptr);
  // Its leads-off episode is what the monitor sends: flag set from +60 s for 45 s.
  sim.Step(kT0);
  for (int64_t t = kT0; t <= kT0 + 110 * kSec; t += kSec) sim.Step(t);
  const std::vector<double>& off = sink.scalars["monitor-a01/ecgLeadsOff"];
  ASSERT_GE(off.size(), 110u);
  for (const Episode& e : sim.course(0)->Episodes(0, 110))
    if (e.kind == EpisodeKind::kLeadsOff)
      for (size_t s = 0; s < 110; ++s) EXPECT_EQ(off[s] != 0, s >= e.start_s && s < e.end_s) << s;
}

TEST(Simulator, RunsOnItsOwnThread) {
  FakeSink sink;
  Simulator::Options o;
  o.monitors = Monitors(3);
  o.speed = 20;  // 2 simulated seconds per 100 ms of wall time
  Simulator sim(sink, o);
  sim.Start();
  // Wait (generously; no timing is asserted) until 3 simulated seconds have been sent.
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lk(sink.mu);
      if (sink.batches >= 30) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sim.Stop();
  sim.Stop();  // idempotent
  std::lock_guard lk(sink.mu);
  ASSERT_GE(sink.batches, 30);
  for (const std::string& m : o.monitors) {
    const FakeSink::Wave& ecg = sink.waves[m + "/ecg"];
    EXPECT_EQ(ecg.samples, ecg.blocks * 25);
    EXPECT_EQ(ecg.max_gap_ns, 0);
    EXPECT_GE(sink.scalars[m + "/hr"].size(), 3u);
  }
}

}  // namespace
}  // namespace lj::sim
