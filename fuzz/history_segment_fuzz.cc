// libFuzzer target for the history segment, chunk and manifest readers. The first byte picks
// the parser: a whole segment (footer, index, then every chunk), one chunk blob, or a manifest.
// Invariants on success: decoded columns agree with the index (counts, time order, time range).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "history/chunk.h"
#include "history/manifest.h"
#include "history/segment.h"

namespace {

using lj::fuzz::Check;
using lj::fuzz::Touch;
using namespace lj::history;

volatile uint64_t g_sink;

void CheckChunk(const SeriesData& d, const ChunkMeta* m) {
  size_t n = ValueCount(d);
  Check(n > 0);
  if (!d.waveform) Check(d.t_ns.size() == n);
  size_t covered = 0;
  for (const auto& r : d.runs) {
    Check(r.offset == covered && r.count > 0);
    covered += r.count;
  }
  if (d.waveform) Check(covered == n);
  for (const auto& s : d.str) g_sink = g_sink + Touch(s);
  if (m) Check(m->count == n);
  g_sink = g_sink + FirstTime(d) + LastTime(d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto seg = Segment::FromBytes(std::string(in));
      if (!seg.ok()) break;
      for (const ChunkMeta& m : (*seg)->index()) {
        SeriesData d;
        if ((*seg)->ReadChunk(m, &d).ok()) CheckChunk(d, &m);
      }
      break;
    }
    case 1: {
      SeriesData d;
      if (DecodeChunk(in, nullptr, &d).ok()) CheckChunk(d, nullptr);
      break;
    }
    default: {
      Manifest m;
      if (DecodeManifest(in, &m).ok()) {
        Check(EncodeManifest(m) == in);
      }
    }
  }
  return 0;
}
