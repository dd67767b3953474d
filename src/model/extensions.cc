#include "model/internal/extensions.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "model/internal/syntax.h"

namespace lj::model::internal {
namespace {

// Semantic types of the QuantitativeTypes extension (DTDL v3), sorted for binary search.
constexpr std::string_view kSemanticTypes[] = {
    "Acceleration",
    "Angle",
    "AngularAcceleration",
    "AngularVelocity",
    "ApparentEnergy",
    "ApparentPower",
    "Area",
    "Capacitance",
    "Concentration",
    "Current",
    "DataRate",
    "DataSize",
    "Density",
    "Distance",
    "ElectricCharge",
    "Energy",
    "EnergyRate",
    "Force",
    "Frequency",
    "Humidity",
    "Illuminance",
    "Inductance",
    "IonizingRadiationDose",
    "Irradiance",
    "Latitude",
    "Length",
    "Longitude",
    "Luminance",
    "Luminosity",
    "LuminousFlux",
    "LuminousIntensity",
    "MagneticFlux",
    "MagneticInduction",
    "Mass",
    "MassFlowRate",
    "Power",
    "Pressure",
    "Radioactivity",
    "ReactiveEnergy",
    "ReactivePower",
    "RelativeDensity",
    "RelativeHumidity",
    "Resistance",
    "SoundPressure",
    "Temperature",
    "Thrust",
    "TimeSpan",
    "Torque",
    "Velocity",
    "Voltage",
    "Volume",
    "VolumeFlowRate",
};

constexpr std::string_view kBodyRegions[] = {"heart", "lungs", "head", "arm", "finger",
                                             "core",  "skin",  "room", "bed"};

constexpr std::string_view kCommonKeys[] = {"@type", "@id", "comment", "description",
                                            "displayName"};

Status NeedsContext(const DocContext& ctx, const std::string& pointer, std::string_view what,
                    std::string_view context) {
  return Invalid(ctx.file, pointer, fmt::format("{} needs @context '{}'", what, context));
}

bool IsWaveformNumeric(Primitive p) {
  return p == Primitive::kInteger || p == Primitive::kLong || p == Primitive::kFloat ||
         p == Primitive::kDouble;
}

std::string SchemaLabel(const Schema& s) {
  switch (s.kind) {
    case SchemaKind::kPrimitive:
      return std::string(PrimitiveName(s.primitive));
    case SchemaKind::kArray:
      return "Array";
    case SchemaKind::kEnum:
      return "Enum";
    case SchemaKind::kMap:
      return "Map";
    case SchemaKind::kObject:
      return "Object";
  }
  return "?";
}

}  // namespace

bool IsSemanticType(std::string_view name) {
  return std::binary_search(std::begin(kSemanticTypes), std::end(kSemanticTypes), name);
}

bool IsBodyRegion(std::string_view name) {
  return std::find(std::begin(kBodyRegions), std::end(kBodyRegions), name) !=
         std::end(kBodyRegions);
}

Status ParseContextValue(const json& v, const std::string& pointer, DocContext* ctx) {
  std::vector<std::pair<std::string, std::string>> entries;  // value, pointer
  if (v.is_string()) {
    entries.emplace_back(v.get<std::string>(), pointer);
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      std::string p = Child(pointer, i);
      if (!v[i].is_string()) {
        return Invalid(ctx->file, p, fmt::format("expected a string, got {}", JsonTypeName(v[i])));
      }
      entries.emplace_back(v[i].get<std::string>(), p);
    }
  } else {
    return Invalid(
        ctx->file, pointer,
        fmt::format("expected a string or an array of strings, got {}", JsonTypeName(v)));
  }
  if (entries.empty()) return Invalid(ctx->file, pointer, "empty @context");
  ctx->quantitative_types = false;
  ctx->ward = false;
  const auto& [first, first_ptr] = entries.front();
  if (first == kDtdlContext3) {
    ctx->dtdl_version = 3;
  } else if (first == kDtdlContext2) {
    ctx->dtdl_version = 2;
  } else {
    return Invalid(ctx->file, first_ptr,
                   fmt::format("the first context must be '{}' (or '{}'), got {}", kDtdlContext3,
                               kDtdlContext2, Preview(json(first))));
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    const auto& [c, p] = entries[i];
    if (c == kQuantitativeTypesContext) {
      if (ctx->dtdl_version != 3) {
        return Invalid(ctx->file, p, fmt::format("context '{}' needs DTDL v3", c));
      }
      ctx->quantitative_types = true;
    } else if (c == kWardContext) {
      ctx->ward = true;
    } else if (c == kDtdlContext3 || c == kDtdlContext2) {
      return Invalid(ctx->file, p, "the DTDL context may appear only once, first");
    } else {
      return Invalid(ctx->file, p, fmt::format("unknown context {}", Preview(json(c))));
    }
  }
  return Status::Ok();
}

