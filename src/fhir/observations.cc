// Observations (vital-signs profile) built on demand from the history store.
//
// Which samples belong to a patient: for each of the patient's encounters (bed assignments),
// the vitals series of every device the bed `hasDevice` and every device the patient `wears`
// (as the graph has them now), restricted to the encounter's period [start, end). A device
// moved between beds is therefore attributed by its current bed (documented limit).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "fhir/vitals.h"

namespace lj::fhir {
namespace {

using history::SeriesId;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kEarliest = -(int64_t{1} << 62);

struct Source {
  const Vital* vital;
  SeriesId series;
  ObsContext ctx;
  TimeRange range;  // encounter period ∩ query dates, `to` capped after the newest sample
};

struct Hit {
  int64_t t;
  const Source* src;
  double v;
  int k = 0;  // ordinal among the series' samples at exactly t (ObservationId)
};

bool Before(const Hit& a, const Hit& b) {
  if (a.t != b.t) return a.t < b.t;
  if (a.src->series != b.src->series) return a.src->series < b.src->series;
  return a.k < b.k;
}

// The encounter of `patient` at t ("" when none): charted readings name it when there is one.
std::string EncounterAt(const FhirService::Impl& s, const std::string& patient, int64_t t) {
  for (const EncounterRow& e : s.encounters)
    if (e.patient == patient && t >= e.start_ns && t < e.end_ns.value_or(kMax))
      return EncounterId(e);
  return "";
}

std::vector<Source> Sources(FhirService::Impl& s, const std::string& patient,
                            const std::vector<Token>& codes, const TimeRange& range) {
  std::vector<Source> out;
  if (!s.history) return out;
  // Charted readings (POST /fhir/Observation without a device): the patient twin's own series,
  // the patient's at any time.
  for (const Vital& v : Vitals()) {
    if (!VitalMatches(v, codes)) continue;
    std::optional<SeriesId> id = s.history->Find(patient, v.telemetry);
    if (!id) continue;
    Result<history::SeriesData> latest = s.history->Latest(*id);
    if (!latest.ok() || latest->t_ns.empty()) continue;
    // Not bound by a stay: from the query's start, kept within ±2^62 ns (±146 years) so that
    // range arithmetic downstream cannot overflow.
    TimeRange capped{std::max(range.from, kEarliest), std::min(range.to, latest->t_ns.back() + 1)};
    if (capped.empty()) continue;
    out.push_back({&v, *id, {patient, "", patient}, capped});
  }
  const std::vector<std::string> worn = RelationshipTargets(s.graph, patient, "wears");
  for (const EncounterRow& e : s.encounters) {
    if (e.patient != patient) continue;
    TimeRange r{std::max(range.from, e.start_ns), std::min(range.to, e.end_ns.value_or(kMax))};
    if (r.empty()) continue;
    std::vector<std::string> devices = RelationshipTargets(s.graph, e.bed, "hasDevice");
    devices.insert(devices.end(), worn.begin(), worn.end());
    for (const Vital& v : Vitals()) {
      if (!VitalMatches(v, codes)) continue;
      for (const std::string& d : devices) {
        std::optional<SeriesId> id = s.history->Find(d, v.telemetry);
        if (!id) continue;
        Result<history::SeriesData> latest = s.history->Latest(*id);
        if (!latest.ok() || latest->t_ns.empty()) continue;
        TimeRange capped{r.from, std::min(r.to, latest->t_ns.back() + 1)};
        if (capped.empty()) continue;
        out.push_back({&v, *id, {patient, EncounterId(e), d}, capped});
      }
    }
  }
  return out;
}

// A charted reading names the encounter it falls in, if any; a device's is its source's.
ObsContext ContextAt(const FhirService::Impl& s, const Source& src, int64_t t) {
  if (src.ctx.device != src.ctx.patient) return src.ctx;
  return {src.ctx.patient, EncounterAt(s, src.ctx.patient, t), src.ctx.patient};
}

// Every read starts at a range bound that never splits the samples of one timestamp (all of
// them are >= the bound or none), so ordinals counted within a read are the series' own.
void Append(const history::SeriesData& d, const Source* src, std::vector<Hit>* out) {
  int k = 0;
  for (size_t i = 0; i < d.t_ns.size(); ++i) {
    double v = !d.f64.empty() ? d.f64[i] : i < d.i64.size() ? static_cast<double>(d.i64[i]) : 0;
    k = i > 0 && d.t_ns[i] == d.t_ns[i - 1] ? k + 1 : 0;
    out->push_back({d.t_ns[i], src, v, k});
  }
}

// The oldest `n` samples of a source in [from, to).
Status Oldest(history::HistoryStore& h, const Source& src, int64_t from, int64_t to, size_t n,
              std::vector<Hit>* out) {
  if (from >= to) return Status::Ok();
  Result<history::SeriesData> d = h.Read(src.series, from, to, n);
  if (!d.ok()) return d.status();
  Append(*d, &src, out);
  return Status::Ok();
}

// The newest `n` samples of a source in [from, to): widening windows back from `to`.
Status Newest(history::HistoryStore& h, const Source& src, int64_t from, int64_t to, size_t n,
              std::vector<Hit>* out) {
  int64_t window = 600'000'000'000;  // 10 min
  while (from < to) {
    // to - window, or from when the window reaches past it (no signed overflow either way).
    int64_t back = 0;
    const int64_t lo = __builtin_sub_overflow(to, window, &back) || back <= from ? from : back;
    Result<history::SeriesData> d = h.Read(src.series, lo, to);
    if (!d.ok()) return d.status();
    if (d->t_ns.size() >= n || lo == from) {
      std::vector<Hit> hits;
      Append(*d, &src, &hits);
      size_t skip = hits.size() > n ? hits.size() - n : 0;
      out->insert(out->end(), hits.begin() + static_cast<ptrdiff_t>(skip), hits.end());
      return Status::Ok();
    }
    window = window > kMax / 4 ? kMax : window * 4;
  }
  return Status::Ok();
}

struct ObsQuery {
  std::string patient;
  std::vector<Token> codes;
  TimeRange range;
  bool descending = true;
  size_t count = 0;
  struct Cursor {
    int64_t t = 0;
    SeriesId series = 0;
    int k = 0;  // the last returned sample's ordinal at t (older cursors: every one at t)
  };
  std::optional<Cursor> cursor;
  Params self;     // parameters echoed in links (no _cursor)
  size_t max = 1;  // $lastn
};

Status ParseObsQuery(FhirService::Impl& s, const Params& params, bool lastn, ObsQuery* q) {
  q->count = s.opt.default_count;
  bool have_patient = false;
  for (const auto& [k, v] : params) {
    if (k == "patient" || k == "subject") {
      Result<std::string> p = PatientParam(s, v);
      if (!p.ok() && p.status().code() == ErrorCode::kNotFound) {
        // A patient this server does not know has no observations: an empty searchset, as
        // for every other resource type (FHIR search never answers 404 for a missing match).
        q->range = {0, 0};
        p = RefId(v, "Patient");
      }
      if (!p.ok()) return p.status();
      if (have_patient && *p != q->patient) q->range = {0, 0};  // two patients: nothing matches
      q->patient = *p, have_patient = true;
    } else if (k == "code") {
      std::vector<Token> t = ParseTokens(v);
      if (t.empty()) return Invalid("", "code: empty token");
      q->codes.insert(q->codes.end(), t.begin(), t.end());
    } else if (k == "category") {
      bool vital = false;
      for (const Token& t : ParseTokens(v)) vital = vital || t.Matches(kObsCategory, "vital-signs");
      if (!vital) q->range = {0, 0};  // only vital-signs Observations exist here
    } else if (k == "date") {
      LJ_RETURN_IF_ERROR(ApplyDate(v, &q->range));
    } else if (k == "_count" && !lastn) {
      Result<size_t> c = ParseCount(v, s.opt.max_count);
      if (!c.ok()) return c.status();
      q->count = *c;
    } else if (k == "max" && lastn) {
      Result<size_t> c = ParseCount(v, s.opt.max_count);
      if (!c.ok() || *c == 0)
        return Invalid("", fmt::format("max: '{}' is not a positive integer", v));
      q->max = *c;
    } else if (k == "_sort" && !lastn) {
      if (v != "date" && v != "-date")
        return Unsupported("", fmt::format("_sort: '{}' is not supported (date, -date)", v));
      q->descending = v == "-date";
    } else if (k == "_cursor" && !lastn) {
      std::optional<std::string> raw = UnBase64Url(v);
      int64_t t = 0;
      uint32_t series = 0;
      int k = std::numeric_limits<int>::max();
      char dir = raw && raw->size() > 2 && (*raw)[1] == ':' ? (*raw)[0] : 0;
      size_t colon = raw ? raw->find(':', 2) : std::string::npos;
      bool ok = (dir == 'a' || dir == 'd') && colon != std::string::npos;
      if (ok) {
        const char* b = raw->data();
        const char* end = b + raw->size();
        size_t colon2 = raw->find(':', colon + 1);
        const char* series_end = colon2 == std::string::npos ? end : b + colon2;
        auto r1 = std::from_chars(b + 2, b + colon, t);
        auto r2 = std::from_chars(b + colon + 1, series_end, series);
        ok = r1.ec == std::errc() && r1.ptr == b + colon && r2.ec == std::errc() &&
             r2.ptr == series_end && t < kMax;
        if (ok && colon2 != std::string::npos) {
          auto r3 = std::from_chars(series_end + 1, end, k);
          ok = r3.ec == std::errc() && r3.ptr == end && k >= 0;
        }
      }
      if (!ok) return Invalid("", "_cursor: not a cursor this server issued");
      q->cursor = ObsQuery::Cursor{t, series, k};
      q->descending = dir == 'd';
      continue;
    } else {
      return Unsupported("", fmt::format("search parameter '{}' is not supported on {} "
                                         "(patient, subject, code, date, category{})",
                                         k, lastn ? "Observation/$lastn" : "Observation",
                                         lastn ? ", max" : ", _count, _sort"));
    }
    q->self.emplace_back(k, v);
  }
  if (!have_patient)
    return Invalid("",
                   "a 'patient' (or 'subject') parameter is required: vitals are searched "
                   "per patient");
  return Status::Ok();
}

}  // namespace

std::vector<std::string> RelationshipTargets(graph::TwinGraph& g, const std::string& twin,
                                             const char* name) {
  std::vector<std::string> out;
  Result<std::vector<graph::Relationship>> rels = g.ListRelationships(twin);
  if (rels.ok())
    for (const graph::Relationship& r : *rels)
      if (r.name == name) out.push_back(r.target);
  return out;
}

FhirResult SearchObservations(FhirService::Impl& s, const Params& params) {
  ObsQuery q;
  if (Status st = ParseObsQuery(s, params, false, &q); !st.ok()) return Fail(st);
  std::vector<Source> sources = Sources(s, q.patient, q.codes, q.range);
  size_t total = 0;
  std::vector<Hit> hits;
  for (const Source& src : sources) {
    Result<std::vector<history::Bucket>> b =
        s.history->Downsample(src.series, src.range.from, src.range.to, 1);
    if (!b.ok()) return Fail(b.status());
    if (!b->empty()) total += b->front().count;
    if (q.count == 0) continue;
    int64_t from = src.range.from, to = src.range.to;
    if (q.cursor && !q.descending) from = std::max(from, q.cursor->t);
    if (q.cursor && q.descending) to = std::min(to, q.cursor->t + 1);
    Status st = q.descending ? Newest(*s.history, src, from, to, q.count + 2, &hits)
                             : Oldest(*s.history, src, from, to, q.count + 2, &hits);
    if (!st.ok()) return Fail(st);
  }
  if (q.cursor) {  // drop what the previous pages returned: the cursor and all before it
    const ObsQuery::Cursor& c = *q.cursor;
    std::erase_if(hits, [&](const Hit& h) {
      if (h.t != c.t) return q.descending ? h.t > c.t : h.t < c.t;
      if (h.src->series != c.series)
        return q.descending ? h.src->series > c.series : h.src->series < c.series;
      if (c.k == std::numeric_limits<int>::max())
        return true;  // an older cursor: all of (t, series)
      return q.descending ? h.k >= c.k : h.k <= c.k;
    });
  }
  std::sort(hits.begin(), hits.end(),
            [&](const Hit& a, const Hit& b) { return q.descending ? Before(b, a) : Before(a, b); });
  const bool more = hits.size() > q.count;
  if (more) hits.resize(q.count);
  std::vector<Json> resources;
  for (const Hit& h : hits)
    resources.push_back(
        ObservationJson(s, *h.src->vital, ContextAt(s, *h.src, h.t), h.src->series, h.t, h.k, h.v));
  Params self = q.self, next = q.self;
  auto cursor_text = [&](int64_t t, SeriesId series, int k) {
    if (k == std::numeric_limits<int>::max())
      return Base64Url(fmt::format("{}:{}:{}", q.descending ? 'd' : 'a', t, series));
    return Base64Url(fmt::format("{}:{}:{}:{}", q.descending ? 'd' : 'a', t, series, k));
  };
  if (q.cursor)
    self.emplace_back("_cursor", cursor_text(q.cursor->t, q.cursor->series, q.cursor->k));
  if (more)
    next.emplace_back("_cursor",
                      cursor_text(hits.back().t, hits.back().src->series, hits.back().k));
  return Ok(
      Searchset(s.base, "Observation", self, std::move(resources), total, more ? &next : nullptr));
}

FhirResult LastNObservations(FhirService::Impl& s, const Params& params) {
  ObsQuery q;
  if (Status st = ParseObsQuery(s, params, true, &q); !st.ok()) return Fail(st);
  std::vector<Source> sources = Sources(s, q.patient, q.codes, q.range);
  std::vector<Json> resources;
  for (const Vital& v : Vitals()) {
    std::vector<Hit> hits;
    for (const Source& src : sources) {
      if (src.vital != &v) continue;
      if (Status st = Newest(*s.history, src, src.range.from, src.range.to, q.max, &hits); !st.ok())
        return Fail(st);
    }
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return Before(b, a); });
    if (hits.size() > q.max) hits.resize(q.max);
    for (const Hit& h : hits)
      resources.push_back(
          ObservationJson(s, v, ContextAt(s, *h.src, h.t), h.src->series, h.t, h.k, h.v));
  }
  size_t n = resources.size();
  Json bundle = Searchset(s.base, "Observation/$lastn", q.self, std::move(resources), n, nullptr);
  return Ok(std::move(bundle));
}

