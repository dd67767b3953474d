#include "history/chunk.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "history/codec/codec.h"
#include "history/format.h"

namespace lj::history {
namespace {

using codec::CodecRegistry;
using codec::ColumnView;

constexpr uint8_t kStringColumn = 0;  // column "codec" id for length-prefixed strings
constexpr uint8_t kFlagWaveform = 1;

void PutColumn(ColumnView v, std::string* out) {
  size_t at = out->size();
  PutU8(out, 0);
  PutU32(out, 0);
  const codec::Codec& c = codec::EncodeColumn(CodecRegistry::Default(), v, out);
  (*out)[at] = static_cast<char>(c.id());
  uint32_t len = static_cast<uint32_t>(out->size() - at - 5);
  std::memcpy(out->data() + at + 1, &len, 4);
}

Status Bad(std::string why) { return Status(ErrorCode::kStorage, "chunk: " + std::move(why)); }

Status GetColumn(ByteReader* r, codec::ColumnType type, size_t count, std::vector<int64_t>* i64,
                 std::vector<double>* f64) {
  uint8_t id = 0;
  std::string_view bytes;
  if (!r->Get(&id) || !r->Str(&bytes)) return Bad("truncated column");
  const codec::Codec* c = CodecRegistry::Default().Find(static_cast<codec::CodecId>(id));
  if (!c) return Bad("unknown codec id " + std::to_string(id));
  if (!c->Supports(type)) return Bad("codec " + std::string(c->name()) + " wrong column type");
  return c->Decode(bytes, type, count, i64, f64);
}

}  // namespace

int64_t RunTime(const SeriesData::Run& run, size_t i) {
  return run.t0_ns + std::llround(static_cast<double>(i) * 1e9 / run.rate_hz);
}

size_t ValueCount(const SeriesData& d) {
  switch (d.type) {
    case ValueType::kDouble:
      return d.f64.size();
    case ValueType::kString:
      return d.str.size();
    default:
      return d.i64.size();
  }
}

int64_t FirstTime(const SeriesData& d) {
  return d.waveform ? d.runs.front().t0_ns : d.t_ns.front();
}

int64_t LastTime(const SeriesData& d) {
  if (!d.waveform) return d.t_ns.back();
  const auto& r = d.runs.back();
  return RunTime(r, r.count - 1);
}

namespace {

// Waveform runs by start time, stable; the value columns follow their runs.
void SortRuns(SeriesData* d) {
  auto by_start = [](const SeriesData::Run& a, const SeriesData::Run& b) {
    return a.t0_ns < b.t0_ns;
  };
  if (std::is_sorted(d->runs.begin(), d->runs.end(), by_start)) return;
  std::vector<SeriesData::Run> runs = d->runs;
  std::stable_sort(runs.begin(), runs.end(), by_start);
  auto permute = [&](auto& v) {
    if (v.empty()) return;
    std::remove_reference_t<decltype(v)> out;
    out.reserve(v.size());
    for (const auto& r : runs) {
      out.insert(out.end(), v.begin() + static_cast<ptrdiff_t>(r.offset),
                 v.begin() + static_cast<ptrdiff_t>(r.offset + r.count));
    }
    v = std::move(out);
  };
  permute(d->f64);
  permute(d->i64);
  size_t offset = 0;
  for (auto& r : runs) {
    r.offset = offset;
    offset += r.count;
  }
  d->runs = std::move(runs);
}

}  // namespace

void SortChunk(SeriesData* d) {
  if (d->waveform) return SortRuns(d);
  if (std::is_sorted(d->t_ns.begin(), d->t_ns.end())) return;
  std::vector<uint32_t> idx(d->t_ns.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](uint32_t a, uint32_t b) { return d->t_ns[a] < d->t_ns[b]; });
  auto permute = [&](auto& v) {
    if (v.empty()) return;
    std::remove_reference_t<decltype(v)> out;
    out.reserve(v.size());
    for (uint32_t i : idx) out.push_back(std::move(v[i]));
    v = std::move(out);
  };
  permute(d->t_ns);
  permute(d->f64);
  permute(d->i64);
  permute(d->str);
}

ChunkMeta ComputeMeta(SeriesId id, const SeriesData& d) {
  ChunkMeta m;
  m.series = id;
  m.count = static_cast<uint32_t>(ValueCount(d));
  m.min_t = FirstTime(d);
  m.max_t = LastTime(d);
  m.end_t = d.waveform ? RunTime(d.runs.back(), d.runs.back().count) : m.max_t + 1;
  auto stats = [&](const auto& v) {
    m.min = m.max = static_cast<double>(v.front());
    double sum = 0;
    for (auto x : v) {
      double f = static_cast<double>(x);
      m.min = std::min(m.min, f);  // NaN never becomes min/max (comparisons are false)
      m.max = std::max(m.max, f);
      sum += f;
    }
    m.sum = sum;
    m.last = static_cast<double>(v.back());
  };
  if (d.type == ValueType::kDouble) stats(d.f64);
  if (d.type == ValueType::kInt || d.type == ValueType::kBool) stats(d.i64);
  return m;
}

