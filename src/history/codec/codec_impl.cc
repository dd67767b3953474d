#include "history/codec/codec_impl.h"

#include <algorithm>

#include "history/codec/bits.h"

namespace lj::history::codec::internal {

Status Corrupt(std::string_view codec, std::string_view why) {
  return Status(ErrorCode::kStorage,
                "corrupt " + std::string(codec) + " column: " + std::string(why));
}

namespace {

class BufferingCompressor : public Compressor {
 public:
  BufferingCompressor(const BufferedCodec* codec, ColumnType type) : codec_(codec), type_(type) {}
  void Append(ColumnView values) override {
    if (values.type != type_) return;  // wrong-typed input is a caller bug; ignore it
    if (type_ == ColumnType::kInt64) {
      i64_.insert(i64_.end(), values.i64.begin(), values.i64.end());
    } else {
      f64_.insert(f64_.end(), values.f64.begin(), values.f64.end());
    }
  }
  void Finish(std::string* out) override {
    if (codec_->PrefixesCount())
      PutVarint(type_ == ColumnType::kInt64 ? i64_.size() : f64_.size(), out);
    codec_->Encode(type_ == ColumnType::kInt64 ? ColumnView::Ints(i64_) : ColumnView::Doubles(f64_),
                   out);
  }

 private:
  const BufferedCodec* codec_;
  ColumnType type_;
  std::vector<int64_t> i64_;
  std::vector<double> f64_;
};

}  // namespace

std::optional<size_t> BufferedCodec::Analyze(ColumnView values) const {
  if (!Supports(values.type) || !Suitable(values)) return std::nullopt;
  size_t n = values.size();
  if (n <= kAnalyzePrefix) {
    std::string out;
    Encode(values, &out);
    return out.size() + (PrefixesCount() ? 3 : 0);
  }
  ColumnView prefix = values;
  prefix.i64 = values.i64.first(std::min(values.i64.size(), kAnalyzePrefix));
  prefix.f64 = values.f64.first(std::min(values.f64.size(), kAnalyzePrefix));
  std::string out;
  Encode(prefix, &out);
  return static_cast<size_t>(static_cast<double>(out.size()) * static_cast<double>(n) /
                             static_cast<double>(prefix.size()));
}

std::unique_ptr<Compressor> BufferedCodec::NewCompressor(ColumnType type) const {
  return std::make_unique<BufferingCompressor>(this, type);
}

Status BufferedCodec::Decode(std::string_view data, ColumnType type, size_t count,
                             std::vector<int64_t>* out_i64, std::vector<double>* out_f64) const {
  if (!Supports(type)) return Corrupt(name(), "column type not supported by this codec");
  if (count > kMaxDecodeCount) {
    return Corrupt(name(), "declared count " + std::to_string(count) + " exceeds the cap of " +
                               std::to_string(kMaxDecodeCount));
  }
  if (PrefixesCount()) {
    size_t pos = 0;
    uint64_t stored = 0;
    if (!GetVarint(data, &pos, &stored)) return Corrupt(name(), "bad value count");
    if (stored != count) {
      return Corrupt(
          name(), "holds " + std::to_string(stored) + " values, expected " + std::to_string(count));
    }
    data.remove_prefix(pos);
  }
  if (type == ColumnType::kInt64) {
    if (out_i64 == nullptr) return Status(ErrorCode::kInvalidArgument, "no int64 output");
    out_i64->clear();
    Status s = DecodeInts(data, count, out_i64);
    if (!s.ok()) out_i64->clear();
    return s;
  }
  if (out_f64 == nullptr) return Status(ErrorCode::kInvalidArgument, "no double output");
  out_f64->clear();
  Status s = DecodeDoubles(data, count, out_f64);
  if (!s.ok()) out_f64->clear();
  return s;
}

Status BufferedCodec::DecodeInts(std::string_view, size_t, std::vector<int64_t>*) const {
  return Corrupt(name(), "int64 columns not supported");
}
Status BufferedCodec::DecodeDoubles(std::string_view, size_t, std::vector<double>*) const {
  return Corrupt(name(), "double columns not supported");
}

}  // namespace lj::history::codec::internal
