#include "history/merge.h"

#include <algorithm>
#include <numeric>

#include "history/chunk.h"

namespace lj::history {
namespace {

SeriesData Empty(ValueType type, bool waveform) {
  SeriesData d;
  d.type = type;
  d.waveform = waveform;
  return d;
}

void CopyValues(const SeriesData& src, size_t from, size_t n, SeriesData* dst) {
  switch (src.type) {
    case ValueType::kDouble:
      dst->f64.insert(dst->f64.end(), src.f64.begin() + from, src.f64.begin() + from + n);
      break;
    case ValueType::kString:
      dst->str.insert(dst->str.end(), src.str.begin() + from, src.str.begin() + from + n);
      break;
    default:
      dst->i64.insert(dst->i64.end(), src.i64.begin() + from, src.i64.begin() + from + n);
  }
}

void AppendWhole(SeriesData&& src, SeriesData* dst) {
  if (dst->t_ns.empty() && dst->runs.empty() && ValueCount(*dst) == 0) {
    *dst = std::move(src);
    return;
  }
  size_t base = ValueCount(*dst);
  for (auto r : src.runs) {
    r.offset += base;
    dst->runs.push_back(r);
  }
  dst->t_ns.insert(dst->t_ns.end(), src.t_ns.begin(), src.t_ns.end());
  CopyValues(src, 0, ValueCount(src), dst);
}

}  // namespace

SeriesData MergeSorted(std::vector<SeriesData> parts, ValueType type, bool waveform) {
  std::erase_if(parts, [](const SeriesData& p) { return ValueCount(p) == 0; });
  SeriesData out = Empty(type, waveform);
  bool ordered = true;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (waveform ? parts[i].runs.front().t0_ns < parts[i - 1].runs.back().t0_ns
                 : FirstTime(parts[i]) < LastTime(parts[i - 1])) {
      ordered = false;
    }
  }
  if (ordered) {
    for (auto& p : parts) AppendWhole(std::move(p), &out);
    return out;
  }
  if (waveform) {  // order runs by start, stable
    struct Ref {
      size_t part;
      SeriesData::Run run;
    };
    std::vector<Ref> refs;
    for (size_t i = 0; i < parts.size(); ++i) {
      for (const auto& r : parts[i].runs) refs.push_back({i, r});
    }
    std::stable_sort(refs.begin(), refs.end(),
                     [](const Ref& a, const Ref& b) { return a.run.t0_ns < b.run.t0_ns; });
    for (const Ref& ref : refs) {
      SeriesData::Run r = ref.run;
      r.offset = ValueCount(out);
      CopyValues(parts[ref.part], ref.run.offset, ref.run.count, &out);
      out.runs.push_back(r);
    }
    return out;
  }
  SeriesData all = Empty(type, false);
  for (auto& p : parts) AppendWhole(std::move(p), &all);
  SortChunk(&all);  // stable: ties keep part order
  return all;
}

void Slice(SeriesData* d, int64_t from, int64_t to) {
  if (!d->waveform) {
    auto lo = std::lower_bound(d->t_ns.begin(), d->t_ns.end(), from) - d->t_ns.begin();
    auto hi = std::lower_bound(d->t_ns.begin(), d->t_ns.end(), to) - d->t_ns.begin();
    if (lo == 0 && static_cast<size_t>(hi) == d->t_ns.size()) return;
    SeriesData out = Empty(d->type, false);
    out.t_ns.assign(d->t_ns.begin() + lo, d->t_ns.begin() + std::max(lo, hi));
    if (hi > lo) CopyValues(*d, lo, hi - lo, &out);
    *d = std::move(out);
    return;
  }
  SeriesData out = Empty(d->type, true);
  bool changed = false;
  for (const auto& r : d->runs) {
    // first index with time >= from, first index with time >= to (times increase with i)
    auto first_at_least = [&](int64_t t) {
      size_t lo = 0, hi = r.count;
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (RunTime(r, mid) < t)
          lo = mid + 1;
        else
          hi = mid;
      }
      return lo;
    };
    size_t a = first_at_least(from), b = first_at_least(to);
    if (a != 0 || b != r.count) changed = true;
    if (b <= a) continue;
    SeriesData::Run nr{RunTime(r, a), r.rate_hz, ValueCount(out), b - a};
    CopyValues(*d, r.offset + a, b - a, &out);
    out.runs.push_back(nr);
  }
  if (changed) *d = std::move(out);
}

void AppendSlice(const SeriesData& src, int64_t from, int64_t to, SeriesData* dst) {
  if (!src.waveform) {
    auto lo = std::lower_bound(src.t_ns.begin(), src.t_ns.end(), from) - src.t_ns.begin();
    auto hi = std::lower_bound(src.t_ns.begin(), src.t_ns.end(), to) - src.t_ns.begin();
    if (hi <= lo) return;
    dst->t_ns.insert(dst->t_ns.end(), src.t_ns.begin() + lo, src.t_ns.begin() + hi);
    CopyValues(src, lo, hi - lo, dst);
    return;
  }
  SeriesData tmp = src;  // waveform chunks are sliced run by run
  Slice(&tmp, from, to);
  size_t base = ValueCount(*dst);
  for (auto r : tmp.runs) {
    r.offset += base;
    dst->runs.push_back(r);
  }
  CopyValues(tmp, 0, ValueCount(tmp), dst);
}

void Truncate(SeriesData* d, size_t limit) {
  size_t n = ValueCount(*d);
  if (n <= limit) return;
  d->truncated = true;
  d->t_ns.resize(std::min(d->t_ns.size(), limit));
  d->f64.resize(std::min(d->f64.size(), limit));
  d->i64.resize(std::min(d->i64.size(), limit));
  d->str.resize(std::min(d->str.size(), limit));
  std::vector<SeriesData::Run> runs;
  for (auto r : d->runs) {
    if (r.offset >= limit) break;
    r.count = std::min(r.count, limit - r.offset);
    runs.push_back(r);
  }
  d->runs = std::move(runs);
}

std::vector<SeriesData> SplitChunks(SeriesData d, size_t max_values) {
  std::vector<SeriesData> out;
  size_t n = ValueCount(d);
  if (n <= max_values) {
    if (n) out.push_back(std::move(d));
    return out;
  }
  if (!d.waveform) {
    for (size_t at = 0; at < n; at += max_values) {
      size_t k = std::min(max_values, n - at);
      SeriesData c = Empty(d.type, false);
      c.t_ns.assign(d.t_ns.begin() + at, d.t_ns.begin() + at + k);
      CopyValues(d, at, k, &c);
      out.push_back(std::move(c));
    }
    return out;
  }
  SeriesData c = Empty(d.type, true);
  for (const auto& r : d.runs) {
    if (ValueCount(c) > 0 && ValueCount(c) + r.count > max_values) {
      out.push_back(std::move(c));
      c = Empty(d.type, true);
    }
    SeriesData::Run nr = r;
    nr.offset = ValueCount(c);
    CopyValues(d, r.offset, r.count, &c);
    c.runs.push_back(nr);
  }
  if (ValueCount(c)) out.push_back(std::move(c));
  return out;
}

}  // namespace lj::history
