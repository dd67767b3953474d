// libFuzzer target for the MLLP deframer. The first two bytes pick the maximum message size and
// the chunking; the rest is the byte stream. The frames reported must not depend on how the
// stream is split into reads, payloads never exceed the maximum, and the deframer's buffer stays
// bounded. Invariants trap with __builtin_trap().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "hl7/mllp.h"

namespace {

using lj::fuzz::Check;

struct Frames {
  std::vector<std::string> payloads;
  std::vector<bool> oversize;
  std::vector<size_t> sizes;
};

Frames Run(std::string_view stream, size_t max, size_t chunk, lj::hl7::MllpDeframer& d) {
  Frames f;
  auto on = [&](const lj::hl7::MllpFrameEvent& e) {
    Check(e.payload.size() <= max);
    Check(e.oversize == (e.total_bytes > max));
    Check(e.oversize || e.payload.size() == e.total_bytes);
    f.payloads.emplace_back(e.payload);
    f.oversize.push_back(e.oversize);
    f.sizes.push_back(e.total_bytes);
  };
  for (size_t i = 0; i < stream.size(); i += chunk) {
    d.Feed(stream.substr(i, chunk), on);
    Check(d.buffered_bytes() <= max);
  }
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max = 1 + data[0] % 64;
  const size_t chunk = 1 + data[1] % 17;
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);
  lj::hl7::MllpDeframer whole(max), pieces(max);
  Frames a = Run(stream, max, stream.size() + 1, whole);
  Frames b = Run(stream, max, chunk, pieces);
  Check(a.payloads == b.payloads && a.oversize == b.oversize && a.sizes == b.sizes);
  Check(whole.garbage_bytes() == pieces.garbage_bytes());
  Check(whole.truncated_frames() == pieces.truncated_frames());
  // Reframing every complete, non-oversize payload without control bytes round-trips.
  for (size_t i = 0; i < a.payloads.size(); ++i) {
    if (a.oversize[i]) continue;
    lj::hl7::MllpDeframer again(max);
    Frames c = Run(lj::hl7::MllpFrame(a.payloads[i]), max, chunk, again);
    Check(c.payloads.size() == 1 && c.payloads[0] == a.payloads[i]);
  }
  return 0;
}
