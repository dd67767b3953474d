// Read, Downsample and Latest (store_impl.h). A query copies, under mu_, the series' segment
// list and sealed-chunk pointers plus the in-range part of its open chunk, then works unlocked:
// segments (age order, chunks in file order), then sealed chunks, then the open chunk.
#include <algorithm>
#include <cmath>

#include "history/chunk.h"
#include "history/merge.h"
#include "history/store_impl.h"

namespace lj::history {
namespace {

bool Overlaps(const ChunkMeta& m, int64_t from, int64_t to) {
  return m.max_t >= from && m.min_t < to;
}

struct Bucketer {
  int64_t from, to;
  uint64_t width;
  std::vector<Bucket>* out;

  uint64_t Span() const { return static_cast<uint64_t>(to) - static_cast<uint64_t>(from); }
  size_t Index(int64_t t) const {
    return static_cast<size_t>((static_cast<uint64_t>(t) - static_cast<uint64_t>(from)) / width);
  }
  // Whole-chunk statistics, when the chunk lies inside one bucket of the range.
  bool AddMeta(const ChunkMeta& m) {
    if (m.min_t < from || m.max_t >= to || Index(m.min_t) != Index(m.max_t)) return false;
    Bucket& b = (*out)[Index(m.min_t)];
    if (b.count == 0) {
      b.min = m.min;
      b.max = m.max;
    } else {
      b.min = std::min(b.min, m.min);
      b.max = std::max(b.max, m.max);
    }
    b.sum += m.sum;
    if (b.count == 0 || m.max_t >= b.last_t_ns) {
      b.last = m.last;
      b.last_t_ns = m.max_t;
    }
    b.count += m.count;
    return true;
  }
  // Adds samples [i, n) of a source whose times ascend, bucket by bucket: `end_of(i, n, e)` is
  // the first index in [i, n) whose time is >= e, `time(i)` and `value(i)` read one sample.
  // One division and one search per bucket, then a 4-lane reduction over the bucket's values
  // (min/max as std::min/std::max: a NaN never replaces a number; the sum is rounded in 4
  // partial sums, as any vectorised TSDB does).
  template <typename EndOf, typename TimeAt, typename ValueAt>
  void AddSorted(size_t i, size_t n, EndOf end_of, TimeAt time, ValueAt value) {
    while (i < n) {
      const int64_t t = time(i);
      if (t >= to) return;
      const size_t bi = Index(t);
      const uint64_t start_off = bi * width;  // < span: the bucket holds t < to
      const int64_t end =
          width >= Span() - start_off
              ? to
              : static_cast<int64_t>(static_cast<uint64_t>(from) + start_off + width);
      const size_t j = end_of(i + 1, n, end);
      Bucket& b = (*out)[bi];
      if (b.count == 0) b.min = b.max = value(i);
      double mn[4] = {b.min, b.min, b.min, b.min}, mx[4] = {b.max, b.max, b.max, b.max};
      double sum[4] = {b.sum, 0, 0, 0};
      size_t k = i;
      for (; k + 4 <= j; k += 4) {
        for (int l = 0; l < 4; ++l) {
          const double v = value(k + l);
          mn[l] = std::min(mn[l], v);
          mx[l] = std::max(mx[l], v);
          sum[l] += v;
        }
      }
      for (; k < j; ++k) {
        const double v = value(k);
        mn[0] = std::min(mn[0], v);
        mx[0] = std::max(mx[0], v);
        sum[0] += v;
      }
      b.min = std::min(std::min(mn[0], mn[1]), std::min(mn[2], mn[3]));
      b.max = std::max(std::max(mx[0], mx[1]), std::max(mx[2], mx[3]));
      b.sum = (sum[0] + sum[1]) + (sum[2] + sum[3]);
      // Times ascend, so the sample that would end up as `last` is the bucket's final one.
      const int64_t t_end = time(j - 1);
      if (b.count == 0 || t_end >= b.last_t_ns) {
        b.last = value(j - 1);
        b.last_t_ns = t_end;
      }
      b.count += j - i;
      i = j;
    }
  }
  template <typename ValueAt>
  void AddColumn(const SeriesData& d, ValueAt value) {
    if (!d.waveform) {
      const int64_t* t = d.t_ns.data();
      size_t lo = std::lower_bound(d.t_ns.begin(), d.t_ns.end(), from) - d.t_ns.begin();
      // A bucket's end is near its start: gallop forward, then search the last step (a binary
      // search over the whole chunk tail costs a cache miss per probe).
      auto end_of = [t](size_t i, size_t n, int64_t e) {
        size_t lo = i, step = 1;
        while (lo + step < n && t[lo + step] < e) {
          lo += step;
          step *= 2;
        }
        const size_t hi = std::min(n, lo + step);
        return static_cast<size_t>(std::lower_bound(t + lo, t + hi, e) - t);
      };
      AddSorted(
          lo, d.t_ns.size(), end_of, [t](size_t i) { return t[i]; }, value);
      return;
    }
    for (const auto& r : d.runs) {
      if (RunTime(r, r.count) <= from) continue;
      auto time = [&r](size_t i) { return RunTime(r, i); };
      auto end_of = [&](size_t i, size_t n, int64_t e) {
        while (i < n && time(i) < e) ++i;
        return i;
      };
      size_t first = end_of(0, r.count, from);  // the run's samples before `from` are skipped
      AddSorted(first, r.count, end_of, time, [&](size_t i) { return value(r.offset + i); });
    }
  }
  void AddData(const SeriesData& d) {
    if (d.type == ValueType::kDouble) {
      const double* v = d.f64.data();
      AddColumn(d, [v](size_t i) { return v[i]; });
    } else {
      const int64_t* v = d.i64.data();
      AddColumn(d, [v](size_t i) { return static_cast<double>(v[i]); });
    }
  }
};

}  // namespace

Result<Store::Snapshot> Store::Take(SeriesId id, int64_t from_ns, int64_t to_ns) const {
  std::lock_guard lk(mu_);
  const SeriesState* s = StateOf(id);
  if (!s) return Status(ErrorCode::kNotFound, "no series " + std::to_string(id));
  Snapshot snap;
  snap.type = s->info.type;
  snap.waveform = s->info.waveform;
  snap.segments = segments_;
  for (const auto& c : s->sealed) {
    if (ValueCount(*c) && LastTime(*c) >= from_ns && FirstTime(*c) < to_ns)
      snap.sealed.push_back(c);
  }
  if (ValueCount(s->open) && s->open_max_t >= from_ns && s->open_min_t < to_ns) {
    snap.open = SortedOpenCopy(*s);
    Slice(&snap.open, from_ns, to_ns);
  } else {
    snap.open.type = snap.type;
    snap.open.waveform = snap.waveform;
  }
  return snap;
}

Result<SeriesData> Store::Read(SeriesId id, int64_t from_ns, int64_t to_ns, size_t limit) const {
  auto snap = Take(id, from_ns, to_ns);
  if (!snap.ok()) return snap.status();
  std::vector<ChunkPtr> hold;  // keeps cached chunks alive
  std::vector<const SeriesData*> srcs;
  for (const auto& seg : snap->segments) {
    for (const auto& m : seg->ChunksOf(id)) {
      if (!Overlaps(m, from_ns, to_ns)) continue;
      auto c = LoadChunk(*seg, m);
      if (!c.ok()) return c.status();
      hold.push_back(std::move(*c));
      srcs.push_back(hold.back().get());
    }
  }
  for (const auto& c : snap->sealed) srcs.push_back(c.get());
  if (ValueCount(snap->open)) srcs.push_back(&snap->open);
  // Common case: sources follow each other in time, so appending their slices keeps order.
  bool ordered = true;
  for (size_t i = 1; i < srcs.size() && ordered; ++i) {
    ordered = FirstTime(*srcs[i]) >= LastTime(*srcs[i - 1]);
  }
  SeriesData out;
  out.type = snap->type;
  out.waveform = snap->waveform;
  if (ordered) {
    for (const SeriesData* s : srcs) {
      AppendSlice(*s, from_ns, to_ns, &out);
      if (limit != SIZE_MAX && ValueCount(out) > limit) break;
    }
  } else {
    std::vector<SeriesData> parts;
    for (const SeriesData* s : srcs) {
      SeriesData d;
      d.type = snap->type;
      d.waveform = snap->waveform;
      AppendSlice(*s, from_ns, to_ns, &d);
      parts.push_back(std::move(d));
    }
    out = MergeSorted(std::move(parts), snap->type, snap->waveform);
  }
  Truncate(&out, limit);
  return out;
}

Result<std::vector<Bucket>> Store::Downsample(SeriesId id, int64_t from_ns, int64_t to_ns,
                                              size_t buckets) const {
  if (buckets == 0 || buckets > 1'000'000 || from_ns >= to_ns) {
    return Status(ErrorCode::kInvalidArgument, "downsample: need from < to and 1..1000000 buckets");
  }
  auto snap = Take(id, from_ns, to_ns);
  if (!snap.ok()) return snap.status();
  if (snap->type == ValueType::kString) {
    return Status(ErrorCode::kInvalidArgument,
                  "downsample: series " + std::to_string(id) + " holds strings");
  }
  uint64_t span = static_cast<uint64_t>(to_ns) - static_cast<uint64_t>(from_ns);
  uint64_t width = span / buckets + (span % buckets != 0);
  std::vector<Bucket> out(buckets);
  for (size_t i = 0; i < buckets; ++i) {
    out[i].start_ns = static_cast<int64_t>(static_cast<uint64_t>(from_ns) + i * width);
  }
  Bucketer b{from_ns, to_ns, width, &out};
  for (const auto& seg : snap->segments) {
    for (const auto& m : seg->ChunksOf(id)) {
      if (!Overlaps(m, from_ns, to_ns) || b.AddMeta(m)) continue;
      if (opt_.chunk_cache_bytes == 0) {  // decode into reused buffers: no page faults
        thread_local SeriesData scratch;
        LJ_RETURN_IF_ERROR(seg->ReadChunk(m, &scratch));
        b.AddData(scratch);
        continue;
      }
      auto c = LoadChunk(*seg, m);
      if (!c.ok()) return c.status();
      b.AddData(**c);
    }
  }
  for (const auto& c : snap->sealed) b.AddData(*c);
  b.AddData(snap->open);
  return out;
}

Result<SeriesData> Store::Latest(SeriesId id) const {
  auto snap = Take(id, INT64_MIN, INT64_MAX);
  if (!snap.ok()) return snap.status();
  // the source holding the newest time; ties go to the later (newer) source
  const Segment* best_seg = nullptr;
  const ChunkMeta* best_meta = nullptr;
  const SeriesData* best_data = nullptr;
  int64_t best_t = INT64_MIN;
  bool found = false;
  auto consider = [&](int64_t t) {
    if (found && t < best_t) return false;
    found = true;
    best_t = t;
    return true;
  };
  for (const auto& seg : snap->segments) {
    for (const auto& m : seg->ChunksOf(id)) {
      if (consider(m.max_t)) best_seg = seg.get(), best_meta = &m, best_data = nullptr;
    }
  }
  for (const auto& c : snap->sealed) {
    if (consider(LastTime(*c))) best_data = c.get(), best_seg = nullptr;
  }
  if (ValueCount(snap->open) && consider(LastTime(snap->open))) {
    best_data = &snap->open, best_seg = nullptr;
  }
  if (!found) return Status(ErrorCode::kNotFound, "series " + std::to_string(id) + " is empty");
  if (best_seg && !snap->waveform &&
      (snap->type == ValueType::kDouble || snap->type == ValueType::kBool)) {
    SeriesData out;  // the index holds the newest value exactly (a double, or 0/1)
    out.type = snap->type;
    out.t_ns.push_back(best_meta->max_t);
    if (snap->type == ValueType::kDouble) {
      out.f64.push_back(best_meta->last);
    } else {
      out.i64.push_back(static_cast<int64_t>(best_meta->last));
    }
    return out;
  }
  ChunkPtr chunk;
  if (best_seg) {
    auto c = LoadChunk(*best_seg, *best_meta);
    if (!c.ok()) return c.status();
    chunk = std::move(*c);
    best_data = chunk.get();
  }
  const SeriesData& c = *best_data;
  SeriesData out;
  out.type = c.type;
  out.waveform = c.waveform;
  size_t last = ValueCount(c) - 1;
  if (c.waveform) {
    out.runs.push_back({LastTime(c), c.runs.back().rate_hz, 0, 1});
  } else {
    out.t_ns.push_back(c.t_ns[last]);
  }
  switch (c.type) {
    case ValueType::kDouble:
      out.f64.push_back(c.f64[last]);
      break;
    case ValueType::kString:
      out.str.push_back(c.str[last]);
      break;
    default:
      out.i64.push_back(c.i64[last]);
      break;
  }
  return out;
}

Result<ChunkPtr> Store::LoadChunk(const Segment& seg, const ChunkMeta& meta) const {
  if (auto hit = cache_.Get(seg.number(), meta.offset)) return hit;
  auto d = std::make_shared<SeriesData>();
  LJ_RETURN_IF_ERROR(seg.ReadChunk(meta, d.get()));
  cache_.Put(seg.number(), meta.offset, d);
  return ChunkPtr(std::move(d));
}

size_t SeriesData::size() const { return ValueCount(*this); }

}  // namespace lj::history
