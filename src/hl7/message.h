// HL7 v2 message parser (ER7, the pipe-and-hat encoding): segments separated by CR (LF and
// CRLF tolerated), the five delimiters taken from MSH-1/MSH-2 of the message itself, escape
// sequences (\F\ \S\ \T\ \R\ \E\, \Xhh..\, \.br\) decoded on access, repetitions, components
// and subcomponents, and typed access by path ("PID-3.1", "OBX(2)-5", "PID-3(1).4.2").
//
// Contract: Parse() copies the text; a Message owns its bytes and is self-contained. Field
// numbering follows the standard: for MSH, MSH-1 is the field separator and MSH-2 the encoding
// characters; for every other segment field 1 is the first after the name. Access to anything
// absent returns an empty string (HL7: absent and empty are the same). Parse errors name the
// segment and field ("MSH-2: encoding characters must be distinct").
// Limits: at most kMaxSegments segments; the caller bounds the text size (MLLP max message).
// Thread-safety: a parsed Message is immutable; concurrent reads are safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::hl7 {

struct Delimiters {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
};

// Decodes HL7 escape sequences in `raw` (one component or subcomponent). Unknown or unterminated
// sequences are kept literally; \H\ and \N\ (highlighting) are dropped; \.br\ becomes '\n'.
std::string Unescape(std::string_view raw, const Delimiters& d);
// Escapes delimiter characters (and the escape character) so `text` can be put in a field.
std::string Escape(std::string_view text, const Delimiters& d);

// A parsed path: SEG[(occurrence)]-FIELD[(repetition)][.COMPONENT[.SUBCOMPONENT]]; occurrence
// and repetition are 1-based in the text, component and subcomponent default to 1.
struct Path {
  std::string segment;
  int occurrence = 1;
  int field = 0;
  int repetition = 1;
  int component = 1;
  int subcomponent = 1;
};
Result<Path> ParsePath(std::string_view text);

class Segment {
 public:
  std::string_view name() const { return name_; }
  // Number of fields present (for MSH counting MSH-1).
  int FieldCount() const;
  // The raw (still escaped) text of field n, all repetitions.
  std::string_view RawField(int n) const;
  // Number of repetitions of field n (0 when empty).
  int Repetitions(int n) const;
  // The raw repetition r (1-based) of field n.
  std::string_view RawRepetition(int n, int r) const;
  // Unescaped component c (1-based), subcomponent s (1-based) of repetition r of field n.
  std::string Get(int n, int r = 1, int c = 1, int s = 1) const;
  // Same as Get(n, 1, c, s).
  std::string Component(int n, int c, int s = 1) const { return Get(n, 1, c, s); }

 private:
  friend class Message;
  std::string_view name_;
  std::vector<std::string_view> fields_;  // fields_[0] is the name
  Delimiters delims_;
  bool is_msh_ = false;
};

class Message {
 public:
  static constexpr size_t kMaxSegments = 10000;

  static Result<Message> Parse(std::string_view text);

  const Delimiters& delimiters() const { return delims_; }
  const std::vector<Segment>& segments() const { return segments_; }
  // The occurrence-th (1-based) segment named `name`, or nullptr.
  const Segment* Find(std::string_view name, int occurrence = 1) const;
  // Value at `path`; empty when absent or when the path is malformed.
  std::string Get(std::string_view path) const;

  // MSH-9.1 "ADT", MSH-9.2 "A01", MSH-10 control id, MSH-12.1 version.
  std::string MessageType() const { return Get("MSH-9.1"); }
  std::string TriggerEvent() const { return Get("MSH-9.2"); }
  std::string ControlId() const { return Get("MSH-10"); }
  std::string Version() const { return Get("MSH-12.1"); }

 private:
  Message() = default;

  std::shared_ptr<const std::string> text_;  // segments view into it; shared by copies
  Delimiters delims_;
  std::vector<Segment> segments_;
};

}  // namespace lj::hl7
