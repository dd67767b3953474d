// ImportWaveform (import.h).
#include "history/import.h"

#include <algorithm>
#include <cmath>

#include "history/chunk.h"

namespace lj::history {
namespace {

constexpr size_t kBatchValues = 65536;

}  // namespace

uint64_t ImportSummary::refused_samples() const {
  uint64_t n = 0;
  for (const Refused& r : refused) n += r.samples;
  return n;
}

void ImportSummary::Add(uint64_t handed, const WriteReport& report) {
  read += handed;
  stored += report.stored;
  for (const Refusal& r : report.refused) {
    auto it = std::find_if(refused.begin(), refused.end(),
                           [&](const Refused& x) { return x.code == r.code; });
    if (it == refused.end()) {
      it = refused.insert(refused.end(), Refused{});
      it->code = r.code;
      it->first_reason = r.reason;
    }
    it->samples += r.samples;
    ++it->blocks;
    it->first_ns = std::min(it->first_ns, r.t_ns);
    it->end_ns = std::max(it->end_ns, r.end_ns);
    if (r.code == ErrorCode::kOutOfOrder)
      it->stored_from_ns = std::min(it->stored_from_ns, r.stored_from_ns);
  }
}

Status ImportWaveform(HistoryStore& store, SeriesId id, int64_t t0_ns, double rate_hz,
                      std::span<const double> values, ImportSummary* summary,
                      const ImportProgressFn& progress) {
  if (!std::isfinite(rate_hz) || rate_hz <= 0) {
    return Status(ErrorCode::kInvalidArgument, "import: the rate must be finite and positive");
  }
  // One second per block; at least one value.
  const size_t block = static_cast<size_t>(std::clamp(std::llround(rate_hz), 1LL, 1LL << 20));
  WriteBatch batch;
  WriteReport report;
  uint64_t done = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    Result<uint64_t> lsn = store.Write(batch, &report);
    if (!lsn.ok()) return lsn.status();
    summary->Add(batch.samples(), report);
    done += batch.samples();
    batch.Clear();
    if (progress) progress(done, *summary);
    return Status::Ok();
  };
  int64_t t = t0_ns;
  for (size_t off = 0; off < values.size(); off += block) {
    const size_t n = std::min(block, values.size() - off);
    batch.AddBlock(id, t, rate_hz, values.data() + off, n);
    // The next block starts where the store says this one ends (RunTime), so consecutive
    // blocks touch exactly and never overlap by a rounding nanosecond.
    t = RunTime(SeriesData::Run{t, rate_hz, 0, n}, n);
    if (batch.samples() >= kBatchValues) LJ_RETURN_IF_ERROR(flush());
  }
  return flush();
}

}  // namespace lj::history
