#include "history/format.h"

#include <boost/crc.hpp>

namespace lj::history {

uint32_t Crc32c(const void* data, size_t n, uint32_t seed) {
  // CRC-32C (Castagnoli), reflected, init/xorout 0xFFFFFFFF; `seed` chains a previous result.
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc(seed ^ 0xFFFFFFFF);
  crc.process_bytes(data, n);
  return crc.checksum();
}

}  // namespace lj::history
