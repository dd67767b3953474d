// libFuzzer target for the live API's message decoding (server/ws_request.h): every client
// message of a WebSocket connection goes through ParseWsRequest first, then the op's own
// decoding (ParseSubscribe) and, when refused, ErrorFrame, which echoes `id`/`seq`. Deep nesting,
// invalid UTF-8 and wrong member types must come back as errors, never a crash or an exception;
// every frame built must be valid UTF-8 and parse back as JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.h"
#include "fuzz_util.h"
#include "server/ws_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lj;
  using namespace lj::server;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Result<WsRequest> r = ParseWsRequest(text);
  std::string frame;
  if (!r.ok()) {
    fuzz::Check(r.status().code() == ErrorCode::kParseError);
    frame = ErrorFrame(r.status());
  } else {
    fuzz::Check(r->msg.is_object() && r->echo.is_object() && r->echo.size() <= 2);
    Result<SubscribeRequest> sub = ParseSubscribe(r->msg);
    frame = ErrorFrame(
        sub.ok() ? Status(ErrorCode::kUnsupported, "unknown op '" + r->op + "'") : sub.status(),
        r->echo);
    // Echoing the whole message must be safe too: its nesting is bounded.
    nlohmann::json copy = r->msg;
    fuzz::Touch(copy.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  fuzz::Check(IsValidUtf8(frame));
  fuzz::Check(ParseJson(frame).ok());
  return 0;
}
