// HL7 v2 date/time (DTM): YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
// Rule for values without an offset (doc/protocols/hl7-mllp.md, "Time"): the caller supplies the
// offset to assume (the message's MSH-7 offset if it has one, else the configured default).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace lj::hl7 {

struct Dtm {
  int64_t ns = 0;  // UTC nanoseconds since the epoch
  int digits = 0;  // digits before the offset (4 = year only, 14 = seconds, ...)
  bool has_offset = false;
  int offset_minutes = 0;  // the value's own offset when has_offset
};

// `default_offset_minutes` applies when the value carries no offset. Years 1900..2199.
// Errors name what is wrong ("month 13 out of range").
Result<Dtm> ParseDtm(std::string_view s, int default_offset_minutes);
// "YYYYMMDD..." → "YYYY-MM-DD" (a DTDL date); at least a full date is required.
Result<std::string> DtmToDate(std::string_view s);
// UTC "YYYYMMDDHHMMSS+0000" (for MSH-7 of ACKs).
std::string FormatDtm(int64_t ns);

}  // namespace lj::hl7