Status ParseTypes(const json& el, const std::string& pointer, const DocContext& ctx,
                  std::initializer_list<TypeRule> rules, bool required, ElementTypes* out) {
  *out = ElementTypes();
  std::string type_ptr = Child(pointer, "@type");
  auto it = el.find("@type");
  if (it == el.end()) {
    if (required) return Invalid(ctx.file, pointer, "missing required property '@type'");
    out->base = std::string(rules.begin()->base);
    out->all.push_back(out->base);
    return Status::Ok();
  }
  std::vector<std::pair<std::string, std::string>> entries;  // value, pointer
  if (it->is_string()) {
    entries.emplace_back(it->get<std::string>(), type_ptr);
  } else if (it->is_array() && !it->empty()) {
    for (size_t i = 0; i < it->size(); ++i) {
      const json& t = (*it)[i];
      if (!t.is_string()) {
        return Invalid(ctx.file, Child(type_ptr, i),
                       fmt::format("expected a string, got {}", JsonTypeName(t)));
      }
      entries.emplace_back(t.get<std::string>(), Child(type_ptr, i));
    }
  } else {
    return Invalid(ctx.file, type_ptr,
                   fmt::format("expected a string or a non-empty array of strings, got {}",
                               JsonTypeName(*it)));
  }
  const TypeRule* rule = nullptr;
  for (const auto& [t, p] : entries) {
    for (const TypeRule& r : rules) {
      if (t != r.base) continue;
      if (rule != nullptr) {
        return Invalid(ctx.file, p,
                       fmt::format("more than one element type ('{}' and '{}')", rule->base, t));
      }
      rule = &r;
    }
  }
  if (rule == nullptr) {
    std::string expected;
    for (const TypeRule& r : rules) {
      expected += expected.empty() ? "" : ", ";
      expected += r.base;
    }
    return Invalid(ctx.file, type_ptr,
                   fmt::format("unknown element type {}; expected one of {}",
                               Preview(json(entries.front().first)), expected));
  }
  out->base = std::string(rule->base);
  out->all.push_back(out->base);
  for (const auto& [t, p] : entries) {
    if (t == rule->base) continue;
    if (IsSemanticType(t)) {
      if (!ctx.SemanticTypes()) {
        return NeedsContext(ctx, p, fmt::format("co-type '{}'", t), kQuantitativeTypesContext);
      }
      if (!rule->semantic) {
        return Invalid(ctx.file, p,
                       fmt::format("co-type '{}' is not allowed on {}", t, rule->base));
      }
      out->semantic.push_back(t);
    } else if (t == "Waveform") {
      if (!ctx.ward) return NeedsContext(ctx, p, "co-type 'Waveform'", kWardContext);
      if (!rule->waveform) {
        return Invalid(ctx.file, p,
                       fmt::format("co-type 'Waveform' is not allowed on {}", rule->base));
      }
      out->waveform = true;
    } else if (t == "Derived") {
      if (!ctx.ward) return NeedsContext(ctx, p, "co-type 'Derived'", kWardContext);
      if (!rule->waveform) {
        return Invalid(ctx.file, p,
                       fmt::format("co-type 'Derived' is not allowed on {}", rule->base));
      }
      out->derived = true;
    } else {
      return Invalid(ctx.file, p, fmt::format("unknown co-type {}", Preview(json(t))));
    }
    out->all.push_back(t);
  }
  return Status::Ok();
}

