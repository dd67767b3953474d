// libFuzzer target for the MQTT bridge's message decoding (mqtt/message_decoder.h): the first
// byte picks the mapping's payload format (JSON object, single value, line protocol, JSON batch),
// the rest is the payload. Decoding must never crash or throw (deep JSON, invalid UTF-8, huge
// numbers), every decoded string must be UTF-8, and the reject report published back to the
// sender must be valid UTF-8 JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.h"
#include "fuzz_util.h"
#include "mqtt/message_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lj;
  using namespace lj::mqtt;
  if (size == 0) return 0;
  constexpr PayloadFormat kFormats[] = {PayloadFormat::kJsonObject, PayloadFormat::kValue,
                                        PayloadFormat::kLineProtocol, PayloadFormat::kJsonBatch};
  Mapping m;
  m.topic = "ward/+/bed/+/+";
  m.twin = "monitor-{4}";
  m.telemetry = "{5}";
  m.payload = kFormats[data[0] % 4];
  const std::string payload(reinterpret_cast<const char*>(data + 1), size - 1);
  internal::DecodeScratch s;
  internal::DecodeMessage(m, "ward/a/bed/a01/hr", payload, 1'800'000'000'000'000'000, {}, s);
  for (const ingest::ParsedSample& smp : s.batch.samples) {
    fuzz::Touch(smp.twin);
    fuzz::Touch(smp.telemetry);
    if (smp.value.kind == ingest::ValueKind::kString) fuzz::Check(IsValidUtf8(smp.value.s));
  }
  ingest::IngestReport report;
  report.rejected = s.batch.rejects.size();
  report.rejects = s.batch.rejects;
  const std::string json = internal::RejectReportJson("ward/a/bed/a01/hr", m.payload, report);
  fuzz::Check(IsValidUtf8(json));
  fuzz::Check(ParseJson(json).ok());
  return 0;
}
