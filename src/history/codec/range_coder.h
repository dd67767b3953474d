// Internal: an adaptive binary range coder (carry-less-by-cache design after Subbotin/LZMA,
// written for this engine) with 16-bit probabilities that mix a fast and a slow estimate.
//
// Exactness: the encoder emits exactly (normalisations + 5) bytes and the decoder reads exactly
// as many, so `RangeDecoder::Exhausted()` after the last symbol detects trailing or missing
// bytes. The decoder never reads outside its input (missing bytes read as 0 and are counted).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lj::history::codec::internal {

// P(bit == 0) in 1/65536 units, clamped to [kMin, 65536 - kMin] so no symbol costs 0 bits: a
// column of n values costs at least n * 0.0014 bits, which bounds a hostile count.
class BitModel {
 public:
  static constexpr uint32_t kMin = 64;
  uint32_t p() const { return (fast_ + slow_) >> 1; }
  void Update(int bit) {
    if (bit == 0) {
      fast_ += (65536 - fast_) >> 4;
      slow_ += (65536 - slow_) >> 7;
    } else {
      fast_ -= fast_ >> 4;
      slow_ -= slow_ >> 7;
    }
    fast_ = Clamp(fast_);
    slow_ = Clamp(slow_);
  }

 private:
  static uint32_t Clamp(uint32_t v) {
    return v < kMin ? kMin : v > 65536 - kMin ? 65536 - kMin : v;
  }
  uint32_t fast_ = 32768;
  uint32_t slow_ = 32768;
};

class RangeEncoder {
 public:
  explicit RangeEncoder(std::string* out) : out_(out) {}
  void Encode(BitModel& m, int bit) {
    uint32_t bound = (range_ >> 16) * m.p();
    if (bit == 0) {
      range_ = bound;
    } else {
      low_ += bound;
      range_ -= bound;
    }
    m.Update(bit);
    Normalize();
  }
  // Equiprobable bits, most significant first (n <= 32).
  void EncodeDirect(uint32_t v, int n) {
    for (int i = n - 1; i >= 0; --i) {
      range_ >>= 1;
      if ((v >> i) & 1) low_ += range_;
      Normalize();
    }
  }
  void Finish() {
    for (int i = 0; i < 5; ++i) ShiftLow();
  }

 private:
  void Normalize() {
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      ShiftLow();
    }
  }
  void ShiftLow() {
    if (static_cast<uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
      uint8_t carry = static_cast<uint8_t>(low_ >> 32);
      uint8_t temp = cache_;
      do {
        out_->push_back(static_cast<char>(static_cast<uint8_t>(temp + carry)));
        temp = 0xFF;
      } while (--pending_ != 0);
      cache_ = static_cast<uint8_t>(low_ >> 24);
    }
    ++pending_;
    low_ = (low_ & 0x00FFFFFFu) << 8;
  }
  std::string* out_;
  uint64_t low_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
  uint8_t cache_ = 0;
  uint64_t pending_ = 1;
};

class RangeDecoder {
 public:
  explicit RangeDecoder(std::string_view in) : in_(in) {
    for (int i = 0; i < 5; ++i) code_ = (code_ << 8) | Next();
  }
  int Decode(BitModel& m) {
    uint32_t bound = (range_ >> 16) * m.p();
    int bit;
    if (code_ < bound) {
      range_ = bound;
      bit = 0;
    } else {
      code_ -= bound;
      range_ -= bound;
      bit = 1;
    }
    m.Update(bit);
    Normalize();
    return bit;
  }
  uint32_t DecodeDirect(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      range_ >>= 1;
      int bit = code_ >= range_ ? 1 : 0;
      if (bit) code_ -= range_;
      v = (v << 1) | static_cast<uint32_t>(bit);
      Normalize();
    }
    return v;
  }
  // Read past the end of the input (the data was truncated or the stream is corrupt).
  bool Overrun() const { return missing_ > 0; }
  // Every byte consumed and none missing: the stream ended exactly where the encoder's did.
  bool Exhausted() const { return missing_ == 0 && pos_ == in_.size(); }

 private:
  void Normalize() {
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      code_ = (code_ << 8) | Next();
    }
  }
  uint32_t Next() {
    if (pos_ < in_.size()) return static_cast<uint8_t>(in_[pos_++]);
    ++missing_;
    return 0;
  }
  std::string_view in_;
  size_t pos_ = 0;
  uint64_t missing_ = 0;
  uint32_t code_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
};

}  // namespace lj::history::codec::internal
