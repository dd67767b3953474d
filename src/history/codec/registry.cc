// CodecRegistry and EncodeColumn: the analyse → choose → compress → finish lifecycle.
#include "history/codec/codec_impl.h"

namespace lj::history::codec {

const CodecRegistry& CodecRegistry::Default() {
  static const CodecRegistry* registry = [] {
    auto* r = new CodecRegistry();
    r->Register(internal::NewRawInt64Codec());
    r->Register(internal::NewRawDoubleCodec());
    r->Register(internal::NewDeltaOfDeltaCodec());
    r->Register(internal::NewDeltaBitpackCodec());
    r->Register(internal::NewGorillaCodec());
    r->Register(internal::NewLpcEntropyCodec());
    return r;
  }();
  return *registry;
}

void CodecRegistry::Register(std::unique_ptr<Codec> codec) {
  for (auto& c : codecs_) {
    if (c->id() == codec->id()) {
      c = std::move(codec);  // a later registration replaces an earlier one with the same id
      return;
    }
  }
  codecs_.push_back(std::move(codec));
}

const Codec* CodecRegistry::Find(CodecId id) const {
  for (const auto& c : codecs_) {
    if (c->id() == id) return c.get();
  }
  return nullptr;
}

const Codec* CodecRegistry::Choose(ColumnView values) const {
  const Codec* best = nullptr;
  size_t best_size = 0;
  for (const auto& c : codecs_) {
    if (!c->Supports(values.type)) continue;
    std::optional<size_t> estimate = c->Analyze(values);
    if (!estimate) continue;
    // Ties go to the earlier registered codec (the raw fallbacks come first).
    if (best == nullptr || *estimate < best_size) {
      best = c.get();
      best_size = *estimate;
    }
  }
  return best;
}

const Codec& EncodeColumn(const CodecRegistry& registry, ColumnView values, std::string* out) {
  const Codec* codec = registry.Choose(values);
  if (codec == nullptr) {
    // A registry without a codec for this type is a programming error; fall back to the raw
    // codec of the built-in registry, which always exists.
    codec = CodecRegistry::Default().Find(values.type == ColumnType::kInt64 ? CodecId::kRawInt64
                                                                            : CodecId::kRawDouble);
  }
  std::unique_ptr<Compressor> compressor = codec->NewCompressor(values.type);
  compressor->Append(values);
  compressor->Finish(out);
  return *codec;
}

}  // namespace lj::history::codec
