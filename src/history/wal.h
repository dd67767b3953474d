// Write-ahead log records (doc/storage-format.md, "WAL"). A WAL file `wal-<n>.log` is a plain
// sequence of records:
//   [u32 length][u32 crc32c][u64 lsn][u8 type][payload]
// length counts lsn+type+payload; crc32c covers, in this order, the length field, the payload,
// the lsn and the type (payload first so that Write() can checksum it before taking the lock).
// ScanWal() parses untrusted bytes: it returns every valid record up to the first bad one and
// says whether the bad bytes are a torn tail (safe to truncate) or corruption before the tail.
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lj::history {

enum class WalType : uint8_t {
  // payload: a WriteBatch payload as builds before backfill wrote it (the whole batch). Replay
  // refuses a waveform block starting before the end of its series' newest stored block, as
  // those builds did when they applied it. Read only: never written any more.
  kBatchV1 = 1,
  kSeries = 2,     // payload: one series definition (catalog entry)
  kRetention = 3,  // payload: u32 series id, i64 seconds
  // payload: a WriteBatch payload holding only entries Write() accepted; replay applies every
  // entry as it is (the refusal decision is made once, by Write(), never again at recovery).
  kBatch = 4,
};

inline constexpr size_t kWalHeader = 8;                   // length + crc
inline constexpr size_t kWalMinBody = 9;                  // lsn + type
inline constexpr size_t kWalMaxBody = size_t{512} << 20;  // bigger lengths are corruption

struct WalRecord {
  uint64_t lsn = 0;
  WalType type = WalType::kBatch;
  std::string_view payload;
  size_t offset = 0;  // of the record in the file
};

void AppendWalRecord(std::string* out, uint64_t lsn, WalType type, std::string_view payload);
// The same in two steps: PayloadCrc() may run outside any lock.
uint32_t WalPayloadCrc(std::string_view payload);
void AppendWalRecord(std::string* out, uint64_t lsn, WalType type, std::string_view payload,
                     uint32_t payload_crc);

struct WalScan {
  std::vector<WalRecord> records;
  size_t valid_bytes = 0;  // bytes up to the end of the last good record
  enum class End { kClean, kTornTail, kCorrupt } end = End::kClean;
  std::string reason;  // for kTornTail/kCorrupt: what was wrong at valid_bytes
};

// A bad record is a torn tail when it is the last thing in the file: its header is incomplete,
// its body runs to or past the end of the file, or everything from it on is zero bytes.
// Otherwise (a complete bad record followed by more bytes) it is corruption.
WalScan ScanWal(std::string_view data);

}  // namespace lj::history
