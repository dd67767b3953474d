#include "hl7/handler.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "common/log.h"
#include "common/time.h"
#include "hl7/adt.h"
#include "hl7/oru.h"

namespace lj::hl7 {
namespace {

AckIssue MshIssue(int field, int hl7, ErrorCode code, std::string message) {
  return AckIssue{fmt::format("MSH^1^{}", field), hl7, code, std::move(message)};
}

// "2.3" .. "2.9" with optional further parts ("2.3.1", "2.5.1").
bool SupportedVersion(std::string_view v) {
  return v.size() >= 3 && v[0] == '2' && v[1] == '.' && v[2] >= '3' && v[2] <= '9' &&
         (v.size() == 3 || v[3] == '.');
}

// "OBX(3)-6: ..." → "OBX^3^6"; pipeline rejects name no field: the value, OBX-5.
std::string ObxLocation(uint32_t n, const std::string& message) {
  const std::string prefix = fmt::format("OBX({})-", n);
  int field = 5;
  if (message.rfind(prefix, 0) == 0) {
    field = 0;
    for (size_t i = prefix.size();
         i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])); ++i) {
      field = field * 10 + (message[i] - '0');
      if (field > 999) break;
    }
  }
  return fmt::format("OBX^{}^{}", n, field);
}

constexpr std::string_view kObxIgnoredReasons[] = {"result_status", "no_value", "unmapped_code",
                                                   "superseded"};

