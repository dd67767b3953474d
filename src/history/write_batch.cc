// WriteBatch encoding and DecodeBatch (the batch payload format, doc/storage-format.md).
#include <cmath>
#include <string>

#include "history/batch_format.h"
#include "history/format.h"
#include "history/history.h"

namespace lj::history {

void WriteBatch::AddDouble(SeriesId s, int64_t t_ns, double v) {
  PutU8(&buf_, static_cast<uint8_t>(BatchTag::kDouble));
  PutU32(&buf_, s);
  PutI64(&buf_, t_ns);
  PutF64(&buf_, v);
  ++samples_;
  ++entries_;
}

void WriteBatch::AddInt(SeriesId s, int64_t t_ns, int64_t v) {
  PutU8(&buf_, static_cast<uint8_t>(BatchTag::kInt));
  PutU32(&buf_, s);
  PutI64(&buf_, t_ns);
  PutI64(&buf_, v);
  ++samples_;
  ++entries_;
}

bool WriteBatch::AddString(SeriesId s, int64_t t_ns, std::string_view v) {
  if (v.size() > kMaxStringBytes) return false;  // the pipeline caps far lower
  PutU8(&buf_, static_cast<uint8_t>(BatchTag::kString));
  PutU32(&buf_, s);
  PutI64(&buf_, t_ns);
  PutStr(&buf_, v);
  ++samples_;
  ++entries_;
  return true;
}

void WriteBatch::AddBlock(SeriesId s, int64_t t0_ns, double rate_hz, const double* values,
                          size_t n) {
  while (n > 0) {  // split blocks beyond the entry limit (never happens from the pipeline)
    size_t k = std::min(n, kMaxBlockValues);
    PutU8(&buf_, static_cast<uint8_t>(BatchTag::kBlock));
    PutU32(&buf_, s);
    PutI64(&buf_, t0_ns);
    PutF64(&buf_, rate_hz);
    PutU32(&buf_, static_cast<uint32_t>(k));
    buf_.append(reinterpret_cast<const char*>(values), k * sizeof(double));
    samples_ += k;
    ++entries_;
    values += k;
    n -= k;
    t0_ns += std::llround(static_cast<double>(k) * 1e9 / rate_hz);
  }
}

void WriteBatch::Clear() {
  buf_.clear();
  samples_ = 0;
  entries_ = 0;
}

Status DecodeBatch(std::string_view payload, BatchVisitor* visitor) {
  ByteReader r(payload);
  while (!r.done()) {
    size_t at = r.pos();
    uint8_t tag = 0;
    uint32_t s = 0;
    int64_t t = 0;
    bool ok = r.Get(&tag) && r.Get(&s) && r.Get(&t);
    if (ok) {
      switch (static_cast<BatchTag>(tag)) {
        case BatchTag::kDouble: {
          double v;
          ok = r.Get(&v);
          if (ok && visitor) visitor->Double(s, t, v);
          break;
        }
        case BatchTag::kInt: {
          int64_t v;
          ok = r.Get(&v);
          if (ok && visitor) visitor->Int(s, t, v);
          break;
        }
        case BatchTag::kString: {
          std::string_view v;
          ok = r.Str(&v) && v.size() <= kMaxStringBytes;
          if (ok && visitor) visitor->String(s, t, v);
          break;
        }
        case BatchTag::kBlock: {
          double rate;
          uint32_t n;
          std::string_view vals;
          ok = r.Get(&rate) && r.Get(&n) && n > 0 && n <= kMaxBlockValues && std::isfinite(rate) &&
               rate > 0 && r.Bytes(size_t{n} * sizeof(double), &vals);
          if (ok && visitor) visitor->Block(s, t, rate, vals.data(), n);
          break;
        }
        default:
          ok = false;
      }
    }
    if (!ok) {
      return Status(ErrorCode::kStorage,
                    "batch payload: malformed entry at byte " + std::to_string(at));
    }
    if (visitor) visitor->Span(at, r.pos());
  }
  return Status::Ok();
}

}  // namespace lj::history
