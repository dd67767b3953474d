#include "hl7/message.h"

#include <fmt/format.h>

#include <cctype>

namespace lj::hl7 {
namespace {

constexpr int kMaxPathNumber = 100000;

// The n-th (1-based) piece of `s` split at `sep`; empty when there are fewer pieces.
std::string_view Nth(std::string_view s, char sep, int n) {
  if (n < 1) return {};
  size_t start = 0;
  for (int i = 1; i < n; ++i) {
    size_t p = s.find(sep, start);
    if (p == std::string_view::npos) return {};
    start = p + 1;
  }
  size_t end = s.find(sep, start);
  return s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

int CountPieces(std::string_view s, char sep) {
  if (s.empty()) return 0;
  int n = 1;
  for (char c : s) n += c == sep;
  return n;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends the decoded form of escape sequence `seq` (the text between the escape characters);
// false when the sequence is not one we decode (the caller keeps it literally).
bool DecodeSequence(std::string_view seq, const Delimiters& d, std::string& out) {
  if (seq.size() == 1) {
    switch (seq[0]) {
      case 'F':
        out += d.field;
        return true;
      case 'S':
        out += d.component;
        return true;
      case 'T':
        out += d.subcomponent;
        return true;
      case 'R':
        out += d.repetition;
        return true;
      case 'E':
        out += d.escape;
        return true;
      case 'H':
      case 'N':
        return true;  // highlighting on/off: no meaning in plain text
      default:
        return false;
    }
  }
  if (seq == ".br") {
    out += '\n';
    return true;
  }
  if (seq[0] == 'X' && seq.size() % 2 == 1) {
    std::string bytes;
    for (size_t i = 1; i + 1 < seq.size(); i += 2) {
      int hi = HexDigit(seq[i]), lo = HexDigit(seq[i + 1]);
      if (hi < 0 || lo < 0) return false;
      bytes += static_cast<char>(hi * 16 + lo);
    }
    out += bytes;
    return true;
  }
  return false;
}

bool IsSegmentName(std::string_view s) {
  if (s.size() != 3) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 32)) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      out += fmt::format("\\x{:02X}", u);
    }
  }
  if (s.size() > 32) out += "...";
  return out;
}

bool BadDelimiter(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '\r' || c == '\n' || c == ' ' || u < 0x20 || u >= 0x7f;
}

Status ParseDelimiters(std::string_view text, Delimiters* d) {
  if (text.size() < 4 || text.substr(0, 3) != "MSH") {
    return Status(ErrorCode::kParseError, fmt::format("message must start with MSH, got '{}'",
                                                      Printable(text.substr(0, 3))));
  }
  if (text.size() < 8) {
    return Status(ErrorCode::kParseError, "MSH-2: missing encoding characters");
  }
  d->field = text[3];
  if (BadDelimiter(d->field)) {
    return Status(ErrorCode::kParseError,
                  fmt::format("MSH-1: invalid field separator '{}'", Printable(text.substr(3, 1))));
  }
  size_t end = 4;
  while (end < text.size() && text[end] != d->field && text[end] != '\r' && text[end] != '\n') {
    ++end;
  }
  std::string_view enc = text.substr(4, end - 4);
  if (enc.size() < 4 || enc.size() > 5) {
    return Status(ErrorCode::kParseError,
                  fmt::format("MSH-2: expected 4 encoding characters, got '{}'", Printable(enc)));
  }
  d->component = enc[0];
  d->repetition = enc[1];
  d->escape = enc[2];
  d->subcomponent = enc[3];
  const char all[5] = {d->field, d->component, d->repetition, d->escape, d->subcomponent};
  for (int i = 0; i < 5; ++i) {
    if (BadDelimiter(all[i])) {
      return Status(ErrorCode::kParseError, fmt::format("MSH-2: invalid encoding character '{}'",
                                                        Printable(std::string_view(&all[i], 1))));
    }
    for (int j = 0; j < i; ++j) {
      if (all[i] == all[j]) {
        return Status(ErrorCode::kParseError, "MSH-2: encoding characters must be distinct");
      }
    }
  }
  return Status::Ok();
}

bool ReadNumber(std::string_view s, size_t& i, int* out) {
  int v = 0;
  size_t start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i] - '0');
    if (v > kMaxPathNumber) return false;
    ++i;
  }
  *out = v;
  return i > start && v >= 1;
}

// "(n)" at i, if present.
bool ReadIndex(std::string_view s, size_t& i, int* out) {
  if (i >= s.size() || s[i] != '(') return true;
  ++i;
  if (!ReadNumber(s, i, out) || i >= s.size() || s[i] != ')') return false;
  ++i;
  return true;
}

}  // namespace

std::string Unescape(std::string_view raw, const Delimiters& d) {
  if (raw.find(d.escape) == std::string_view::npos) return std::string(raw);
  std::string out;
  out.reserve(raw.size());
  size_t i = 0;
  while (i < raw.size()) {
    if (raw[i] != d.escape) {
      out += raw[i++];
      continue;
    }
    size_t end = raw.find(d.escape, i + 1);
    if (end == std::string_view::npos) {  // unterminated: literal
      out.append(raw.substr(i));
      break;
    }
    std::string_view seq = raw.substr(i + 1, end - i - 1);
    if (seq.empty() || !DecodeSequence(seq, d, out)) {
      out.append(raw.substr(i, end - i + 1));
    }
    i = end + 1;
  }
  return out;
}

