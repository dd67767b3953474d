#include "history/memtable.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "history/chunk.h"

namespace lj::history {
namespace {

void NewOpen(SeriesState* s) {
  s->open = SeriesData{};
  s->open.type = s->info.type;
  s->open.waveform = s->info.waveform;
  s->open_sorted = true;
}

// Seals the open chunk first if adding `n` values at [t, t_end] would exceed a limit.
void MakeRoom(SeriesState* s, const ChunkLimits& lim, int64_t t, int64_t t_end, size_t n) {
  size_t have = ValueCount(s->open);
  if (have == 0) {
    s->open_min_t = t;
    s->open_max_t = t_end;
    return;
  }
  int64_t lo = std::min(s->open_min_t, t), hi = std::max(s->open_max_t, t_end);
  bool span_ok =
      static_cast<double>(hi) - static_cast<double>(lo) <= static_cast<double>(lim.max_span_ns);
  if (have + n > lim.max_values || !span_ok) {
    SealOpen(s);
    s->open_min_t = t;
    s->open_max_t = t_end;
    return;
  }
  if (t < s->open_max_t) s->open_sorted = false;
  s->open_min_t = lo;
  s->open_max_t = hi;
}

}  // namespace

void AppendDouble(SeriesState* s, const ChunkLimits& lim, int64_t t, double v) {
  MakeRoom(s, lim, t, t, 1);
  s->open.t_ns.push_back(t);
  s->open.f64.push_back(v);
}

void AppendInt(SeriesState* s, const ChunkLimits& lim, int64_t t, int64_t v) {
  MakeRoom(s, lim, t, t, 1);
  s->open.t_ns.push_back(t);
  s->open.i64.push_back(v);
}

void AppendString(SeriesState* s, const ChunkLimits& lim, int64_t t, std::string_view v) {
  MakeRoom(s, lim, t, t, 1);
  s->open.t_ns.push_back(t);
  s->open.str.emplace_back(v);
}

void AppendBlock(SeriesState* s, const ChunkLimits& lim, int64_t t0, double rate_hz,
                 const char* values, size_t n) {
  SeriesData::Run run{t0, rate_hz, 0, n};
  int64_t end = RunTime(run, n);
  MakeRoom(s, lim, t0, end - 1, n);
  SeriesData& o = s->open;
  size_t offset = ValueCount(o);
  if (!o.runs.empty() && o.runs.back().rate_hz == rate_hz &&
      RunTime(o.runs.back(), o.runs.back().count) == t0) {
    o.runs.back().count += n;  // contiguous with the previous block: one run
  } else {
    run.offset = offset;
    o.runs.push_back(run);
  }
  for (size_t i = 0; i < n; ++i) {
    double v;
    std::memcpy(&v, values + i * sizeof(double), sizeof v);
    if (o.type == ValueType::kDouble) {
      o.f64.push_back(v);
    } else {  // integer waveform (ADC counts): values are whole numbers, stored as int64
      o.i64.push_back(std::isfinite(v) && std::fabs(v) < 9e18 ? std::llround(v) : 0);
    }
  }
  s->wave_end_ns = std::max(s->wave_end_ns, end);
}

bool FindStoredOverlap(const SeriesState& s, int64_t t0, int64_t end, int64_t* a, int64_t* b) {
  auto in = [&](const SeriesData& d) {
    for (const auto& r : d.runs) {
      const int64_t r_end = RunTime(r, r.count);
      if (r.t0_ns < end && t0 < r_end) {
        *a = r.t0_ns;
        *b = r_end;
        return true;
      }
    }
    return false;
  };
  for (const ChunkPtr& c : s.sealed) {
    if (ValueCount(*c) == 0 || FirstTime(*c) >= end) continue;
    const auto& last = c->runs.back();  // sorted at sealing: the last run ends last
    if (RunTime(last, last.count) <= t0) continue;
    if (in(*c)) return true;
  }
  return ValueCount(s.open) != 0 && s.open_min_t < end && t0 <= s.open_max_t && in(s.open);
}

void SealOpen(SeriesState* s) {
  if (ValueCount(s->open) == 0) {
    NewOpen(s);
    return;
  }
  auto chunk = std::make_shared<SeriesData>(std::move(s->open));
  if (!s->open_sorted) SortChunk(chunk.get());
  s->sealed.push_back(std::move(chunk));
  NewOpen(s);
}

SeriesData SortedOpenCopy(const SeriesState& s) {
  SeriesData d = s.open;
  if (!s.open_sorted) SortChunk(&d);
  return d;
}

}  // namespace lj::history
