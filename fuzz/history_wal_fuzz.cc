// libFuzzer target for the history WAL: ScanWal over arbitrary bytes, then every record's
// payload through its parser (batch entries, series definitions). Invariants: records lie in
// order inside the valid prefix, re-encoding a record reproduces its bytes exactly, and a
// clean scan consumed everything.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "history/batch_format.h"
#include "history/manifest.h"
#include "history/wal.h"

namespace {

using lj::fuzz::Check;
using lj::fuzz::Touch;
using namespace lj::history;

volatile uint64_t g_sink;

class Toucher final : public BatchVisitor {
 public:
  void Double(SeriesId s, int64_t t, double v) override { g_sink = g_sink + s + t + (v == v); }
  void Int(SeriesId s, int64_t t, int64_t v) override { g_sink = g_sink + s + t + v; }
  void String(SeriesId s, int64_t t, std::string_view v) override {
    Check(v.size() <= kMaxStringBytes);
    g_sink = g_sink + s + t + Touch(v);
  }
  void Block(SeriesId s, int64_t t0, double rate, const char* v, size_t n) override {
    Check(n > 0 && n <= kMaxBlockValues && rate > 0);
    g_sink = g_sink + s + t0 + Touch(std::string_view(v, n * sizeof(double)));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  WalScan scan = ScanWal(in);
  Check(scan.valid_bytes <= in.size());
  Check(scan.end != WalScan::End::kClean || scan.valid_bytes == in.size());
  size_t next = 0;
  for (const WalRecord& rec : scan.records) {
    Check(rec.offset == next);
    std::string again;
    AppendWalRecord(&again, rec.lsn, rec.type, rec.payload);
    Check(in.substr(rec.offset, again.size()) == again);
    next = rec.offset + again.size();
    if (rec.type == WalType::kBatch || rec.type == WalType::kBatchV1) {
      Toucher t;
      DecodeBatch(rec.payload, &t).IgnoreError();
    } else if (rec.type == WalType::kSeries) {
      CatalogEntry e;
      if (DecodeCatalogEntry(rec.payload, &e).ok()) {
        std::string back;
        EncodeCatalogEntry(e, &back);
        Check(back == rec.payload);
      }
    }
  }
  Check(next == scan.valid_bytes);
  // the raw input as a batch payload too (what a record body may hold)
  Toucher t;
  DecodeBatch(in, &t).IgnoreError();
  return 0;
}
