// The ward workload of the end-to-end ingest benchmark: InfluxDB line protocol, deterministic.
//
// Per patient (twin monitor-0001, monitor-0002, ...) and per second of data, one device block:
//   vitals,twin=monitor-0001 hr=72.4,rr=16,spo2=97,nibpSys=121,nibpDia=79 <t>     (5 samples)
//   ecg,twin=monitor-0001 ecg=512i <t>           x 250, every 4 ms                (250 samples)
// Blocks are ordered by second, then patient; data ends ~1 minute before the generation time,
// so no sample is in the future and, per series, timestamps only increase.
// A sample is one field value (what both InfluxDB and Lingjing count).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lj::bench {

struct WorkloadOptions {
  int patients = 1000;
  int seconds = 10;
  std::string precision = "ms";  // ms | ns | us | s
  int64_t end_unix_s = 0;        // 0: now - 60 s
};

// Writes the workload to `path`. Returns false on I/O error or bad precision.
bool GenerateWorkload(const WorkloadOptions& opts, const std::string& path);

// A workload file loaded into memory and cut for sending. Views point into `data`.
struct Workload {
  std::string data;
  uint64_t lines = 0;
  uint64_t samples = 0;                   // field values
  uint64_t ecg_values = 0;                // values of field `ecg` (waveform)
  std::vector<std::string_view> batches;  // >= batch_lines lines, ending at device blocks (HTTP)
  std::vector<std::string_view> blocks;   // runs of lines of one twin: a device's message (MQTT)
  std::vector<std::string> twins;         // distinct `twin` tags, first-seen order
  // Last value of every field of measurement `vitals`, per twin (what a viewer must end with).
  std::unordered_map<std::string, std::vector<std::pair<std::string, double>>> last_vitals;
};

// Loads and analyses `path` (plain lines as generated: no escaped spaces/commas). Returns false
// when the file cannot be read or holds no line with a `twin` tag.
bool LoadWorkload(const std::string& path, size_t batch_lines, Workload* out, std::string* error);

// `block` with every line's trailing timestamp rescaled from `precision` to nanoseconds (MQTT
// `line` payloads always carry nanoseconds).
std::string ToNanoseconds(std::string_view block, const std::string& precision);

}  // namespace lj::bench
