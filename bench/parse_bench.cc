// Parser micro-benchmarks: line protocol and JSON batches of a realistic ward workload.
// Build: cmake -S . -B build/ingest-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DLJ_BENCH=ON
//        ninja -C build/ingest-bench parse_bench && ./build/ingest-bench/bench/parse_bench
// items_per_second counts samples (a waveform block of n values counts n).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "ingest/json_batch.h"
#include "ingest/line_protocol.h"

namespace {

using namespace lj::ingest;

constexpr int kPatients = 1000;
constexpr int64_t kT0 = 1795428000000000000;  // 2026-11-23T10:00:00Z

// One second of a ward: every patient sends 5 vitals at 1 Hz (one line, 5 fields), every
// monitor `ecg_lines` single-value ECG lines (`ecg,twin=monitor-0001 ecg=512i <ts>`).
std::string WardLines(int ecg_lines, size_t* samples) {
  std::string s;
  *samples = 0;
  for (int p = 0; p < kPatients; ++p) {
    s += fmt::format(
        "vitals,twin=monitor-{:04},ward=icu-a hr={}i,spo2={:.1f},rr={}i,temp={:.2f},"
        "nibp_sys={}i {}\n",
        p, 60 + p % 40, 94 + (p % 50) / 10.0, 12 + p % 8, 36.5 + (p % 20) / 20.0, 110 + p % 30,
        kT0);
    *samples += 5;
  }
  for (int i = 0; i < ecg_lines; ++i) {
    for (int p = 0; p < kPatients; ++p) {
      s += fmt::format("ecg,twin=monitor-{:04} ecg={}i {}\n", p, 480 + (i * 7 + p) % 90,
                       kT0 + i * 4000000);
      *samples += 1;
    }
  }
  return s;
}

void RunLineProtocol(benchmark::State& state, const std::string& body, size_t samples,
                     const LineProtocolOptions& o) {
  ParsedBatch b;
  for (auto _ : state) {
    b.Clear();
    ParseLineProtocol(body, o, b);
    benchmark::DoNotOptimize(b.samples.data());
  }
  if (b.samples.size() != samples || !b.rejects.empty()) {
    state.SkipWithError("unexpected parse result");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_LineProtocol_Vitals(benchmark::State& state) {
  size_t n;
  const std::string body = WardLines(0, &n);
  RunLineProtocol(state, body, n, {});
}
BENCHMARK(BM_LineProtocol_Vitals);

void BM_LineProtocol_Ecg(benchmark::State& state) {
  size_t n;
  const std::string body = WardLines(25, &n);  // 0.1 s of 250 Hz ECG for 1000 monitors
  RunLineProtocol(state, body.substr(body.find("ecg,")), n - 5 * kPatients, {});
}
BENCHMARK(BM_LineProtocol_Ecg);

void BM_LineProtocol_Ward(benchmark::State& state) {
  size_t n;
  const std::string body = WardLines(25, &n);
  RunLineProtocol(state, body, n, {});
}
BENCHMARK(BM_LineProtocol_Ward);

void BM_LineProtocol_Ward_MeasurementField_ms(benchmark::State& state) {
  size_t n;
  std::string body = WardLines(25, &n);
  // Same workload with millisecond timestamps ("000000\n" → "\n") and <measurement>_<field>.
  std::string ms;
  for (size_t pos = 0, nl; pos < body.size(); pos = nl + 1) {
    nl = body.find('\n', pos);
    ms.append(body, pos, nl - pos - 6);
    ms += '\n';
  }
  LineProtocolOptions o;
  o.naming = TelemetryNaming::kMeasurementField;
  o.precision = Precision::kMilliseconds;
  RunLineProtocol(state, ms, n, o);
}
BENCHMARK(BM_LineProtocol_Ward_MeasurementField_ms);

void BM_LineProtocol_Ward_FreshBatch(benchmark::State& state) {
  size_t n;
  const std::string body = WardLines(25, &n);
  for (auto _ : state) {
    ParsedBatch b;  // what a request handler that does not pool batches pays
    ParseLineProtocol(body, {}, b);
    benchmark::DoNotOptimize(b.samples.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_LineProtocol_Ward_FreshBatch);

// One second of a ward as JSON: per patient one multi item with 5 vitals and one 250 Hz ECG
// block of 250 values.
std::string WardJson(size_t* samples) {
  std::string s = "{\"samples\":[";
  *samples = 0;
  for (int p = 0; p < kPatients; ++p) {
    if (p) s += ',';
    s += fmt::format(
        "{{\"twin\":\"monitor-{:04}\",\"t\":1795428000000,\"values\":{{\"hr\":{},\"spo2\":{:.1f},"
        "\"rr\":{},\"temp\":{:.2f},\"nibp_sys\":{}}}}},",
        p, 60 + p % 40, 94 + (p % 50) / 10.0, 12 + p % 8, 36.5 + (p % 20) / 20.0, 110 + p % 30);
    s += fmt::format(
        "{{\"twin\":\"monitor-{:04}\",\"telemetry\":\"ecg\",\"t\":1795428000000,"
        "\"rate\":250,\"values\":[",
        p);
    for (int i = 0; i < 250; ++i) s += fmt::format("{}{}", i ? "," : "", 480 + (i * 7 + p) % 90);
    s += "]}";
    *samples += 5 + 250;
  }
  return s + "]}";
}

void BM_JsonBatch_WardEcgBlocks(benchmark::State& state) {
  size_t n;
  const std::string body = WardJson(&n);
  ParsedBatch b;
  for (auto _ : state) {
    b.Clear();
    ParseJsonBatch(body, {}, b);
    benchmark::DoNotOptimize(b.samples.data());
  }
  if (b.samples.size() != 6u * kPatients || b.wave_values.size() != 250u * kPatients) {
    state.SkipWithError("unexpected parse result");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_JsonBatch_WardEcgBlocks);

}  // namespace

BENCHMARK_MAIN();
