// WFDB header files (.hea), per https://physionet.org/physiotools/wag/header-5.htm:
//   record line:  name[/nseg] [nsig [freq[/counterfreq[(base)]] [nsamp [time [date]]]]]
//   signal lines: file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero
//                 [initval [checksum [blocksize [description...]]]]]]]
//   '#' lines are comments; empty lines are ignored.
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>
#include <vector>

#include "wfdb/wfdb.h"

namespace lj::wfdb {
namespace {

constexpr int kMaxSignals = 4096;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Splits a line into fields; `rest_from` gets the offset of each field (for the description).
std::vector<std::string_view> Fields(std::string_view line, std::vector<size_t>* offsets) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i >= line.size()) break;
    size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    out.push_back(line.substr(start, i - start));
    if (offsets) offsets->push_back(start);
  }
  return out;
}

template <typename T>
bool ParseInt(std::string_view s, T* out) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(*out);
}

class HeaderParser {
 public:
  explicit HeaderParser(std::string_view file_name) : file_(file_name) {}

  Status Error(std::string_view what) const {
    return Status(ErrorCode::kParseError,
                  std::string(file_) + ":" + std::to_string(line_no_) + ": " + std::string(what));
  }
  void set_line(int n) { line_no_ = n; }

  Status RecordLine(std::string_view line, Header* h) {
    std::vector<std::string_view> f = Fields(line, nullptr);
    std::string_view name = f[0];
    if (name.find('/') != std::string_view::npos) {
      return Status(ErrorCode::kUnsupported, std::string(file_) + ":" + std::to_string(line_no_) +
                                                 ": multi-segment records are not supported ('" +
                                                 std::string(name) + "')");
    }
    h->record_name = std::string(name);
    if (f.size() > 1 && !ParseInt(f[1], &h->num_signals)) {
      return Error("number of signals: expected an integer, got '" + std::string(f[1]) + "'");
    }
    if (h->num_signals < 0 || h->num_signals > kMaxSignals) {
      return Error("number of signals " + std::to_string(h->num_signals) + " outside [0, " +
                   std::to_string(kMaxSignals) + "]");
    }
    if (f.size() > 2) {
      std::string_view freq = f[2];
      freq = freq.substr(0, freq.find_first_of("/("));
      if (!ParseDouble(freq, &h->frequency_hz) || h->frequency_hz <= 0) {
        return Error("sampling frequency: expected a positive number, got '" + std::string(f[2]) +
                     "'");
      }
    }
    if (f.size() > 3 && (!ParseInt(f[3], &h->num_samples) || h->num_samples < 0)) {
      return Error("number of samples: expected a non-negative integer, got '" + std::string(f[3]) +
                   "'");
    }
    if (f.size() > 4) h->base_time = std::string(f[4]);
    if (f.size() > 5) h->base_date = std::string(f[5]);
    if (f.size() > 6) return Error("unexpected field '" + std::string(f[6]) + "' on record line");
    return Status::Ok();
  }

  // "212", "212x4", "16+24", "212:4", "16x2:3+512".
  Status Format(std::string_view s, SignalSpec* sig) {
    size_t end = s.find_first_of("x:+");
    if (!ParseInt(s.substr(0, end), &sig->format)) {
      return Error("signal format: expected an integer, got '" + std::string(s) + "'");
    }
    if (sig->format != 16 && sig->format != 212 && sig->format != 80) {
      return Status(ErrorCode::kUnsupported, std::string(file_) + ":" + std::to_string(line_no_) +
                                                 ": signal format " + std::to_string(sig->format) +
                                                 " is not supported (16, 212, 80)");
    }
    while (end != std::string_view::npos) {
      char tag = s[end];
      size_t next = s.find_first_of("x:+", end + 1);
      std::string_view v =
          s.substr(end + 1, next == std::string_view::npos ? s.npos : next - end - 1);
      bool ok = false;
      if (tag == 'x')
        ok = ParseInt(v, &sig->samples_per_frame) && sig->samples_per_frame >= 1 &&
             sig->samples_per_frame <= 1024;
      if (tag == ':') ok = ParseInt(v, &sig->skew) && sig->skew >= 0;
      if (tag == '+') ok = ParseInt(v, &sig->byte_offset) && sig->byte_offset >= 0;
      if (!ok) {
        return Error(std::string("signal format '") + std::string(s) + "': bad '" + tag +
                     "' value '" + std::string(v) + "'");
      }
      end = next;
    }
    return Status::Ok();
  }

