// Parsed telemetry: what every ingest protocol (HTTP JSON, line protocol, MQTT, WebSocket)
// turns its payload into before validation. Zero-copy: string_views point into the request
// body or into ParsedBatch::owned, so a ParsedBatch must not outlive the body it was parsed from.
// Thread-safety: plain data, owned by one thread at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::ingest {

enum class ValueKind : uint8_t { kDouble, kInt, kBool, kString };

struct Value {
  ValueKind kind = ValueKind::kDouble;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string_view s;
  static Value Double(double v) {
    Value x;
    x.kind = ValueKind::kDouble;
    x.d = v;
    return x;
  }
  static Value Int(int64_t v) {
    Value x;
    x.kind = ValueKind::kInt;
    x.i = v;
    return x;
  }
  static Value Bool(bool v) {
    Value x;
    x.kind = ValueKind::kBool;
    x.b = v;
    return x;
  }
  static Value String(std::string_view v) {
    Value x;
    x.kind = ValueKind::kString;
    x.s = v;
    return x;
  }
};

// One scalar sample, or one waveform block (rate_hz > 0: `count` values starting at
// ParsedBatch::wave_values[offset], the first at t_ns, then every 1/rate_hz seconds).
struct ParsedSample {
  std::string_view twin;
  std::string_view telemetry;
  int64_t t_ns = 0;
  Value value;
  double rate_hz = 0;
  uint32_t offset = 0;
  uint32_t count = 0;
  uint32_t source = 0;  // 1-based line (line protocol) or 0-based array index (JSON), for errors
  bool is_block() const { return rate_hz > 0; }
};

struct Reject {
  uint32_t source = 0;  // same meaning as ParsedSample::source
  ErrorCode code = ErrorCode::kParseError;
  std::string message;
};

struct ParsedBatch {
  std::vector<ParsedSample> samples;
  std::vector<double> wave_values;  // storage for waveform blocks
  std::deque<std::string> owned;    // unescaped strings that samples point into
  std::vector<Reject> rejects;      // parse-level rejects; the rest of the batch is kept
  // Total samples the batch stood for (a block of n values counts n); filled by parsers for
  // accepted items only.
  void Clear() {
    samples.clear();
    wave_values.clear();
    owned.clear();
    rejects.clear();
  }
};

// The distinct twins a batch writes to, sorted (for access control: every one must be allowed).
std::vector<std::string> DistinctTwins(const ParsedBatch& batch);

// Limits every parser enforces; violations reject the item with kOversize.
struct Limits {
  size_t max_block_values = 65536;  // values in one waveform block
  size_t max_string_bytes = 4096;   // a string telemetry value
  size_t max_id_bytes = 256;        // twin id / telemetry name
};

}  // namespace lj::ingest
