#include "server/ws_request.h"

#include "common/json.h"

namespace lj::server {
namespace {

bool Echoable(const nlohmann::json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().size() <= kMaxEchoBytes;
  return v.is_number() || v.is_boolean();
}

Status Invalid(std::string message) {
  return Status(ErrorCode::kInvalidArgument, std::move(message));
}

Result<live::Target> ParseTarget(const nlohmann::json& t) {
  live::Target target;
  if (!t.is_object())
    return Invalid("'target' must be an object with 'twin', 'subtree' or 'model'");
  auto str = [&](const char* k) {
    auto it = t.find(k);
    return it != t.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  if (const std::string* twin = str("twin")) {
    target.kind = live::Target::Kind::kTwin;
    target.id = *twin;
  } else if (const std::string* root = str("subtree")) {
    target.kind = live::Target::Kind::kSubtree;
    target.id = *root;
    if (auto it = t.find("relationships"); it != t.end()) {
      if (!it->is_array()) return Invalid("'relationships' must be an array of names");
      for (const auto& n : *it) {
        if (!n.is_string()) return Invalid("'relationships' must be an array of names");
        target.relationships.push_back(n.get<std::string>());
      }
    }
    if (auto it = t.find("depth"); it != t.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 64)
        return Invalid("'depth' must be an integer 0..64");
      target.depth = static_cast<int>(it->get<int64_t>());
    }
  } else if (const std::string* model = str("model")) {
    target.kind = live::Target::Kind::kModel;
    target.id = *model;
  } else {
    return Invalid("'target' must have a string 'twin', 'subtree' or 'model'");
  }
  return target;
}

}  // namespace

Result<WsRequest> ParseWsRequest(std::string_view text) {
  Result<nlohmann::json> j = ParseJson(text);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Status(ErrorCode::kParseError, "message must be a JSON object");
  auto op = j->find("op");
  if (op == j->end() || !op->is_string())
    return Status(ErrorCode::kParseError, "message must be a JSON object with a string 'op'");
  WsRequest r;
  r.op = op->get<std::string>();
  r.echo = nlohmann::json::object();
  for (const char* k : {"id", "seq"})
    if (auto it = j->find(k); it != j->end() && Echoable(*it)) r.echo[k] = *it;
  r.msg = std::move(*j);
  return r;
}

std::string ErrorFrame(const Status& s, const nlohmann::json& echo) {
  nlohmann::json j = {{"op", "error"},
                      {"code", static_cast<int>(s.code())},
                      {"error", std::string(ErrorCodeName(s.code()))},
                      {"message", s.message()}};
  if (echo.is_object())
    for (const auto& [k, v] : echo.items())
      if (Echoable(v)) j[k] = v;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<SubscribeRequest> ParseSubscribe(const nlohmann::json& msg) {
  SubscribeRequest r;
  auto id = msg.find("id");
  if (id == msg.end() || !id->is_string()) return Invalid("'id' must be a string");
  r.id = id->get<std::string>();
  auto target = msg.find("target");
  Result<live::Target> t = ParseTarget(target == msg.end() ? nlohmann::json() : *target);
  if (!t.ok()) return t.status();
  r.target = std::move(*t);
  if (auto it = msg.find("rate_hz"); it != msg.end()) {
    if (!it->is_number()) return Invalid("'rate_hz' must be a number");
    r.rate_hz = it->get<double>();
  }
  if (auto it = msg.find("waveforms"); it != msg.end()) {
    if (!it->is_boolean()) return Invalid("'waveforms' must be true or false");
    r.waveforms = it->get<bool>();
  }
  if (auto it = msg.find("history_s"); it != msg.end()) {
    if (!it->is_number()) return Invalid("'history_s' must be a number");
    r.history_s = it->get<double>();
  }
  return r;
}

}  // namespace lj::server
