#include "history/manifest.h"

#include <cstring>

#include "history/format.h"

namespace lj::history {
namespace {

constexpr char kMagic[8] = {'L', 'J', 'M', 'A', 'N', 'I', 'F', 1};
constexpr size_t kMaxName = 4096;

Status Bad(std::string why) { return Status(ErrorCode::kStorage, "manifest: " + std::move(why)); }

bool GetEntry(ByteReader* r, CatalogEntry* e) {
  uint8_t type = 0, wave = 0;
  std::string_view twin, tel;
  if (!(r->Get(&e->id) && r->Get(&type) && r->Get(&wave) && r->Get(&e->retention_s) &&
        r->Str(&twin) && r->Str(&tel))) {
    return false;
  }
  if (type < 1 || type > 4 || wave > 1 || e->id == 0 || twin.size() > kMaxName ||
      tel.size() > kMaxName) {
    return false;
  }
  e->info.type = static_cast<ValueType>(type);
  e->info.waveform = wave;
  e->info.twin = std::string(twin);
  e->info.telemetry = std::string(tel);
  return true;
}

}  // namespace

void EncodeCatalogEntry(const CatalogEntry& e, std::string* out) {
  PutU32(out, e.id);
  PutU8(out, static_cast<uint8_t>(e.info.type));
  PutU8(out, e.info.waveform ? 1 : 0);
  PutI64(out, e.retention_s);
  PutStr(out, e.info.twin);
  PutStr(out, e.info.telemetry);
}

Status DecodeCatalogEntry(std::string_view bytes, CatalogEntry* e) {
  ByteReader r(bytes);
  if (!GetEntry(&r, e) || !r.done()) return Bad("bad series definition");
  return Status::Ok();
}

std::string EncodeManifest(const Manifest& m) {
  std::string out(kMagic, sizeof kMagic);
  PutU64(&out, m.wal_min);
  PutU64(&out, m.last_lsn);
  PutU64(&out, m.next_file);
  PutU32(&out, static_cast<uint32_t>(m.series.size()));
  for (const auto& e : m.series) EncodeCatalogEntry(e, &out);
  PutU32(&out, static_cast<uint32_t>(m.segments.size()));
  for (const auto& s : m.segments) {
    PutU64(&out, s.number);
    PutU64(&out, s.seq);
  }
  PutU32(&out, Crc32c(out));
  return out;
}

Status DecodeManifest(std::string_view bytes, Manifest* m) {
  if (bytes.size() < sizeof kMagic + 4 || std::memcmp(bytes.data(), kMagic, 8) != 0) {
    return Bad("bad magic or too short");
  }
  uint32_t crc = LoadFixed<uint32_t>(bytes.data() + bytes.size() - 4);
  bytes.remove_suffix(4);
  if (Crc32c(bytes) != crc) return Bad("checksum mismatch");
  ByteReader r(bytes.substr(8));
  *m = Manifest{};
  uint32_t n = 0;
  if (!(r.Get(&m->wal_min) && r.Get(&m->last_lsn) && r.Get(&m->next_file) && r.Get(&n))) {
    return Bad("truncated header");
  }
  for (uint32_t i = 0; i < n; ++i) {
    CatalogEntry e;
    if (!GetEntry(&r, &e) || e.id != i + 1) return Bad("bad series entry " + std::to_string(i));
    m->series.push_back(std::move(e));
  }
  if (!r.Get(&n) || r.remaining() != size_t{n} * 16) return Bad("bad segment list");
  for (uint32_t i = 0; i < n; ++i) {
    SegmentEntry s;
    (void)(r.Get(&s.number) && r.Get(&s.seq));
    m->segments.push_back(s);
  }
  return Status::Ok();
}

}  // namespace lj::history
