#include "ingest/ingest_sink.h"

#include <algorithm>

namespace lj::ingest {

std::vector<std::string> DistinctTwins(const ParsedBatch& batch) {
  std::vector<std::string> twins;
  for (const ParsedSample& s : batch.samples)
    if (twins.empty() || twins.back() != s.twin) twins.emplace_back(s.twin);
  std::sort(twins.begin(), twins.end());
  twins.erase(std::unique(twins.begin(), twins.end()), twins.end());
  return twins;
}

std::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kHttpJson:
      return "http_json";
    case Protocol::kLineProtocol:
      return "line_protocol";
    case Protocol::kMqtt:
      return "mqtt";
    case Protocol::kWebSocket:
      return "websocket";
    case Protocol::kSimulator:
      return "simulator";
    case Protocol::kHl7:
      return "hl7";
    case Protocol::kClinical:
      return "clinical";
    case Protocol::kPresence:
      return "presence";
    case Protocol::kFhir:
      return "fhir";
    case Protocol::kCount:
      break;
  }
  return "unknown";
}

}  // namespace lj::ingest
