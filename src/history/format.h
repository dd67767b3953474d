// Byte-level helpers shared by the history file formats (doc/storage-format.md): little-endian
// fixed-width integers, CRC-32C and a bounds-checked reader for untrusted bytes.
// Thread-safety: plain functions and values.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lj::history {

// CRC-32C; uses the SSE4.2 instruction when the CPU has it. Chains: Crc32c(b, Crc32c(a)) is the
// CRC of a followed by b.
uint32_t Crc32c(const void* data, size_t n, uint32_t seed = 0);
uint32_t Crc32cReference(const void* data, size_t n, uint32_t seed = 0);  // portable, for tests
inline uint32_t Crc32c(std::string_view s) { return Crc32c(s.data(), s.size()); }

template <typename T>
inline void PutFixed(std::string* out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // the engine only runs on little-endian hosts (static_assert)
  out->append(b, sizeof(T));
}
inline void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
inline void PutU32(std::string* out, uint32_t v) { PutFixed(out, v); }
inline void PutU64(std::string* out, uint64_t v) { PutFixed(out, v); }
inline void PutI64(std::string* out, int64_t v) { PutFixed(out, v); }
inline void PutF64(std::string* out, double v) { PutFixed(out, v); }
inline void PutStr(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

template <typename T>
inline T LoadFixed(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Reads fixed-width values from untrusted bytes; every getter fails (returns false) instead of
// reading past the end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool done() const { return pos_ == data_.size(); }

  template <typename T>
  bool Get(T* v) {
    if (remaining() < sizeof(T)) return false;
    *v = LoadFixed<T>(data_.data() + pos_);
    pos_ += sizeof(T);
    return true;
  }
  bool Bytes(size_t n, std::string_view* v) {
    if (remaining() < n) return false;
    *v = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Str(std::string_view* v) {
    uint32_t n = 0;
    return Get(&n) && Bytes(n, v);
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

static_assert(std::endian::native == std::endian::little, "history formats assume little-endian");

}  // namespace lj::history
