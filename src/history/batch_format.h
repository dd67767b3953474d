// The WAL batch payload (WriteBatch::payload()): a sequence of entries, each starting with a tag
// byte (doc/storage-format.md, "Batch payload"). DecodeBatch() walks untrusted bytes and calls
// the visitor once per entry; it never reads out of bounds and stops at the first malformed entry.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "history/history.h"

namespace lj::history {

enum class BatchTag : uint8_t { kDouble = 1, kInt = 2, kString = 3, kBlock = 4 };

inline constexpr size_t kMaxBlockValues = size_t{1} << 20;              // per waveform block
inline constexpr size_t kMaxStringBytes = WriteBatch::kMaxStringBytes;  // per string sample

class BatchVisitor {
 public:
  virtual ~BatchVisitor() = default;
  virtual void Double(SeriesId s, int64_t t, double v) = 0;
  virtual void Int(SeriesId s, int64_t t, int64_t v) = 0;
  virtual void String(SeriesId s, int64_t t, std::string_view v) = 0;
  // `values` points at n unaligned little-endian doubles inside the payload.
  virtual void Block(SeriesId s, int64_t t0, double rate_hz, const char* values, size_t n) = 0;
  // After each entry: its bytes are payload[begin, end).
  virtual void Span(size_t begin, size_t end) { (void)begin, (void)end; }
};

// kStorage with the entry's byte offset when the payload is malformed; entries before it were
// visited. Validate first (visitor = nullptr) to apply all-or-nothing.
Status DecodeBatch(std::string_view payload, BatchVisitor* visitor);

}  // namespace lj::history
