// libFuzzer target for the line protocol parser. The first input byte picks options (naming,
// precision, small limits, default time); the rest is the body. Every view of every sample is
// read so ASan sees dangling or out-of-range views, and parser invariants are checked with
// __builtin_trap().
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "ingest/line_protocol.h"

namespace {

using lj::ingest::ParsedBatch;

volatile uint64_t g_sink;

using lj::fuzz::Check;
using lj::fuzz::Inside;
using lj::fuzz::Touch;

// The view must lie in the body or in one of the batch's owned strings.
bool Anchored(std::string_view s, std::string_view body, const ParsedBatch& b) {
  if (s.empty() || Inside(s, body)) return true;
  for (const std::string& o : b.owned) {
    if (Inside(s, o)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace lj::ingest;
  const uint8_t mode = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  LineProtocolOptions o;
  o.naming = (mode & 1) ? TelemetryNaming::kMeasurementField : TelemetryNaming::kField;
  o.precision = static_cast<Precision>((mode >> 1) % 6);
  if (mode & 0x10) {
    o.limits.max_id_bytes = 8;
    o.limits.max_string_bytes = 8;
  }
  if (mode & 0x20) o.twin_tag = "t";
  if (mode & 0x40) o.default_time_ns = -1;

  size_t lines = 1;
  for (char c : body) lines += c == '\n';

  ParsedBatch b;
  ParseLineProtocol(body, o, b);

  uint64_t h = 0;
  uint32_t last_line = 0;
  for (const ParsedSample& s : b.samples) {
    Check(!s.is_block() && s.count == 0 && s.offset == 0);
    Check(s.source >= 1 && s.source <= lines && s.source >= last_line);
    last_line = s.source;
    Check(!s.twin.empty() && s.twin.size() <= o.limits.max_id_bytes);
    Check(!s.telemetry.empty() && s.telemetry.size() <= o.limits.max_id_bytes);
    Check(Anchored(s.twin, body, b) && Anchored(s.telemetry, body, b));
    h += Touch(s.twin) + Touch(s.telemetry);
    if (s.value.kind == ValueKind::kString) {
      Check(s.value.s.size() <= o.limits.max_string_bytes);
      Check(Anchored(s.value.s, body, b));
      h += Touch(s.value.s);
    }
    h += static_cast<uint64_t>(s.t_ns) + static_cast<uint64_t>(s.value.i) + s.value.b;
  }
  Check(b.wave_values.empty());
  uint32_t last_reject = 0;
  for (const Reject& r : b.rejects) {
    Check(r.source >= 1 && r.source <= lines && r.source > last_reject);
    last_reject = r.source;
    Check(!r.message.empty());  // the location is in r.source, not in the message
    for (char c : r.message) Check(static_cast<unsigned char>(c) >= 0x20);
    h += Touch(r.message);
  }
  g_sink = h;
  return 0;
}
