#include "hl7/ack.h"

#include <fmt/format.h>

#include "hl7/dtm.h"

namespace lj::hl7 {

std::string_view AckCodeName(AckCode code) {
  switch (code) {
    case AckCode::kAccept:
      return "AA";
    case AckCode::kError:
      return "AE";
    case AckCode::kReject:
      return "AR";
  }
  return "AR";
}

std::string_view Hl7ErrorText(int hl7_code) {
  switch (hl7_code) {
    case 0:
      return "Message accepted";
    case kHl7SegmentSequence:
      return "Segment sequence error";
    case kHl7RequiredFieldMissing:
      return "Required field missing";
    case kHl7DataTypeError:
      return "Data type error";
    case kHl7TableValueNotFound:
      return "Table value not found";
    case kHl7UnsupportedMessageType:
      return "Unsupported message type";
    case kHl7UnsupportedEvent:
      return "Unsupported event code";
    case kHl7UnsupportedProcessingId:
      return "Unsupported processing id";
    case kHl7UnsupportedVersion:
      return "Unsupported version id";
    case kHl7UnknownKey:
      return "Unknown key identifier";
    case kHl7DuplicateKey:
      return "Duplicate key identifier";
    default:
      return "Application internal error";
  }
}

int Hl7ErrorFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMissingField:
      return kHl7RequiredFieldMissing;
    case ErrorCode::kWrongType:
    case ErrorCode::kBadTimestamp:
    case ErrorCode::kOutOfOrder:  // a time older than the series' newest sample
    case ErrorCode::kParseError:
    case ErrorCode::kOversize:
    case ErrorCode::kPayloadTooLarge:
      return kHl7DataTypeError;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnprocessable:  // e.g. an OBX result status that carries no result
      return kHl7TableValueNotFound;
    case ErrorCode::kUnknownTwin:
    case ErrorCode::kUnknownTelemetry:
    case ErrorCode::kNotFound:
      return kHl7UnknownKey;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:  // e.g. a pulse rate superseded by a heart rate
      return kHl7DuplicateKey;
    case ErrorCode::kUnsupported:
      return kHl7UnsupportedMessageType;
    default:
      return kHl7InternalError;
  }
}

AckContext AckContextFrom(const Message& msg) {
  AckContext c;
  c.sending_app = msg.Get("MSH-3");
  c.sending_facility = msg.Get("MSH-4");
  c.receiving_app = msg.Get("MSH-5");
  c.receiving_facility = msg.Get("MSH-6");
  c.control_id = msg.ControlId();
  c.trigger = msg.TriggerEvent();
  c.processing_id = msg.Get("MSH-11");
  c.version = msg.Version();
  return c;
}

AckContext SalvageAckContext(std::string_view raw) {
  while (!raw.empty() && (raw.front() == '\r' || raw.front() == '\n')) raw.remove_prefix(1);
  size_t end = raw.find_first_of("\r\n");
  Result<Message> msh = Message::Parse(raw.substr(0, end));
  return msh.ok() ? AckContextFrom(*msh) : AckContext{};
}

namespace {

// The first `max` bytes of `s`, not splitting a UTF-8 sequence.
std::string_view Cut(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

std::string BuildAck(const AckContext& ctx, AckCode code, std::string_view ack_control_id,
                     int64_t now_ns, const std::vector<AckIssue>& issues,
                     std::string_view own_app) {
  const Delimiters d;
  auto e = [&](std::string_view s) { return Escape(Cut(s, 200), d); };
  auto reason = [&](std::string_view s) { return Escape(Cut(s, kMaxAckReasonBytes), d); };
  const std::string version = ctx.version.empty() ? "2.5" : ctx.version;
  const std::string processing = ctx.processing_id.empty() ? "P" : ctx.processing_id;
  std::string out =
      fmt::format("MSH|^~\\&|{}|{}|{}|{}|{}||ACK^{}^ACK|{}|{}|{}\r",
                  e(ctx.receiving_app.empty() ? own_app : ctx.receiving_app),
                  e(ctx.receiving_facility), e(ctx.sending_app), e(ctx.sending_facility),
                  FormatDtm(now_ns), e(ctx.trigger), e(ack_control_id), e(processing), e(version));
  out += fmt::format("MSA|{}|{}", AckCodeName(code), e(ctx.control_id));
  if (!issues.empty()) out += "|" + reason(issues.front().message);
  out += '\r';
  auto err = [&](const AckIssue& is, std::string_view message) {
    out += fmt::format("ERR||{}|{}^{}^HL70357|{}|{}^{}^L|||{}\r", is.location, is.hl7_code,
                       Hl7ErrorText(is.hl7_code), static_cast<char>(is.severity),
                       static_cast<int>(is.code), ErrorCodeName(is.code), reason(message));
  };
  const size_t listed = issues.size() <= kMaxAckIssues ? issues.size() : kMaxAckIssues - 1;
  for (size_t i = 0; i < listed; ++i) err(issues[i], issues[i].message);
  if (listed < issues.size()) {
    err(issues[listed], fmt::format("{} more issues not listed (an ACK lists at most {}); the "
                                    "first: {}",
                                    issues.size() - listed, kMaxAckIssues, issues[listed].message));
  }
  return out;
}

}  // namespace lj::hl7
