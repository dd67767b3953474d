// Decoding of the live API's client messages (doc/protocols/websocket.md) from untrusted text,
// and the error frame that answers a refused one. Everything a WsSession reads from a client
// goes through here first, so the bounds hold for every op: nesting at most kMaxJsonDepth
// (common/json.h), valid UTF-8, a string `op`, and only scalar `id`/`seq` values echoed back (a
// string of at most kMaxEchoBytes, a number or a boolean). Nothing here throws.
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "common/status.h"
#include "live/client_state.h"

namespace lj::server {

inline constexpr size_t kMaxEchoBytes = 256;

struct WsRequest {
  std::string op;
  nlohmann::json msg;   // the whole message, an object
  nlohmann::json echo;  // {"id": …, "seq": …}: the members a reply repeats (scalars only)
};

// kParseError when `text` is not a JSON object with a string `op` (too deep, invalid UTF-8,
// bad syntax); the message says which.
Result<WsRequest> ParseWsRequest(std::string_view text);

// {"op":"error","code":…,"error":…,"message":…} plus the request's echo members.
std::string ErrorFrame(const Status& status, const nlohmann::json& echo = nullptr);

struct SubscribeRequest {
  std::string id;
  live::Target target;
  double rate_hz = 0;  // 0: the server's default
  bool waveforms = true;
  double history_s = 0;  // seconds of history before live (0: none)
};
// The members of a `subscribe` op, type-checked; kInvalidArgument naming the member.
Result<SubscribeRequest> ParseSubscribe(const nlohmann::json& msg);

}  // namespace lj::server
