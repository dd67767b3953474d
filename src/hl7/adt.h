// ADT (admit/discharge/transfer) messages applied to the twin graph (doc/protocols/hl7-mllp.md):
//   A01 admit, A04 register, A13 cancel discharge: create or update the Patient twin from PID
//     and assign it to the PV1-3 bed (A04: only when PV1-3 names a bed);
//   A02 transfer: move a known patient to the PV1-3 bed;
//   A03 discharge, A11 cancel admit: remove the patient's occupiedBy; the twin is kept;
//   A08 update: update a known patient's demographics.
// The ADT feed is authoritative: assigning a bed first unassigns the patient from any other bed
// and displaces a different occupant of the target bed. Repeats are idempotent (a repeated A01
// updates, a repeated A03 is accepted). Everything is validated before the first graph change,
// so an AE means nothing changed. Every change is a TwinGraph call (listeners see it at once).
// Thread-safety: ApplyAdt may be called concurrently (the graph serialises), but two messages
// about the same patient should come from one connection, in order, as HL7 expects.
#pragma once

#include <vector>

#include "hl7/ack.h"
#include "hl7/message.h"
#include "hl7/ward_index.h"

namespace lj::hl7 {

bool IsSupportedAdtEvent(std::string_view trigger);

// The Patient twin id an ADT message concerns (from PID-3), "" when it names none.
std::string AdtPatientTwin(const Message& msg);

// Returns the issues that make the answer AE (empty: AA).
std::vector<AckIssue> ApplyAdt(const Message& msg, WardIndex& ward);

}  // namespace lj::hl7
