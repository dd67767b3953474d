#include "history/wal.h"

#include <algorithm>

#include "history/format.h"

namespace lj::history {

uint32_t WalPayloadCrc(std::string_view payload) {
  uint32_t length = static_cast<uint32_t>(kWalMinBody + payload.size());
  return Crc32c(payload.data(), payload.size(), Crc32c(&length, 4));
}

void AppendWalRecord(std::string* out, uint64_t lsn, WalType type, std::string_view payload,
                     uint32_t payload_crc) {
  uint32_t length = static_cast<uint32_t>(kWalMinBody + payload.size());
  char head[kWalHeader + kWalMinBody];
  std::memcpy(head + 8, &lsn, 8);
  head[16] = static_cast<char>(type);
  uint32_t crc = Crc32c(head + 8, kWalMinBody, payload_crc);
  std::memcpy(head, &length, 4);
  std::memcpy(head + 4, &crc, 4);
  out->append(head, sizeof head);
  out->append(payload);
}

void AppendWalRecord(std::string* out, uint64_t lsn, WalType type, std::string_view payload) {
  AppendWalRecord(out, lsn, type, payload, WalPayloadCrc(payload));
}

WalScan ScanWal(std::string_view data) {
  WalScan scan;
  size_t pos = 0;
  auto bad = [&](bool tail, std::string why) {
    bool zeros = std::all_of(data.begin() + pos, data.end(), [](char c) { return c == 0; });
    scan.end = (tail || zeros) ? WalScan::End::kTornTail : WalScan::End::kCorrupt;
    scan.reason = std::move(why) + " at offset " + std::to_string(pos);
  };
  while (pos < data.size()) {
    size_t left = data.size() - pos;
    if (left < kWalHeader + kWalMinBody) {
      bad(true, "incomplete record header");
      break;
    }
    uint32_t length = LoadFixed<uint32_t>(data.data() + pos);
    uint32_t crc = LoadFixed<uint32_t>(data.data() + pos + 4);
    if (length < kWalMinBody || length > kWalMaxBody) {
      bad(false, "implausible record length " + std::to_string(length));
      break;
    }
    if (length > left - kWalHeader) {
      bad(true, "record runs past the end of the file");
      break;
    }
    uint32_t actual = Crc32c(data.data() + pos, 4);
    actual = Crc32c(data.data() + pos + kWalHeader + kWalMinBody, length - kWalMinBody, actual);
    actual = Crc32c(data.data() + pos + kWalHeader, kWalMinBody, actual);
    if (actual != crc) {
      bad(length == left - kWalHeader, "record checksum mismatch");
      break;
    }
    uint8_t type = static_cast<uint8_t>(data[pos + kWalHeader + 8]);
    if (type < 1 || type > 4) {
      bad(false, "unknown record type " + std::to_string(type));
      break;
    }
    WalRecord rec;
    rec.lsn = LoadFixed<uint64_t>(data.data() + pos + kWalHeader);
    rec.type = static_cast<WalType>(type);
    rec.payload = data.substr(pos + kWalHeader + kWalMinBody, length - kWalMinBody);
    rec.offset = pos;
    scan.records.push_back(rec);
    pos += kWalHeader + length;
    scan.valid_bytes = pos;
  }
  return scan;
}

}  // namespace lj::history