Status CheckKeys(const json& el, const std::string& pointer, const DocContext& ctx,
                 std::initializer_list<std::string_view> allowed, const KeyRules& rules,
                 const ElementTypes& types) {
  for (const auto& [key, value] : el.items()) {
    std::string p = Child(pointer, key);
    if (std::find(std::begin(kCommonKeys), std::end(kCommonKeys), key) != std::end(kCommonKeys) ||
        std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
      continue;
    }
    if (key == "unit" && rules.unit) {
      if (!ctx.SemanticTypes()) {
        return NeedsContext(ctx, p, "property 'unit'", kQuantitativeTypesContext);
      }
      continue;
    }
    if (key == "sampleRate" && rules.sample_rate) {
      if (!ctx.ward) return NeedsContext(ctx, p, "property 'sampleRate'", kWardContext);
      if (!types.waveform) {
        return Invalid(ctx.file, p, "property 'sampleRate' requires co-type 'Waveform'");
      }
      continue;
    }
    if ((key == "bodyRegion" || key == "clinicalMeaning") && rules.annotations) {
      if (!ctx.ward) return NeedsContext(ctx, p, fmt::format("property '{}'", key), kWardContext);
      continue;
    }
    return Invalid(ctx.file, p,
                   fmt::format("unknown property {} on {}", Preview(json(key)), rules.what));
  }
  return Status::Ok();
}

Status ReadExtensions(const json& el, const std::string& pointer, const DocContext& ctx,
                      const ElementTypes& types, const Schema& schema, ExtensionValues* out) {
  *out = ExtensionValues();
  if (auto it = el.find("unit"); it != el.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return Invalid(ctx.file, Child(pointer, "unit"),
                     fmt::format("unit must be a non-empty string, got {}", Preview(*it)));
    }
    out->unit = it->get<std::string>();
  }
  if (types.waveform) {
    std::string sp = Child(pointer, "schema");
    if (schema.kind != SchemaKind::kPrimitive || !IsWaveformNumeric(schema.primitive)) {
      return Invalid(ctx.file, sp,
                     fmt::format("Waveform schema must be integer, long, float or double, got {}",
                                 SchemaLabel(schema)));
    }
    auto it = el.find("sampleRate");
    if (it == el.end()) {
      return Invalid(ctx.file, pointer,
                     "missing required property 'sampleRate' (co-type Waveform)");
    }
    if (!it->is_number() || !(it->get<double>() > 0)) {
      return Invalid(ctx.file, Child(pointer, "sampleRate"),
                     fmt::format("sampleRate must be a number > 0 (Hz), got {}", Preview(*it)));
    }
    out->sample_rate_hz = it->get<double>();
  }
  for (const std::string& t : types.semantic) {
    if (schema.kind != SchemaKind::kPrimitive || !IsNumeric(schema.primitive)) {
      return Invalid(
          ctx.file, Child(pointer, "schema"),
          fmt::format("co-type '{}' needs a numeric schema, got {}", t, SchemaLabel(schema)));
    }
  }
  if (auto it = el.find("bodyRegion"); it != el.end()) {
    if (!it->is_string() || !IsBodyRegion(it->get_ref<const std::string&>())) {
      return Invalid(ctx.file, Child(pointer, "bodyRegion"),
                     fmt::format("bodyRegion must be one of heart, lungs, head, arm, finger, core, "
                                 "skin, room, bed; got {}",
                                 Preview(*it)));
    }
    out->annotations["bodyRegion"] = *it;
  }
  if (auto it = el.find("clinicalMeaning"); it != el.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > kMaxTextLength) {
      return Invalid(
          ctx.file, Child(pointer, "clinicalMeaning"),
          fmt::format("clinicalMeaning must be a string of at most {} characters", kMaxTextLength));
    }
    out->annotations["clinicalMeaning"] = *it;
  }
  return Status::Ok();
}

Status ReadTexts(const json& el, const std::string& pointer, const DocContext& ctx,
                 std::string* display_name, std::string* description) {
  std::string ignored;
  struct Text {
    std::string_view key;
    std::string* out;
  };
  for (Text t : {Text{"displayName", display_name}, Text{"description", description},
                 Text{"comment", &ignored}}) {
    auto it = el.find(t.key);
    if (it == el.end()) continue;
    LJ_RETURN_IF_ERROR(ParseLocalizable(*it, ctx.file, Child(pointer, t.key),
                                        t.out != nullptr ? t.out : &ignored));
  }
  return Status::Ok();
}

}  // namespace lj::model::internal
