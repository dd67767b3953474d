#include "hl7/oru.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "hl7/dtm.h"

namespace lj::hl7 {
namespace {

// Resolves and caches the sample target of each PID group and each OBX-18 device.
class Targets {
 public:
  explicit Targets(WardIndex& ward) : ward_(ward) {}

  void SetPatient(std::string mrn) {
    mrn_ = std::move(mrn);
    monitor_.reset();
  }
  Result<std::string> Monitor() {
    if (!monitor_) monitor_ = Resolve();
    return *monitor_;
  }
  bool IsTwin(const std::string& id) {
    auto it = twins_.find(id);
    if (it == twins_.end()) it = twins_.emplace(id, ward_.graph().GetTwin(id).ok()).first;
    return it->second;
  }

 private:
  Result<std::string> Resolve() {
    if (mrn_.empty()) {
      return Status(ErrorCode::kMissingField,
                    "PID-3: missing patient identifier (needed to find the bedside monitor)");
    }
    Result<graph::Twin> p = ward_.FindPatient(mrn_);
    if (!p.ok()) return Status(ErrorCode::kUnknownTwin, "PID-3: " + p.status().message());
    auto beds = ward_.BedsOf(p->id);
    if (!beds.ok()) return beds.status();
    if (beds->empty()) {
      return Status(ErrorCode::kUnknownTwin,
                    fmt::format("PID-3: patient '{}' occupies no bed", p->id));
    }
    Result<std::string> m = ward_.MonitorOf(beds->front().first);
    if (!m.ok()) return Status(ErrorCode::kUnknownTwin, m.status().message());
    return m;
  }

