// Internal bit and byte helpers shared by the column codecs: zigzag, LEB128 varints, an MSB-first
// bit writer and a bounds-checked bit reader. Not part of the public API.
//
// BitReader never reads past its input: reads beyond the end set a sticky `overrun()` flag and
// return zero bits, so decoders check the flag once per value (or at the end) instead of per bit.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lj::history::codec::internal {

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1)); }

// Number of significant bits of u (0 for u == 0).
inline int BitWidth(uint64_t u) { return u == 0 ? 0 : 64 - __builtin_clzll(u); }

inline void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a LEB128 varint at *pos; false when truncated or longer than 10 bytes / 64 bits.
inline bool GetVarint(std::string_view in, size_t* pos, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *pos < in.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(in[(*pos)++]);
    if (shift == 63 && b > 1) return false;
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline void PutFixed64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
inline uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// MSB-first bit writer appending to a string.
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  // Writes the low `n` bits of v (0 <= n <= 64), most significant first.
  void Write(uint64_t v, int n) {
    if (n == 0) return;
    if (n < 64) v &= (uint64_t{1} << n) - 1;
    while (n > 0) {
      int room = 64 - used_;
      int take = n < room ? n : room;
      uint64_t chunk = (take == 64) ? v : (v >> (n - take)) & ((uint64_t{1} << take) - 1);
      acc_ = (take == 64) ? chunk : (acc_ << take) | chunk;
      used_ += take;
      n -= take;
      if (used_ == 64) FlushWord();
    }
  }
  void WriteBit(bool b) { Write(b ? 1 : 0, 1); }
  // Pads the last byte with zero bits and appends it.
  void Finish() {
    while (used_ >= 8) {
      out_->push_back(static_cast<char>(acc_ >> (used_ - 8)));
      used_ -= 8;
    }
    if (used_ > 0) out_->push_back(static_cast<char>(acc_ << (8 - used_)));
    used_ = 0;
    acc_ = 0;
  }

 private:
  void FlushWord() {
    for (int i = 56; i >= 0; i -= 8) out_->push_back(static_cast<char>(acc_ >> i));
    acc_ = 0;
    used_ = 0;
  }
  std::string* out_;
  uint64_t acc_ = 0;
  int used_ = 0;
};

// MSB-first bit reader over a byte range; see the overrun contract above. Reads load 8 bytes
// at once (big-endian) from the current byte and shift, so a read costs a few instructions
// whatever its width; near the end of the input the load pads with zero bytes.
class BitReader {
 public:
  explicit BitReader(std::string_view in)
      : data_(reinterpret_cast<const uint8_t*>(in.data())), size_(in.size()) {}
  // The next `n` bits (0 <= n <= 64), most significant first; zero bits past the end.
  uint64_t Read(int n) {
    if (n == 0) return 0;
    if (n > 56) {  // two looks; no recursion, so the reader stays in registers when inlined
      const int hi_n = n - 32;
      const uint64_t hi = Peek() >> (64 - hi_n);
      Skip(hi_n);
      const uint64_t lo = Peek() >> 32;
      Skip(32);
      return (hi << 32) | lo;
    }
    uint64_t v = Peek() >> (64 - n);
    Skip(n);
    return v;
  }
  bool ReadBit() { return Read(1) != 0; }
  // The next 64 bits without consuming them, MSB-aligned: at least 57 are input bits (or the
  // zero padding past the end).
  uint64_t Peek() const {
    size_t byte = pos_ >> 3;
    uint64_t w;
    if (byte + 8 <= size_) {
      w = LoadBigEndian(data_ + byte);
    } else {
      w = 0;
      for (size_t i = 0; i < 8; ++i) {
        w = (w << 8) | (byte + i < size_ ? data_[byte + i] : 0);
      }
    }
    return w << (pos_ & 7);
  }
  // Consumes `n` bits (n <= 57) already looked at with Peek().
  void Skip(int n) {
    pos_ += static_cast<size_t>(n);
    if (pos_ > size_ * 8) {
      overrun_ = true;
      pos_ = size_ * 8;
    }
  }
  bool overrun() const { return overrun_; }
  // Bits not yet read.
  size_t remaining_bits() const { return size_ * 8 - pos_; }
  // True when the reader stands in the last byte (or at its end) and every unread bit is zero:
  // the encoder's padding.
  bool AtPaddedEnd() const {
    size_t byte = pos_ >> 3;
    int bit = static_cast<int>(pos_ & 7);
    if (byte >= size_) return true;
    if (byte + 1 != size_) return false;
    uint8_t rest = data_[byte] & ((1u << (8 - bit)) - 1);
    return bit != 0 && rest == 0;
  }

 private:
  static_assert(std::endian::native == std::endian::little);
  static uint64_t LoadBigEndian(const uint8_t* p) {
    uint64_t w;
    __builtin_memcpy(&w, p, 8);
    return __builtin_bswap64(w);
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;  // bits consumed
  bool overrun_ = false;
};

}  // namespace lj::history::codec::internal
