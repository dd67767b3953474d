#include "live/pipeline.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <unordered_map>

#include "common/json.h"
#include "common/log.h"
#include "common/time.h"

namespace lj::live {
namespace {

using ingest::ParsedSample;
using ingest::Reject;
using ingest::Value;
using ingest::ValueKind;

constexpr ErrorCode kReasonCodes[Pipeline::kReasons] = {
    ErrorCode::kUnknownTwin,    ErrorCode::kUnknownTelemetry, ErrorCode::kWrongType,
    ErrorCode::kOutOfOrder,     ErrorCode::kOversize,         ErrorCode::kBadTimestamp,
    ErrorCode::kMissingField,   ErrorCode::kBadWaveform,      ErrorCode::kParseError,
    ErrorCode::kStorage,        ErrorCode::kForbidden,        ErrorCode::kInvalidUtf8,
    ErrorCode::kInvalidArgument};

size_t ReasonIndex(ErrorCode code) {
  for (size_t i = 0; i < Pipeline::kReasons; ++i)
    if (kReasonCodes[i] == code) return i;
  return Pipeline::kReasons - 1;
}

std::string_view KindName(ValueKind k) {
  switch (k) {
    case ValueKind::kDouble:
      return "number";
    case ValueKind::kInt:
      return "integer";
    case ValueKind::kBool:
      return "boolean";
    case ValueKind::kString:
      return "string";
  }
  return "?";
}

// Range of an integral DTDL primitive.
void IntRange(model::Primitive p, int64_t* lo, int64_t* hi) {
  using P = model::Primitive;
  switch (p) {
    case P::kByte:
      *lo = -128;
      *hi = 127;
      return;
    case P::kShort:
      *lo = -32768;
      *hi = 32767;
      return;
    case P::kInteger:
      *lo = INT32_MIN;
      *hi = INT32_MAX;
      return;
    case P::kUnsignedByte:
      *lo = 0;
      *hi = 255;
      return;
    case P::kUnsignedShort:
      *lo = 0;
      *hi = 65535;
      return;
    case P::kUnsignedInteger:
      *lo = 0;
      *hi = UINT32_MAX;
      return;
    case P::kUnsignedLong:
      *lo = 0;
      *hi = INT64_MAX;
      return;
    default:
      *lo = INT64_MIN;
      *hi = INT64_MAX;
      return;
  }
}

// Checks one numeric value against a numeric primitive; on success `*out` is the value as stored.
bool CheckNumber(model::Primitive p, double v, std::string* why) {
  if (!std::isfinite(v)) {
    *why = fmt::format("{} is not a finite number", v);
    return false;
  }
  if (model::IsIntegral(p)) {
    int64_t lo, hi;
    IntRange(p, &lo, &hi);
    if (v != std::floor(v)) {
      *why = fmt::format("expected {}, got {}", model::PrimitiveName(p), v);
      return false;
    }
    if (v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
      *why = fmt::format("{} is out of range for {}", v, model::PrimitiveName(p));
      return false;
    }
  }
  return true;
}

// The value as the model stores it: integral schemas hold integers.
Value Normalized(const model::Schema& schema, const Value& v) {
  const bool integral =
      schema.kind == model::SchemaKind::kPrimitive && model::IsIntegral(schema.primitive);
  if (integral && v.kind == ValueKind::kDouble) return Value::Int(static_cast<int64_t>(v.d));
  if (!integral && schema.kind == model::SchemaKind::kPrimitive && v.kind == ValueKind::kInt &&
      model::IsNumeric(schema.primitive))
    return Value::Double(static_cast<double>(v.i));
  return v;
}

}  // namespace

struct Pipeline::ShardWork {
  struct Accepted {  // one accepted item of the current shard, for kStorage rejects
    uint32_t source;
    uint64_t count;
  };
  struct Ready {  // a completed waveform block, published after the history write
    Series* se;
    std::string_view twin;
    std::string_view telemetry;
    std::unique_ptr<WaveBlock> block;
    std::vector<Accepted> sources;  // the batch items it was assembled from
  };
  ingest::IngestReport* report;
  ingest::Protocol protocol;
  bool observe = false;
  std::vector<Ready> pending;  // series with a block being assembled (block: null)
  std::vector<Ready> ready;
  // The batch items of each series' block being assembled (moved to its Ready when complete).
  std::unordered_map<const Series*, std::vector<Accepted>> assembling;
  std::vector<Accepted> shard_items;
  history::WriteBatch* wb = nullptr;
  uint64_t accepted = 0;
  uint64_t shard_accepted = 0;
  // For observers, over the whole Ingest() call.
  std::vector<AcceptedScalar> scalars;
  size_t shard_scalars_begin = 0;
  std::vector<std::shared_ptr<const WaveBlock>> block_refs;
  std::vector<AcceptedBlock> blocks;
};

history::ValueType Pipeline::HistoryType(const model::Telemetry& tel) {
  using history::ValueType;
  const model::Schema& sc = *tel.schema;
  if (sc.kind == model::SchemaKind::kEnum)
    return sc.enum_value_schema == model::Primitive::kString ? ValueType::kString : ValueType::kInt;
  if (sc.kind != model::SchemaKind::kPrimitive) return ValueType::kString;
  if (model::IsIntegral(sc.primitive)) return ValueType::kInt;
  if (tel.waveform) return ValueType::kDouble;
  if (sc.primitive == model::Primitive::kBoolean) return ValueType::kBool;
  if (model::IsNumeric(sc.primitive)) return ValueType::kDouble;
  return ValueType::kString;
}

Pipeline::Pipeline(LiveState& live, metrics::Registry& metrics, PipelineOptions options,
                   history::HistoryStore* history)
    : live_(live),
      options_(options),
      history_(history),
      observers_(std::make_shared<const std::vector<SampleObserver*>>()) {
  history_failures_ = &metrics.GetCounter(
      "lj_ingest_history_failures_total",
      "Shard batches whose history write failed (their samples were rejected: storage).");
  for (size_t p = 0; p < kProtocols; ++p) {
    std::string proto(ingest::ProtocolName(static_cast<ingest::Protocol>(p)));
    accepted_[p] = &metrics.GetCounter("lj_ingest_samples_total",
                                       "Telemetry samples accepted (a waveform value counts one).",
                                       {{"protocol", proto}});
    batches_[p] = &metrics.GetCounter("lj_ingest_batches_total", "Ingest batches processed.",
                                      {{"protocol", proto}});
    for (size_t r = 0; r < kReasons; ++r) {
      rejected_[p][r] = &metrics.GetCounter(
          "lj_ingest_rejected_total", "Telemetry samples rejected, by reason.",
          {{"protocol", proto}, {"reason", std::string(ErrorCodeName(kReasonCodes[r]))}});
    }
  }
}

void Pipeline::CountReject(ingest::IngestReport& report, Reject&& reject, uint64_t samples,
                           ingest::Protocol protocol) {
  report.rejected += samples;
  rejected_[static_cast<size_t>(protocol)][ReasonIndex(reject.code)]->Inc(samples);
  if (report.rejects.size() < ingest::IngestReport::kMaxRejectDetails)
    report.rejects.push_back(std::move(reject));
}

bool Pipeline::IsSessionOwned(const model::Interface& iface) const {
  for (const std::string& m : options_.session_models)
    if (iface.id == m) return true;
  return false;
}

void Pipeline::AddObserver(SampleObserver* observer) {
  std::lock_guard lock(observers_mu_);
  auto next = std::make_shared<std::vector<SampleObserver*>>(*observers_);
  next->push_back(observer);
  observers_ = std::move(next);
}

history::SeriesId Pipeline::HistoryId(const TwinState& twin, int ti, Series& se, std::string* why) {
  if (se.history_id != 0) return se.history_id;
  const model::Telemetry& tel = twin.model->telemetry[ti];
  history::SeriesInfo info{twin.id, tel.name, HistoryType(tel), tel.waveform};
  Result<history::SeriesId> id = history_->Intern(info);
  if (!id.ok()) {
    *why = fmt::format("'{}': history: {}", tel.name, id.status().message());
    return 0;
  }
  se.history_id = *id;
  // Most specific retention rule: model+telemetry (3) > telemetry (2) > model (1).
  int best = 0;
  int64_t seconds = 0;
  for (const history::RetentionRule& r : options_.retention) {
    const bool model_ok = r.model.empty() || r.model == twin.model->id;
    const bool tel_ok = r.telemetry.empty() || r.telemetry == tel.name;
    const int score = (r.model.empty() ? 0 : 1) + (r.telemetry.empty() ? 0 : 2);
    if (model_ok && tel_ok && score > best) {
      best = score;
      seconds = r.seconds;
    }
  }
  if (best > 0) history_->SetRetention(*id, seconds);
  return *id;
}

void Pipeline::WriteScalar(history::SeriesId id, const model::Schema& schema, const Value& raw,
                           int64_t t_ns, ShardWork& work) {
  const Value v = Normalized(schema, raw);
  switch (v.kind) {
    case ValueKind::kDouble:
      work.wb->AddDouble(id, t_ns, v.d);
      break;
    case ValueKind::kInt:
      work.wb->AddInt(id, t_ns, v.i);
      break;
    case ValueKind::kBool:
      work.wb->AddInt(id, t_ns, v.b ? 1 : 0);
      break;
    case ValueKind::kString:
      work.wb->AddString(id, t_ns, v.s);
      break;
  }
}

void Pipeline::CommitShard(ShardWork& work) {
  for (ShardWork::Ready& p : work.pending) {
    if (p.se->pending)
      work.ready.push_back(
          {p.se, p.twin, p.telemetry, std::move(p.se->pending), std::move(work.assembling[p.se])});
  }
  work.pending.clear();
  work.assembling.clear();
  bool failed = false;
  std::vector<bool> refused(work.ready.size(), false);
  if (history_) {
    std::unordered_map<size_t, size_t> ready_of_entry;  // batch entry → index into ready
    for (size_t i = 0; i < work.ready.size(); ++i) {
      const ShardWork::Ready& r = work.ready[i];
      ready_of_entry[work.wb->entries()] = i;
      work.wb->AddBlock(r.se->history_id, r.block->t0_ns, r.block->rate_hz, r.block->values.data(),
                        r.block->values.size());
    }
    if (!work.wb->empty()) {
      history::WriteReport wr;
      Result<uint64_t> lsn = history_->Write(*work.wb, &wr);
      if (lsn.ok()) {
        work.report->lsn = std::max(work.report->lsn, *lsn);
        // A block the store did not keep (it overlaps stored data: the pipeline's own checks
        // make this rare) is reported to the senders of its samples and never shown live.
        for (const history::Refusal& f : wr.refused) {
          auto it = ready_of_entry.find(f.entry);
          if (it == ready_of_entry.end()) {
            LJ_LOG_ERROR("history refused an entry the pipeline cannot name", "entry", f.entry,
                         "reason", f.reason);
            continue;
          }
          refused[it->second] = true;
          for (const ShardWork::Accepted& a : work.ready[it->second].sources) {
            CountReject(*work.report, Reject{a.source, f.code, f.reason}, a.count, work.protocol);
            work.accepted -= a.count;
          }
        }
      } else {
        failed = true;
        history_failures_->Inc();
        LJ_LOG_ERROR("history write failed; samples rejected", "error", lsn.status().ToString(),
                     "samples", work.wb->samples());
        const std::string why = fmt::format("history write failed: {}", lsn.status().message());
        for (const ShardWork::Accepted& a : work.shard_items)
          CountReject(*work.report, Reject{a.source, ErrorCode::kStorage, why}, a.count,
                      work.protocol);
        work.accepted -= work.shard_accepted;
        work.scalars.resize(work.shard_scalars_begin);
      }
    }
    work.wb->Clear();
  }
  // Blocks not in history are never shown live; the sequence numbers of a series' later blocks
  // close up behind them, so a viewer's ring arithmetic stays consecutive.
  std::unordered_map<Series*, uint64_t> skipped;
  for (size_t i = 0; i < work.ready.size(); ++i) {
    ShardWork::Ready& r = work.ready[i];
    if (failed || refused[i]) {
      ++skipped[r.se];
      continue;
    }
    if (auto it = skipped.find(r.se); it != skipped.end()) r.block->seq -= it->second;
    std::shared_ptr<const WaveBlock> blk = live_.Publish(*r.se, std::move(r.block));
    if (work.observe) {
      work.blocks.push_back(AcceptedBlock{r.twin, r.telemetry, blk->t0_ns, blk->rate_hz,
                                          std::span<const double>(blk->values)});
      work.block_refs.push_back(std::move(blk));
    }
  }
  for (const auto& [se, n] : skipped) se->next_seq -= n;
  work.ready.clear();
  work.shard_items.clear();
  work.shard_accepted = 0;
  work.shard_scalars_begin = work.scalars.size();
}

void Pipeline::Notify(ingest::Protocol protocol, ShardWork& work) {
  std::shared_ptr<const std::vector<SampleObserver*>> obs;
  {
    std::lock_guard lock(observers_mu_);
    obs = observers_;
  }
  if (work.scalars.empty() && work.blocks.empty()) return;
  for (SampleObserver* o : *obs) o->OnAccepted(protocol, work.scalars, work.blocks);
}

ingest::IngestReport Pipeline::Ingest(ingest::ParsedBatch& batch, ingest::Protocol protocol) {
  ingest::IngestReport report;
  batches_[static_cast<size_t>(protocol)]->Inc();
  for (Reject& r : batch.rejects) CountReject(report, std::move(r), 1, protocol);
  batch.rejects.clear();

  // Counting sort of sample indices by shard, preserving order within a shard.
  const uint32_t shards = live_.shard_count();
  const size_t n = batch.samples.size();
  thread_local std::vector<uint32_t> shard_of, start, order, fill;  // reused per thread
  thread_local history::WriteBatch wb;
  shard_of.resize(n);
  start.assign(shards + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    shard_of[i] = live_.ShardOf(batch.samples[i].twin);
    ++start[shard_of[i] + 1];
  }
  for (uint32_t s = 0; s < shards; ++s) start[s + 1] += start[s];
  order.resize(n);
  fill.assign(start.begin(), start.end() - 1);
  for (size_t i = 0; i < n; ++i) order[fill[shard_of[i]]++] = static_cast<uint32_t>(i);

  const int64_t now = NowNs();
  ShardWork work;
  work.report = &report;
  work.protocol = protocol;
  work.wb = &wb;
  {
    std::lock_guard lock(observers_mu_);
    // A viewer's pose is not clinical data: observers never see presence telemetry.
    work.observe = !observers_->empty() && protocol != ingest::Protocol::kPresence;
  }
  for (uint32_t s = 0; s < shards; ++s) {
    if (start[s] == start[s + 1]) continue;
    live_.WithShard(s, [&](LiveState::TwinMap& twins) {
      ApplyShard(twins, batch, order.data() + start[s], start[s + 1] - start[s], now, work);
      CommitShard(work);
    });
  }
  report.accepted = work.accepted;
  accepted_[static_cast<size_t>(protocol)]->Inc(work.accepted);
  // Rejections were collected per shard; report them in source order.
  std::stable_sort(report.rejects.begin(), report.rejects.end(),
                   [](const Reject& a, const Reject& b) { return a.source < b.source; });
  if (work.observe) Notify(protocol, work);
  return report;
}

void Pipeline::ApplyShard(LiveState::TwinMap& twins, ingest::ParsedBatch& batch,
                          const uint32_t* idx, size_t n, int64_t now, ShardWork& work) {
  TwinState* twin = nullptr;
  std::string_view twin_id;
  bool session_owned = false;
  for (size_t k = 0; k < n; ++k) {
    const ParsedSample& smp = batch.samples[idx[k]];
    const uint64_t count = smp.is_block() ? smp.count : 1;
    auto reject = [&](ErrorCode code, std::string msg) {
      CountReject(*work.report, Reject{smp.source, code, std::move(msg)}, count, work.protocol);
    };
    auto accept = [&] {
      work.accepted += count;
      work.shard_accepted += count;
      if (history_) work.shard_items.push_back({smp.source, count});
    };
    if (!twin || smp.twin != twin_id) {
      auto it = twins.find(smp.twin);
      if (it == twins.end()) {
        twin = nullptr;
        reject(ErrorCode::kUnknownTwin, fmt::format("unknown twin '{}'", smp.twin));
        continue;
      }
      twin = it->second.get();
      twin_id = twin->id;
      session_owned = IsSessionOwned(*twin->model);
    }
    if (session_owned && work.protocol != ingest::Protocol::kPresence) {
      reject(ErrorCode::kForbidden,
             fmt::format("twin '{}' ({}) belongs to a viewer's session; only that session may send "
                         "its telemetry (WebSocket 'pose')",
                         twin->id, twin->model->id));
      continue;
    }
    const int ti = twin->model->FindTelemetry(smp.telemetry);
    if (ti < 0) {
      reject(ErrorCode::kUnknownTelemetry, fmt::format("twin '{}' ({}) has no telemetry '{}'",
                                                       twin->id, twin->model->id, smp.telemetry));
      continue;
    }
    const model::Telemetry& tel = twin->model->telemetry[ti];
    Series& se = twin->series[ti];
    if (tel.derived && work.protocol != ingest::Protocol::kClinical) {
      reject(ErrorCode::kForbidden,
             fmt::format("'{}' of twin '{}' is derived by the engine ({}); it cannot be written "
                         "from outside",
                         tel.name, twin->id, twin->model->id));
      continue;
    }
    if (smp.t_ns > now + options_.max_future_ns) {
      reject(ErrorCode::kBadTimestamp,
             fmt::format("'{}': timestamp {} is {:.0f} s in the future (limit {} s)", tel.name,
                         FormatRfc3339(smp.t_ns), (smp.t_ns - now) / 1e9,
                         options_.max_future_ns / 1000000000));
      continue;
    }
    if (options_.max_age_ns > 0 && smp.t_ns < now - options_.max_age_ns) {
      reject(
          ErrorCode::kBadTimestamp,
          fmt::format("'{}': timestamp {} is older than the oldest accepted, {} ([ingest] "
                      "max_age {} s)",
                      tel.name, FormatRfc3339(smp.t_ns), FormatRfc3339(now - options_.max_age_ns),
                      options_.max_age_ns / 1000000000));
      continue;
    }
    if (smp.value.kind == ValueKind::kString && !smp.is_block()) {
      if (const size_t bad = FirstInvalidUtf8(smp.value.s); bad != std::string_view::npos) {
        reject(ErrorCode::kInvalidUtf8,
               fmt::format("'{}': string value is not valid UTF-8 (byte {})", tel.name, bad + 1));
        continue;
      }
    }
    const model::Schema& schema = *tel.schema;
    std::string why;
    history::SeriesId hid = 0;
    if (history_ && (hid = HistoryId(*twin, ti, se, &why)) == 0) {
      reject(ErrorCode::kStorage, std::move(why));
      continue;
    }
    if (tel.waveform) {
      if (ErrorCode code = ApplyWave(batch, smp, tel, se, work, &why); code != ErrorCode::kOk) {
        reject(code, fmt::format("'{}': {}", tel.name, why));
        continue;
      }
      ++twin->version;
      accept();
      continue;
    }
    if (smp.is_block()) {
      reject(ErrorCode::kBadWaveform,
             fmt::format("'{}' is not a waveform telemetry; send single values", tel.name));
      continue;
    }
    if (!CheckScalar(schema, smp.value, &why)) {
      reject(ErrorCode::kWrongType, fmt::format("'{}': {}", tel.name, why));
      continue;
    }
    if (se.has_value() && smp.t_ns < se.t_ns - options_.out_of_order_tolerance_ns) {
      reject(ErrorCode::kOutOfOrder,
             fmt::format("'{}': sample at {} is {:.3f} s older than the latest (tolerance {} s)",
                         tel.name, FormatRfc3339(smp.t_ns), (se.t_ns - smp.t_ns) / 1e9,
                         options_.out_of_order_tolerance_ns / 1e9));
      continue;
    }
    accept();
    if (history_) WriteScalar(hid, schema, smp.value, smp.t_ns, work);
    if (work.observe)
      work.scalars.push_back(
          AcceptedScalar{smp.twin, smp.telemetry, smp.t_ns, Normalized(schema, smp.value)});
    if (se.has_value() && smp.t_ns < se.t_ns) continue;  // late but tolerated: not the latest
    StoreScalar(schema, smp.value, smp.t_ns, se);
    ++twin->version;
  }
}

bool Pipeline::CheckScalar(const model::Schema& schema, const Value& v, std::string* why) const {
  using K = model::SchemaKind;
  if (schema.kind == K::kEnum) {
    for (const auto& ev : schema.enum_values) {
      if (v.kind == ValueKind::kString && ev.value.is_string() &&
          ev.value.get<std::string>() == v.s)
        return true;
      if (v.kind == ValueKind::kInt && ev.value.is_number_integer() &&
          ev.value.get<int64_t>() == v.i)
        return true;
    }
    *why = "value is not one of the enum's values";
    return false;
  }
  if (schema.kind != K::kPrimitive) {
    *why = "complex (object/array/map) telemetry cannot be sent as a single value";
    return false;
  }
  const model::Primitive p = schema.primitive;
  if (p == model::Primitive::kBoolean) {
    if (v.kind == ValueKind::kBool) return true;
    *why = fmt::format("expected boolean, got {}", KindName(v.kind));
    return false;
  }
  if (model::IsNumeric(p)) {
    if (v.kind == ValueKind::kDouble) return CheckNumber(p, v.d, why);
    if (v.kind == ValueKind::kInt) return CheckNumber(p, static_cast<double>(v.i), why);
    *why = fmt::format("expected {}, got {}", model::PrimitiveName(p), KindName(v.kind));
    return false;
  }
  if (v.kind == ValueKind::kString) return true;  // string, date, time, duration, uuid, ...
  *why = fmt::format("expected {}, got {}", model::PrimitiveName(p), KindName(v.kind));
  return false;
}

void Pipeline::StoreScalar(const model::Schema& schema, const Value& v, int64_t t_ns, Series& se) {
  se.t_ns = t_ns;
  ++se.version;
  const bool integral =
      schema.kind == model::SchemaKind::kPrimitive && model::IsIntegral(schema.primitive);
  switch (v.kind) {
    case ValueKind::kDouble:
      if (integral) {
        se.kind = ValueKind::kInt;
        se.i = static_cast<int64_t>(v.d);
      } else {
        se.kind = ValueKind::kDouble;
        se.d = v.d;
      }
      break;
    case ValueKind::kInt:
      if (integral || schema.kind == model::SchemaKind::kEnum) {
        se.kind = ValueKind::kInt;
        se.i = v.i;
      } else {
        se.kind = ValueKind::kDouble;
        se.d = static_cast<double>(v.i);
      }
      break;
    case ValueKind::kBool:
      se.kind = ValueKind::kBool;
      se.b = v.b;
      break;
    case ValueKind::kString:
      se.kind = ValueKind::kString;
      se.s.assign(v.s);
      break;
  }
}

// Appends a block, or one scalar value, to the series' pending block, starting a new block when
// the samples do not continue the previous ones at the nominal rate.
ErrorCode Pipeline::ApplyWave(const ingest::ParsedBatch& batch, const ParsedSample& smp,
                              const model::Telemetry& tel, Series& se, ShardWork& work,
                              std::string* why) {
  const model::Primitive p = tel.schema->primitive;
  double rate = tel.sample_rate_hz;
  const double* values;
  size_t count;
  double single;
  if (smp.is_block()) {
    if (std::abs(smp.rate_hz - rate) > rate * options_.rate_tolerance) {
      *why = fmt::format("block rate {} Hz does not match the model's {} Hz", smp.rate_hz, rate);
      return ErrorCode::kBadWaveform;
    }
    if (smp.count > options_.max_block_values) {
      *why = fmt::format("block has {} values (limit {})", smp.count, options_.max_block_values);
      return ErrorCode::kOversize;
    }
    values = batch.wave_values.data() + smp.offset;
    count = smp.count;
  } else {
    if (smp.value.kind == ValueKind::kDouble) {
      single = smp.value.d;
    } else if (smp.value.kind == ValueKind::kInt) {
      single = static_cast<double>(smp.value.i);
    } else {
      *why = fmt::format("expected {}, got {}", model::PrimitiveName(p), KindName(smp.value.kind));
      return ErrorCode::kWrongType;
    }
    values = &single;
    count = 1;
  }
  for (size_t i = 0; i < count; ++i) {
    if (!CheckNumber(p, values[i], why)) {
      if (count > 1) *why = fmt::format("value {}: {}", i, *why);
      return smp.is_block() ? ErrorCode::kBadWaveform : ErrorCode::kWrongType;
    }
  }
  const int64_t period_ns = static_cast<int64_t>(1e9 / rate);
  const int64_t newest_end = se.pending ? se.pending->end_ns() : se.last_end_ns;
  if (history_ && newest_end != std::numeric_limits<int64_t>::min() &&
      smp.t_ns < newest_end - period_ns / 2) {
    *why = fmt::format("sample at {} overlaps the waveform data already held (until {})",
                       FormatRfc3339(smp.t_ns), FormatRfc3339(newest_end));
    return ErrorCode::kOutOfOrder;
  }
  if (se.version > 0 || se.pending) {
    if (smp.t_ns < newest_end - options_.out_of_order_tolerance_ns) {
      *why = fmt::format("sample at {} is {:.3f} s before the waveform data already held",
                         FormatRfc3339(smp.t_ns), (newest_end - smp.t_ns) / 1e9);
      return ErrorCode::kOutOfOrder;
    }
  }
  // Within half a sample period of the newest data's end, a sample is the next one of the
  // signal: it continues the block being assembled, or starts a block exactly at that end (the
  // sender's clock jitters; history must see blocks that touch, never overlap).
  const bool adjoins = newest_end != std::numeric_limits<int64_t>::min() &&
                       std::llabs(smp.t_ns - newest_end) <= period_ns / 2;
  const bool continues =
      se.pending && adjoins && se.pending->values.size() + count <= options_.max_block_values;
  if (!continues) {
    if (se.pending) {
      work.ready.push_back(
          {&se, smp.twin, tel.name, std::move(se.pending), std::move(work.assembling[&se])});
      work.assembling[&se].clear();
    } else {
      work.pending.push_back({&se, smp.twin, tel.name, nullptr, {}});
    }
    se.pending = std::make_unique<WaveBlock>();
    se.pending->seq = se.next_seq++;
    se.pending->t0_ns = adjoins ? newest_end : smp.t_ns;
    se.pending->rate_hz = rate;
    se.pending->values.reserve(std::max<size_t>(count, 16));
  }
  se.pending->values.insert(se.pending->values.end(), values, values + count);
  if (history_) work.assembling[&se].push_back({smp.source, count});
  return ErrorCode::kOk;
}

}  // namespace lj::live
