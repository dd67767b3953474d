// kRawInt64 / kRawDouble: 8 little-endian bytes per value, the always-applicable fallbacks.
#include <bit>
#include <cstring>

#include "history/codec/bits.h"
#include "history/codec/codec_impl.h"

namespace lj::history::codec::internal {
namespace {

Status CheckRawSize(std::string_view codec, std::string_view data, size_t count) {
  if (count > data.size() / 8 || data.size() != count * 8) {
    return Corrupt(codec, "holds " + std::to_string(data.size()) + " bytes, expected 8 x " +
                              std::to_string(count));
  }
  return Status::Ok();
}

class RawInt64Codec : public BufferedCodec {
 public:
  CodecId id() const override { return CodecId::kRawInt64; }
  std::string_view name() const override { return "raw_int64"; }
  bool Supports(ColumnType t) const override { return t == ColumnType::kInt64; }
  bool PrefixesCount() const override { return false; }
  std::optional<size_t> Analyze(ColumnView v) const override {
    if (!Supports(v.type)) return std::nullopt;
    return v.size() * 8;
  }
  void Encode(ColumnView v, std::string* out) const override {
    out->reserve(out->size() + v.size() * 8);
    for (int64_t x : v.i64) PutFixed64(static_cast<uint64_t>(x), out);
  }

 protected:
  Status DecodeInts(std::string_view data, size_t count, std::vector<int64_t>* out) const override {
    LJ_RETURN_IF_ERROR(CheckRawSize(name(), data, count));
    out->resize(count);
    for (size_t i = 0; i < count; ++i) (*out)[i] = static_cast<int64_t>(GetFixed64(&data[8 * i]));
    return Status::Ok();
  }
};

class RawDoubleCodec : public BufferedCodec {
 public:
  CodecId id() const override { return CodecId::kRawDouble; }
  std::string_view name() const override { return "raw_double"; }
  bool Supports(ColumnType t) const override { return t == ColumnType::kDouble; }
  bool PrefixesCount() const override { return false; }
  std::optional<size_t> Analyze(ColumnView v) const override {
    if (!Supports(v.type)) return std::nullopt;
    return v.size() * 8;
  }
  void Encode(ColumnView v, std::string* out) const override {
    out->reserve(out->size() + v.size() * 8);
    for (double x : v.f64) PutFixed64(std::bit_cast<uint64_t>(x), out);
  }

 protected:
  Status DecodeDoubles(std::string_view data, size_t count,
                       std::vector<double>* out) const override {
    LJ_RETURN_IF_ERROR(CheckRawSize(name(), data, count));
    out->resize(count);
    for (size_t i = 0; i < count; ++i) (*out)[i] = std::bit_cast<double>(GetFixed64(&data[8 * i]));
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Codec> NewRawInt64Codec() { return std::make_unique<RawInt64Codec>(); }
std::unique_ptr<Codec> NewRawDoubleCodec() { return std::make_unique<RawDoubleCodec>(); }

}  // namespace lj::history::codec::internal
