// OperationOutcome: how every FHIR error is answered (issue severity, code, diagnostics,
// expression), and the HTTP status FHIR prescribes for each kind of failure.
#include <fmt/format.h>

#include "fhir/internal.h"

namespace lj::fhir {
namespace {

Status At(ErrorCode code, std::string_view expr, std::string_view msg) {
  if (expr.empty()) return Status(code, std::string(msg));
  return Status(code, fmt::format("{}: {}", expr, msg));
}

// FHIR IssueType (http://hl7.org/fhir/issue-type) for an error code.
const char* IssueCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kParseError:
      return "structure";
    case ErrorCode::kNotFound:
      return "not-found";
    case ErrorCode::kUnsupported:
      return "not-supported";
    case ErrorCode::kConflict:
    case ErrorCode::kAlreadyExists:
      return "conflict";
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kOversize:
      return "too-costly";
    case ErrorCode::kInvalidArgument:
      return "invalid";
    case ErrorCode::kUnauthorized:
      return "login";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kRateLimited:
      return "throttled";
    case ErrorCode::kInternal:
    case ErrorCode::kIo:
    case ErrorCode::kStorage:
    case ErrorCode::kUnavailable:
      return "exception";
    default:
      return "processing";  // kUnprocessable, graph validation failures
  }
}

}  // namespace

Status Invalid(std::string_view expr, std::string_view msg) {
  return At(ErrorCode::kInvalidArgument, expr, msg);
}
Status Unprocessable(std::string_view expr, std::string_view msg) {
  return At(ErrorCode::kUnprocessable, expr, msg);
}
Status Unsupported(std::string_view expr, std::string_view msg) {
  return At(ErrorCode::kUnsupported, expr, msg);
}
Status NotFound(std::string_view what) { return Status(ErrorCode::kNotFound, std::string(what)); }

int FhirHttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnsupported:
      return 400;  // unsupported search parameter / prefix
    case ErrorCode::kTwinInvalid:
    case ErrorCode::kPatchFailed:
    case ErrorCode::kRelationshipInvalid:
      return 422;  // the twin model refused the record
    default:
      return HttpStatusFor(code);
  }
}

Json OperationOutcome(const Status& s) {
  const std::string& m = s.message();
  Json issue = {{"severity", s.code() == ErrorCode::kOk ? "information" : "error"},
                {"code", IssueCode(s.code())},
                {"diagnostics", m}};
  // "<FHIRPath>: text": a path starts with an upper-case resource name and has no spaces.
  size_t colon = m.find(": ");
  if (colon != std::string::npos && colon > 0 && m[0] >= 'A' && m[0] <= 'Z' &&
      m.find(' ') > colon) {
    issue["expression"] = Json::array({m.substr(0, colon)});
    issue["diagnostics"] = m.substr(colon + 2);
  }
  issue["details"] = {{"coding", Json::array({{{"system", "urn:lingjing:error"},
                                               {"code", std::string(ErrorCodeName(s.code()))}}})}};
  return {{"resourceType", "OperationOutcome"}, {"issue", Json::array({issue})}};
}

FhirResult Fail(const Status& s) {
  return FhirResult{FhirHttpStatus(s.code()), OperationOutcome(s), ""};
}

FhirResult Ok(Json body, int status) { return FhirResult{status, std::move(body), ""}; }

Json OperationOutcomeOf(const Status& status) { return OperationOutcome(status); }

}  // namespace lj::fhir
