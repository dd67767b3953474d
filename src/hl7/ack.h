// HL7 v2 acknowledgements (original mode): MSH mirrored from the message being answered
// (sending and receiving application/facility swapped, same version and processing id, a new
// control id), MSA with AA / AE / AR and the answered control id, and one ERR segment per issue
// (ERR-2 location, ERR-3 HL7 table 0357 code, ERR-4 severity from table 0516 — E, or W for what
// was not kept of an otherwise accepted message — ERR-5 Lingjing error code, ERR-8
// human-readable reason). doc/protocols/hl7-mllp.md lists the rules.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "hl7/message.h"

namespace lj::hl7 {

enum class AckCode { kAccept, kError, kReject };  // AA, AE, AR
std::string_view AckCodeName(AckCode code);

// HL7 table 0357 (message error condition codes) used by Lingjing.
enum Hl7Error : int {
  kHl7SegmentSequence = 100,
  kHl7RequiredFieldMissing = 101,
  kHl7DataTypeError = 102,
  kHl7TableValueNotFound = 103,
  kHl7UnsupportedMessageType = 200,
  kHl7UnsupportedEvent = 201,
  kHl7UnsupportedProcessingId = 202,
  kHl7UnsupportedVersion = 203,
  kHl7UnknownKey = 204,
  kHl7DuplicateKey = 205,
  kHl7InternalError = 207,
};
std::string_view Hl7ErrorText(int hl7_code);  // "Unknown key identifier"
// The table 0357 code that best fits a Lingjing error code.
int Hl7ErrorFor(ErrorCode code);

// HL7 table 0516 (error severity), ERR-4.
enum class Severity : char { kError = 'E', kWarning = 'W', kInformation = 'I' };

struct AckIssue {
  std::string location;  // ERL "SEG^seq^field[^rep^comp]", e.g. "PV1^1^3"; may be empty
  int hl7_code = kHl7InternalError;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  Severity severity = Severity::kError;
};

// What an ACK copies from the message it answers (already unescaped).
struct AckContext {
  std::string sending_app, sending_facility;      // MSH-3, MSH-4 of the message
  std::string receiving_app, receiving_facility;  // MSH-5, MSH-6 of the message
  std::string control_id;                         // MSH-10
  std::string trigger;                            // MSH-9.2
  std::string processing_id;                      // MSH-11.1
  std::string version;                            // MSH-12.1
};
AckContext AckContextFrom(const Message& msg);
// Best effort for a message that did not parse: reads the MSH line alone when it is readable.
AckContext SalvageAckContext(std::string_view raw);

// The ACK text (segments separated by CR, no MLLP framing). `own_app` is used as MSH-3 when the
// message named no receiving application. At most kMaxAckIssues ERR segments: with more issues,
// the last ERR says how many were not listed (callers that can say more, e.g. which OBX rows,
// summarise first). Reasons are cut at kMaxAckReasonBytes.
inline constexpr size_t kMaxAckIssues = 100;
inline constexpr size_t kMaxAckReasonBytes = 500;
std::string BuildAck(const AckContext& ctx, AckCode code, std::string_view ack_control_id,
                     int64_t now_ns, const std::vector<AckIssue>& issues,
                     std::string_view own_app = "LINGJING");

}  // namespace lj::hl7