  WardIndex& ward_;
  std::string mrn_;
  std::optional<Result<std::string>> monitor_;
  std::map<std::string, bool> twins_;
};

struct Pending {
  ingest::ParsedSample sample;
  VitalRole role = VitalRole::kMeasurement;
};

// HL7 table 0085 (observation result status) values that carry no result to store.
std::string_view NotAResult(std::string_view status) {
  if (status == "X") return "results cannot be obtained";
  if (status == "D") return "deleted";
  if (status == "W") return "posted as wrong";
  return {};
}

}  // namespace

std::string ObxWhere(uint32_t position, int field, std::string_view set_id) {
  std::string out =
      field > 0 ? fmt::format("OBX({})-{}", position, field) : fmt::format("OBX({})", position);
  if (!set_id.empty()) out += fmt::format(" (set id {})", set_id);
  return out;
}

void BuildOruBatch(const Message& msg, WardIndex& ward, const OruOptions& options, OruResult* out) {
  ingest::ParsedBatch& batch = out->batch;
  Result<Dtm> msh7 = ParseDtm(msg.Get("MSH-7"), options.default_offset_minutes);
  const int offset =
      msh7.ok() && msh7->has_offset ? msh7->offset_minutes : options.default_offset_minutes;
  Targets targets(ward);
  std::string obr_time;
  std::vector<Pending> pending;
  std::map<std::string, uint32_t, std::less<>> heart_rate_at;  // twin → first heart-rate OBX
  uint32_t n = 0;

  // "OBX(7)-6: 150344 MDC_TEMP: <why>" (no observation part when OBX-3 is empty).
  auto text = [&](uint32_t obx, int field, std::string_view why) {
    const ObxRow& row = out->rows[obx - 1];
    const std::string where = ObxWhere(obx, field, row.set_id);
    return row.label.empty() ? fmt::format("{}: {}", where, why)
                             : fmt::format("{}: {}: {}", where, row.label, why);
  };
  auto ignore = [&](uint32_t obx, int field, ErrorCode ec, std::string_view reason,
                    std::string_view why) {
    out->ignored.push_back(Ignored{
        ingest::Reject{obx, ec, text(obx, field, fmt::format("{}; not stored", why))}, reason});
  };

  for (const Segment& seg : msg.segments()) {
    if (seg.name() == "PID") {
      const int reps = seg.Repetitions(3);
      std::string mrn = seg.Get(3, 1, 1);
      for (int r = 1; r <= reps; ++r) {
        if (seg.Get(3, r, 5) == "MR" && !seg.Get(3, r, 1).empty()) mrn = seg.Get(3, r, 1);
      }
      targets.SetPatient(std::move(mrn));
      continue;
    }
    if (seg.name() == "OBR") {
      obr_time = seg.Get(7);
      continue;
    }
    if (seg.name() != "OBX") continue;
    ++n;
    const ObservationId id = IdentifyObservation(seg);
    ObxRow row;
    std::string set_id = seg.Get(1);
    while (!set_id.empty() && set_id.back() == ' ') set_id.pop_back();
    while (!set_id.empty() && set_id.front() == ' ') set_id.erase(0, 1);
    if (set_id != std::to_string(n)) row.set_id = set_id.substr(0, 16);
    row.label = id.label;
    out->rows.push_back(std::move(row));

    const std::string status = seg.Get(11);
    if (std::string_view meaning = NotAResult(status); !meaning.empty()) {
      ignore(n, 11, ErrorCode::kUnprocessable, "result_status",
             fmt::format("result status '{}' ({})", status, meaning));
      continue;
    }
    const std::string value = seg.Get(5);
    if (value.empty()) {
      ignore(n, 5, ErrorCode::kMissingField, "no_value", "no value");
      continue;
    }
    auto reject = [&](int field, ErrorCode ec, std::string_view why) {
      batch.rejects.push_back(ingest::Reject{n, ec, text(n, field, why)});
    };
    if (!id.conflict.empty()) {
      reject(3, ErrorCode::kInvalidArgument, id.conflict);
      continue;
    }
    if (id.vital == nullptr) {
      if (id.label.empty()) {
        ignore(n, 3, ErrorCode::kMissingField, "unmapped_code", "no observation identifier");
      } else {
        ignore(n, 3, ErrorCode::kUnknownTelemetry, "unmapped_code",
               "observation identifier not mapped to a BedsideMonitor telemetry");
      }
      continue;
    }
    const Vital& vital = *id.vital;
    const std::string type = seg.Get(2);
    if (!type.empty() && type != "NM") {
      reject(2, ErrorCode::kWrongType,
             fmt::format("value type '{}', expected NM", type.substr(0, 8)));
      continue;
    }
    std::optional<double> v = ParseNm(value);
    if (!v) {
      reject(5, ErrorCode::kWrongType, fmt::format("'{}' is not a number", value.substr(0, 32)));
      continue;
    }
    Result<double> converted = ConvertObxUnit(seg, vital.telemetry, *v);
    if (!converted.ok()) {
      reject(6, converted.status().code(), converted.status().message());
      continue;
    }
    const std::string obx_time = seg.Get(14);
    const std::string& ts = !obx_time.empty() ? obx_time : obr_time;
    int64_t t_ns = options.now_ns;
    const std::string& ts_text = !ts.empty() ? ts : msg.Get("MSH-7");
    if (!ts_text.empty()) {
      Result<Dtm> t = ParseDtm(ts_text, offset);
      const int field = !obx_time.empty() ? 14 : 0;
      if (!t.ok() || t->digits < 12) {
        reject(field, ErrorCode::kBadTimestamp,
               t.ok() ? fmt::format("'{}': needs at least minute precision", ts_text.substr(0, 32))
                      : t.status().message());
        continue;
      }
      t_ns = t->ns;
    }
    std::string twin;
    const int devices = seg.Repetitions(18);
    for (int r = 1; r <= devices && twin.empty(); ++r) {
      std::string dev = seg.Get(18, r, 1);
      if (!dev.empty() && dev.size() <= 256 && targets.IsTwin(dev)) twin = std::move(dev);
    }
    if (twin.empty()) {
      Result<std::string> m = targets.Monitor();
      if (!m.ok()) {
        reject(3, m.status().code(), m.status().message());
        continue;
      }
      twin = *m;
    }
    if (batch.owned.empty() || batch.owned.back() != twin) batch.owned.push_back(twin);
    Pending p;
    p.sample.twin = batch.owned.back();
    p.sample.telemetry = vital.telemetry;
    p.sample.t_ns = t_ns;
    p.sample.value = ingest::Value::Double(*converted);
    p.sample.source = n;
    p.role = vital.role;
    if (vital.role == VitalRole::kHeartRate) heart_rate_at.emplace(twin, n);
    pending.push_back(p);
  }
  for (const Pending& p : pending) {
    if (p.role == VitalRole::kPulseRate) {
      auto hr = heart_rate_at.find(p.sample.twin);
      if (hr != heart_rate_at.end()) {
        ignore(p.sample.source, 3, ErrorCode::kConflict, "superseded",
               fmt::format("pulse rate superseded by the heart rate in OBX({})", hr->second));
        continue;
      }
    }
    batch.samples.push_back(p.sample);
  }
  std::stable_sort(
      out->ignored.begin(), out->ignored.end(),
      [](const Ignored& a, const Ignored& b) { return a.reject.source < b.reject.source; });
}

}  // namespace lj::hl7
