#include "ingest/ingest_sink.h"

namespace lj::ingest {

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
    case Protocol::kCount:
      break;
  }
  return "unknown";
}

}  // namespace lj::ingest
