#include "hl7/handler.h"

#include <fmt/format.h>

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

}  // namespace

MessageHandler::MessageHandler(graph::TwinGraph& graph, ingest::IngestSink& sink,
                               metrics::Registry& metrics, HandlerOptions options)
    : ward_(graph),
      sink_(sink),
      metrics_(metrics),
      options_(std::move(options)),
      obx_ignored_(metrics.GetCounter(
          "lj_hl7_obx_ignored_total",
          "OBX rows ignored: no value, status X/D/W, MDC code not mapped, superseded pulse rate")),
      boot_(static_cast<uint32_t>(NowNs() / 1'000'000'000)) {}

std::string MessageHandler::NextControlId() {
  const uint64_t n = next_id_.fetch_add(1, std::memory_order_relaxed);
  return fmt::format("LJ{:08x}{:06d}", boot_, n % 1000000);
}

MessageHandler::Outcome MessageHandler::Finish(const AckContext& ctx, std::string_view type,
                                               AckCode code, const std::vector<AckIssue>& issues) {
  metrics_
      .GetCounter("lj_hl7_messages_total", "HL7 messages received, by type and ACK code",
                  {{"type", std::string(type)}, {"ack", std::string(AckCodeName(code))}})
      .Inc();
  if (code != AckCode::kAccept) {
    LJ_LOG_DEBUG("hl7 message not accepted", "type", type, "ack", AckCodeName(code), "control_id",
                 ctx.control_id, "reason", issues.empty() ? std::string() : issues.front().message);
  }
  return Outcome{BuildAck(ctx, code, NextControlId(), NowNs(), issues, options_.application), code};
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
  MessageAccess access{remote, what};
  std::vector<AckIssue> issues;
  if (adt) {
    const std::string patient = AdtPatientTwin(msg);
    access.graph_change = true;
    access.patient = patient;
    if (std::optional<AckIssue> no = Refused(access)) return reject(std::move(*no));
    issues = ApplyAdt(msg, ward_);
  } else {
    issues = HandleOru(msg, access);
    if (issues.size() == 1 &&
        (issues[0].code == ErrorCode::kForbidden || issues[0].code == ErrorCode::kUnavailable))
      return reject(std::move(issues[0]));
  }
  return Finish(ctx, label, issues.empty() ? AckCode::kAccept : AckCode::kError, issues);
}

std::optional<AckIssue> MessageHandler::Refused(const MessageAccess& access) {
  if (!options_.authorize) return std::nullopt;
  Status s = options_.authorize(access);
  if (s.ok()) return std::nullopt;
  return AckIssue{"", kHl7InternalError, s.code(), s.message()};
}

std::vector<AckIssue> MessageHandler::HandleOru(const Message& msg, const MessageAccess& access) {
  OruResult r;
  OruOptions o;
  o.default_offset_minutes = options_.default_offset_minutes;
  o.now_ns = NowNs();
  BuildOruBatch(msg, ward_, o, &r);
  obx_ignored_.Inc(r.ignored);
  if (r.batch.samples.empty() && r.batch.rejects.empty()) return {};
  if (options_.authorize) {
    const std::vector<std::string> twins = ingest::DistinctTwins(r.batch);
    MessageAccess a = access;
    a.twins = &twins;
    if (std::optional<AckIssue> no = Refused(a)) return {std::move(*no)};
  }
  ingest::IngestReport report = sink_.Ingest(r.batch, ingest::Protocol::kHl7);
  std::vector<AckIssue> issues;
  for (const ingest::Reject& rj : report.rejects) {
    std::string message = rj.message;
    if (message.rfind("OBX(", 0) != 0) message = fmt::format("OBX({}): {}", rj.source, message);
    issues.push_back(AckIssue{ObxLocation(rj.source, rj.message), Hl7ErrorFor(rj.code), rj.code,
                              std::move(message)});
  }
  if (report.rejected > report.rejects.size()) {
    issues.push_back(AckIssue{
        "", kHl7InternalError, ErrorCode::kInternal,
        fmt::format("{} further observations rejected", report.rejected - report.rejects.size())});
  }
  return issues;
}

}  // namespace lj::hl7
