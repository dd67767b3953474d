#include "ward_workload.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <unordered_set>

#include "bench_util.h"

namespace lj::bench {
namespace {

constexpr int kEcgRate = 250;
constexpr double kPi = 3.14159265358979323846;

// Zeros to append to a timestamp in `precision` to get nanoseconds; nullptr when unknown.
const char* NsSuffix(const std::string& precision) {
  if (precision == "ns" || precision == "n") return "";
  if (precision == "us" || precision == "u") return "000";
  if (precision == "ms") return "000000";
  if (precision == "s") return "000000000";
  return nullptr;
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// A deterministic, roughly ECG-shaped integer signal in microvolts.
int EcgValue(int patient, int64_t sample) {
  const int period = 180 + patient % 70;  // 60..83 bpm at 250 Hz
  const int64_t ph = (sample + patient * 37) % period;
  double v = 40 * std::sin(2 * kPi * static_cast<double>(sample % 1000) / 1000.0);
  if (ph < 4) v += 900 - 220 * ph;                                       // QRS
  if (ph >= 40 && ph < 70) v += 180 * std::sin(kPi * (ph - 40) / 30.0);  // T wave
  return static_cast<int>(std::lround(v));
}

}  // namespace

bool GenerateWorkload(const WorkloadOptions& o, const std::string& path) {
  const char* suffix = NsSuffix(o.precision);
  if (!suffix || o.patients < 1 || o.seconds < 1) return false;
  int64_t unit_per_s = 1;  // 10^(9 - zeros appended to reach ns)
  for (size_t k = std::string_view(suffix).size(); k < 9; ++k) unit_per_s *= 10;
  const int64_t end_s = o.end_unix_s > 0 ? o.end_unix_s
                                         : std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                                   .count() -
                                               60;
  const int64_t start_s = end_s - o.seconds;
  const int64_t ecg_step = unit_per_s / kEcgRate;  // 4 ms in the file's unit

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  std::string buf, twin;
  char name[32];
  for (int s = 0; s < o.seconds; ++s) {
    buf.clear();
    const int64_t t0 = (start_s + s) * unit_per_s;
    for (int p = 1; p <= o.patients; ++p) {
      std::snprintf(name, sizeof name, "monitor-%04d", p);
      twin = name;
      char vit[128];
      std::snprintf(vit, sizeof vit, "hr=%.1f,rr=%d,spo2=%d,nibpSys=%d,nibpDia=%d ",
                    60 + ((p * 13 + s * 7) % 400) / 10.0, 12 + (p + s) % 10, 94 + (p * 3 + s) % 6,
                    110 + (p * 7 + s) % 30, 70 + (p * 5 + s) % 15);
      buf += "vitals,twin=" + twin + " " + vit;
      AppendInt(buf, t0);
      buf += '\n';
      for (int i = 0; i < kEcgRate; ++i) {
        buf += "ecg,twin=";
        buf += twin;
        buf += " ecg=";
        AppendInt(buf, EcgValue(p, static_cast<int64_t>(s) * kEcgRate + i));
        buf += "i ";
        AppendInt(buf, t0 + i * ecg_step);
        buf += '\n';
      }
    }
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  }
  return static_cast<bool>(out);
}

bool LoadWorkload(const std::string& path, size_t batch_lines, Workload* w, std::string* error) {
  w->data = ReadFile(path);
  if (w->data.empty()) {
    *error = "cannot read " + path + " (or it is empty)";
    return false;
  }
  if (batch_lines == 0) batch_lines = 5000;
  const std::string_view all = w->data;
  std::unordered_set<std::string_view> seen;
  size_t batch_start = 0, batch_n = 0, block_start = 0;
  std::string_view block_twin;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t eol = all.find('\n', pos);
    if (eol == std::string_view::npos) eol = all.size();
    std::string_view line = all.substr(pos, eol - pos);
    const size_t next = eol < all.size() ? eol + 1 : eol;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') {
      pos = next;
      continue;
    }
    ++w->lines;
    // measurement[,tags] fields [timestamp]
    const size_t sp1 = line.find(' ');
    const std::string_view head = line.substr(0, sp1);
    std::string_view fields =
        sp1 == std::string_view::npos ? std::string_view() : line.substr(sp1 + 1);
    fields = fields.substr(0, fields.find(' '));
    const std::string_view meas = head.substr(0, head.find(','));
    std::string_view twin;
    if (size_t t = head.find(",twin="); t != std::string_view::npos) {
      twin = head.substr(t + 6);
      twin = twin.substr(0, twin.find(','));
    }
    if (!twin.empty() && seen.insert(twin).second) w->twins.emplace_back(twin);
    std::vector<std::pair<std::string, double>>* vit =
        (meas == "vitals" && !twin.empty()) ? &w->last_vitals[std::string(twin)] : nullptr;
    if (vit) vit->clear();
    size_t f = 0;
    while (f < fields.size()) {
      size_t comma = fields.find(',', f);
      if (comma == std::string_view::npos) comma = fields.size();
      const std::string_view kv = fields.substr(f, comma - f);
      const size_t eq = kv.find('=');
      const std::string_view key = kv.substr(0, eq);
      ++w->samples;
      if (key == "ecg") ++w->ecg_values;
      if (vit && eq != std::string_view::npos) {
        std::string v(kv.substr(eq + 1));
        if (!v.empty() && (v.back() == 'i' || v.back() == 'u')) v.pop_back();
        vit->emplace_back(std::string(key), std::strtod(v.c_str(), nullptr));
      }
      f = comma + 1;
    }
    // Device blocks: consecutive lines of one twin.
    if (twin != block_twin) {
      if (pos > block_start) w->blocks.push_back(all.substr(block_start, pos - block_start));
      // HTTP batches end at device-block boundaries: a device posts its own block whole, so one
      // device's second is never split over two concurrent requests (a later half could land
      // first, and history keeps waveforms strictly in order).
      if (batch_n >= batch_lines) {
        w->batches.push_back(all.substr(batch_start, pos - batch_start));
        batch_start = pos;
        batch_n = 0;
      }
      block_start = pos;
      block_twin = twin;
    }
    ++batch_n;
    pos = next;
  }
  if (batch_start < all.size()) w->batches.push_back(all.substr(batch_start));
  if (block_start < all.size()) w->blocks.push_back(all.substr(block_start));
  if (w->twins.empty()) {
    *error = path + ": no line with a `twin` tag";
    return false;
  }
  return true;
}

std::string ToNanoseconds(std::string_view block, const std::string& precision) {
  const char* suffix = NsSuffix(precision);
  if (!suffix || !*suffix) return std::string(block);
  std::string out;
  out.reserve(block.size() + block.size() / 8);
  size_t pos = 0;
  while (pos < block.size()) {
    size_t eol = block.find('\n', pos);
    const bool nl = eol != std::string_view::npos;
    if (!nl) eol = block.size();
    std::string_view line = block.substr(pos, eol - pos);
    out += line;
    // A trailing timestamp is a third space-separated field of digits.
    const size_t sp = line.rfind(' ');
    if (sp != std::string_view::npos && line.find(' ') != sp && sp + 1 < line.size()) out += suffix;
    if (nl) out += '\n';
    pos = eol + 1;
  }
  return out;
}

}  // namespace lj::bench
