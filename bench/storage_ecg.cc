// Storage phase 1: bytes per sample of the MIT-BIH Arrhythmia records (format 212, 2 signals,
// 360 Hz), lossless, in Lingjing's history store against the raw files, gzip -9, xz -9e and
// InfluxDB 1.6 after full compaction.
//
// Lingjing: every signal becomes one integer waveform series (µV, as the ward's ECG telemetry
// is stored) written as 1-second blocks through history::HistoryStore — the same store the
// server uses — then Flush() + Compact() + Close(); the figure is every byte in the store's
// directory. InfluxDB: the same µV integers as line protocol (`ecg,record=100 MLII=-725i,V5=..`),
// its best case for timestamps (a regular 1 ms step, which it run-length encodes; it has no
// notion of a sampling rate), then its full compaction; the figure is the TSM files.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "bench_util.h"
#include "history/history.h"
#include "http_client.h"
#include "influx_server.h"
#include "storage_phases.h"
#include "wfdb/wfdb.h"

namespace lj::bench {
namespace {

namespace fs = std::filesystem;

uint64_t CompressedBytes(const std::string& tool, const std::string& file) {
  const std::string cmd = tool + " -c '" + file + "' | wc -c";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return 0;
  unsigned long long n = 0;
  if (std::fscanf(p, "%llu", &n) != 1) n = 0;
  pclose(p);
  return n;
}

std::vector<std::string> RecordNames(const StorageOptions& o) {
  if (!o.records.empty()) return o.records;
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(o.mitdb, ec))
    if (e.path().extension() == ".hea") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

// µV = (adc - baseline) * 1000 / gain (exact integers for MIT-BIH: gain 200).
int64_t MicroVolts(int32_t adc, const wfdb::SignalSpec& s) {
  return std::llround((adc - s.baseline) * 1000.0 / s.gain);
}

std::string SignalName(const wfdb::Header& h, size_t s) {
  std::string d = s < h.signals.size() ? h.signals[s].description : "";
  std::string out;
  for (char c : d) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (out.empty()) {
    out = "sig";
    out += std::to_string(s);
  }
  // Two signals with one description (e.g. MIT-BIH 102 "V5" twice would collide): suffix.
  for (size_t k = 0; k < s; ++k)
    if (h.signals[k].description == d) {
      out += '_';
      out += std::to_string(s);
    }
  return out;
}

}  // namespace

nlohmann::json RunEcgStorage(const StorageOptions& o) {
  nlohmann::json out = {{"phase", "ecg_storage"}};
  const std::vector<std::string> names = RecordNames(o);
  if (names.empty()) {
    out["error"] = "no WFDB records in " + o.mitdb;
    std::printf("[ecg] %s\n", out["error"].get<std::string>().c_str());
    return out;
  }
  TempDir tmp("lj-bench-ecg");
  const std::string dir = tmp.path() + "/history";
  auto opened = OpenMeasuredStore(dir);
  if (!opened.ok()) {
    out["error"] = opened.status().ToString();
    return out;
  }
  std::unique_ptr<history::HistoryStore> store = std::move(opened).value();

  std::string influx_error;
  InfluxOptions io;
  io.influxd = o.influxd;
  io.fast_compaction = true;
  auto influx = InfluxServer::Start(io, &influx_error);
  if (influx) (void)influx->Query("CREATE DATABASE ecg");

  uint64_t samples = 0, raw = 0, gz = 0, xz = 0;
  nlohmann::json per_record = nlohmann::json::array();
  int64_t influx_t_ms = 1'600'000'000'000;  // idealised 1 ms steps, records back to back
  std::printf("[ecg] %zu records from %s\n", names.size(), o.mitdb.c_str());
  std::printf("%-8s %12s %8s %8s %8s\n", "record", "samples", "raw", "gzip-9", "xz-9e");
  for (const std::string& name : names) {
    const std::string path = o.mitdb + "/" + name;
    Result<wfdb::Record> rec = wfdb::ReadRecord(path);
    if (!rec.ok()) {
      out["error"] = rec.status().ToString();
      return out;
    }
    const wfdb::Header& h = rec->header;
    const size_t nsig = rec->samples.size();
    const size_t n = nsig ? rec->samples[0].size() : 0;
    const uint64_t rec_samples = static_cast<uint64_t>(n) * nsig;
    // MIT-BIH keeps both signals in one .dat file.
    const std::string dat = o.mitdb + "/" + h.signals[0].file_name;
    const uint64_t rec_raw = fs::file_size(dat);
    const uint64_t rec_gz = CompressedBytes("gzip -9", dat);
    const uint64_t rec_xz = CompressedBytes("xz -9e", dat);

    // Lingjing: 1-second blocks per signal.
    std::vector<history::SeriesId> ids;
    for (size_t s = 0; s < nsig; ++s) {
      Result<history::SeriesId> id = store->Intern(
          {"mitdb-" + name, SignalName(h, s), history::ValueType::kInt, /*waveform=*/true});
      if (!id.ok()) {
        out["error"] = id.status().ToString();
        return out;
      }
      ids.push_back(*id);
    }
    const size_t block = static_cast<size_t>(std::lround(h.frequency_hz));
    const int64_t t0 = 1'600'000'000'000'000'000;
    history::WriteBatch batch;
    std::vector<double> values(block);
    for (size_t i = 0; i < n; i += block) {
      const size_t len = std::min(block, n - i);
      batch.Clear();
      for (size_t s = 0; s < nsig; ++s) {
        for (size_t k = 0; k < len; ++k)
          values[k] = static_cast<double>(MicroVolts(rec->samples[s][i + k], h.signals[s]));
        batch.AddBlock(ids[s], t0 + static_cast<int64_t>(std::llround(i * 1e9 / h.frequency_hz)),
                       h.frequency_hz, values.data(), len);
      }
      if (Result<uint64_t> w = store->Write(batch); !w.ok()) {
        out["error"] = w.status().ToString();
        return out;
      }
    }

    // InfluxDB: the same values, one line per sample instant.
    if (influx) {
      std::string lines;
      std::vector<std::string_view> batches;
      std::vector<std::string> chunks;
      for (size_t i = 0; i < n; ++i) {
        lines += "ecg,record=" + name + " ";
        for (size_t s = 0; s < nsig; ++s) {
          lines += (s ? "," : "") + SignalName(h, s) + "=" +
                   std::to_string(MicroVolts(rec->samples[s][i], h.signals[s])) + "i";
        }
        lines += " " + std::to_string(influx_t_ms++) + "\n";
        if ((i + 1) % 5000 == 0 || i + 1 == n) chunks.push_back(std::move(lines)), lines.clear();
      }
      for (const std::string& c : chunks) batches.push_back(c);
      PostResult p =
          PostBatches(influx->port(), "/write?db=ecg&precision=ms", batches, 2, "influxdb " + name);
      if (p.ok != p.requests)
        std::printf("[ecg] influxdb write errors: %s\n", p.first_error.c_str());
    }
    samples += rec_samples;
    raw += rec_raw;
    gz += rec_gz;
    xz += rec_xz;
    const double ns = static_cast<double>(rec_samples);
    std::printf("%-8s %12s %8.3f %8.3f %8.3f\n", name.c_str(), Thousands(ns).c_str(), rec_raw / ns,
                rec_gz / ns, rec_xz / ns);
    std::fflush(stdout);
    per_record.push_back({{"record", name},
                          {"samples", rec_samples},
                          {"raw_bytes", rec_raw},
                          {"gzip9_bytes", rec_gz},
                          {"xz9e_bytes", rec_xz}});
  }
  Result<uint64_t> sealed = SealedStoreBytes(*store, dir);
  if (!sealed.ok()) {
    out["error"] = sealed.status().ToString();
    return out;
  }
  const uint64_t lj_bytes = *sealed;
  const double ns = static_cast<double>(samples);
  out["records"] = per_record;
  out["samples"] = samples;
  out["raw_bytes_per_sample"] = raw / ns;
  out["gzip9_bytes_per_sample"] = gz / ns;
  out["xz9e_bytes_per_sample"] = xz / ns;
  out["lingjing_bytes"] = lj_bytes;
  out["lingjing_bytes_per_sample"] = lj_bytes / ns;
  if (influx) {
    std::printf("[ecg] waiting for InfluxDB's full compaction (up to %d s)...\n",
                o.compaction_wait_s);
    std::fflush(stdout);
    const bool compacted = WaitForInfluxCompaction(*influx, 15, o.compaction_wait_s);
    const int64_t counted = influx->CountPoints("ecg");
    const uint64_t tsm = influx->TsmBytes();
    out["influxdb_compacted"] = compacted;
    out["influxdb_points"] = counted;
    out["influxdb_tsm_bytes"] = tsm;
    out["influxdb_bytes_per_sample"] = tsm / ns;
    influx->Stop();
  } else {
    out["influxdb_error"] = influx_error;
  }
  std::printf("%-8s %12s %8.3f %8.3f %8.3f   lingjing %.3f   influxdb %.3f\n", "total",
              Thousands(ns).c_str(), raw / ns, gz / ns, xz / ns, lj_bytes / ns,
              out.value("influxdb_bytes_per_sample", -1.0));
  return out;
}

}  // namespace lj::bench
