#include "common/status.h"

#include <fmt/format.h>

namespace lj {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kParseError:
      return "parse_error";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kUnprocessable:
      return "unprocessable";
    case ErrorCode::kUnknownTwin:
      return "unknown_twin";
    case ErrorCode::kUnknownTelemetry:
      return "unknown_telemetry";
    case ErrorCode::kWrongType:
      return "wrong_type";
    case ErrorCode::kOutOfOrder:
      return "out_of_order";
    case ErrorCode::kOversize:
      return "oversize";
    case ErrorCode::kBadTimestamp:
      return "bad_timestamp";
    case ErrorCode::kMissingField:
      return "missing_field";
    case ErrorCode::kBadWaveform:
      return "bad_waveform";
    case ErrorCode::kInvalidUtf8:
      return "invalid_utf8";
    case ErrorCode::kModelInvalid:
      return "model_invalid";
    case ErrorCode::kModelUnresolved:
      return "model_unresolved";
    case ErrorCode::kModelDuplicate:
      return "model_duplicate";
    case ErrorCode::kTwinInvalid:
      return "twin_invalid";
    case ErrorCode::kPatchFailed:
      return "patch_failed";
    case ErrorCode::kRelationshipInvalid:
      return "relationship_invalid";
    case ErrorCode::kTwinHasRelationships:
      return "twin_has_relationships";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kStorage:
      return "storage";
    case ErrorCode::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
    case ErrorCode::kTwinHasRelationships:
      return 409;
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kOversize:
      return 413;
    case ErrorCode::kUnsupported:
      return 415;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kUnprocessable:
      return 422;
    case ErrorCode::kInternal:
    case ErrorCode::kIo:
    case ErrorCode::kStorage:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
    default:
      return 400;
  }
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return fmt::format("{} ({}): {}", ErrorCodeName(code_), static_cast<int>(code_), message_);
}

}  // namespace lj
