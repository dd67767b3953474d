// libFuzzer target for the WFDB header parser (wfdb::ParseHeader). Checks: no crash, errors are
// kParseError/kUnsupported with the file name as prefix, and a parsed header is consistent
// (signal count matches, positive frequency, defaults applied).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "wfdb/wfdb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using lj::fuzz::Check;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  lj::Result<lj::wfdb::Header> h = lj::wfdb::ParseHeader(text, "f.hea");
  if (!h.ok()) {
    Check(h.status().code() == lj::ErrorCode::kParseError ||
          h.status().code() == lj::ErrorCode::kUnsupported);
    Check(h.status().message().rfind("f.hea", 0) == 0);
    return 0;
  }
  Check(h->num_signals == static_cast<int>(h->signals.size()));
  Check(h->frequency_hz > 0 && h->num_samples >= 0);
  for (const lj::wfdb::SignalSpec& s : h->signals) {
    Check(s.format == 16 || s.format == 212 || s.format == 80);
    Check(s.gain > 0 && s.samples_per_frame >= 1 && s.byte_offset >= 0);
    lj::fuzz::Touch(s.description);
    lj::fuzz::Touch(s.units);
  }
  for (const auto& c : h->comments) lj::fuzz::Touch(c);
  return 0;
}
