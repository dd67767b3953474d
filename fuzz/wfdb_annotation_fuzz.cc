// libFuzzer target for the WFDB binary parsers: the MIT annotation parser (wfdb::ParseAnnotations)
// on the whole input, and the signal decoder (wfdb::DecodeSignals) on the input after its first
// byte, which picks the format and the number of signals. Checks: no crash, times never go
// backwards below 0, codes in 1..49, decoded signals are equally long and re-encode to a prefix
// of the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "wfdb/wfdb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using lj::fuzz::Check;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto ann = lj::wfdb::ParseAnnotations(bytes, "f.atr");
  if (ann.ok()) {
    for (const lj::wfdb::Annotation& a : *ann) {
      Check(a.sample >= 0 && a.code >= 1 && a.code <= 49 && a.aux.size() < 1024);
      lj::fuzz::Touch(lj::wfdb::AnnotationMnemonic(a.code));
    }
    // What the writer accepts reads back equal (it refuses unsorted times and long aux).
    auto enc = lj::wfdb::EncodeAnnotations(*ann);
    if (enc.ok()) {
      auto back = lj::wfdb::ParseAnnotations(*enc, "re.atr");
      Check(back.ok() && back->size() == ann->size());
      for (size_t i = 0; i < ann->size(); ++i) {
        const auto &x = (*ann)[i], &y = (*back)[i];
        Check(x.sample == y.sample && x.code == y.code && x.subtype == y.subtype &&
              x.channel == y.channel && x.num == y.num && x.aux == y.aux);
      }
    } else {
      Check(enc.status().code() == lj::ErrorCode::kInvalidArgument);
    }
  } else {
    Check(ann.status().code() == lj::ErrorCode::kParseError);
  }
  if (size == 0) return 0;
  static constexpr int kFormats[] = {16, 212, 80, 311};
  int format = kFormats[data[0] & 3];
  int nsig = 1 + (data[0] >> 2) % 8;
  auto sig = lj::wfdb::DecodeSignals(bytes.substr(1), format, nsig, "f.dat");
  if (!sig.ok()) return 0;
  Check(static_cast<int>(sig->size()) == nsig);
  for (const auto& s : *sig) Check(s.size() == (*sig)[0].size());
  auto enc = lj::wfdb::EncodeSignals(*sig, format);
  Check(enc.ok());
  Check(bytes.substr(1).substr(0, enc->size()).size() == enc->size());
  if (format != 212) Check(bytes.substr(1, enc->size()) == *enc);
  return 0;
}
