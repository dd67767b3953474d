// Column codecs: the plug-in interface through which history compresses one column of a chunk
// (timestamps or values). Lifecycle, per column of a chunk being sealed:
//   1. analyse  — every registered codec that supports the column type estimates the encoded
//                 size of the values (Codec::Analyze, may look at a prefix only);
//   2. choose   — CodecRegistry::Choose picks the smallest estimate;
//   3. compress — the chosen codec's Compressor receives the values (Append, any number of times);
//   4. finalise — Compressor::Finish appends the encoded bytes to the chunk;
//   5. scan     — Codec::Decode turns the bytes back into exactly the values appended.
// The chunk records the codec's stable numeric id (CodecId) so a reader finds the decoder.
//
// Contract: every codec is lossless, bit for bit (doubles: NaN payloads, -0.0, infinities).
// Decode never crashes, reads out of bounds or allocates without bound on corrupt or hostile
// input: it returns kStorage with a reason. Codecs are stateless and thread-safe; a Compressor
// belongs to one thread. Never renumber a CodecId: ids are part of the on-disk format
// (doc/storage-format.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::history::codec {

enum class ColumnType : uint8_t { kInt64 = 1, kDouble = 2 };

// Stable on-disk codec ids.
enum class CodecId : uint8_t {
  kRawInt64 = 1,      // little-endian int64, the fallback for integers
  kRawDouble = 2,     // little-endian IEEE-754 binary64, the fallback for doubles
  kDeltaOfDelta = 3,  // int64: delta-of-delta, zigzag, bit-packed (timestamps)
  kDeltaBitpack = 4,  // int64: delta, zigzag, frame-of-reference bit-packing (integer waves)
  kGorilla = 5,       // double: Gorilla XOR with leading/trailing-zero windows
  kLpcEntropy = 6,    // int64: linear prediction + adaptive entropy coding (ECG and similar)
};

// A read-only view of one column: exactly one of i64/f64 is used, per `type`.
struct ColumnView {
  ColumnType type = ColumnType::kInt64;
  std::span<const int64_t> i64;
  std::span<const double> f64;
  size_t size() const { return type == ColumnType::kInt64 ? i64.size() : f64.size(); }
  static ColumnView Ints(std::span<const int64_t> v) { return {ColumnType::kInt64, v, {}}; }
  static ColumnView Doubles(std::span<const double> v) { return {ColumnType::kDouble, {}, v}; }
};

class Compressor {
 public:
  virtual ~Compressor() = default;
  // Appends values (of the type the compressor was created for) to the column being encoded.
  virtual void Append(ColumnView values) = 0;
  // Appends the complete encoding of everything appended so far to `out`. Call once.
  virtual void Finish(std::string* out) = 0;
};

class Codec {
 public:
  virtual ~Codec() = default;
  virtual CodecId id() const = 0;
  virtual std::string_view name() const = 0;  // "gorilla", "delta_bitpack", ...
  virtual bool Supports(ColumnType type) const = 0;
  // Estimated encoded size in bytes of `values`, or nullopt when the codec is unsuitable.
  virtual std::optional<size_t> Analyze(ColumnView values) const = 0;
  virtual std::unique_ptr<Compressor> NewCompressor(ColumnType type) const = 0;
  // Decodes exactly `count` values of `type` from `data` into `out` (cleared first; i64 or f64
  // as per type). `data` must be exactly what Finish produced; trailing or missing bytes are
  // errors (kStorage), as is any count the data does not hold.
  virtual Status Decode(std::string_view data, ColumnType type, size_t count,
                        std::vector<int64_t>* out_i64, std::vector<double>* out_f64) const = 0;
};

// The codecs known to this build. Thread-safe after construction.
class CodecRegistry {
 public:
  // A registry with every built-in codec registered.
  static const CodecRegistry& Default();

  void Register(std::unique_ptr<Codec> codec);
  const Codec* Find(CodecId id) const;  // nullptr when unknown
  const std::vector<std::unique_ptr<Codec>>& codecs() const { return codecs_; }
  // The supporting codec with the smallest Analyze() estimate (never nullptr for a supported
  // type: the raw codecs always qualify).
  const Codec* Choose(ColumnView values) const;

 private:
  std::vector<std::unique_ptr<Codec>> codecs_;
};

// Convenience: choose + compress + finish. Appends the encoding to `out`; returns the codec used.
const Codec& EncodeColumn(const CodecRegistry& registry, ColumnView values, std::string* out);

}  // namespace lj::history::codec
