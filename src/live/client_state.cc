#include "live/client_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "common/time.h"

namespace lj::live {
namespace {

// Appends a number; whole numbers (ECG samples are ADC integers) take the integer fast path.
void AppendNumber(std::string& out, double v) {
  char buf[32];
  if (v == static_cast<double>(static_cast<int64_t>(v)) && std::abs(v) < 9.0e15) {
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    out.append(buf, r.ptr);
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", v);
}

// Milliseconds, exact for whole milliseconds (ns / 1e6 in double is not).
void AppendMs(std::string& out, int64_t ns) {
  fmt::format_to(std::back_inserter(out), "{}",
                 static_cast<double>(ns / 1'000'000) + static_cast<double>(ns % 1'000'000) / 1e6);
}

struct ScalarOut {
  int ti;
  int64_t t_ns;
  ingest::ValueKind kind;
  double d;
  int64_t i;
  bool b;
  std::string s;
};

void AppendScalar(std::string& out, const ScalarOut& v) {
  out += "{\"t\":";
  AppendMs(out, v.t_ns);
  out += ",\"v\":";
  switch (v.kind) {
    case ingest::ValueKind::kDouble:
      fmt::format_to(std::back_inserter(out), "{}", v.d);
      break;
    case ingest::ValueKind::kInt:
      fmt::format_to(std::back_inserter(out), "{}", v.i);
      break;
    case ingest::ValueKind::kBool:
      out += v.b ? "true" : "false";
      break;
    case ingest::ValueKind::kString:
      AppendJsonString(out, v.s);
      break;
  }
  out += '}';
}

ScalarOut CopyScalar(int ti, const Series& se) {
  return ScalarOut{ti, se.t_ns, se.kind, se.d, se.i, se.b, se.s};
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

FanoutMetrics::FanoutMetrics(metrics::Registry& r)
    : deltas(r.GetCounter("lj_live_deltas_total", "Scalar values sent to viewers.")),
      blocks(r.GetCounter("lj_live_blocks_total", "Waveform blocks sent to viewers.")),
      coalesced(
          r.GetCounter("lj_live_coalesced_total",
                       "Scalar values superseded before a viewer's next delta (latest wins).")),
      gaps(r.GetCounter("lj_live_gaps_total", "Gap markers sent to viewers that fell behind.")),
      dropped_blocks(r.GetCounter("lj_live_dropped_blocks_total",
                                  "Waveform blocks a slow viewer never received.")) {}

struct ClientState::SubTwin {
  std::shared_ptr<TwinState> twin;
  uint64_t seen_version = 0;
  uint64_t seen_props = 0;
  std::vector<uint64_t> seen;     // per series: scalar version seen / next wave seq wanted
  std::vector<int64_t> wave_end;  // per series: end time of the last block delivered
  std::vector<int64_t> seam;      // per series, at subscription: history ends before this
};

struct ClientState::Sub {
  std::string id;
  Target target;
  int64_t period_ns = 100'000'000;
  bool waveforms = true;
  int64_t next_due = 0;
  uint64_t epoch = 0;
  std::vector<SubTwin> twins;  // sorted by shard, then id
};

ClientState::ClientState(LiveState& live, Resolver& resolver, FanoutMetrics& metrics,
                         ClientOptions options, history::HistoryStore* history)
    : live_(live), resolver_(resolver), metrics_(metrics), options_(options), history_(history) {}

ClientState::~ClientState() = default;

size_t ClientState::subscription_count() const { return subs_.size(); }

int64_t ClientState::NextDue() const {
  int64_t due = std::numeric_limits<int64_t>::max();
  for (const auto& s : subs_) due = std::min(due, s->next_due);
  return due;
}

Status ClientState::Subscribe(const std::string& id, const Target& target, double rate_hz,
                              bool waveforms, int64_t now, std::vector<std::string>* out,
                              double history_s) {
  if (id.empty() || id.size() > 128)
    return Status(ErrorCode::kInvalidArgument, "subscription id must be 1-128 characters");
  for (const auto& s : subs_)
    if (s->id == id)
      return Status(ErrorCode::kAlreadyExists, fmt::format("subscription '{}' already exists", id));
  if (subs_.size() >= options_.max_subscriptions)
    return Status(
        ErrorCode::kInvalidArgument,
        fmt::format("at most {} subscriptions per connection", options_.max_subscriptions));
  if (rate_hz <= 0) rate_hz = options_.default_rate_hz;
  if (rate_hz > options_.max_rate_hz)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("rate_hz {} exceeds the maximum {}", rate_hz, options_.max_rate_hz));
  if (!(history_s >= 0) || history_s > options_.max_history_s)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("history_s must be 0..{}", options_.max_history_s));
  if (history_s > 0 && !history_)
    return Status(ErrorCode::kUnsupported, "history is not enabled on this server");
  if (history_s > 0 && history_streams() >= options_.max_history_streams)
    return Status(ErrorCode::kRateLimited,
                  fmt::format("{} subscriptions of this connection are still receiving history; "
                              "subscribe with history_s when they are done",
                              options_.max_history_streams));
  auto sub = std::make_unique<Sub>();
  sub->id = id;
  sub->target = target;
  sub->period_ns = static_cast<int64_t>(1e9 / rate_hz);
  sub->waveforms = waveforms;
  sub->next_due = now + sub->period_ns;
  LJ_RETURN_IF_ERROR(ResolveInto(*sub, out, /*initial=*/true));
  if (history_s > 0) PlanHistory(*sub, history_s);
  for (SubTwin& st : sub->twins) st.seam.clear();
  subs_.push_back(std::move(sub));
  return Status::Ok();
}

std::string ClientState::DumpProperties(const nlohmann::json& properties) const {
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;  // never throws
  if (!options_.withhold_property || !properties.is_object())
    return properties.dump(-1, ' ', false, kReplace);
  nlohmann::json kept = nlohmann::json::object();
  for (const auto& [k, v] : properties.items())
    if (!options_.withhold_property(k)) kept[k] = v;
  return kept.dump(-1, ' ', false, kReplace);
}

Status ClientState::Unsubscribe(const std::string& id) {
  auto it = std::find_if(subs_.begin(), subs_.end(), [&](const auto& s) { return s->id == id; });
  if (it == subs_.end())
    return Status(ErrorCode::kNotFound, fmt::format("no subscription '{}'", id));
  subs_.erase(it);
  std::erase_if(history_parts_, [&](const HistoryPart& p) { return p.sub == id; });
  return Status::Ok();
}

// Resolves the target and reconciles sub.twins with it. On the first call, emits the snapshot;
// afterwards emits a `twin` frame per twin that joined (with its current values) or left.
Status ClientState::ResolveInto(Sub& sub, std::vector<std::string>* out, bool initial) {
  sub.epoch = live_.membership_epoch();
  Result<std::vector<std::string>> ids = resolver_.Resolve(sub.target);
  if (!ids.ok()) return ids.status();

  std::unordered_map<std::string_view, SubTwin*> old;
  for (auto& st : sub.twins) old[st.twin->id] = &st;
  std::vector<SubTwin> next;
  std::vector<std::string> removed;
  std::vector<size_t> added;  // indexes into next
  for (const std::string& id : *ids) {
    auto it = old.find(id);
    if (it != old.end() && !it->second->twin->deleted) {
      next.push_back(std::move(*it->second));
      old.erase(it);
      continue;
    }
    std::shared_ptr<TwinState> tw = live_.Find(id);
    if (!tw) continue;
    SubTwin st;
    st.twin = std::move(tw);
    added.push_back(next.size());
    next.push_back(std::move(st));
  }
  for (auto& [id, st] : old) removed.emplace_back(id);

  // Copy the current state of added twins under their shard locks, then format.
  std::string body;
  bool first = true;
  for (size_t k : added) {
    SubTwin& st = next[k];
    std::string props;
    std::vector<ScalarOut> scalars;
    live_.WithShard(st.twin->shard, [&](LiveState::TwinMap&) {
      const TwinState& tw = *st.twin;
      st.seen_version = tw.version;
      st.seen_props = tw.props_version;
      st.seen.assign(tw.series.size(), 0);
      st.wave_end.assign(tw.series.size(), std::numeric_limits<int64_t>::min());
      st.seam.assign(tw.series.size(), std::numeric_limits<int64_t>::min());
      props = DumpProperties(tw.properties);
      for (size_t i = 0; i < tw.series.size(); ++i) {
        const Series& se = tw.series[i];
        if (tw.model->telemetry[i].waveform) {
          st.seen[i] = se.next_seq;  // live from now on
          st.wave_end[i] = se.last_end_ns;
          st.seam[i] = se.last_end_ns;
        } else {
          st.seen[i] = se.version;
          if (se.has_value()) {
            scalars.push_back(CopyScalar(static_cast<int>(i), se));
            st.seam[i] = se.t_ns;
          }
        }
      }
    });
    std::string twin_json = "{\"id\":";
    AppendJsonString(twin_json, st.twin->id);
    twin_json += ",\"model\":";
    AppendJsonString(twin_json, st.twin->model->id);
    twin_json += ",\"properties\":" + props + ",\"telemetry\":{";
    for (size_t j = 0; j < scalars.size(); ++j) {
      if (j) twin_json += ',';
      AppendJsonString(twin_json, st.twin->model->telemetry[scalars[j].ti].name);
      twin_json += ':';
      AppendScalar(twin_json, scalars[j]);
    }
    twin_json += "}}";
    if (initial) {
      if (!first) body += ',';
      body += twin_json;
      first = false;
    } else {
      std::string f = "{\"op\":\"twin\",\"sub\":";
      AppendJsonString(f, sub.id);
      f += ",\"twin\":" + twin_json + "}";
      out->push_back(std::move(f));
    }
  }
  for (const std::string& id : removed) {
    std::string f = "{\"op\":\"twin\",\"sub\":";
    AppendJsonString(f, sub.id);
    f += ",\"id\":";
    AppendJsonString(f, id);
    f += ",\"removed\":true}";
    out->push_back(std::move(f));
  }
  if (initial) {
    std::string f = "{\"op\":\"snapshot\",\"sub\":";
    AppendJsonString(f, sub.id);
    f += ",\"twins\":[" + body + "]}";
    out->push_back(std::move(f));
  }
  std::sort(next.begin(), next.end(), [](const SubTwin& a, const SubTwin& b) {
    return a.twin->shard != b.twin->shard ? a.twin->shard < b.twin->shard : a.twin->id < b.twin->id;
  });
  sub.twins = std::move(next);
  return Status::Ok();
}

void ClientState::Collect(int64_t now, std::vector<std::string>* out) {
  for (auto& sub : subs_) {
    if (sub->next_due > now) continue;
    // Keep the cadence, but never try to catch up a backlog of missed periods.
    sub->next_due = std::max(sub->next_due + sub->period_ns, now + sub->period_ns / 2);
    if (sub->epoch != live_.membership_epoch()) {
      Status s = ResolveInto(*sub, out, /*initial=*/false);
      if (!s.ok()) {
        std::string f = fmt::format("{{\"op\":\"error\",\"code\":{},\"error\":\"{}\",\"id\":",
                                    static_cast<int>(s.code()), ErrorCodeName(s.code()));
        AppendJsonString(f, sub->id);
        f += ",\"message\":";
        AppendJsonString(f, s.message());
        f += '}';
        out->push_back(std::move(f));
      }
    }
    CollectSub(*sub, out);
  }
}

void ClientState::CollectSub(Sub& sub, std::vector<std::string>* out) {
  struct TwinOut {
    SubTwin* st;
    std::vector<ScalarOut> scalars;
    std::string props;  // non-empty when properties changed
  };
  struct WaveOut {
    SubTwin* st;
    int ti;
    // Whole blocks, contiguous in time at one rate, sent as one `wave`; empty for a gap marker.
    std::vector<std::shared_ptr<const WaveBlock>> blocks;
    int64_t gap_from = 0, gap_to = 0;
  };
  std::vector<TwinOut> changed;
  std::vector<WaveOut> waves;
  uint64_t coalesced = 0, dropped = 0;

  size_t i = 0;
  while (i < sub.twins.size()) {
    const uint32_t shard = sub.twins[i].twin->shard;
    size_t j = i;
    while (j < sub.twins.size() && sub.twins[j].twin->shard == shard) ++j;
    live_.WithShard(shard, [&](LiveState::TwinMap&) {
      for (size_t k = i; k < j; ++k) {
        SubTwin& st = sub.twins[k];
        const TwinState& tw = *st.twin;
        if (tw.version == st.seen_version) continue;
        st.seen_version = tw.version;
        TwinOut to{&st, {}, {}};
        if (tw.props_version != st.seen_props) {
          st.seen_props = tw.props_version;
          to.props = DumpProperties(tw.properties);
        }
        for (size_t s = 0; s < tw.series.size(); ++s) {
          const Series& se = tw.series[s];
          if (tw.model->telemetry[s].waveform) {
            if (!sub.waveforms || se.ring.empty() || st.seen[s] >= se.next_seq) continue;
            const uint64_t first = se.ring.front()->seq;
            if (st.seen[s] < first) {
              WaveOut g{&st, static_cast<int>(s), {}, st.wave_end[s], se.ring.front()->t0_ns};
              if (g.gap_from == std::numeric_limits<int64_t>::min()) g.gap_from = g.gap_to;
              waves.push_back(std::move(g));
              dropped += first - st.seen[s];
              st.seen[s] = first;
            }
            for (size_t b = st.seen[s] - first; b < se.ring.size(); ++b) {
              const auto& blk = se.ring[b];
              WaveOut* last = waves.empty() ? nullptr : &waves.back();
              if (last && last->st == &st && last->ti == static_cast<int>(s) &&
                  !last->blocks.empty() && last->blocks.back()->rate_hz == blk->rate_hz &&
                  std::llabs(blk->t0_ns - last->blocks.back()->end_ns()) <=
                      static_cast<int64_t>(0.5e9 / blk->rate_hz)) {
                last->blocks.push_back(blk);  // contiguous: same message
              } else {
                waves.push_back(WaveOut{&st, static_cast<int>(s), {blk}, 0, 0});
              }
              st.wave_end[s] = blk->end_ns();
            }
            st.seen[s] = se.next_seq;
          } else if (se.version != st.seen[s]) {
            coalesced += se.version - st.seen[s] - 1;
            st.seen[s] = se.version;
            to.scalars.push_back(CopyScalar(static_cast<int>(s), se));
          }
        }
        if (!to.scalars.empty() || !to.props.empty()) changed.push_back(std::move(to));
      }
    });
    i = j;
  }
  metrics_.coalesced.Inc(coalesced);
  metrics_.dropped_blocks.Inc(dropped);

  // Format outside the locks.
  std::string delta;
  uint64_t nvalues = 0;
  for (TwinOut& to : changed) {
    const TwinState& tw = *to.st->twin;
    if (!to.props.empty()) {
      std::string f = "{\"op\":\"twin\",\"sub\":";
      AppendJsonString(f, sub.id);
      f += ",\"twin\":{\"id\":";
      AppendJsonString(f, tw.id);
      f += ",\"model\":";
      AppendJsonString(f, tw.model->id);
      f += ",\"properties\":" + to.props + "}}";
      out->push_back(std::move(f));
    }
    if (to.scalars.empty()) continue;
    delta += delta.empty() ? "{" : ",";
    AppendJsonString(delta, tw.id);
    delta += ":{";
    for (size_t k = 0; k < to.scalars.size(); ++k) {
      if (k) delta += ',';
      AppendJsonString(delta, tw.model->telemetry[to.scalars[k].ti].name);
      delta += ':';
      AppendScalar(delta, to.scalars[k]);
    }
    delta += '}';
    nvalues += to.scalars.size();
  }
  if (!delta.empty()) {
    std::string f = "{\"op\":\"delta\",\"sub\":";
    AppendJsonString(f, sub.id);
    f += ",\"twins\":" + delta + "}}";
    out->push_back(std::move(f));
    metrics_.deltas.Inc(nvalues);
  }
  for (const WaveOut& w : waves) {
    const TwinState& tw = *w.st->twin;
    const bool wave = !w.blocks.empty();
    size_t nvals = 0;
    for (const auto& b : w.blocks) nvals += b->values.size();
    std::string f;
    f.reserve(96 + nvals * 6);
    f += wave ? "{\"op\":\"wave\",\"sub\":" : "{\"op\":\"gap\",\"sub\":";
    AppendJsonString(f, sub.id);
    f += ",\"twin\":";
    AppendJsonString(f, tw.id);
    f += ",\"telemetry\":";
    AppendJsonString(f, tw.model->telemetry[w.ti].name);
    if (wave) {
      f += ",\"t0\":";
      AppendMs(f, w.blocks.front()->t0_ns);
      fmt::format_to(std::back_inserter(f), ",\"rate\":{},\"values\":[", w.blocks.front()->rate_hz);
      bool first_value = true;
      for (const auto& b : w.blocks) {
        for (double v : b->values) {
          if (!first_value) f += ',';
          first_value = false;
          AppendNumber(f, v);
        }
      }
      f += "]}";
      metrics_.blocks.Inc(w.blocks.size());
    } else {
      f += ",\"from\":";
      AppendMs(f, w.gap_from);
      f += ",\"to\":";
      AppendMs(f, w.gap_to);
      f += ",\"reason\":\"slow_consumer\"}";
      metrics_.gaps.Inc();
    }
    out->push_back(std::move(f));
  }
}

}  // namespace lj::live

namespace lj::live {

// Appends the `history` frames of a new subscription: per series, the samples from
// now - history_s up to (not including) the seam recorded with the snapshot.
void ClientState::PlanHistory(Sub& sub, double history_s) {
  const int64_t from_wall = NowNs() - static_cast<int64_t>(history_s * 1e9);
  auto budget = std::make_shared<size_t>(options_.max_history_values);
  for (SubTwin& st : sub.twins) {
    const TwinState& tw = *st.twin;  // id and model are immutable
    for (size_t i = 0; i < st.seam.size(); ++i) {
      const int64_t seam = st.seam[i];
      const model::Telemetry& tel = tw.model->telemetry[i];
      if (seam == std::numeric_limits<int64_t>::min() || seam <= from_wall) continue;
      if (tel.waveform && !sub.waveforms) continue;
      std::optional<history::SeriesId> id = history_->Find(tw.id, tel.name);
      if (!id) continue;
      HistoryPart p;
      p.sub = sub.id;
      p.twin = st.twin;
      p.telemetry = i;
      p.id = *id;
      p.window_from = p.next_from = from_wall;
      p.seam = seam;
      p.budget = budget;
      history_parts_.push_back(std::move(p));
    }
  }
}

size_t ClientState::history_streams() const {
  size_t n = 0;
  const std::string* last = nullptr;
  for (const HistoryPart& p : history_parts_) {
    if (!last || *last != p.sub) ++n;
    last = &p.sub;
  }
  return n;
}

bool ClientState::NextHistory(size_t max_bytes, std::vector<std::string>* out) {
  size_t bytes = 0;
  const size_t first = out->size();
  while (!history_parts_.empty() && (bytes < max_bytes || out->size() == first)) {
    const size_t before = out->size();
    if (!HistoryPage(history_parts_.front(), out)) history_parts_.pop_front();
    for (size_t k = before; k < out->size(); ++k) bytes += (*out)[k].size();
  }
  return !history_parts_.empty();
}

bool ClientState::HistoryPage(HistoryPart& part, std::vector<std::string>* out) {
  const TwinState& tw = *part.twin;
  const model::Telemetry& tel = tw.model->telemetry[part.telemetry];
  size_t& budget = *part.budget;
  if (budget == 0) return false;
  if (!part.started) {
    part.started = true;
    if (tel.waveform && tel.sample_rate_hz > 0) {  // keep the newest data within the budget
      part.window_from = part.next_from = std::max<int64_t>(
          part.window_from,
          part.seam - static_cast<int64_t>(static_cast<double>(budget) * 1e9 / tel.sample_rate_hz));
    }
  }
  const size_t per_frame = std::max<size_t>(options_.history_frame_values, 1);
  const size_t want = std::min(per_frame, budget);
  Result<history::SeriesData> data =
      history_->Read(part.id, part.next_from, part.seam, want + part.skip);
  auto head = [&] {
    std::string f = "{\"op\":\"history\",\"sub\":";
    AppendJsonString(f, part.sub);
    f += ",\"twin\":";
    AppendJsonString(f, tw.id);
    f += ",\"telemetry\":";
    AppendJsonString(f, tel.name);
    f += ",\"from\":";
    AppendMs(f, part.window_from);
    f += ",\"to\":";
    AppendMs(f, part.seam);
    return f;
  };
  if (!data.ok()) {
    std::string f = head();
    f += fmt::format(",\"code\":{},\"error\":", static_cast<int>(data.status().code()));
    AppendJsonString(f, data.status().message());
    out->push_back(f + '}');
    return false;
  }
  const history::SeriesData& d = *data;
  auto value_at = [&](size_t k, std::string& f) {
    switch (d.type) {
      case history::ValueType::kDouble:
        AppendNumber(f, d.f64[k]);
        break;
      case history::ValueType::kInt:
        fmt::format_to(std::back_inserter(f), "{}", d.i64[k]);
        break;
      case history::ValueType::kBool:
        f += d.i64[k] ? "true" : "false";
        break;
      case history::ValueType::kString:
        AppendJsonString(f, d.str[k]);
        break;
    }
  };
  if (d.waveform) {
    // One frame per page; sample times are unique, so the next page starts half a sample after
    // the last one sent.
    size_t sent = 0;
    std::string f;
    for (const history::SeriesData::Run& run : d.runs) {
      if (run.count == 0) continue;
      f += f.empty() ? head() + ",\"runs\":[" : ",";
      f += "{\"t0\":";
      AppendMs(f, run.t0_ns);
      fmt::format_to(std::back_inserter(f), ",\"rate\":{},\"values\":[", run.rate_hz);
      for (size_t k = 0; k < run.count; ++k) {
        if (k) f += ',';
        value_at(run.offset + k, f);
      }
      f += "]}";
      sent += run.count;
      part.next_from = run.t0_ns + static_cast<int64_t>((static_cast<double>(run.count) - 0.5) *
                                                        1e9 / run.rate_hz);
    }
    if (!f.empty()) out->push_back(f + "]}");
    budget -= std::min(budget, sent);
    return sent >= want && budget > 0;  // a short page: the series is done
  }
  // Scalars: skip what an earlier page sent at the same time stamp.
  const size_t n = d.t_ns.size();
  const size_t b = std::min(part.skip, n);
  if (n > b) {
    std::string f = head() + ",\"t\":[";
    for (size_t k = b; k < n; ++k) {
      if (k > b) f += ',';
      AppendMs(f, d.t_ns[k]);
    }
    f += "],\"v\":[";
    for (size_t k = b; k < n; ++k) {
      if (k > b) f += ',';
      value_at(k, f);
    }
    out->push_back(f + "]}");
  }
  const size_t sent = n - b;
  budget -= std::min(budget, sent);
  if (n < want + part.skip || budget == 0) return false;  // a short page: the series is done
  const int64_t last = d.t_ns.back();
  size_t same = 0;
  for (size_t k = n; k > 0 && d.t_ns[k - 1] == last; --k) ++same;
  part.skip = last == part.next_from ? part.skip + sent : same;
  part.next_from = last;
  return true;
}

}  // namespace lj::live