  // "200", "200(1024)/mV", "1.052e+04/mV", "/mV" is not valid.
  Status Gain(std::string_view s, SignalSpec* sig, bool* has_baseline) {
    size_t slash = s.find('/');
    if (slash != std::string_view::npos) {
      sig->units = std::string(s.substr(slash + 1));
      if (sig->units.empty()) return Error("gain '" + std::string(s) + "': empty units");
      s = s.substr(0, slash);
    }
    size_t paren = s.find('(');
    if (paren != std::string_view::npos) {
      if (s.back() != ')') return Error("gain: unterminated baseline in '" + std::string(s) + "'");
      if (!ParseInt(s.substr(paren + 1, s.size() - paren - 2), &sig->baseline)) {
        return Error("gain: bad baseline in '" + std::string(s) + "'");
      }
      *has_baseline = true;
      s = s.substr(0, paren);
    }
    if (!ParseDouble(s, &sig->gain) || sig->gain < 0) {
      return Error("gain: expected a non-negative number, got '" + std::string(s) + "'");
    }
    if (sig->gain == 0) sig->gain = 200;  // uncalibrated: WFDB default
    return Status::Ok();
  }

  Status SignalLine(std::string_view line, SignalSpec* sig) {
    std::vector<size_t> off;
    std::vector<std::string_view> f = Fields(line, &off);
    if (f.size() < 2) return Error("signal line needs at least a file name and a format");
    sig->file_name = std::string(f[0]);
    LJ_RETURN_IF_ERROR(Format(f[1], sig));
    bool has_baseline = false, has_init = false;
    sig->adc_resolution = sig->format == 212 ? 12 : sig->format == 80 ? 8 : 16;
    if (f.size() > 2) LJ_RETURN_IF_ERROR(Gain(f[2], sig, &has_baseline));
    if (f.size() > 3 && !ParseInt(f[3], &sig->adc_resolution)) {
      return Error("ADC resolution: expected an integer, got '" + std::string(f[3]) + "'");
    }
    if (f.size() > 4 && !ParseInt(f[4], &sig->adc_zero)) {
      return Error("ADC zero: expected an integer, got '" + std::string(f[4]) + "'");
    }
    if (f.size() > 5) {
      if (!ParseInt(f[5], &sig->initial_value)) {
        return Error("initial value: expected an integer, got '" + std::string(f[5]) + "'");
      }
      has_init = sig->has_initial_value = true;
    }
    if (f.size() > 6) {
      if (!ParseInt(f[6], &sig->checksum)) {
        return Error("checksum: expected an integer, got '" + std::string(f[6]) + "'");
      }
      sig->has_checksum = true;
    }
    if (f.size() > 7 && (!ParseInt(f[7], &sig->block_size) || sig->block_size < 0)) {
      return Error("block size: expected a non-negative integer, got '" + std::string(f[7]) + "'");
    }
    if (f.size() > 8) {
      std::string_view d = line.substr(off[8]);
      while (!d.empty() && IsSpace(d.back())) d.remove_suffix(1);
      sig->description = std::string(d);
    }
    if (!has_baseline) sig->baseline = sig->adc_zero;
    if (!has_init) sig->initial_value = sig->adc_zero;
    return Status::Ok();
  }

 private:
  std::string_view file_;
  int line_no_ = 0;
};

}  // namespace

Result<Header> ParseHeader(std::string_view text, std::string_view file_name) {
  HeaderParser p(file_name);
  Header h;
  bool have_record = false;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == text.npos ? text.npos : nl - pos);
    pos = nl == text.npos ? text.size() : nl + 1;
    p.set_line(++line_no);
    size_t first = 0;
    while (first < line.size() && IsSpace(line[first])) ++first;
    line.remove_prefix(first);
    while (!line.empty() && IsSpace(line.back())) line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.front() == '#') {
      std::string_view c = line.substr(1);
      h.comments.emplace_back(c);
      continue;
    }
    if (line.find('\0') != std::string_view::npos) return p.Error("NUL byte in header");
    if (!have_record) {
      LJ_RETURN_IF_ERROR(p.RecordLine(line, &h));
      have_record = true;
      continue;
    }
    if (static_cast<int>(h.signals.size()) >= h.num_signals) {
      return p.Error("more signal lines than the " + std::to_string(h.num_signals) +
                     " signals the record line declares");
    }
    SignalSpec sig;
    LJ_RETURN_IF_ERROR(p.SignalLine(line, &sig));
    h.signals.push_back(std::move(sig));
  }
  if (!have_record) {
    return Status(ErrorCode::kParseError, std::string(file_name) + ": no record line");
  }
  if (static_cast<int>(h.signals.size()) != h.num_signals) {
    return Status(ErrorCode::kParseError, std::string(file_name) + ": record line declares " +
                                              std::to_string(h.num_signals) + " signals, found " +
                                              std::to_string(h.signals.size()) + " signal lines");
  }
  return h;
}

}  // namespace lj::wfdb