ChunkMeta EncodeChunk(SeriesId id, const SeriesData& d, std::string* out) {
  size_t start = out->size();
  ChunkMeta m = ComputeMeta(id, d);
  PutU32(out, id);
  PutU8(out, static_cast<uint8_t>(d.type));
  PutU8(out, d.waveform ? kFlagWaveform : 0);
  PutU32(out, m.count);
  PutU32(out, static_cast<uint32_t>(d.runs.size()));
  if (d.waveform) {
    std::vector<int64_t> t0, counts;
    std::vector<double> rates;
    for (const auto& r : d.runs) {
      t0.push_back(r.t0_ns);
      rates.push_back(r.rate_hz);
      counts.push_back(static_cast<int64_t>(r.count));
    }
    PutColumn(ColumnView::Ints(t0), out);
    PutColumn(ColumnView::Doubles(rates), out);
    PutColumn(ColumnView::Ints(counts), out);
  } else {
    PutColumn(ColumnView::Ints(d.t_ns), out);
  }
  switch (d.type) {
    case ValueType::kDouble:
      PutColumn(ColumnView::Doubles(d.f64), out);
      break;
    case ValueType::kString: {
      std::string col;
      for (const auto& s : d.str) PutStr(&col, s);
      PutU8(out, kStringColumn);
      PutStr(out, col);
      break;
    }
    default:
      PutColumn(ColumnView::Ints(d.i64), out);
      break;
  }
  PutU32(out, Crc32c(out->data() + start, out->size() - start));
  m.length = static_cast<uint32_t>(out->size() - start);
  return m;
}

Status DecodeChunk(std::string_view blob, const ChunkMeta* expect, SeriesData* out) {
  if (blob.size() < 18) return Bad("too short");
  uint32_t crc = LoadFixed<uint32_t>(blob.data() + blob.size() - 4);
  blob.remove_suffix(4);
  if (Crc32c(blob) != crc) return Bad("checksum mismatch");
  ByteReader r(blob);
  uint32_t id = 0, count = 0, nruns = 0;
  uint8_t type = 0, flags = 0;
  (void)(r.Get(&id) && r.Get(&type) && r.Get(&flags) && r.Get(&count) && r.Get(&nruns));
  if (type < 1 || type > 4 || flags > 1) return Bad("bad type or flags");
  if (count == 0 || count > kMaxChunkValues) return Bad("bad value count " + std::to_string(count));
  bool wave = flags & kFlagWaveform;
  if (wave ? (nruns == 0 || nruns > count) : nruns != 0) return Bad("bad run count");
  if (expect && (expect->series != id || expect->count != count)) return Bad("index mismatch");
  out->t_ns.clear();  // clear, not reassign: a reused `out` keeps its capacity
  out->f64.clear();
  out->i64.clear();
  out->str.clear();
  out->runs.clear();
  out->truncated = false;
  out->type = static_cast<ValueType>(type);
  out->waveform = wave;
  if (wave && out->type != ValueType::kDouble && out->type != ValueType::kInt) {
    return Bad("waveform of a non-numeric type");
  }
  using codec::ColumnType;
  if (wave) {
    std::vector<int64_t> t0, counts;
    std::vector<double> rates;
    LJ_RETURN_IF_ERROR(GetColumn(&r, ColumnType::kInt64, nruns, &t0, nullptr));
    LJ_RETURN_IF_ERROR(GetColumn(&r, ColumnType::kDouble, nruns, nullptr, &rates));
    LJ_RETURN_IF_ERROR(GetColumn(&r, ColumnType::kInt64, nruns, &counts, nullptr));
    size_t offset = 0;
    for (size_t i = 0; i < nruns; ++i) {
      if (counts[i] <= 0 || static_cast<uint64_t>(counts[i]) > count - offset ||
          !std::isfinite(rates[i]) || rates[i] <= 0) {
        return Bad("bad waveform run");
      }
      out->runs.push_back({t0[i], rates[i], offset, static_cast<size_t>(counts[i])});
      offset += static_cast<size_t>(counts[i]);
    }
    if (offset != count) return Bad("run counts do not add up");
  } else {
    LJ_RETURN_IF_ERROR(GetColumn(&r, ColumnType::kInt64, count, &out->t_ns, nullptr));
  }
  if (out->type == ValueType::kString) {
    uint8_t id8 = 0;
    std::string_view col;
    if (!r.Get(&id8) || id8 != kStringColumn || !r.Str(&col)) return Bad("bad string column");
    ByteReader sr(col);
    for (size_t i = 0; i < count; ++i) {
      std::string_view s;
      if (!sr.Str(&s)) return Bad("truncated string column");
      out->str.emplace_back(s);
    }
    if (!sr.done()) return Bad("trailing bytes in string column");
  } else if (out->type == ValueType::kDouble) {
    LJ_RETURN_IF_ERROR(GetColumn(&r, ColumnType::kDouble, count, nullptr, &out->f64));
  } else {
    LJ_RETURN_IF_ERROR(GetColumn(&r, ColumnType::kInt64, count, &out->i64, nullptr));
  }
  if (!r.done()) return Bad("trailing bytes");
  if (!std::is_sorted(out->t_ns.begin(), out->t_ns.end())) return Bad("timestamps out of order");
  for (size_t i = 1; i < out->runs.size(); ++i) {
    if (out->runs[i].t0_ns < out->runs[i - 1].t0_ns) return Bad("runs out of order");
  }
  if (out->t_ns.size() != (wave ? 0 : count) || ValueCount(*out) != count) {
    return Bad("column sizes disagree");
  }
  return Status::Ok();
}

}  // namespace lj::history
