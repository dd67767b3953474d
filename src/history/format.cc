#include "history/format.h"

#include <array>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace lj::history {
namespace {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), init/xorout 0xFFFFFFFF; `seed` is a
// previous result to continue from. Byte-wise table.
constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kTable = MakeTable();

uint32_t Crc32cPortable(const void* data, size_t n, uint32_t seed) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~seed;
  for (size_t i = 0; i < n; ++i) c = kTable[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

#if defined(__x86_64__)
// The same with the SSE4.2 crc32 instruction (8 bytes per step).
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(const void* data, size_t n, uint32_t seed) {
  const char* p = static_cast<const char*>(data);
  uint64_t crc = ~seed;
  for (; n >= 8; n -= 8, p += 8) crc = _mm_crc32_u64(crc, LoadFixed<uint64_t>(p));
  uint32_t c = static_cast<uint32_t>(crc);
  for (; n > 0; --n, ++p) c = _mm_crc32_u8(c, static_cast<uint8_t>(*p));
  return ~c;
}
#endif

using CrcFn = uint32_t (*)(const void*, size_t, uint32_t);

CrcFn PickCrc() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("sse4.2")) return Crc32cSse42;
#endif
  return Crc32cPortable;
}

const CrcFn kCrc = PickCrc();

}  // namespace

uint32_t Crc32c(const void* data, size_t n, uint32_t seed) { return kCrc(data, n, seed); }
uint32_t Crc32cReference(const void* data, size_t n, uint32_t seed) {
  return Crc32cPortable(data, n, seed);
}

}  // namespace lj::history