// "OBX(101)-OBX(151), OBX(160)" for sorted positions; bounded, "…" when cut.
std::string PositionRanges(const std::vector<uint32_t>& positions) {
  std::string out;
  for (size_t i = 0; i < positions.size();) {
    size_t j = i;
    while (j + 1 < positions.size() && positions[j + 1] <= positions[j] + 1) ++j;
    if (out.size() > 300) {
      out += ", …";
      break;
    }
    if (!out.empty()) out += ", ";
    out += positions[i] == positions[j]
               ? fmt::format("OBX({})", positions[i])
               : fmt::format("OBX({})-OBX({})", positions[i], positions[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace

MessageHandler::MessageHandler(graph::TwinGraph& graph, ingest::IngestSink& sink,
                               metrics::Registry& metrics, HandlerOptions options)
    : ward_(graph),
      sink_(sink),
      metrics_(metrics),
      options_(std::move(options)),
      boot_(static_cast<uint32_t>(NowNs() / 1'000'000'000)) {
  for (size_t i = 0; i < std::size(kObxIgnoredReasons); ++i) {
    obx_ignored_[i] = &metrics.GetCounter(
        "lj_hl7_obx_ignored_total",
        "OBX rows not stored by rule (each reported in the ACK): result status X/D/W, no value, "
        "code not mapped, pulse rate superseded by a heart rate",
        {{"reason", std::string(kObxIgnoredReasons[i])}});
  }
}

metrics::Counter& MessageHandler::ObxIgnored(std::string_view reason) {
  for (size_t i = 0; i < std::size(kObxIgnoredReasons); ++i)
    if (kObxIgnoredReasons[i] == reason) return *obx_ignored_[i];
  return *obx_ignored_[2];
}

std::string MessageHandler::NextControlId() {
  const uint64_t n = next_id_.fetch_add(1, std::memory_order_relaxed);
  return fmt::format("LJ{:08x}{:06d}", boot_, n % 1000000);
}

void MessageHandler::Count(const AckContext& ctx, std::string_view type, AckCode code,
                           const std::vector<AckIssue>& issues) {
  metrics_
      .GetCounter("lj_hl7_messages_total", "HL7 messages received, by type and ACK code",
                  {{"type", std::string(type)}, {"ack", std::string(AckCodeName(code))}})
      .Inc();
  if (code != AckCode::kAccept) {
    LJ_LOG_DEBUG("hl7 message not accepted", "type", type, "ack", AckCodeName(code), "control_id",
                 ctx.control_id, "reason", issues.empty() ? std::string() : issues.front().message);
  }
}

MessageHandler::Outcome MessageHandler::Finish(const AckContext& ctx, std::string_view type,
                                               AckCode code, std::vector<AckIssue> issues,
                                               uint64_t lsn) {
  Outcome out{.ack = BuildAck(ctx, code, NextControlId(), NowNs(), issues, options_.application),
              .code = code};
  if (lsn == 0) {
    Count(ctx, type, code, issues);
    return out;
  }
  out.lsn = lsn;
  out.ctx = ctx;
  out.type = std::string(type);
  out.issues = std::move(issues);
  return out;
}

MessageHandler::Outcome MessageHandler::Settle(Outcome outcome, const Status& synced) {
  if (outcome.lsn == 0) return outcome;
  if (synced.ok()) {
    Count(outcome.ctx, outcome.type, outcome.code, outcome.issues);
    outcome.lsn = 0;  // final
    return outcome;
  }
  LJ_LOG_WARN("hl7 ack: history sync failed, answering AE", "control_id",
              outcome.ctx.control_id.substr(0, 64), "error", synced.message());
  // Nothing of it may be durable: AE (resend it whole); what was not stored anyway stays listed.
  std::vector<AckIssue> issues;
  issues.push_back(AckIssue{"", kHl7InternalError, ErrorCode::kStorage,
                            "history sync failed: the observations of this message may not be "
                            "durable; send it again (" +
                                synced.message() + ")"});
  for (AckIssue& issue : outcome.issues) {
    issue.severity = Severity::kError;
    issues.push_back(std::move(issue));
  }
  // BuildAck summarises beyond kMaxAckIssues (the count, and the first left out).
  return Finish(outcome.ctx, outcome.type, AckCode::kError, std::move(issues));
}

MessageHandler::Outcome MessageHandler::Handle(std::string_view payload, bool oversize,
                                               size_t total_bytes, std::string_view remote) {
  if (oversize) {
    return Finish(
        SalvageAckContext(payload), "other", AckCode::kReject,
        {AckIssue{"", kHl7DataTypeError, ErrorCode::kPayloadTooLarge,
                  fmt::format("message of {} bytes exceeds the maximum message size of {} "
                              "bytes",
                              total_bytes, payload.size())}});
  }
  Result<Message> parsed = Message::Parse(payload);
  if (!parsed.ok()) {
    return Finish(SalvageAckContext(payload), "other", AckCode::kReject,
                  {AckIssue{"", Hl7ErrorFor(parsed.status().code()), parsed.status().code(),
                            parsed.status().message()}});
  }
  const Message& msg = *parsed;
  const AckContext ctx = AckContextFrom(msg);
  const std::string type = msg.MessageType();
  const std::string event = msg.TriggerEvent();
  const bool adt = type == "ADT" && IsSupportedAdtEvent(event);
  const bool oru = type == "ORU" && event == "R01";
  const std::string label = adt || oru ? type + "^" + event : "other";
  auto reject = [&](AckIssue issue) {
    return Finish(ctx, label, AckCode::kReject, {std::move(issue)});
  };

  if (type.empty()) {
    return reject(MshIssue(9, kHl7RequiredFieldMissing, ErrorCode::kMissingField,
                           "MSH-9: missing message type"));
  }
  if (ctx.control_id.empty()) {
    return reject(MshIssue(10, kHl7RequiredFieldMissing, ErrorCode::kMissingField,
                           "MSH-10: missing message control id"));
  }
  const std::string processing = ctx.processing_id;
  if (!processing.empty() && processing != "P" && processing != "T" && processing != "D") {
    return reject(MshIssue(
        11, kHl7UnsupportedProcessingId, ErrorCode::kUnsupported,
        fmt::format("MSH-11: unsupported processing id '{}' (P, T, D)", processing.substr(0, 8))));
  }
  if (ctx.version.empty()) {
    return reject(MshIssue(12, kHl7RequiredFieldMissing, ErrorCode::kMissingField,
                           "MSH-12: missing version id"));
  }
  if (!SupportedVersion(ctx.version)) {
    return reject(MshIssue(
        12, kHl7UnsupportedVersion, ErrorCode::kUnsupported,
        fmt::format("MSH-12: unsupported version '{}' (2.3 to 2.9)", ctx.version.substr(0, 16))));
  }
  if (type == "ADT" && !adt) {
    return reject(MshIssue(9, kHl7UnsupportedEvent, ErrorCode::kUnsupported,
                           fmt::format("MSH-9.2: unsupported ADT event '{}' (A01 A02 A03 A04 "
                                       "A08 A11 A13)",
                                       event.substr(0, 8))));
  }
  if (type == "ORU" && !oru) {
    return reject(
        MshIssue(9, kHl7UnsupportedEvent, ErrorCode::kUnsupported,
                 fmt::format("MSH-9.2: unsupported ORU event '{}' (R01)", event.substr(0, 8))));
  }
  if (!adt && !oru) {
    return reject(MshIssue(
        9, kHl7UnsupportedMessageType, ErrorCode::kUnsupported,
        fmt::format("MSH-9: unsupported message type '{}' (ADT, ORU^R01)", type.substr(0, 8))));
  }
  const std::string what = label + " " + ctx.control_id.substr(0, 64);
  MessageAccess access{.remote = remote, .message = what};
  std::vector<AckIssue> issues;
  if (adt) {
    const std::string patient = AdtPatientTwin(msg);
    access.graph_change = true;
    access.patient = patient;
    if (std::optional<AckIssue> no = Refused(access)) return reject(std::move(*no));
    issues = ApplyAdt(msg, ward_);
  } else {
    OruAck oru_ack = HandleOru(msg, access);
    if (oru_ack.code == AckCode::kReject) return reject(std::move(oru_ack.issues.at(0)));
    // Something stored: the AA waits until it is durable (Settle).
    return Finish(ctx, label, oru_ack.code, std::move(oru_ack.issues), oru_ack.lsn);
  }
  const AckCode code = issues.empty() ? AckCode::kAccept : AckCode::kError;
  return Finish(ctx, label, code, std::move(issues));
}

std::optional<AckIssue> MessageHandler::Refused(const MessageAccess& access) {
  if (!options_.authorize) return std::nullopt;
  Status s = options_.authorize(access);
  if (s.ok()) return std::nullopt;
  return AckIssue{"", kHl7InternalError, s.code(), s.message()};
}

MessageHandler::OruAck MessageHandler::HandleOru(const Message& msg, const MessageAccess& access) {
  OruResult r;
  OruOptions o;
  o.default_offset_minutes = options_.default_offset_minutes;
  o.now_ns = NowNs();
  BuildOruBatch(msg, ward_, o, &r);
  for (const Ignored& ig : r.ignored) ObxIgnored(ig.reason).Inc();

  ingest::IngestReport report;
  if (!r.batch.samples.empty() || !r.batch.rejects.empty()) {
    if (options_.authorize) {
      const std::vector<std::string> twins = ingest::DistinctTwins(r.batch);
      MessageAccess a = access;
      a.twins = &twins;
      if (std::optional<AckIssue> no = Refused(a)) {
        if (no->code == ErrorCode::kForbidden || no->code == ErrorCode::kUnavailable)
          return OruAck{AckCode::kReject, {std::move(*no)}};
        return OruAck{AckCode::kError, {std::move(*no)}};
      }
    }
    report = IngestAll(r.batch);
  }

  // Every OBX not stored, by position: the mapping's rules, its rejects and the pipeline's.
  struct Numbered {
    uint32_t obx;
    AckIssue issue;
  };
  std::vector<Numbered> found;
  auto add = [&](const ingest::Reject& rj) {
    std::string message = rj.message;
    if (message.rfind("OBX(", 0) != 0) {  // the pipeline's: name the row
      const ObxRow* row =
          rj.source >= 1 && rj.source <= r.rows.size() ? &r.rows[rj.source - 1] : nullptr;
      message = row == nullptr ? fmt::format("OBX({}): {}", rj.source, message)
                               : fmt::format("{}: {}: {}", ObxWhere(rj.source, 0, row->set_id),
                                             row->label, message);
    }
    found.push_back(Numbered{rj.source, AckIssue{ObxLocation(rj.source, message),
                                                 Hl7ErrorFor(rj.code), rj.code, message}});
  };
  for (const Ignored& ig : r.ignored) add(ig.reject);
  for (const ingest::Reject& rj : report.rejects) add(rj);
  std::stable_sort(found.begin(), found.end(),
                   [](const Numbered& a, const Numbered& b) { return a.obx < b.obx; });
  if (report.rejected > report.rejects.size()) {
    found.push_back(
        Numbered{0, AckIssue{"", kHl7InternalError, ErrorCode::kInternal,
                             fmt::format("{} further observations rejected by the ingest pipeline "
                                         "(not itemised)",
                                         report.rejected - report.rejects.size())}});
  }

  // Some of the message stored: AA, what was not is a warning. Nothing stored: AE.
  OruAck out;
  const bool stored = report.accepted > 0;
  out.code = found.empty() || stored ? AckCode::kAccept : AckCode::kError;
  out.lsn = stored ? report.lsn : 0;  // nothing stored (AE): nothing to wait for
  const Severity severity = stored ? Severity::kWarning : Severity::kError;
  const size_t listed = found.size() <= kMaxAckIssues ? found.size() : kMaxAckIssues - 1;
  for (size_t i = 0; i < listed; ++i) {
    out.issues.push_back(std::move(found[i].issue));
    out.issues.back().severity = severity;
  }
  if (listed < found.size()) {
    std::vector<uint32_t> positions;
    for (size_t i = listed; i < found.size(); ++i)
      if (found[i].obx > 0) positions.push_back(found[i].obx);
    AckIssue summary = found[listed].issue;
    summary.severity = severity;
    summary.message = fmt::format("{} more observations not stored (an ACK lists at most {}): {}",
                                  found.size() - listed, kMaxAckIssues, PositionRanges(positions));
    out.issues.push_back(std::move(summary));
  }
  return out;
}

ingest::IngestReport MessageHandler::IngestAll(ingest::ParsedBatch& batch) {
  constexpr size_t kChunk = ingest::IngestReport::kMaxRejectDetails;
  if (batch.samples.size() + batch.rejects.size() <= kChunk)
    return sink_.Ingest(batch, ingest::Protocol::kHl7);
  ingest::IngestReport all;
  size_t si = 0, ri = 0;
  while (si < batch.samples.size() || ri < batch.rejects.size()) {
    ingest::ParsedBatch chunk;  // samples keep pointing into batch.owned
    while (chunk.rejects.size() < kChunk && ri < batch.rejects.size())
      chunk.rejects.push_back(std::move(batch.rejects[ri++]));
    while (chunk.rejects.size() + chunk.samples.size() < kChunk && si < batch.samples.size())
      chunk.samples.push_back(batch.samples[si++]);
    ingest::IngestReport part = sink_.Ingest(chunk, ingest::Protocol::kHl7);
    all.accepted += part.accepted;
    all.rejected += part.rejected;
    all.lsn = std::max(all.lsn, part.lsn);
    for (ingest::Reject& rj : part.rejects) all.rejects.push_back(std::move(rj));
  }
  batch.samples.clear();
  batch.rejects.clear();
  std::stable_sort(
      all.rejects.begin(), all.rejects.end(),
      [](const ingest::Reject& a, const ingest::Reject& b) { return a.source < b.source; });
  return all;
}

}  // namespace lj::hl7