FhirResult ReadObservation(FhirService::Impl& s, const std::string& id) {
  auto missing = [&] { return Fail(NotFound(fmt::format("Observation/{} is not known", id))); };
  // "<series>-<t_ns>-<k>" (ObservationId), or the older "<series>-<epoch ms>": the first sample
  // of that millisecond.
  const char* b = id.data();
  const char* end = b + id.size();
  size_t dash = id.find('-');
  if (dash == std::string::npos || !s.history) return missing();
  uint32_t series = 0;
  int64_t t = 0;
  auto r1 = std::from_chars(b, b + dash, series);
  auto r2 = std::from_chars(b + dash + 1, end, t);  // t may be negative ("5--1000-0")
  if (r1.ec != std::errc() || r1.ptr != b + dash || r2.ec != std::errc()) return missing();
  int64_t from = 0, to = 0;
  size_t ordinal = 0;
  if (r2.ptr == end) {  // legacy: milliseconds
    if (t > kMax / 2'000'000 || t < -kMax / 2'000'000) return missing();
    from = t * 1'000'000, to = from + 1'000'000;
  } else {
    int k = 0;
    if (*r2.ptr != '-') return missing();
    auto r3 = std::from_chars(r2.ptr + 1, end, k);
    if (r3.ec != std::errc() || r3.ptr != end || k < 0 || k > 1'000'000 || t == kMax)
      return missing();
    from = t, to = t + 1, ordinal = static_cast<size_t>(k);
  }
  Result<history::SeriesInfo> info = s.history->Info(series);
  if (!info.ok()) return missing();
  const Vital* v = VitalForTelemetry(info->telemetry);
  if (!v) return missing();
  Result<history::SeriesData> d = s.history->Read(series, from, to, ordinal + 1);
  if (!d.ok() || d->t_ns.size() <= ordinal) return missing();
  const int64_t at = d->t_ns[ordinal];
  const double value = !d->f64.empty()   ? d->f64[ordinal]
                       : !d->i64.empty() ? static_cast<double>(d->i64[ordinal])
                                         : 0;
  if (Result<graph::Twin> t = s.graph.GetTwin(info->twin); t.ok() && IsPatient(s, *t))
    return Ok(ObservationJson(s, *v, {info->twin, EncounterAt(s, info->twin, at), info->twin},
                              series, at, static_cast<int>(ordinal), value));
  for (const EncounterRow& e : s.encounters) {
    if (at < e.start_ns || at >= e.end_ns.value_or(kMax)) continue;
    std::vector<std::string> devices = RelationshipTargets(s.graph, e.bed, "hasDevice");
    std::vector<std::string> worn = RelationshipTargets(s.graph, e.patient, "wears");
    devices.insert(devices.end(), worn.begin(), worn.end());
    if (std::find(devices.begin(), devices.end(), info->twin) == devices.end()) continue;
    return Ok(ObservationJson(s, *v, {e.patient, EncounterId(e), info->twin}, series, at,
                              static_cast<int>(ordinal), value));
  }
  return missing();  // a sample outside every encounter belongs to no patient
}

}  // namespace lj::fhir
