// Internal scaffolding for the built-in codecs (not included from outside src/history/codec).
//
// BufferedCodec: most codecs need the whole column (block widths, fitted predictors), so their
// Compressor buffers what is appended and encodes it in Finish(). A subclass implements Encode()
// and DecodeInts()/DecodeDoubles(); the base supplies Analyze() (encodes up to kAnalyzePrefix
// values and scales) and the Decode() bookkeeping (type check, count cap and prefix, clearing
// `out`).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "history/codec/codec.h"

namespace lj::history::codec::internal {

// No column decodes to more values than this (a chunk holds far fewer): bounds the memory a
// hostile `count` can make a decoder allocate even for codecs that spend < 1 bit per value.
inline constexpr size_t kMaxDecodeCount = size_t{1} << 24;
inline constexpr size_t kAnalyzePrefix = 8192;

Status Corrupt(std::string_view codec, std::string_view why);

class BufferedCodec : public Codec {
 public:
  std::optional<size_t> Analyze(ColumnView values) const override;
  std::unique_ptr<Compressor> NewCompressor(ColumnType type) const override;
  Status Decode(std::string_view data, ColumnType type, size_t count, std::vector<int64_t>* out_i64,
                std::vector<double>* out_f64) const override;

  // Appends the encoding of `values` (of a supported type) to `out`.
  virtual void Encode(ColumnView values, std::string* out) const = 0;
  // Whether this codec is worth considering for `values` at all (default: yes).
  virtual bool Suitable(ColumnView values) const { return true; }
  // Whether the encoding starts with varint(count), checked against the caller's count before
  // DecodeInts/DecodeDoubles see the rest (bit streams cannot tell padding from values).
  virtual bool PrefixesCount() const { return true; }

 protected:
  // Called with count <= kMaxDecodeCount, `out` empty. Default: kStorage "type unsupported".
  virtual Status DecodeInts(std::string_view data, size_t count, std::vector<int64_t>* out) const;
  virtual Status DecodeDoubles(std::string_view data, size_t count, std::vector<double>* out) const;
};

std::unique_ptr<Codec> NewRawInt64Codec();
std::unique_ptr<Codec> NewRawDoubleCodec();
std::unique_ptr<Codec> NewDeltaOfDeltaCodec();
std::unique_ptr<Codec> NewDeltaBitpackCodec();
std::unique_ptr<Codec> NewGorillaCodec();
std::unique_ptr<Codec> NewLpcEntropyCodec();

}  // namespace lj::history::codec::internal
