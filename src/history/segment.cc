#include "history/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "history/file_util.h"
#include "history/format.h"

namespace lj::history {
namespace {

void PutMeta(std::string* out, const ChunkMeta& m) {
  PutU32(out, m.series);
  PutU32(out, m.count);
  PutI64(out, m.min_t);
  PutI64(out, m.max_t);
  PutI64(out, m.end_t);
  PutU64(out, m.offset);
  PutU32(out, m.length);
  PutF64(out, m.min);
  PutF64(out, m.max);
  PutF64(out, m.sum);
  PutF64(out, m.last);
}

bool GetMeta(ByteReader* r, ChunkMeta* m) {
  return r->Get(&m->series) && r->Get(&m->count) && r->Get(&m->min_t) && r->Get(&m->max_t) &&
         r->Get(&m->end_t) && r->Get(&m->offset) && r->Get(&m->length) && r->Get(&m->min) &&
         r->Get(&m->max) && r->Get(&m->sum) && r->Get(&m->last);
}

}  // namespace

std::string SegmentFileName(uint64_t number) {
  char name[32];
  std::snprintf(name, sizeof name, "seg-%06llu.seg", static_cast<unsigned long long>(number));
  return name;
}

SegmentWriter::~SegmentWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status SegmentWriter::Open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return IoError("create", path);
  buf_.assign(kSegmentMagic, sizeof kSegmentMagic);
  offset_ = buf_.size();
  return Status::Ok();
}

Status SegmentWriter::Add(SeriesId id, const SeriesData& chunk) {
  size_t before = buf_.size();
  ChunkMeta m = EncodeChunk(id, chunk, &buf_);
  m.offset = offset_;
  offset_ += buf_.size() - before;
  samples_ += m.count;
  index_.push_back(m);
  return Drain(false);
}

Status SegmentWriter::Drain(bool all) {
  if (!all && buf_.size() < (1u << 20)) return Status::Ok();
  LJ_RETURN_IF_ERROR(WriteAll(fd_, buf_, path_));
  buf_.clear();
  return Status::Ok();
}

Status SegmentWriter::Finish() {
  uint64_t index_offset = offset_;
  std::string index;
  PutU32(&index, static_cast<uint32_t>(index_.size()));
  for (const auto& m : index_) PutMeta(&index, m);
  buf_ += index;
  PutU64(&buf_, index_offset);
  PutU64(&buf_, index.size());
  PutU32(&buf_, Crc32c(index));
  PutU32(&buf_, 1);  // format version
  buf_.append(kSegmentMagic, sizeof kSegmentMagic);
  offset_ += index.size() + kSegmentFooter;
  LJ_RETURN_IF_ERROR(Drain(true));
  if (::fsync(fd_) != 0) return IoError("fsync", path_);
  ::close(fd_);
  fd_ = -1;
  return Status::Ok();
}

Segment::~Segment() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::shared_ptr<Segment>> Segment::Open(const std::string& path, uint64_t number) {
  auto seg = std::make_shared<Segment>();
  seg->path_ = path;
  seg->number_ = number;
  seg->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (seg->fd_ < 0) return IoError("open", path);
  struct stat st;
  if (::fstat(seg->fd_, &st) != 0) return IoError("stat", path);
  seg->size_ = static_cast<uint64_t>(st.st_size);
  LJ_RETURN_IF_ERROR(seg->Load());
  return seg;
}

Result<std::shared_ptr<Segment>> Segment::FromBytes(std::string bytes) {
  auto seg = std::make_shared<Segment>();
  seg->path_ = "<memory>";
  seg->size_ = bytes.size();
  seg->bytes_ = std::move(bytes);
  LJ_RETURN_IF_ERROR(seg->Load());
  return seg;
}

Status Segment::ReadAt(uint64_t offset, size_t n, std::string* out) const {
  if (offset > size_ || n > size_ - offset) {
    return Status(ErrorCode::kStorage,
                  path_ + ": read past the end at offset " + std::to_string(offset));
  }
  if (fd_ < 0) {
    out->assign(bytes_, offset, n);
    return Status::Ok();
  }
  out->resize(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return IoError("read", path_);
    done += static_cast<size_t>(r);
  }
  return Status::Ok();
}

Status Segment::Load() {
  auto bad = [&](const std::string& why) {
    return Status(ErrorCode::kStorage, path_ + ": " + why);
  };
  if (size_ < sizeof kSegmentMagic + kSegmentFooter) return bad("too short for a segment");
  std::string head, foot;
  LJ_RETURN_IF_ERROR(ReadAt(0, sizeof kSegmentMagic, &head));
  LJ_RETURN_IF_ERROR(ReadAt(size_ - kSegmentFooter, kSegmentFooter, &foot));
  if (std::memcmp(head.data(), kSegmentMagic, 8) != 0 ||
      std::memcmp(foot.data() + 24, kSegmentMagic, 8) != 0) {
    return bad("bad magic");
  }
  uint64_t index_offset = LoadFixed<uint64_t>(foot.data());
  uint64_t index_len = LoadFixed<uint64_t>(foot.data() + 8);
  uint32_t index_crc = LoadFixed<uint32_t>(foot.data() + 16);
  uint32_t version = LoadFixed<uint32_t>(foot.data() + 20);
  if (version != 1) return bad("unsupported version " + std::to_string(version));
  uint64_t data_end = size_ - kSegmentFooter;
  if (index_offset < 8 || index_offset > data_end || index_len != data_end - index_offset) {
    return bad("index out of bounds");
  }
  std::string index;
  LJ_RETURN_IF_ERROR(ReadAt(index_offset, index_len, &index));
  if (Crc32c(index) != index_crc) return bad("index checksum mismatch");
  ByteReader r(index);
  uint32_t n = 0;
  if (!r.Get(&n) || r.remaining() != size_t{n} * kIndexEntry) return bad("index size mismatch");
  index_.resize(n);
  for (auto& m : index_) {
    (void)GetMeta(&r, &m);
    if (m.offset < 8 || m.offset > index_offset || m.length > index_offset - m.offset ||
        m.count == 0 || m.count > kMaxChunkValues || m.min_t > m.max_t || m.end_t <= m.max_t) {
      return bad("bad index entry at offset " + std::to_string(m.offset));
    }
    samples_ += m.count;
  }
  std::stable_sort(index_.begin(), index_.end(),
                   [](const ChunkMeta& a, const ChunkMeta& b) { return a.series < b.series; });
  return Status::Ok();
}

std::span<const ChunkMeta> Segment::ChunksOf(SeriesId id) const {
  auto lo = std::lower_bound(index_.begin(), index_.end(), id,
                             [](const ChunkMeta& m, SeriesId v) { return m.series < v; });
  auto hi = std::upper_bound(lo, index_.end(), id,
                             [](SeriesId v, const ChunkMeta& m) { return v < m.series; });
  return {lo, hi};
}

Status Segment::ReadChunk(const ChunkMeta& meta, SeriesData* out) const {
  thread_local std::string blob;  // reused: chunk reads allocate nothing in steady state
  LJ_RETURN_IF_ERROR(ReadAt(meta.offset, meta.length, &blob));
  Status st = DecodeChunk(blob, &meta, out);
  if (!st.ok()) {
    return Status(ErrorCode::kStorage,
                  path_ + " offset " + std::to_string(meta.offset) + ": " + st.message());
  }
  return Status::Ok();
}

}  // namespace lj::history
