#include "hl7/dtm.h"

#include <fmt/format.h>

namespace lj::hl7 {
namespace {

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && Leap(y) ? 29 : kDays[m - 1];
}

int Num(std::string_view s, size_t at, size_t n) {
  int v = 0;
  for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status Bad(std::string_view s, std::string_view why) {
  return Status(ErrorCode::kBadTimestamp, fmt::format("'{}': {}", s.substr(0, 40), why));
}

}  // namespace

Result<Dtm> ParseDtm(std::string_view s, int default_offset_minutes) {
  Dtm out;
  std::string_view body = s;
  size_t sign = s.find_first_of("+-");
  if (sign != std::string_view::npos) {
    std::string_view off = s.substr(sign + 1);
    if (off.size() != 4 || !AllDigits(off)) return Bad(s, "offset must be +HHMM or -HHMM");
    const int hh = Num(off, 0, 2), mm = Num(off, 2, 2);
    if (hh > 14 || mm > 59) return Bad(s, "offset out of range");
    out.has_offset = true;
    out.offset_minutes = (s[sign] == '-' ? -1 : 1) * (hh * 60 + mm);
    body = s.substr(0, sign);
  }
  std::string_view frac;
  size_t dot = body.find('.');
  if (dot != std::string_view::npos) {
    frac = body.substr(dot + 1);
    body = body.substr(0, dot);
    if (body.size() != 14) return Bad(s, "fractional seconds need a full YYYYMMDDHHMMSS");
    if (frac.empty() || frac.size() > 4 || !AllDigits(frac)) {
      return Bad(s, "fractional seconds must be 1 to 4 digits");
    }
  }
  if (!AllDigits(body)) return Bad(s, "expected digits YYYY[MM[DD[HH[MM[SS]]]]]");
  const size_t n = body.size();
  if (n < 4 || n > 14 || n % 2 != 0) return Bad(s, "expected YYYY[MM[DD[HH[MM[SS]]]]]");
  out.digits = static_cast<int>(n);
  const int year = Num(body, 0, 4);
  const int month = n >= 6 ? Num(body, 4, 2) : 1;
  const int day = n >= 8 ? Num(body, 6, 2) : 1;
  const int hour = n >= 10 ? Num(body, 8, 2) : 0;
  const int minute = n >= 12 ? Num(body, 10, 2) : 0;
  const int second = n >= 14 ? Num(body, 12, 2) : 0;
  if (year < 1900 || year > 2199) return Bad(s, "year out of range 1900..2199");
  if (month < 1 || month > 12) return Bad(s, "month out of range");
  if (day < 1 || day > DaysInMonth(year, month)) return Bad(s, "day out of range");
  if (hour > 23) return Bad(s, "hour out of range");
  if (minute > 59) return Bad(s, "minute out of range");
  if (second > 59) return Bad(s, "second out of range");
  int64_t frac_ns = 0;
  if (!frac.empty()) {
    frac_ns = Num(frac, 0, frac.size());
    for (size_t i = frac.size(); i < 9; ++i) frac_ns *= 10;
  }
  const int offset = out.has_offset ? out.offset_minutes : default_offset_minutes;
  const int64_t secs =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - int64_t{offset} * 60;
  out.ns = secs * 1'000'000'000 + frac_ns;
  return out;
}

Result<std::string> DtmToDate(std::string_view s) {
  Result<Dtm> d = ParseDtm(s, 0);
  if (!d.ok()) return d.status();
  if (d->digits < 8) return Bad(s, "a full date YYYYMMDD is required");
  return fmt::format("{}-{}-{}", s.substr(0, 4), s.substr(4, 2), s.substr(6, 2));
}

std::string FormatDtm(int64_t ns) {
  int64_t secs = ns / 1'000'000'000;
  if (ns < 0 && ns % 1'000'000'000 != 0) --secs;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil from days (H. Hinnant).
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y0 = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = y0 + (m <= 2);
  return fmt::format("{:04d}{:02d}{:02d}{:02d}{:02d}{:02d}+0000", y, m, d, rem / 3600,
                     (rem / 60) % 60, rem % 60);
}

}  // namespace lj::hl7
