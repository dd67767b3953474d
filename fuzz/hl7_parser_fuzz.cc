// libFuzzer target for the HL7 v2 parser: parses the input as one message, reads every field,
// repetition, component and subcomponent (unescaped) so ASan sees bad views, evaluates a few
// paths and DTM values, maps every OBX (observation identifier, value, unit: hl7/obx_map.h), and
// checks that the ACK built for the message parses back with the same control id and severity.
// Invariants trap with __builtin_trap().
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "hl7/ack.h"
#include "hl7/dtm.h"
#include "hl7/message.h"
#include "hl7/obx_map.h"

namespace {

volatile uint64_t g_sink;

using lj::fuzz::Check;
using lj::fuzz::Touch;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lj::hl7;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  uint64_t h = 0;
  h += Touch(Unescape(text, Delimiters{}));
  lj::Result<lj::hl7::Path> path = ParsePath(text.substr(0, 40));
  h += path.ok() ? static_cast<uint64_t>(path->field) : 0;
  lj::Result<Dtm> dtm = ParseDtm(text.substr(0, 32), 60);
  h += dtm.ok() ? static_cast<uint64_t>(dtm->ns) : 0;

  lj::Result<Message> m = Message::Parse(text);
  if (!m.ok()) {
    Check(!m.status().message().empty());
    AckContext ctx = SalvageAckContext(text);
    Check(Message::Parse(BuildAck(ctx, AckCode::kReject, "X", 0, {})).ok());
    g_sink = h;
    return 0;
  }
  Check(!m->segments().empty() && m->segments()[0].name() == "MSH");
  for (const Segment& seg : m->segments()) {
    Check(seg.name().size() == 3);
    const int fields = seg.FieldCount();
    for (int f = 1; f <= fields + 1 && f <= 32; ++f) {
      h += Touch(seg.RawField(f));
      const int reps = seg.Repetitions(f);
      for (int r = 1; r <= reps + 1 && r <= 3; ++r) {
        for (int c = 1; c <= 4; ++c) {
          for (int s = 1; s <= 2; ++s) h += Touch(seg.Get(f, r, c, s));
        }
      }
    }
  }
  for (const Segment& seg : m->segments()) {
    if (seg.name() != "OBX") continue;
    const ObservationId id = IdentifyObservation(seg);
    Check(id.label.size() <= 160 && id.conflict.size() <= 400);
    Check(id.vital == nullptr || (id.conflict.empty() && !id.vital->telemetry.empty()));
    h += Touch(id.label) + Touch(id.conflict);
    const std::optional<double> v = ParseNm(seg.Get(5));
    Check(!v || std::isfinite(*v));
    if (id.vital != nullptr && v) {
      const lj::Result<double> c = ConvertObxUnit(seg, id.vital->telemetry, *v);
      Check(c.ok() ? std::isfinite(*c) : !c.status().message().empty());
      h += c.ok() ? std::bit_cast<uint64_t>(*c) : 0;
    }
  }
  for (const char* p : {"MSH-9.1", "MSH-10", "PID-3(2).5", "OBX(2)-5", "PV1-3.3", "OBX-18.1"}) {
    h += Touch(m->Get(p));
  }
  // An ACK for any parsed message is itself a valid message answering the same control id.
  const AckContext ctx = AckContextFrom(*m);
  const std::string ack =
      BuildAck(ctx, AckCode::kAccept, "LJ1", 0,
               {AckIssue{"OBX^1^3", kHl7UnknownKey, lj::ErrorCode::kUnknownTelemetry,
                         std::string(text.substr(0, 600)), Severity::kWarning}});
  lj::Result<Message> back = Message::Parse(ack);
  Check(back.ok());
  Check(back->Get("MSA-2") == ctx.control_id.substr(0, 200) || ctx.control_id.size() > 200);
  Check(back->Get("ERR-4") == "W" && back->Get("ERR-2.2") == "1");
  g_sink = h;
  return 0;
}
