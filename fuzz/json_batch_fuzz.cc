// libFuzzer target for the JSON batch parser. The first input byte picks the entry point
// (batch or MQTT-style twin object) and small limits; the rest is the body, copied into a heap
// string that is destroyed before the samples are read, so ASan catches any view that points
// into the body instead of ParsedBatch::owned. Invariants are checked with __builtin_trap().
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "ingest/json_batch.h"

namespace {

using lj::ingest::ParsedBatch;

volatile uint64_t g_sink;
volatile double g_wave;

using lj::fuzz::Check;
using lj::fuzz::Inside;
using lj::fuzz::Touch;

bool Owned(std::string_view s, const ParsedBatch& b, std::string_view twin) {
  if (s.empty() || s.data() == twin.data()) return true;
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
  JsonBatchOptions o;
  if (mode & 2) {
    o.limits.max_block_values = 4;
    o.limits.max_id_bytes = 6;
    o.limits.max_string_bytes = 6;
  }
  if (mode & 4) o.default_time_ns = 123;
  static const std::string kTwin = "monitor-0001";
  const std::string_view twin = (mode & 2) ? std::string_view(kTwin).substr(0, 6) : kTwin;

  ParsedBatch b;
  {
    auto body = std::make_unique<std::string>(reinterpret_cast<const char*>(data + 1), size - 1);
    if (mode & 1) {
      ParseJsonTwinObject(*body, twin, o, b);
    } else {
      ParseJsonBatch(*body, o, b);
    }
  }  // the body is gone from here on

  uint64_t h = 0;
  uint32_t last = 0;
  for (const ParsedSample& s : b.samples) {
    Check(s.source >= last && s.source < size);
    if (mode & 1) Check(s.source == 0 && s.twin.data() == twin.data());
    last = s.source;
    Check(!s.twin.empty() && s.twin.size() <= o.limits.max_id_bytes);
    Check(!s.telemetry.empty() && s.telemetry.size() <= o.limits.max_id_bytes);
    Check(Owned(s.twin, b, twin) && Owned(s.telemetry, b, twin));
    h += Touch(s.twin) + Touch(s.telemetry) + static_cast<uint64_t>(s.t_ns);
    if (s.is_block()) {
      Check(std::isfinite(s.rate_hz) && s.count > 0 && s.count <= o.limits.max_block_values);
      Check(uint64_t{s.offset} + s.count <= b.wave_values.size());
      double sum = 0;  // read every value of the block
      for (uint32_t i = 0; i < s.count; ++i) sum += b.wave_values[s.offset + i];
      g_wave = sum;
    } else {
      Check(s.count == 0 && s.offset == 0);
      if (s.value.kind == ValueKind::kString) {
        Check(s.value.s.size() <= o.limits.max_string_bytes && Owned(s.value.s, b, twin));
        h += Touch(s.value.s);
      }
      h += static_cast<uint64_t>(s.value.i) + s.value.b;
      g_wave = s.value.d;
    }
  }
  for (const Reject& r : b.rejects) {
    Check(r.source < (size > 1 ? size : 1));
    Check(!r.message.empty());
    for (char c : r.message) Check(static_cast<unsigned char>(c) >= 0x20);
    h += Touch(r.message);
  }
  g_sink = h;
  return 0;
}
