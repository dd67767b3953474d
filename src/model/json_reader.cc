// JSON text -> nlohmann::json through a SAX handler, so that every parser error (syntax errors
// and number overflows alike) arrives with its byte position.
#include "model/internal/json_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"

namespace lj::model::internal {
namespace {

using nlohmann::json;

// Builds the document like json::parse does (a repeated key keeps the last value), and records
// the first error instead of throwing.
class DomBuilder {
 public:
  explicit DomBuilder(json* root) : root_(root) {}

  bool null() { return Value(nullptr); }
  bool boolean(bool v) { return Value(v); }
  bool number_integer(json::number_integer_t v) { return Value(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Value(v); }
  bool number_float(json::number_float_t v, const std::string&) { return Value(v); }
  bool string(std::string& v) { return Value(std::move(v)); }
  bool binary(json::binary_t& v) { return Value(json::binary(std::move(v))); }
  bool start_object(std::size_t) { return Open(json::object()); }
  bool start_array(std::size_t) { return Open(json::array()); }
  bool key(std::string& k) {
    member_ = &(*stack_.back())[k];
    return true;
  }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t byte, const std::string&, const json::exception& e) {
    error_byte_ = byte;
    error_ = e.what();
    return false;
  }

  size_t error_byte() const { return error_byte_; }
  const std::string& error() const { return error_; }

 private:
  bool Value(json v) {
    Add(std::move(v));
    return true;
  }
  // Places `v` in the innermost open container (or at the root); returns where it went.
  json* Add(json v) {
    if (stack_.empty()) {
      *root_ = std::move(v);
      return root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    *member_ = std::move(v);
    return member_;
  }
  bool Open(json v) {
    stack_.push_back(Add(std::move(v)));
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  json* root_;
  std::vector<json*> stack_;  // open arrays and objects
  json* member_ = nullptr;    // value slot of the last object key
  size_t error_byte_ = 0;
  std::string error_;
};

// "[json.exception.parse_error.101] parse error at line 3, column 1: syntax error ..." ->
// "syntax error ...".
std::string Reason(const std::string& what) {
  std::string reason = what;
  if (!reason.empty() && reason.front() == '[') {
    if (size_t close = reason.find("] "); close != std::string::npos) reason.erase(0, close + 2);
  }
  if (reason.rfind("parse error", 0) == 0) {
    if (size_t colon = reason.find(": "); colon != std::string::npos) reason.erase(0, colon + 2);
  }
  return reason;
}

}  // namespace

Status ReadJson(std::string_view text, std::string_view source, json* out) {
  json root;
  DomBuilder builder(&root);
  // The resolver walks schemas recursively: nesting is bounded first (common/json.h).
  size_t deep_at = 0;
  Status depth = CheckJsonDepth(text, kMaxJsonDepth, &deep_at);
  std::string reason;
  size_t index = 0;
  if (depth.ok() && json::sax_parse(text.begin(), text.end(), &builder)) {
    *out = std::move(root);
    return Status::Ok();
  }
  if (!depth.ok()) {
    index = deep_at;
    reason = fmt::format("nests deeper than {} levels", kMaxJsonDepth);
  } else {
    index = std::min(builder.error_byte() > 0 ? builder.error_byte() - 1 : 0, text.size());
    reason = Reason(builder.error());
  }
  std::string_view before = text.substr(0, index);
  size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  size_t last_newline = before.rfind('\n');
  size_t column = index - (last_newline == std::string_view::npos ? 0 : last_newline + 1) + 1;
  return Status(ErrorCode::kParseError, fmt::format("{}: line {}, column {}: invalid JSON: {}",
                                                    source, line, column, reason));
}

}  // namespace lj::model::internal
