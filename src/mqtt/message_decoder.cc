#include "mqtt/message_decoder.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/json.h"
#include "common/status.h"
#include "ingest/json_batch.h"

namespace lj::mqtt::internal {
namespace {

using ingest::ParsedSample;
using ingest::Reject;
using ingest::Value;

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

void AddReject(ingest::ParsedBatch& batch, ErrorCode code, std::string message) {
  batch.rejects.push_back(Reject{0, code, std::move(message)});
}

// Expands `tmpl` into *out and checks the result is a usable id; adds a reject otherwise.
bool ExpandId(std::string_view tmpl, std::string_view topic, std::string_view what,
              const ingest::Limits& limits, std::string* out, ingest::ParsedBatch& batch) {
  if (!ExpandTemplate(tmpl, topic, out)) {
    AddReject(batch, ErrorCode::kMissingField,
              fmt::format("{} template '{}' refers to a level topic '{}' does not have", what, tmpl,
                          topic));
    return false;
  }
  if (out->empty()) {
    AddReject(batch, ErrorCode::kMissingField,
              fmt::format("{} from topic '{}' is empty", what, topic));
    return false;
  }
  if (out->size() > limits.max_id_bytes) {
    AddReject(batch, ErrorCode::kOversize,
              fmt::format("{} from topic is {} bytes, more than {}", what, out->size(),
                          limits.max_id_bytes));
    return false;
  }
  return true;
}

}  // namespace

bool ParseValuePayload(std::string_view payload, const ingest::Limits& limits, std::string* storage,
                       Value* out, Reject* reject) {
  auto fail = [&](ErrorCode code, std::string message) {
    *reject = Reject{0, code, std::move(message)};
    return false;
  };
  const std::string_view t = Trim(payload);
  if (t.empty()) return fail(ErrorCode::kMissingField, "empty value payload");
  if (Status deep = CheckJsonDepth(t); !deep.ok()) return fail(deep.code(), deep.message());
  const nlohmann::json j = nlohmann::json::parse(t.begin(), t.end(), nullptr,
                                                 /*allow_exceptions=*/false);
  std::string_view text;
  if (j.is_discarded()) {
    text = t;  // not JSON: the text itself is the string value
  } else if (j.is_boolean()) {
    *out = Value::Bool(j.get<bool>());
    return true;
  } else if (j.is_number_integer() && !j.is_number_unsigned()) {
    *out = Value::Int(j.get<int64_t>());
    return true;
  } else if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    *out = u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? Value::Int(static_cast<int64_t>(u))
               : Value::Double(static_cast<double>(u));
    return true;
  } else if (j.is_number_float()) {
    const double d = j.get<double>();
    if (!std::isfinite(d)) return fail(ErrorCode::kWrongType, "value is not a finite number");
    *out = Value::Double(d);
    return true;
  } else if (j.is_string()) {
    *storage = j.get<std::string>();
    text = *storage;
  } else {
    return fail(ErrorCode::kWrongType,
                "value payload must be a number, true/false or a string, not JSON " +
                    std::string(j.type_name()));
  }
  if (text.size() > limits.max_string_bytes) {
    return fail(ErrorCode::kOversize, fmt::format("string value is {} bytes, more than {}",
                                                  text.size(), limits.max_string_bytes));
  }
  if (!ValidUtf8(text)) return fail(ErrorCode::kWrongType, "string value is not valid UTF-8");
  if (text.data() != storage->data()) storage->assign(text);
  *out = Value::String(*storage);
  return true;
}

void DecodeMessage(const Mapping& mapping, std::string_view topic, std::string_view payload,
                   int64_t now_ns, const ingest::Limits& limits, DecodeScratch& s) {
  ingest::ParsedBatch& batch = s.batch;
  batch.Clear();
  switch (mapping.payload) {
    case PayloadFormat::kJsonObject: {
      if (!ExpandId(mapping.twin, topic, "twin", limits, &s.twin, batch)) return;
      ingest::JsonBatchOptions options;
      options.default_time_ns = now_ns;
      options.limits = limits;
      ingest::ParseJsonTwinObject(payload, s.twin, options, batch);
      return;
    }
    case PayloadFormat::kValue: {
      if (!ExpandId(mapping.twin, topic, "twin", limits, &s.twin, batch)) return;
      if (!ExpandId(mapping.telemetry, topic, "telemetry", limits, &s.telemetry, batch)) return;
      ParsedSample sample;
      Reject reject;
      if (!ParseValuePayload(payload, limits, &s.text, &sample.value, &reject)) {
        batch.rejects.push_back(std::move(reject));
        return;
      }
      sample.twin = s.twin;
      sample.telemetry = s.telemetry;
      sample.t_ns = now_ns;
      batch.samples.push_back(sample);
      return;
    }
    case PayloadFormat::kLineProtocol: {
      s.line_options.default_time_ns = now_ns;
      s.line_options.limits = limits;
      ingest::ParseLineProtocol(payload, s.line_options, batch);
      return;
    }
    case PayloadFormat::kJsonBatch: {
      ingest::JsonBatchOptions options;
      options.default_time_ns = now_ns;
      options.limits = limits;
      ingest::ParseJsonBatch(payload, options, batch);
      return;
    }
  }
}

std::string RejectReportJson(std::string_view topic, PayloadFormat format,
                             const ingest::IngestReport& report) {
  const char* source_key = format == PayloadFormat::kLineProtocol ? "line" : "index";
  nlohmann::json errors = nlohmann::json::array();
  for (const Reject& r : report.rejects) {
    errors.push_back({{source_key, r.source},
                      {"code", static_cast<int>(r.code)},
                      {"error", std::string(ErrorCodeName(r.code))},
                      {"message", r.message}});
  }
  nlohmann::json doc = {{"topic", std::string(topic)},
                        {"accepted", report.accepted},
                        {"rejected", report.rejected},
                        {"errors", std::move(errors)}};
  // Messages may quote payload bytes that are not UTF-8; replace rather than throw.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string RefusalReportJson(std::string_view topic, const Status& why) {
  nlohmann::json doc = {{"topic", std::string(topic)},
                        {"accepted", 0},
                        {"code", static_cast<int>(why.code())},
                        {"error", std::string(ErrorCodeName(why.code()))},
                        {"message", why.message()}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace lj::mqtt::internal
