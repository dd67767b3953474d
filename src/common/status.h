// Status and Result<T>: the one error type of Lingjing.
//
// Contract: every fallible operation returns Status or Result<T>; both are [[nodiscard]].
// ErrorCode values are stable numbers shown to clients (see doc/errors.md); never renumber one,
// only add. Messages are for humans and may change. Thread-safety: plain values, no sharing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lj {

enum class ErrorCode : uint16_t {
  kOk = 0,
  // 1xxx: request and protocol errors.
  kInvalidArgument = 1000,
  kParseError = 1001,
  kPayloadTooLarge = 1002,
  kNotFound = 1004,
  kAlreadyExists = 1005,
  kConflict = 1006,
  kUnsupported = 1007,
  kRateLimited = 1008,
  kUnauthorized = 1010,
  kForbidden = 1011,
  kUnprocessable = 1012,  // well-formed but violates a profile or business rule (FHIR 422)
  // 2xxx: telemetry ingest, one per reject reason.
  kUnknownTwin = 2001,
  kUnknownTelemetry = 2002,
  kWrongType = 2003,
  kOutOfOrder = 2004,
  kOversize = 2005,
  kBadTimestamp = 2006,
  kMissingField = 2007,
  kBadWaveform = 2008,
  kInvalidUtf8 = 2009,  // text that is not well-formed UTF-8
  // 3xxx: models (DTDL).
  kModelInvalid = 3001,
  kModelUnresolved = 3002,
  kModelDuplicate = 3003,
  // 4xxx: twin graph.
  kTwinInvalid = 4001,
  kPatchFailed = 4002,
  kRelationshipInvalid = 4003,
  kTwinHasRelationships = 4004,
  // 5xxx: the server's own failures.
  kInternal = 5000,
  kIo = 5001,
  kStorage = 5002,
  kUnavailable = 5003,
};

// Stable snake_case name of a code, e.g. "unknown_twin"; used in JSON errors and metric labels.
std::string_view ErrorCodeName(ErrorCode code);
// HTTP status that best fits a code (400, 404, 409, 413, 500, ...).
int HttpStatusFor(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "unknown_twin (2001): no twin 'bed-99'"
  std::string ToString() const;
  // Explicitly discard; use only where failure truly does not matter, with a comment why.
  void IgnoreError() const {}

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)
  Result(ErrorCode code, std::string message) : v_(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define LJ_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::lj::Status lj_status_ = (expr);        \
    if (!lj_status_.ok()) return lj_status_; \
  } while (0)

}  // namespace lj