std::string Escape(std::string_view text, const Delimiters& d) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == d.escape) {
      out += fmt::format("{0}E{0}", d.escape);
    } else if (c == d.field) {
      out += fmt::format("{0}F{0}", d.escape);
    } else if (c == d.component) {
      out += fmt::format("{0}S{0}", d.escape);
    } else if (c == d.subcomponent) {
      out += fmt::format("{0}T{0}", d.escape);
    } else if (c == d.repetition) {
      out += fmt::format("{0}R{0}", d.escape);
    } else if (c == '\r' || c == '\n') {
      out += fmt::format("{0}X{1:02X}{0}", d.escape, static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out;
}

Result<Path> ParsePath(std::string_view s) {
  Path p;
  auto bad = [&] {
    return Status(ErrorCode::kInvalidArgument, fmt::format("bad HL7 path '{}'", s));
  };
  if (s.size() < 5 || !IsSegmentName(s.substr(0, 3))) return bad();
  p.segment = std::string(s.substr(0, 3));
  size_t i = 3;
  if (!ReadIndex(s, i, &p.occurrence)) return bad();
  if (i >= s.size() || s[i] != '-') return bad();
  ++i;
  if (!ReadNumber(s, i, &p.field) || !ReadIndex(s, i, &p.repetition)) return bad();
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!ReadNumber(s, i, &p.component)) return bad();
    if (i < s.size() && s[i] == '.') {
      ++i;
      if (!ReadNumber(s, i, &p.subcomponent)) return bad();
    }
  }
  if (i != s.size()) return bad();
  return p;
}

int Segment::FieldCount() const { return static_cast<int>(fields_.size()) - (is_msh_ ? 0 : 1); }

std::string_view Segment::RawField(int n) const {
  if (n < 1) return {};
  if (is_msh_) {
    if (n == 1) return name_.empty() ? std::string_view() : std::string_view(name_.data() + 3, 1);
    n -= 1;
  }
  if (static_cast<size_t>(n) >= fields_.size()) return {};
  return fields_[static_cast<size_t>(n)];
}

int Segment::Repetitions(int n) const {
  if (is_msh_ && n <= 2) return RawField(n).empty() ? 0 : 1;
  return CountPieces(RawField(n), delims_.repetition);
}

std::string_view Segment::RawRepetition(int n, int r) const {
  if (is_msh_ && n <= 2) return r == 1 ? RawField(n) : std::string_view();
  return Nth(RawField(n), delims_.repetition, r);
}

std::string Segment::Get(int n, int r, int c, int s) const {
  if (is_msh_ && n <= 2) {
    return c == 1 && s == 1 ? std::string(RawRepetition(n, r)) : std::string();
  }
  std::string_view comp = Nth(RawRepetition(n, r), delims_.component, c);
  return Unescape(Nth(comp, delims_.subcomponent, s), delims_);
}

Result<Message> Message::Parse(std::string_view input) {
  // Leading blank lines are tolerated (some senders start a frame with CR/LF).
  while (!input.empty() && (input.front() == '\r' || input.front() == '\n')) input.remove_prefix(1);
  Message m;
  LJ_RETURN_IF_ERROR(ParseDelimiters(input, &m.delims_));
  m.text_ = std::make_shared<const std::string>(input);
  std::string_view text = *m.text_;

  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    if (m.segments_.size() >= kMaxSegments) {
      return Status(ErrorCode::kOversize,
                    fmt::format("message has more than {} segments", kMaxSegments));
    }
    Segment seg;
    seg.delims_ = m.delims_;
    size_t start = 0;
    while (true) {
      size_t p = line.find(m.delims_.field, start);
      seg.fields_.push_back(line.substr(start, p == std::string_view::npos ? p : p - start));
      if (p == std::string_view::npos) break;
      start = p + 1;
    }
    seg.name_ = seg.fields_[0];
    if (!IsSegmentName(seg.name_)) {
      return Status(ErrorCode::kParseError,
                    fmt::format("segment {}: invalid segment name '{}'", m.segments_.size() + 1,
                                Printable(seg.name_)));
    }
    seg.is_msh_ = m.segments_.empty();
    if (!seg.is_msh_ && seg.name_ == "MSH") {
      return Status(ErrorCode::kParseError,
                    fmt::format("segment {}: a second MSH (batches are not supported)",
                                m.segments_.size() + 1));
    }
    m.segments_.push_back(std::move(seg));
  }
  return m;
}

const Segment* Message::Find(std::string_view name, int occurrence) const {
  int seen = 0;
  for (const Segment& s : segments_) {
    if (s.name() == name && ++seen == occurrence) return &s;
  }
  return nullptr;
}

std::string Message::Get(std::string_view path) const {
  Result<Path> p = ParsePath(path);
  if (!p.ok()) return {};
  const Segment* seg = Find(p->segment, p->occurrence);
  if (seg == nullptr) return {};
  return seg->Get(p->field, p->repetition, p->component, p->subcomponent);
}

}  // namespace lj::hl7
